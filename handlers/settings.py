"""/settings: the resident's area (for local news), quiet hours (nothing that is not urgent arrives then), when
to be reminded of activities, and the weekly digest (which replaces single reminders for followed categories)."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import preferences
from bot.library import ContentStore
from db.models import User
from handlers.common import reply
from handlers.menu import MenuCallback, stale_button


class SettingsCallback(CallbackData, prefix="set"):
    action: str  # show | areas | area | quiet | hours | reminders | remind | digest
    value: str = ""


REMINDER_LABELS = {
    "evening": __("Evening before (18:00)"),
    "two_hours": __("Two hours before"),
    "both": __("Both"),
}
# How the choice reads on the settings screen ("Both" alone would not say of what).
REMINDER_SUMMARIES = {
    "evening": __("the evening before (18:00)"),
    "two_hours": __("two hours before"),
    "both": __("the evening before (18:00) and two hours before"),
}


def settings_text(user: User, content: ContentStore) -> str:
    area = content.current.area(user.area) if user.area else None
    return "\n".join((
        _("<b>Your settings</b>"),
        _("Your area: {area}").format(area=area.name_in(user.language) if area else _("not chosen")),
        _("Quiet hours: {hours}").format(hours=preferences.quiet_hours_label(user.quiet_from, user.quiet_until)),
        _("Reminders: {when}").format(when=str(REMINDER_SUMMARIES[preferences.reminder_choice(user)])),
        _("Weekly digest: {state}").format(state=_("on") if user.weekly_digest else _("off")),
        "",
        _("With an area chosen, you also get news meant for your part of Norra Hisingen. During quiet hours I "
          "send nothing unless it is urgent."),
        _("With the weekly digest on, you get one message on Sunday evening listing the week's activities instead "
          "of single reminders for the categories you follow."),
    ))


def settings_markup(user: User) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📍 My area"), callback_data=SettingsCallback(action="areas"))
    builder.button(text=_("🌙 Quiet hours"), callback_data=SettingsCallback(action="quiet"))
    builder.button(text=_("⏰ Reminders"), callback_data=SettingsCallback(action="reminders"))
    # The button says what the digest is now; a press asks for the other state (a double tap changes nothing).
    if user.weekly_digest:
        builder.button(text=_("🗞 Weekly digest: on"), callback_data=SettingsCallback(action="digest", value="off"))
    else:
        builder.button(text=_("🗞 Weekly digest: off"), callback_data=SettingsCallback(action="digest", value="on"))
    builder.button(text=_("⬅️ Menu"), callback_data=MenuCallback(action="menu"))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def back_markup(builder: InlineKeyboardBuilder) -> InlineKeyboardMarkup:
    builder.button(text=_("⬅️ Back"), callback_data=SettingsCallback(action="show"))
    return builder.as_markup()


async def show_settings(message: Message, user: User, content: ContentStore) -> None:
    await message.answer(settings_text(user, content), reply_markup=settings_markup(user))


async def settings_pressed(callback: CallbackQuery, callback_data: SettingsCallback, callback_answer: CallbackAnswer,
                           user: User, content: ContentStore) -> None:
    library = content.current
    if callback_data.action == "areas":
        builder = InlineKeyboardBuilder()
        for area in library.content.areas:
            builder.button(text=area.name_in(user.language), callback_data=SettingsCallback(action="area",
                                                                                           value=area.id))
        builder.button(text=_("No area"), callback_data=SettingsCallback(action="area"))
        builder.adjust(2)
        await reply(callback, _("Where do you live? Choose your area."), back_markup(builder))
        return
    if callback_data.action == "quiet":
        builder = InlineKeyboardBuilder()
        for start, end in preferences.QUIET_CHOICES:
            builder.button(text=preferences.quiet_hours_label(start, end),
                           callback_data=SettingsCallback(action="hours", value=f"{start}-{end}"))
        builder.adjust(2)
        await reply(callback, _("When should I stay quiet? Nothing that is not urgent arrives then."),
                    back_markup(builder))
        return
    if callback_data.action == "reminders":
        builder = InlineKeyboardBuilder()
        for choice, label in REMINDER_LABELS.items():
            builder.button(text=str(label), callback_data=SettingsCallback(action="remind", value=choice))
        builder.adjust(1)
        await reply(callback, _("When should I remind you of an activity? The evening before is at 18:00. A "
                                "reminder that would come during your quiet hours comes before they start."),
                    back_markup(builder))
        return
    if callback_data.action == "area":
        if callback_data.value and library.area(callback_data.value) is None:
            await stale_button(callback, callback_answer)
            return
        user.area = callback_data.value or None
        callback_answer.text = _("Saved.")
    elif callback_data.action == "hours":
        if not preferences.set_quiet_hours(user, callback_data.value):
            await stale_button(callback, callback_answer)
            return
        callback_answer.text = _("Saved.")
    elif callback_data.action == "remind":
        if not preferences.set_reminder_choice(user, callback_data.value):
            await stale_button(callback, callback_answer)
            return
        callback_answer.text = _("Saved.")
    elif callback_data.action == "digest":
        if not preferences.set_weekly_digest(user, callback_data.value):
            await stale_button(callback, callback_answer)
            return
        callback_answer.text = _("Saved.")
    await reply(callback, settings_text(user, content), settings_markup(user))


async def settings_from_menu(callback: CallbackQuery, user: User, content: ContentStore) -> None:
    await reply(callback, settings_text(user, content), settings_markup(user))


def create_router() -> Router:
    router = Router(name="settings")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_settings, Command("settings"))
    router.callback_query.register(settings_pressed, SettingsCallback.filter())
    router.callback_query.register(settings_from_menu, MenuCallback.filter(F.action == "settings"))
    return router

