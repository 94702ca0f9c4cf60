"""Pieces shared by the staff wizards (/announce, /poll, /activity): screens, keyboards and the audience step.

A wizard shows each step as a new message and takes the buttons off the previous one, so only the current step
can be pressed. The audience step (everyone, or areas, languages and interests with a live count) looks the same
in every wizard that sends to many people; each wizard passes its own `button` maker, so the buttons carry that
wizard's callback data and stay bound to its FSM states.
"""

from collections.abc import Callable
from contextlib import suppress
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audience import AREAS, CATEGORIES, LANGUAGE, Audience, counts_by_language
from bot.content import Content
from bot.i18n import ngettext
from bot.languages import LANGUAGES

# A button of one wizard: (text, action, value="", dim="") → a button with that wizard's callback data.
ButtonMaker = Callable[..., InlineKeyboardButton]

# The audience dimension of a toggle in callback data: a(reas), l(anguages), c(ategories).
DIMENSION_KEYS = {"a": AREAS, "l": LANGUAGE, "c": CATEGORIES}
AUDIENCE_ACTIONS = ("all", "dim", "tog", "done")


# --- keyboards ----------------------------------------------------------------------------------------------


def rows_of(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[index:index + width] for index in range(0, len(buttons), width)]


def markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def nav_row(button: ButtonMaker, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(_("⬅️ Back"), "back")] if back else []
    return [*row, button(_("✖️ Cancel"), "cancel")]


def people(count: int) -> str:
    return ngettext("It reaches {count} person now.", "It reaches {count} people now.", count).format(count=count)


# --- screens ------------------------------------------------------------------------------------------------


async def show(bot: Bot, chat_id: int, state: FSMContext, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Send the next screen and take the buttons off the previous one, so only the current step is pressable."""
    previous = (await state.get_data()).get("screen")
    if previous:
        with suppress(TelegramBadRequest):  # too old to edit, or deleted by the staff member
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=previous, reply_markup=None)
    sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
    await state.update_data(screen=sent.message_id if keyboard else None)


async def edit_screen(callback: CallbackQuery, state: FSMContext, text: str, keyboard: InlineKeyboardMarkup) -> None:
    """Redraw the current screen in place (the audience toggles)."""
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=keyboard)
    else:  # Telegram no longer shows us that message: send the screen anew
        await show(callback.bot, callback.from_user.id, state, text, keyboard)


# --- the audience step --------------------------------------------------------------------------------------


async def audience_view(session: AsyncSession, content: Content, locale: str, chosen: Audience, heading: str,
                        button: ButtonMaker) -> tuple[str, InlineKeyboardMarkup]:
    """Everyone, or the three lists with how many are chosen in each, and how many people that reaches now."""
    count = sum((await counts_by_language(session, chosen)).values())
    text = "\n\n".join((
        heading,
        _("Chosen: {audience}").format(audience=escape(chosen.describe(content, locale))),
        people(count),
        _("Choices in one list mean any of them; choices in different lists must all match."),
    ))
    everyone = ("✓ " if chosen.everyone else "") + _("👥 Everyone")
    lists = [
        button(_("📍 Areas ({count})").format(count=len(chosen.areas)), "dim", dim="a"),
        button(_("🌐 Languages ({count})").format(count=len(chosen.languages)), "dim", dim="l"),
        button(_("🏷 Interests ({count})").format(count=len(chosen.categories)), "dim", dim="c"),
    ]
    keyboard = markup([button(everyone, "all")], lists[:2], lists[2:], [button(_("Next ➡️"), "next")],
                      nav_row(button))
    return text, keyboard


async def dimension_view(session: AsyncSession, content: Content, locale: str, chosen: Audience, key: str,
                         button: ButtonMaker) -> tuple[str, InlineKeyboardMarkup]:
    """One list (areas, languages or interests) to tick, with the live count."""
    options = {
        "a": [(area.id, area.name_in(locale)) for area in content.areas],
        "l": list(LANGUAGES.items()),
        "c": [(category.id, category.label(locale)) for category in content.activity_categories],
    }[key]
    titles = {"a": _("Which areas? Residents who chose one of these areas in /settings."),
              "l": _("Which languages? Residents who use the bot in one of these languages."),
              "c": _("Which interests? Residents who follow one of these kinds of activity.")}
    ticked = getattr(chosen, DIMENSION_KEYS[key])
    count = sum((await counts_by_language(session, chosen)).values())
    toggles = [button(("✓ " if value in ticked else "") + label, "tog", value, key) for value, label in options]
    text = "\n\n".join((titles[key], _("None chosen means no limit."), people(count)))
    return text, markup(*rows_of(toggles, 2), [button(_("✓ Done"), "done"), button(_("✖️ Cancel"), "cancel")])


def audience_after(chosen: Audience, action: str, key: str, value: str, content: Content) -> Audience | None:
    """The audience after a press on the audience screens; None for a press that makes no sense (old or forged).

    "all" chooses everyone, "tog" ticks or unticks one choice, "dim" opens a list and "done" closes it."""
    if action == "all":
        return Audience()
    if action == "tog":
        known = {AREAS: {area.id for area in content.areas}, LANGUAGE: set(LANGUAGES),
                 CATEGORIES: {category.id for category in content.activity_categories}}
        if key not in DIMENSION_KEYS or value not in known[DIMENSION_KEYS[key]]:
            return None
        return chosen.toggle(DIMENSION_KEYS[key], value)
    if action == "dim" and key not in DIMENSION_KEYS:
        return None
    return chosen
