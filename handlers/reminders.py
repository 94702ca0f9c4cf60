"""/reminders: a resident's reminders (one date, or every time) and followed categories, each with ✖ to stop it.
Stopping a reminder also takes its messages that are still waiting out of the outbox (bot.activities)."""

from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot import activities
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import BABEL_LOCALES
from bot.library import ContentStore, Library
from db.models import Activity, ActivityReminder, User
from handlers.activities import ReminderCallback, button, clock_time, menu_button, short_when
from handlers.common import reply

SHOWN = 40  # items on one screen: a message holds at most 4096 characters
LOOK_AHEAD = timedelta(days=366)  # how far to look for a series' next date
LABEL_IN_BUTTON = 32
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_A_MONDAY = date(2026, 11, 30)


def _babel(locale: str) -> str:
    return BABEL_LOCALES.get(locale, locale)


def weekday_name(code: str, locale: str) -> str:
    return format_date(_A_MONDAY + timedelta(days=_WEEKDAYS.index(code)), "EEEE", locale=_babel(locale))


def series_when(activity: Activity, locale: str) -> str:
    """"every Tuesday, 16:00" for a weekly rule; other rules (monthly …) just say that they repeat."""
    parts = dict(part.split("=", 1) for part in (activity.rrule or "").split(";") if "=" in part)
    days = [day for day in parts.get("BYDAY", "").split(",") if day]
    at = clock_time(activity.first_start.time(), locale)
    if parts.get("FREQ") == "WEEKLY" and parts.get("INTERVAL", "1") in ("1", "2") and all(d in _WEEKDAYS
                                                                                          for d in days):
        names = ", ".join(weekday_name(day, locale) for day in days) or format_date(
            activity.first_start, "EEEE", locale=_babel(locale))
        if parts.get("INTERVAL", "1") == "2":
            return _("every other {weekday}, {time}").format(weekday=names, time=at)
        return _("every {weekday}, {time}").format(weekday=names, time=at)
    return _("repeats, {time}").format(time=at)


async def reminder_line(session: AsyncSession, reminder: ActivityReminder, activity: Activity, locale: str,
                        tz: ZoneInfo, now: datetime) -> str | None:
    """One line of the list; None for a date that is over (nothing left to remind of)."""
    title = escape(activities.title_in(activity, locale))
    if reminder.occurrence:
        happening = await activities.occurrence_of(session, activity.id, reminder.occurrence, tz)
        if happening is None:
            return f"🔔 {title}"
        if happening.occurrence.end < now:
            return None
        line = f"🔔 {title} — {short_when(happening.occurrence.start, locale, tz)}"
        return " — ".join((line, _("❌ Cancelled"))) if happening.occurrence.cancelled else line
    line = f"🔁 {title} — {escape(series_when(activity, locale))}"
    if activity.cancelled:
        return " — ".join((line, _("❌ Cancelled")))
    upcoming = await activities.next_happening(session, activity, tz, now, now + LOOK_AHEAD)
    if upcoming is None:
        return " — ".join((line, _("no more dates planned")))
    return " ".join((line, _("(next: {when})").format(when=short_when(upcoming.occurrence.start, locale, tz))))


def subscription_line(category_id: str, area_id: str, library: Library, locale: str) -> str:
    category = library.content.activity_category(category_id)
    label = category.label(locale) if category else category_id
    area = library.area(area_id) if area_id else None
    where = area.name_in(locale) if area else _("everywhere")
    return f"🗂 {escape(label)} — {escape(where)}"


def _short(text: str) -> str:
    return text if len(text) <= LABEL_IN_BUTTON else text[:LABEL_IN_BUTTON - 1].rstrip() + "…"


async def reminders_screen(session: AsyncSession, user: User, library: Library, tz: ZoneInfo,
                           now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    locale = user.language
    lines: list[str] = []
    buttons: list[InlineKeyboardButton] = []
    for reminder, activity in await activities.reminders_of(session, user.id):
        line = await reminder_line(session, reminder, activity, locale, tz, now)
        if line is not None:
            lines.append(line)
            buttons.append(InlineKeyboardButton(
                text=f"✖ {len(lines)}. {_short(activities.title_in(activity, locale))}",
                callback_data=ReminderCallback(action="r", id=reminder.id).pack()))
    reminder_count = len(lines)
    for subscription in await activities.subscriptions_of(session, user.id):
        lines.append(subscription_line(subscription.category, subscription.area, library, locale))
        category = library.content.activity_category(subscription.category)
        label = category.label(locale) if category else subscription.category
        buttons.append(InlineKeyboardButton(text=f"✖ {len(lines)}. {_short(label)}",
                                            callback_data=ReminderCallback(action="s", id=subscription.id).pack()))
    activities_button = button(_("📅 Activities"), "home")
    if not lines:
        text = _("You have no reminders. Open /activities, choose an activity and tap “🔔 Remind me”, or follow a "
                 "kind of activity with “🗂 Follow”.")
        return text, InlineKeyboardMarkup(inline_keyboard=[[activities_button, menu_button()]])
    numbered = [f"{number}. {line}" for number, line in enumerate(lines, start=1)]
    parts = [_("<b>Your reminders</b>")]
    if reminder_count:
        parts.append("\n".join(numbered[:reminder_count][:SHOWN]))
    if len(lines) > reminder_count:
        parts.append(_("<b>Kinds of activity you follow</b>"))
        parts.append("\n".join(numbered[reminder_count:][:SHOWN]))
    parts.append(_("Tap ✖ to stop one."))
    rows = [[item] for item in buttons[:SHOWN * 2]]
    rows.append([activities_button, menu_button()])
    return "\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=rows)


async def show_reminders(message: Message, session: AsyncSession, user: User, content: ContentStore,
                         settings: Settings, clock: Clock) -> None:
    text, markup = await reminders_screen(session, user, content.current, settings.tz, clock.now())
    await message.answer(text, reply_markup=markup)


async def reminders_from_button(callback: CallbackQuery, session: AsyncSession, user: User, content: ContentStore,
                                settings: Settings, clock: Clock) -> None:
    text, markup = await reminders_screen(session, user, content.current, settings.tz, clock.now())
    await reply(callback, text, markup)


async def cancel_one(callback: CallbackQuery, callback_data: ReminderCallback, callback_answer: CallbackAnswer,
                     session: AsyncSession, user: User, content: ContentStore, settings: Settings,
                     clock: Clock) -> None:
    if callback_data.action == "r":
        removed = await activities.remove_reminder(session, user.id, callback_data.id) is not None
    else:
        removed = await activities.remove_subscription(session, user.id, callback_data.id)
    if not removed:  # a double tap, or an old list: it is gone already (or was never theirs)
        callback_answer.text = _("This is already stopped.")
        return
    callback_answer.text = _("Stopped.")
    text, markup = await reminders_screen(session, user, content.current, settings.tz, clock.now())
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest:  # too old to edit: show the list anew
            pass
    await reply(callback, text, markup)


def create_router() -> Router:
    router = Router(name="reminders")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_reminders, Command("reminders"))
    router.callback_query.register(reminders_from_button, ReminderCallback.filter(F.action == "list"))
    router.callback_query.register(cancel_one, ReminderCallback.filter(F.action.in_({"r", "s"})))
    return router
