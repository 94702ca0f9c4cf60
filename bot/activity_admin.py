"""Staff add, change, move and cancel activities: the draft a wizard fills in, the repeat rules it offers, and
the changes themselves (each one audited, each cancelled or moved occurrence announced to who is reminded).

Times are local wall-clock times in TIMEZONE, as everywhere in the programme (bot/programme.py). Activities from
content/activities/ are brought back to their files' state at every start (bot/activities.sync_content), so
staff change only their single dates here; their text, time and place are changed in the files.
"""

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_date, format_time
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.activities import CONTENT, STAFF, Happening, happenings, set_change
from bot.content import GOTHENBURG_LAT, GOTHENBURG_LON, text_in
from bot.i18n import BABEL_LOCALES
from bot.library import Library
from bot.programme import LOCAL_FORMAT, Occurrence, to_utc
from db.models import Activity, ActivityReminder, OccurrenceChange

SOURCE = "sv"  # every activity is written in Swedish first; other languages are optional
SLUG_PREFIX = "staff-"
HORIZON = timedelta(days=400)  # how far ahead staff see and change single dates

CREATED = "activity.created"
CHANGED = "activity.changed"
TIME = "time"  # the change of the whole series' date and time
SERIES_CANCELLED = "activity.cancelled"
OCCURRENCE_CANCELLED = "activity.occurrence_cancelled"
OCCURRENCE_MOVED = "activity.occurrence_moved"

# Repeat choices of the wizard and the CSV shorthand, as RRULE patterns on the first date's weekday.
NONE, WEEKLY, BIWEEKLY, MONTHLY = "none", "weekly", "biweekly", "monthly"
REPEATS = (NONE, WEEKLY, BIWEEKLY, MONTHLY)
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINALS = {
    1: __("Every month on the first {weekday}"),
    2: __("Every month on the second {weekday}"),
    3: __("Every month on the third {weekday}"),
    4: __("Every month on the fourth {weekday}"),
    -1: __("Every month on the last {weekday}"),
}
DURATIONS = (60, 90, 120)
_OUR_RULE = re.compile(r"FREQ=(WEEKLY|MONTHLY)(?:;INTERVAL=(2))?;BYDAY=([+-]?\d)?([A-Z]{2})(?:;UNTIL=(\d{8})T235959)?")


@dataclass
class ActivityDraft:
    """What a staff member has told the wizard so far; kept in the FSM storage as a plain dict."""

    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    category: str | None = None
    area: str | None = None
    venue_service: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    start: str | None = None  # local, LOCAL_FORMAT
    duration: int | None = None
    repeat: str = NONE
    until: str | None = None  # local date, YYYY-MM-DD (the last day it may happen)
    free: bool = True
    age_min: int | None = None
    age_max: int | None = None
    registration: str | None = None
    organiser: str | None = None
    custom_rule: str | None = None  # an RRULE written by hand (CSV, or content); `repeat` is then ignored

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ActivityDraft":
        return cls(**data) if data else cls()

    @classmethod
    def of(cls, activity: Activity) -> "ActivityDraft":
        """A draft holding an activity's current values (to change one field of it)."""
        repeat, until = repeat_of(activity.rrule)
        return cls(
            titles=dict(activity.titles), descriptions=dict(activity.descriptions), category=activity.category,
            area=activity.area, venue_service=activity.venue_service, address=activity.address, lat=activity.lat,
            lon=activity.lon, start=activity.first_start.strftime(LOCAL_FORMAT), duration=activity.duration_minutes,
            repeat=repeat or NONE, until=until.isoformat() if until else None, free=activity.free,
            custom_rule=None if repeat else activity.rrule,
            age_min=activity.age_min, age_max=activity.age_max, registration=activity.registration_url,
            organiser=activity.organiser,
        )

    @property
    def first_start(self) -> datetime | None:
        return datetime.strptime(self.start, LOCAL_FORMAT) if self.start else None

    @property
    def last_day(self) -> date | None:
        return date.fromisoformat(self.until) if self.until else None

    def rrule(self) -> str | None:
        if self.custom_rule:
            return self.custom_rule
        start = self.first_start
        return rule_for(self.repeat, start, self.last_day) if start else None

    def values(self) -> dict[str, Any]:
        """The Activity columns this draft sets."""
        return {
            "titles": dict(self.titles), "descriptions": dict(self.descriptions), "category": self.category,
            "area": self.area, "venue_service": self.venue_service, "address": self.address, "lat": self.lat,
            "lon": self.lon, "age_min": self.age_min, "age_max": self.age_max, "free": self.free,
            "registration_url": self.registration, "organiser": self.organiser or "",
            "first_start": self.first_start, "duration_minutes": self.duration, "rrule": self.rrule(),
        }

    def as_activity(self) -> Activity:
        """An unsaved Activity, to show the card exactly as residents will see it."""
        return Activity(id=0, slug="preview", source=STAFF, cancelled=False, verified=True, **self.values())


# --- repeat rules ---------------------------------------------------------------------------------------------


def week_of_month(day: date) -> int:
    """1–4 for the first to fourth such weekday of its month; -1 for a fifth (that is, the last)."""
    number = (day.day - 1) // 7 + 1
    return -1 if number == 5 else number


def rule_for(repeat: str, start: datetime, until: date | None) -> str | None:
    """The RRULE of a repeat choice, on the first date's weekday; UNTIL is the end of the last local day."""
    if repeat not in (WEEKLY, BIWEEKLY, MONTHLY):
        return None
    code = WEEKDAY_CODES[start.weekday()]
    rule = {
        WEEKLY: f"FREQ=WEEKLY;BYDAY={code}",
        BIWEEKLY: f"FREQ=WEEKLY;INTERVAL=2;BYDAY={code}",
        MONTHLY: f"FREQ=MONTHLY;BYDAY={week_of_month(start.date())}{code}",
    }[repeat]
    return f"{rule};UNTIL={until:%Y%m%d}T235959" if until else rule


def repeat_of(rule: str | None) -> tuple[str | None, date | None]:
    """The wizard's choice behind a rule it made (NONE for no rule; None for a rule written by hand)."""
    if not rule:
        return NONE, None
    match = _OUR_RULE.fullmatch(rule)
    if match is None:
        return None, None
    frequency, interval, _nth, _code, until = match.groups()
    kind = MONTHLY if frequency == "MONTHLY" else BIWEEKLY if interval else WEEKLY
    return kind, datetime.strptime(until, "%Y%m%d").date() if until else None


def _babel(locale: str) -> str:
    return BABEL_LOCALES.get(locale, locale)


def weekday_name(day: date, locale: str) -> str:
    return format_date(day, format="EEEE", locale=_babel(locale))


def repeat_label(repeat: str, start: datetime, locale: str) -> str:
    """How a repeat choice reads on its button and on the card: "Every week on Tuesday"."""
    weekday = weekday_name(start.date(), locale)
    if repeat == WEEKLY:
        return _("Every week on {weekday}").format(weekday=weekday)
    if repeat == BIWEEKLY:
        return _("Every other week on {weekday}").format(weekday=weekday)
    if repeat == MONTHLY:
        return str(ORDINALS[week_of_month(start.date())]).format(weekday=weekday)
    return _("Only once")


# --- the card ---------------------------------------------------------------------------------------------------


def when_text(start: datetime, end: datetime, locale: str, tz: ZoneInfo) -> str:
    """"Tuesday 1 December 2026, 16:00–17:30" in the reader's language and TIMEZONE."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = format_date(local_start, format="full", locale=_babel(locale))
    return "{day}, {start}–{end}".format(day=day, start=format_time(local_start, format="short", locale=_babel(locale)),
                                         end=format_time(local_end, format="short", locale=_babel(locale)))


def place_text(activity: Activity, library: Library, locale: str) -> str:
    service = library.services.get(activity.venue_service or "")
    place = text_in(service.name, locale) if service else (activity.address or "")
    area = library.area(activity.area) if activity.area else None
    return f"{place}, {area.name_in(locale)}" if area and place else place or (area.name_in(locale) if area else "")


def repeat_summary(activity: Activity, locale: str) -> str | None:
    """"Every week on Tuesday, until 15 June 2027" for a repeating activity; None for a single date."""
    if not activity.rrule:
        return None
    repeat, until = repeat_of(activity.rrule)
    label = repeat_label(repeat, activity.first_start, locale) if repeat else _("Repeats")
    if until:
        label = _("{repeat}, until {date}").format(
            repeat=label, date=format_date(until, format="long", locale=_babel(locale)))
    return label


def first_occurrence(activity: Activity, tz: ZoneInfo) -> Occurrence:
    """The first time as an occurrence (for the preview of an activity not saved yet)."""
    begins = to_utc(activity.first_start, tz)
    return Occurrence(activity.id, activity.first_start, begins,
                      begins + timedelta(minutes=activity.duration_minutes))


# --- checks on typed values ---------------------------------------------------------------------------------------


def parse_local(text: str) -> datetime | None:
    """'YYYY-MM-DD HH:MM' (a T or a dot also accepted) → a local naive time; None when it is not a real one."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.](\d{2})\s*", text or "")
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def in_gothenburg(lat: float, lon: float) -> bool:
    return GOTHENBURG_LAT[0] <= lat <= GOTHENBURG_LAT[1] and GOTHENBURG_LON[0] <= lon <= GOTHENBURG_LON[1]


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """Typed coordinates "57.78, 11.99" (latitude first), as copied from a map."""
    match = re.fullmatch(r"\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*", text or "")
    return (float(match[1]), float(match[2])) if match else None


def is_link(text: str) -> bool:
    return re.fullmatch(r"https?://\S+", text) is not None


# --- saving -------------------------------------------------------------------------------------------------------


async def next_slugs(session: AsyncSession, count: int) -> list[str]:
    """"staff-<n>" numbers after the highest in use (slugs are unique, so a race fails loudly, never merges)."""
    used = await session.scalars(select(Activity.slug).where(Activity.slug.like(f"{SLUG_PREFIX}%")))
    numbers = [int(slug.removeprefix(SLUG_PREFIX)) for slug in used if slug.removeprefix(SLUG_PREFIX).isdigit()]
    first = max(numbers, default=0) + 1
    return [f"{SLUG_PREFIX}{number}" for number in range(first, first + count)]


async def create(session: AsyncSession, drafts: list[ActivityDraft], actor_id: int, now: datetime,
                 detail: str = "") -> list[Activity]:
    """New staff activities, all in the caller's transaction. Staff vouch for what they add: verified."""
    created = []
    for slug, draft in zip(await next_slugs(session, len(drafts)), drafts, strict=True):
        activity = Activity(slug=slug, source=STAFF, verified=True, created_by=actor_id, updated_at=now,
                            **draft.values())
        session.add(activity)
        created.append(activity)
        await audit.record(session, now, actor_id, CREATED, subject=slug, detail=detail)
    await session.flush()
    return created


async def get(session: AsyncSession, activity_id: int) -> Activity | None:
    activity = await session.get(Activity, activity_id)
    return None if activity is None or activity.cancelled else activity


def editable(activity: Activity) -> bool:
    """Text, time and place of content activities live in content/activities/ (and come back from there)."""
    return activity.source != CONTENT


async def change(session: AsyncSession, activity: Activity, draft: ActivityDraft, what: str, actor_id: int,
                 now: datetime, tz: ZoneInfo) -> None:
    """Save a changed draft over the activity; `what` names the field for the audit log."""
    before = await occurrences_ahead(session, activity, tz, now) if what == TIME else []
    for key, value in draft.values().items():
        setattr(activity, key, value)
    activity.updated_at = now
    await audit.record(session, now, actor_id, CHANGED, subject=activity.slug, detail=what)
    if before:
        await session.flush()
        await _retimed(session, activity, before, await occurrences_ahead(session, activity, tz, now), now, tz)


async def _retimed(session: AsyncSession, activity: Activity, before: list[Occurrence], after: list[Occurrence],
                   now: datetime, tz: ZoneInfo) -> None:
    """A new time for the whole series: the n-th coming date becomes the n-th new one. Residents reminded of
    it hear once (the next date, and each date someone asked for by itself), their reminders and the dates
    cancelled or moved before follow to the new dates, so nothing silently disappears or comes back."""
    reminders = list(await session.scalars(select(ActivityReminder).where(
        ActivityReminder.activity_id == activity.id, ActivityReminder.occurrence != "")))
    reminded = {reminder.occurrence for reminder in reminders}
    changes = {change.planned_start: change for change in await session.scalars(select(OccurrenceChange).where(
        OccurrenceChange.activity_id == activity.id))}
    pairs = [(old, new) for old, new in zip(before, after, strict=False) if old.planned != new.planned]
    for number, (old, new) in enumerate(pairs):
        if not old.cancelled and (number == 0 or old.key in reminded):
            await notify_change(session, activity, replace(old, start=new.start, end=new.end, moved=True), now, tz)
    # Rows are taken out and put back with their new dates: moving them one by one in place could meet a
    # row still waiting to move (the unique constraints are checked per statement).
    new_key = {old.key: new.key for old, new in pairs}
    new_planned = {old.planned: new.planned for old, new in pairs}
    moving_reminders = [reminder for reminder in reminders if reminder.occurrence in new_key]
    moving_changes = [change for planned, change in changes.items() if planned in new_planned]
    for row in [*moving_reminders, *moving_changes]:
        await session.delete(row)
    await session.flush()
    for reminder in moving_reminders:
        session.add(ActivityReminder(user_id=reminder.user_id, activity_id=activity.id,
                                     occurrence=new_key[reminder.occurrence], created_at=reminder.created_at))
    for change in moving_changes:
        session.add(OccurrenceChange(activity_id=activity.id, planned_start=new_planned[change.planned_start],
                                     cancelled=change.cancelled, new_start=change.new_start, changed_at=now))


async def upcoming(session: AsyncSession, tz: ZoneInfo, now: datetime) -> list[Happening]:
    """Each activity that still happens, with its next occurrence, soonest first."""
    seen: set[int] = set()
    found = []
    for happening in await happenings(session, tz, now, now + HORIZON):
        if happening.activity.id not in seen:
            seen.add(happening.activity.id)
            found.append(happening)
    return found


async def occurrences_ahead(session: AsyncSession, activity: Activity, tz: ZoneInfo, now: datetime) -> list[
        Occurrence]:
    """The coming occurrences of one activity (cancelled ones too, marked), soonest first."""
    found = await happenings(session, tz, now, now + HORIZON, activity_id=activity.id, include_cancelled=True)
    return [happening.occurrence for happening in found]


async def occurrence(session: AsyncSession, activity: Activity, key: str, tz: ZoneInfo,
                     now: datetime) -> Occurrence | None:
    """A coming occurrence by its key (its planned start); None when it has begun or does not exist."""
    return next((found for found in await occurrences_ahead(session, activity, tz, now) if found.key == key), None)


async def notify_change(session: AsyncSession, activity: Activity, changed: Occurrence, now: datetime,
                        tz: ZoneInfo) -> None:
    # Imported here: bot/reminders.py uses this module's card helpers (when_text, place_text).
    from bot.reminders import notify_change as notify

    await notify(session, activity, changed, now, tz)


async def cancel_occurrence(session: AsyncSession, activity: Activity, happening: Occurrence, actor_id: int,
                            now: datetime, tz: ZoneInfo) -> bool:
    """Cancel one date; everyone reminded of it gets one notice. False if it was cancelled already."""
    if not await set_change(session, activity.id, happening.planned, None, now):
        return False
    await audit.record(session, now, actor_id, OCCURRENCE_CANCELLED, subject=activity.slug, detail=happening.key)
    await notify_change(session, activity, replace(happening, cancelled=True, moved=False), now, tz)
    return True


async def move_occurrence(session: AsyncSession, activity: Activity, happening: Occurrence, new_local: datetime,
                          actor_id: int, now: datetime, tz: ZoneInfo) -> Occurrence | None:
    """Move one date to a new local time; everyone reminded of it gets one notice. None if nothing changed."""
    if not await set_change(session, activity.id, happening.planned, new_local, now):
        return None
    begins = to_utc(new_local, tz)
    moved = Occurrence(activity.id, happening.planned, begins, begins + timedelta(minutes=activity.duration_minutes),
                       cancelled=False, moved=True)
    await audit.record(session, now, actor_id, OCCURRENCE_MOVED, subject=activity.slug,
                       detail=f"{happening.key} -> {new_local:%Y%m%dT%H%M}")
    await notify_change(session, activity, moved, now, tz)
    return moved


async def cancel_series(session: AsyncSession, activity: Activity, actor_id: int, now: datetime,
                        tz: ZoneInfo) -> None:
    """Cancel every coming date. Notices go out for the next date (which reaches series reminders and
    followers of the category) and for each later date someone asked to be reminded of by itself."""
    ahead = [found for found in await occurrences_ahead(session, activity, tz, now) if not found.cancelled]
    reminded = set(await session.scalars(select(ActivityReminder.occurrence).where(
        ActivityReminder.activity_id == activity.id, ActivityReminder.occurrence != "")))
    activity.cancelled, activity.updated_at = True, now
    await audit.record(session, now, actor_id, SERIES_CANCELLED, subject=activity.slug)
    for number, found in enumerate(ahead):
        if number == 0 or found.key in reminded:
            await notify_change(session, activity, replace(found, cancelled=True, moved=False), now, tz)
