"""/activities for residents: this week, by category, by area, near me; an occurrence's card with "Remind me",
"Follow", "Add to calendar" (.ics) and a map pin. The queries live in bot/activities.py, the .ics in bot/ics.py.

Callback data carries ids only (activity id, occurrence key, category or area id), never titles: it must stay
under Telegram's 64 bytes in every language, and a button pressed days later is looked up again, so a changed
or removed activity answers with the stale-button message instead of old facts.
"""

from datetime import datetime, time, timedelta
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    format_time,
    get_datetime_format,
    get_time_format,
)
from babel.numbers import format_decimal
from pydantic import Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import activities, ics
from bot.clock import Clock
from bot.config import Settings
from bot.content import text_in
from bot.directory import Location
from bot.i18n import BABEL_LOCALES
from bot.library import ContentStore, Library
from db.models import Activity, User
from handlers.common import reply
from handlers.menu import MenuCallback, stale_button

PAGE_SIZE = 8
# A row id as the database can hold it: a forged huge number must not reach PostgreSQL (it would fail, not miss).
RowId = Annotated[int, Field(ge=0, le=2**31 - 1)]
WEEK = timedelta(days=7)
LIST_WINDOW = timedelta(days=28)  # by category, by area, near me: the next four weeks
TITLE_IN_BUTTON = 40  # characters of the title on a list button; the card shows it whole
EVENING_REMINDER = time(18, 0)


class ActivitiesCallback(CallbackData, prefix="ac"):
    # home | week | cats | cat | areas | area | near | nearby | card | once | every | follow | sub | cal | calone |
    # calall | map
    action: str
    id: RowId = 0  # activity id
    key: str = ""  # Occurrence.key
    value: str = ""  # category id, area id, "lat,lon", or here/all for "sub"
    page: int = 0


class ReminderCallback(CallbackData, prefix="rem"):
    """/reminders (handlers/reminders.py): list, or cancel one reminder (r) or followed category (s) by row id."""

    action: str  # list | r | s
    id: RowId = 0


class NearMe(StatesGroup):
    waiting = State()  # asked for the location; the next location pin is for activities


def _data(action: str, **fields: object) -> str:
    return ActivitiesCallback(action=action, **fields).pack()


def button(text: str, action: str, **fields: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=_data(action, **fields))


def menu_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅️ Menu"), callback_data=MenuCallback(action="menu").pack())


def back_row(action: str = "home", **fields: object) -> list[InlineKeyboardButton]:
    return [button(_("⬅️ Back"), action, **fields), menu_button()]


# --- Dates and times: Babel in the reader's language, always in TIMEZONE ----------------------------------------

def _babel(locale: str) -> str:
    return BABEL_LOCALES.get(locale, locale)


def _day_and_time(day: str, hours: str, locale: str) -> str:
    """A date and a time (or time range) joined the way the language does it ("{1}, {0}", "{1}، {0}" …)."""
    return get_datetime_format("medium", locale=_babel(locale)).replace("{1}", day).replace("{0}", hours)


def short_when(moment: datetime, locale: str, tz: ZoneInfo) -> str:
    """"tis 1 dec. 16:00", "Tue 1 Dec, 16:00", "الثلاثاء، 1 ديسمبر، 4:00 م": for a button."""
    local, babel_locale = moment.astimezone(tz), _babel(locale)
    return _day_and_time(format_skeleton("MMMEd", local, locale=babel_locale),
                         format_time(local, "short", locale=babel_locale), locale)


def long_when(start: datetime, end: datetime, locale: str, tz: ZoneInfo) -> str:
    """"tisdag 1 december 2026 16:00–17:30": weekday, date, start and end (a Babel interval: "4:00–5:30 م")."""
    babel_locale = _babel(locale)
    twelve_hours = "h" in get_time_format("short", locale=babel_locale).pattern
    hours = format_interval(start, end, "hm" if twelve_hours else "Hm", tzinfo=tz, locale=babel_locale)
    return _day_and_time(format_date(start.astimezone(tz), "full", locale=babel_locale), hours, locale)


def planned_when(planned: datetime, locale: str, tz: ZoneInfo) -> str:
    """A planned local time (of a moved occurrence) spelt out like the start on the card."""
    local = planned.replace(tzinfo=tz)
    return _day_and_time(format_date(local, "full", locale=_babel(locale)),
                         format_time(local, "short", locale=_babel(locale)), locale)


def clock_time(moment: time, locale: str) -> str:
    return format_time(moment, "short", locale=_babel(locale))


def km_text(km: float, locale: str) -> str:
    return f"{format_decimal(round(km, 1), locale=_babel(locale))} km"


# --- Where: venue, address, area -------------------------------------------------------------------------------

def venue_text(activity: Activity, library: Library, locale: str) -> str:
    """The venue's name in the reader's language and its address, or the activity's own address."""
    service = library.services.get(activity.venue_service or "")
    parts = []
    if service is not None:
        parts.append(text_in(service.name, locale))
    address = activity.address or (service.address if service else None)
    if address:
        parts.append(address)
    return ", ".join(parts)


def area_name(activity: Activity, library: Library, locale: str) -> str:
    area = library.area(activity.area) if activity.area else None
    return area.name_in(locale) if area else ""


def category_name(activity: Activity, library: Library, locale: str) -> str:
    category = library.content.activity_category(activity.category)
    return text_in(category.name, locale) if category else activity.category


# --- Lists -----------------------------------------------------------------------------------------------------

def happening_button(happening: activities.Happening, locale: str, tz: ZoneInfo,
                     before: str = "") -> InlineKeyboardButton:
    occurrence = happening.occurrence
    title = activities.title_in(happening.activity, locale)
    if len(title) > TITLE_IN_BUTTON:
        title = title[:TITLE_IN_BUTTON - 1].rstrip() + "…"
    mark = "❌ " if occurrence.cancelled else ""
    return button(f"{mark}{before}{short_when(occurrence.start, locale, tz)} · {title}", "card",
                  id=happening.activity.id, key=occurrence.key)


def page_of(count: int, page: int) -> int:
    """A page number that exists (an old or forged one is brought into range)."""
    last = max(0, (count - 1) // PAGE_SIZE)
    return min(max(page, 0), last)


def list_screen(heading: str, buttons: list[InlineKeyboardButton], page: int, action: str, value: str,
                back: list[InlineKeyboardButton]) -> tuple[str, InlineKeyboardMarkup]:
    """One page of occurrence buttons with ◀/More ▶ paging; a friendly line when there is nothing."""
    if not buttons:
        text = "\n\n".join((heading, _("Nothing planned in this period. Try another choice, or look again later.")))
        return text, InlineKeyboardMarkup(inline_keyboard=[back])
    page = page_of(len(buttons), page)
    pages = (len(buttons) - 1) // PAGE_SIZE + 1
    lines = [heading, _("Tap an activity to see where, when and more.")]
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    rows = [[item] for item in buttons[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]]
    paging = []
    if page > 0:
        paging.append(button(_("◀ Back"), action, value=value, page=page - 1))
    if page + 1 < pages:
        paging.append(button(_("More ▶"), action, value=value, page=page + 1))
    if paging:
        rows.append(paging)
    rows.append(back)
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def home_screen() -> tuple[str, InlineKeyboardMarkup]:
    text = _("<b>📅 Activities in Norra Hisingen</b>\nHomework help, language cafés, sport, meetings and more. "
             "How do you want to look?")
    rows = [
        [button(_("📅 This week"), "week")],
        [button(_("🗂 By category"), "cats"), button(_("📍 By area"), "areas")],
        [button(_("📌 Near me"), "near")],
        [InlineKeyboardButton(text=_("🔔 My reminders"), callback_data=ReminderCallback(action="list").pack()),
         menu_button()],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def show_home(message: Message) -> None:
    text, markup = home_screen()
    await message.answer(text, reply_markup=markup)


async def home_from_button(callback: CallbackQuery) -> None:
    text, markup = home_screen()
    await reply(callback, text, markup)


async def this_week(callback: CallbackQuery, callback_data: ActivitiesCallback, session: AsyncSession,
                    user: User, settings: Settings, clock: Clock) -> None:
    now = clock.now()
    found = await activities.happenings(session, settings.tz, now, now + WEEK, include_cancelled=True)
    buttons = [happening_button(h, user.language, settings.tz) for h in found]
    heading = _("<b>📅 This week</b> ({start} – {end})").format(
        start=format_skeleton("MMMd", now.astimezone(settings.tz), locale=_babel(user.language)),
        end=format_skeleton("MMMd", (now + WEEK).astimezone(settings.tz), locale=_babel(user.language)))
    await reply(callback, *list_screen(heading, buttons, callback_data.page, "week", "", back_row()))


async def choose_category(callback: CallbackQuery, session: AsyncSession, content: ContentStore,
                          user: User) -> None:
    used = await activities.categories_in_use(session)
    rows = [[button(category.label(user.language), "cat", value=category.id)]
            for category in content.current.content.activity_categories if category.id in used]
    rows.append(back_row())
    await reply(callback, _("Which kind of activity?"), InlineKeyboardMarkup(inline_keyboard=rows))


async def choose_area(callback: CallbackQuery, session: AsyncSession, content: ContentStore, user: User) -> None:
    used = await activities.areas_in_use(session)
    buttons = [button(area.name_in(user.language), "area", value=area.id)
               for area in content.current.content.areas if area.id in used]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append(back_row())
    await reply(callback, _("In which area?"), InlineKeyboardMarkup(inline_keyboard=rows))


async def in_category(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                      session: AsyncSession, content: ContentStore, user: User, settings: Settings,
                      clock: Clock) -> None:
    category = content.current.content.activity_category(callback_data.value)
    if category is None:
        await stale_button(callback, callback_answer)
        return
    now = clock.now()
    found = await activities.happenings(session, settings.tz, now, now + LIST_WINDOW, category=category.id,
                                        include_cancelled=True)
    heading = _("<b>{category}</b>: the next four weeks").format(category=escape(category.label(user.language)))
    buttons = [happening_button(h, user.language, settings.tz) for h in found]
    await reply(callback, *list_screen(heading, buttons, callback_data.page, "cat", category.id, back_row("cats")))


async def in_area(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                  session: AsyncSession, content: ContentStore, user: User, settings: Settings, clock: Clock) -> None:
    area = content.current.area(callback_data.value)
    if area is None:
        await stale_button(callback, callback_answer)
        return
    now = clock.now()
    found = await activities.happenings(session, settings.tz, now, now + LIST_WINDOW, area=area.id,
                                        include_cancelled=True)
    heading = _("<b>📍 {area}</b>: the next four weeks").format(area=escape(area.name_in(user.language)))
    buttons = [happening_button(h, user.language, settings.tz) for h in found]
    await reply(callback, *list_screen(heading, buttons, callback_data.page, "area", area.id, back_row("areas")))


# --- Near me: a location pin, then the nearest activities with their distance ------------------------------------

async def ask_location(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(NearMe.waiting)
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=_("📍 Send my location"), request_location=True)],
                                             [KeyboardButton(text=_("✖ Cancel"))]],
                                   resize_keyboard=True, one_time_keyboard=True)
    await callback.bot.send_message(
        callback.from_user.id,
        _("Tap “📍 Send my location” below and I will show what is on near you. Your location is used only for "
          "this list and is not stored."),
        reply_markup=keyboard)


def near_value(spot: Location) -> str:
    # Rounded to about 10 m: plenty for "nearest first", and short in the callback data.
    return f"{spot.lat:.4f},{spot.lon:.4f}"


def parse_near(value: str) -> Location | None:
    try:
        lat, lon = (float(part) for part in value.split(","))
        return Location(lat=lat, lon=lon)
    except (ValueError, ValidationError):
        return None


async def near_screen(session: AsyncSession, library: Library, here: Location, page: int, locale: str,
                      tz: ZoneInfo, now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    found = await activities.nearest_happenings(session, tz, now, now + LIST_WINDOW, here, library.services)
    buttons = [happening_button(h, locale, tz, before=f"{km_text(km, locale)} · ") for h, km in found]
    heading = _("<b>📌 Near you</b>, nearest first (the next four weeks)")
    return list_screen(heading, buttons, page, "nearby", near_value(here), back_row())


async def location_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                            user: User, settings: Settings, clock: Clock) -> None:
    await state.clear()
    spot = Location(lat=message.location.latitude, lon=message.location.longitude)
    await message.answer(_("Thank you."), reply_markup=ReplyKeyboardRemove())
    text, markup = await near_screen(session, content.current, spot, 0, user.language, settings.tz, clock.now())
    await message.answer(text, reply_markup=markup)


async def location_cancelled(message: Message, state: FSMContext) -> None:
    await state.clear()
    if message.text != _("✖ Cancel"):
        raise SkipHandler  # they wrote something else (a question): let the other handlers answer it
    await message.answer(_("All right."), reply_markup=ReplyKeyboardRemove())
    await show_home(message)


async def nearby_page(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                      session: AsyncSession, content: ContentStore, user: User, settings: Settings,
                      clock: Clock) -> None:
    here = parse_near(callback_data.value)
    if here is None:
        await stale_button(callback, callback_answer)
        return
    text, markup = await near_screen(session, content.current, here, callback_data.page, user.language, settings.tz,
                                     clock.now())
    await reply(callback, text, markup)


# --- The card of one occurrence ---------------------------------------------------------------------------------

def card_text(happening: activities.Happening, library: Library, locale: str, tz: ZoneInfo) -> str:
    activity, occurrence = happening.activity, happening.occurrence
    lines = [f"<b>{escape(activities.title_in(activity, locale))}</b>"]
    if occurrence.cancelled:
        lines.append(_("❌ Cancelled"))
    elif occurrence.moved:
        lines.append(_("🔁 Moved from {when}").format(when=planned_when(occurrence.planned, locale, tz)))
    lines.append(f"🗓 {long_when(occurrence.start, occurrence.end, locale, tz)}")
    where = venue_text(activity, library, locale)
    if where:
        lines.append(f"📍 {escape(where)}")
    area = area_name(activity, library, locale)
    if area:
        lines.append(f"🏘 {escape(area)}")
    if activity.age_min is not None and activity.age_max is not None:
        lines.append("👥 " + _("Ages {youngest}–{oldest}").format(youngest=activity.age_min, oldest=activity.age_max))
    elif activity.age_min is not None:
        lines.append("👥 " + _("From {age} years").format(age=activity.age_min))
    elif activity.age_max is not None:
        lines.append("👥 " + _("Up to {age} years").format(age=activity.age_max))
    lines.append("💶 " + (_("Free") if activity.free else _("Costs money")))
    if activity.organiser:
        lines.append("🙋 " + _("Organiser: {name}").format(name=escape(activity.organiser)))
    if activity.registration_url:
        link = f'<a href="{escape(activity.registration_url, quote=True)}">{escape(activity.registration_url)}</a>'
        lines.append("📝 " + _("Sign up: {link}").format(link=link))
    description = activities.description_in(activity, locale)
    if description:
        lines += ["", escape(description)]
    if not activity.verified:
        lines += ["", activities.unverified_note()]
    return "\n".join(lines)


def card_markup(happening: activities.Happening, library: Library, locale: str, now: datetime) -> InlineKeyboardMarkup:
    activity, occurrence = happening.activity, happening.occurrence
    ids = {"id": activity.id, "key": occurrence.key}
    rows = []
    reminders = []
    if not occurrence.cancelled and occurrence.start > now:
        reminders.append(button(_("🔔 Remind me"), "once", **ids))
    if activity.rrule and not activity.cancelled:
        reminders.append(button(_("🔔 Remind me every time"), "every", **ids))
    if reminders:
        rows.append(reminders)
    if library.content.activity_category(activity.category) is not None:
        rows.append([button(_("🗂 Follow {category}").format(category=category_name(activity, library, locale)),
                            "follow", **ids)])
    extras = [button(_("📅 Add to calendar"), "cal", **ids)]
    if activities.place_of(activity, library.services) is not None:
        extras.append(button(_("📍 Map"), "map", **ids))
    rows.append(extras)
    rows.append(back_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def found_or_stale(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                         session: AsyncSession, settings: Settings) -> activities.Happening | None:
    happening = await activities.occurrence_of(session, callback_data.id, callback_data.key, settings.tz)
    if happening is None:
        await stale_button(callback, callback_answer)
    return happening


async def show_card(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                    session: AsyncSession, content: ContentStore, user: User, settings: Settings,
                    clock: Clock) -> None:
    happening = await found_or_stale(callback, callback_data, callback_answer, session, settings)
    if happening is None:
        return
    library = content.current
    await reply(callback, card_text(happening, library, user.language, settings.tz),
                card_markup(happening, library, user.language, clock.now()))


def reminder_toast(user: User) -> str:
    """When the reminder will come, from the resident's settings (the planner sends it then)."""
    at = clock_time(EVENING_REMINDER, user.language)
    if user.remind_evening and user.remind_two_hours:
        return _("🔔 I will remind you the evening before at {time} and two hours before.").format(time=at)
    if user.remind_evening:
        return _("🔔 I will remind you the evening before at {time}.").format(time=at)
    if user.remind_two_hours:
        return _("🔔 I will remind you two hours before it starts.")
    return _("🔔 Saved. Reminders are switched off in /settings, so I will not write before it.")


async def remind_once(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                      session: AsyncSession, user: User, settings: Settings, clock: Clock) -> None:
    happening = await found_or_stale(callback, callback_data, callback_answer, session, settings)
    if happening is None:
        return
    if happening.occurrence.cancelled:
        callback_answer.text = _("This date is cancelled, so there is nothing to remind you of.")
        return
    if happening.occurrence.start <= clock.now():
        callback_answer.text = _("This has already started.")
        return
    await activities.add_reminder(session, user.id, happening.activity.id, happening.occurrence.key, clock.now())
    callback_answer.text = reminder_toast(user)


async def remind_every_time(callback: CallbackQuery, callback_data: ActivitiesCallback,
                            callback_answer: CallbackAnswer, session: AsyncSession, user: User,
                            clock: Clock) -> None:
    activity = await session.get(Activity, callback_data.id)
    if activity is None or not activity.rrule:
        await stale_button(callback, callback_answer)
        return
    if activity.cancelled:
        callback_answer.text = _("This activity is cancelled, so there is nothing to remind you of.")
        return
    await activities.add_reminder(session, user.id, activity.id, "", clock.now())
    callback_answer.text = reminder_toast(user)


async def follow(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                 session: AsyncSession, content: ContentStore, user: User, clock: Clock) -> None:
    library = content.current
    activity = await session.get(Activity, callback_data.id)
    if activity is None or library.content.activity_category(activity.category) is None:
        await stale_button(callback, callback_answer)
        return
    area = area_name(activity, library, user.language)
    if not area:
        await subscribe(callback, callback_data.model_copy(update={"value": "all"}), callback_answer, session,
                        content, user, clock)
        return
    category = category_name(activity, library, user.language)
    rows = [[button(_("📍 In {area}").format(area=area), "sub", id=activity.id, value="here"),
             button(_("🌍 Everywhere"), "sub", id=activity.id, value="all")],
            back_row("card", id=activity.id, key=callback_data.key)]
    await reply(callback, _("Follow “{category}”: I will remind you of every activity of this kind, also new ones. "
                            "Only in {area}, or everywhere in Norra Hisingen?").format(
        category=escape(category), area=escape(area)), InlineKeyboardMarkup(inline_keyboard=rows))


async def subscribe(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                    session: AsyncSession, content: ContentStore, user: User, clock: Clock) -> None:
    library = content.current
    activity = await session.get(Activity, callback_data.id)
    if (activity is None or library.content.activity_category(activity.category) is None
            or callback_data.value not in ("here", "all") or (callback_data.value == "here" and not activity.area)):
        await stale_button(callback, callback_answer)
        return
    area = activity.area if callback_data.value == "here" else ""
    added = await activities.add_subscription(session, user.id, activity.category, area, clock.now())
    if not added:  # a double tap, or followed before
        callback_answer.text = _("You already follow this.")
        return
    category = escape(category_name(activity, library, user.language))
    if area:
        text = _("🗂 Done. I will remind you of “{category}” activities in {area}.").format(
            category=category, area=escape(area_name(activity, library, user.language)))
    else:
        text = _("🗂 Done. I will remind you of all “{category}” activities.").format(category=category)
    callback_answer.text = _("Saved.")
    rows = [[InlineKeyboardButton(text=_("🔔 My reminders"), callback_data=ReminderCallback(action="list").pack()),
             menu_button()]]
    await reply(callback, "\n".join((text, _("You can stop it any time in /reminders."))),
                InlineKeyboardMarkup(inline_keyboard=rows))


# --- Add to calendar and the map pin ----------------------------------------------------------------------------

def event_text(activity: Activity, library: Library, locale: str) -> ics.EventText:
    description = activities.description_in(activity, locale)
    if activity.organiser:
        description += "\n\n" + _("Organiser: {name}").format(name=activity.organiser)
    if not activity.verified:
        description += "\n\n" + activities.unverified_note()
    where = ", ".join(part for part in (venue_text(activity, library, locale), area_name(activity, library, locale))
                      if part)
    return ics.EventText(activities.title_in(activity, locale), description, where)


async def send_calendar(callback: CallbackQuery, data: bytes, name: str) -> None:
    await callback.bot.send_document(
        callback.from_user.id, BufferedInputFile(data, filename=name),
        caption=_("📅 Open this file to add it to your calendar."))


async def add_to_calendar(callback: CallbackQuery, callback_data: ActivitiesCallback,
                          callback_answer: CallbackAnswer, session: AsyncSession, content: ContentStore, user: User,
                          settings: Settings, clock: Clock) -> None:
    happening = await found_or_stale(callback, callback_data, callback_answer, session, settings)
    if happening is None:
        return
    activity = happening.activity
    if callback_data.action == "cal" and activity.rrule:
        # A repeating activity: this date, or all of them (one file with the rule)?
        day = format_skeleton("MMMEd", happening.occurrence.start.astimezone(settings.tz),
                              locale=_babel(user.language))
        ids = {"id": activity.id, "key": happening.occurrence.key}
        rows = [[button(_("📅 Only {day}").format(day=day), "calone", **ids),
                 button(_("📅 Every time"), "calall", **ids)], back_row("card", **ids)]
        await reply(callback, _("Add only this date to your calendar, or every time it happens?"),
                    InlineKeyboardMarkup(inline_keyboard=rows))
        return
    library = content.current
    text = event_text(activity, library, user.language)
    place = activities.place_of(activity, library.services)
    if callback_data.action == "calall":
        changes = (await activities.changes_of(session, [activity.id])).get(activity.id, {})
        data = ics.series_calendar(activity, changes, text, settings.tz, clock.now(), place)
        await send_calendar(callback, data, ics.filename(activity))
    else:
        data = ics.occurrence_calendar(activity, happening.occurrence, text, settings.tz, clock.now(), place)
        await send_calendar(callback, data, ics.filename(activity, happening.occurrence))


async def show_on_map(callback: CallbackQuery, callback_data: ActivitiesCallback, callback_answer: CallbackAnswer,
                      session: AsyncSession, content: ContentStore, user: User) -> None:
    library = content.current
    activity = await session.get(Activity, callback_data.id)
    place = activities.place_of(activity, library.services) if activity is not None else None
    if place is None:
        await stale_button(callback, callback_answer)
        return
    title = activities.title_in(activity, user.language)
    address = venue_text(activity, library, user.language) or area_name(activity, library, user.language) or title
    await callback.bot.send_venue(callback.from_user.id, latitude=place.lat, longitude=place.lon, title=title,
                                  address=address)


async def unknown_action(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    await stale_button(callback, callback_answer)


def create_router() -> Router:
    router = Router(name="activities")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_home, Command("activities"))
    router.message.register(location_received, NearMe.waiting, F.location)
    router.message.register(location_cancelled, NearMe.waiting, F.text, ~F.text.startswith("/"))
    router.callback_query.register(home_from_button, MenuCallback.filter(F.action == "activities"))
    on = ActivitiesCallback.filter
    router.callback_query.register(home_from_button, on(F.action == "home"))
    router.callback_query.register(this_week, on(F.action == "week"))
    router.callback_query.register(choose_category, on(F.action == "cats"))
    router.callback_query.register(choose_area, on(F.action == "areas"))
    router.callback_query.register(in_category, on(F.action == "cat"))
    router.callback_query.register(in_area, on(F.action == "area"))
    router.callback_query.register(ask_location, on(F.action == "near"))
    router.callback_query.register(nearby_page, on(F.action == "nearby"))
    router.callback_query.register(show_card, on(F.action == "card"))
    router.callback_query.register(remind_once, on(F.action == "once"))
    router.callback_query.register(remind_every_time, on(F.action == "every"))
    router.callback_query.register(follow, on(F.action == "follow"))
    router.callback_query.register(subscribe, on(F.action == "sub"))
    router.callback_query.register(add_to_calendar, on(F.action.in_({"cal", "calone", "calall"})))
    router.callback_query.register(show_on_map, on(F.action == "map"))
    router.callback_query.register(unknown_action, on())
    return router
