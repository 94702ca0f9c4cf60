"""The main menu: its callback data, its keyboard and the way back to it from every screen."""

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.common import reply


class MenuCallback(CallbackData, prefix="m"):
    action: str


# (action, label) in display order; each feature adds its entry here and handles MenuCallback(action=...).
MENU_ITEMS = (
    ("services", __("🏛 Services")),
    ("activities", __("📅 Activities")),
    ("news", __("📰 News")),
    ("polls", __("🗳 Polls")),
    ("settings", __("⚙️ Settings")),
    ("help", __("❓ Help")),
    ("language", __("🌐 Language")),
    ("privacy", __("🔒 Privacy")),
)


def main_menu_text() -> str:
    return _("What can I help you with? Choose below, or just write your question in your own words.")


def main_menu_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action, label in MENU_ITEMS:
        builder.button(text=str(label), callback_data=MenuCallback(action=action))
    builder.adjust(2)
    return builder.as_markup()


def back_to_menu_markup() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=_("⬅️ Menu"), callback_data=MenuCallback(action="menu").pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def stale_button(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A button we no longer understand (old, or forged): say so briefly and offer the menu."""
    callback_answer.text = _("This button no longer works. Here is the menu.")
    await reply(callback, main_menu_text(), main_menu_markup())
