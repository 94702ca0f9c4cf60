"""/reminders: a resident's reminders (one date, or every time) and followed categories, each with ✖ to stop it.
Stopping one also takes out of the outbox the reminder messages still waiting for it, unless something else the
resident keeps asks for them too: another followed category, or a "remind me" (bot.activities)."""

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
    """"every Tuesday, 16:00" for a weekly rule, "every month on the first Tuesday, 16:00" or "every month on day
    15, 16:00" for a monthly one; other rules just say that they repeat."""
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
    if parts.get("FREQ") == "MONTHLY" and parts.get("INTERVAL", "1") == "1" and not parts.keys() & _NARROWING:
        monthly = monthly_when(days, parts.get("BYMONTHDAY"), activity.first_start, locale, at)
        if monthly is not None:
            return monthly
    return _("repeats, {time}").format(time=at)


_NARROWING = {"BYSETPOS", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYHOUR", "BYMINUTE"}


def monthly_when(days: list[str], month_day: str | None, first: datetime, locale: str, at: str) -> str | None:
    """A monthly rule on one weekday of the month ("1TU" … "4TU", "-1TU" for the last), or on one day of the month
    (BYMONTHDAY, or with neither the day of the first date). None for other monthly rules."""
    if days:
        if len(days) != 1 or month_day is not None:
            return None
        nth, code = days[0][:-2].lstrip("+"), days[0][-2:]
        if code not in _WEEKDAYS:
            return None
        weekday = weekday_name(code, locale)
        if nth == "1":
            return _("every month on the first {weekday}, {time}").format(weekday=weekday, time=at)
        if nth == "2":
            return _("every month on the second {weekday}, {time}").format(weekday=weekday, time=at)
        if nth == "3":
            return _("every month on the third {weekday}, {time}").format(weekday=weekday, time=at)
        if nth == "4":
            return _("every month on the fourth {weekday}, {time}").format(weekday=weekday, time=at)
        if nth == "-1":
            return _("every month on the last {weekday}, {time}").format(weekday=weekday, time=at)
        return None
    day = month_day if month_day is not None else str(first.day)
    if not day.isdigit() or not 1 <= int(day) <= 31:
        return None  # several days, or counted from the end of the month
    return _("every month on day {day}, {time}").format(day=int(day), time=at)


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
