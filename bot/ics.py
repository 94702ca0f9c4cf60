""""Add to calendar": an activity as an RFC 5545 (.ics) file that phone and desktop calendars import.

One occurrence becomes one VEVENT. A series becomes one VEVENT with its RRULE, an EXDATE for each cancelled
date and, for each moved date, an extra VEVENT with the same UID and a RECURRENCE-ID (how RFC 5545 says "this
one instance is different"). Times are local wall-clock times with TZID=TIMEZONE and a VTIMEZONE, so a weekly
16:00 stays 16:00 across daylight saving in the resident's calendar too.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from bot.directory import Location
from bot.programme import Occurrence, planned_starts, to_utc
from db.models import Activity

PRODID = "-//Norra Hisingen resident assistant//Activities//EN"
UID_DOMAIN = "norra-hisingen-bot"
TIMEZONE_YEARS = 5  # VTIMEZONE rules written for this many years from the first date: small file, still right


@dataclass(frozen=True)
class EventText:
    """What the calendar shows, already in the resident's language."""

    summary: str
    description: str
    location: str


def series_uid(activity: Activity) -> str:
    # Stable per activity: importing the file again updates the event instead of adding a copy.
    return f"activity-{activity.id}@{UID_DOMAIN}"


def occurrence_uid(activity: Activity, occurrence: Occurrence) -> str:
    return f"activity-{activity.id}-{occurrence.key}@{UID_DOMAIN}"


def filename(activity: Activity, occurrence: Occurrence | None = None) -> str:
    """`homework-help-backa.ics` for a series, `homework-help-backa-2026-12-01.ics` for one date."""
    stem = activity.slug
    if occurrence is not None:
        stem += "-" + occurrence.planned.strftime("%Y-%m-%d")
    return f"{stem}.ics"


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def _event(uid: str, start: datetime, minutes: int, text: EventText, activity: Activity, stamp: datetime,
           geo: Location | None) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", text.summary)
    if text.description:
        event.add("description", text.description)
    if text.location:
        event.add("location", text.location)
    if geo is not None:
        event.add("geo", (geo.lat, geo.lon))
    if activity.registration_url:
        event.add("url", activity.registration_url)
    return event


def _finish(calendar: Calendar, first: date) -> bytes:
    calendar.add_missing_timezones(first_date=date(first.year, 1, 1),
                                   last_date=date(first.year + TIMEZONE_YEARS, 1, 1))
    return calendar.to_ical()


def occurrence_calendar(activity: Activity, occurrence: Occurrence, text: EventText, tz: ZoneInfo,
                        now: datetime, geo: Location | None = None) -> bytes:
    """One date of an activity (where and when it really happens, if it was moved)."""
    start = occurrence.start.astimezone(tz)
    event = _event(occurrence_uid(activity, occurrence), start, activity.duration_minutes, text, activity, now, geo)
    if occurrence.cancelled:
        event.add("status", "CANCELLED")
    calendar = _calendar()
    calendar.add_component(event)
    return _finish(calendar, start.date())


def _rule(rule: str, tz: ZoneInfo) -> vRecur:
    """The activity's RRULE for a calendar file. Ours keeps UNTIL in local time (like DTSTART); RFC 5545 wants
    UNTIL in UTC once DTSTART has a TZID, so it is converted (a bare date means the end of that local day)."""
    recur = vRecur.from_ical(rule)
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if not isinstance(until, datetime):
            until = datetime.combine(until, time(23, 59, 59))
        recur["UNTIL"] = [to_utc(until, tz) if until.tzinfo is None else until.astimezone(UTC)]
    return recur


def series_calendar(activity: Activity, changes: dict[datetime, datetime | None], text: EventText, tz: ZoneInfo,
                    now: datetime, geo: Location | None = None) -> bytes:
    """Every date of a repeating activity. `changes` maps a planned local start to its new local start, or to
    None when that date is cancelled (bot.activities.changes_of)."""
    first = activity.first_start.replace(tzinfo=tz)
    series = _event(series_uid(activity), first, activity.duration_minutes, text, activity, now, geo)
    if activity.rrule:
        series.add("rrule", _rule(activity.rrule, tz))
    if activity.cancelled:
        series.add("status", "CANCELLED")
    # Only changes of dates the rule really has: a stale change (the rule was edited since) means nothing.
    real = {planned: new for planned, new in changes.items()
            if planned in planned_starts(activity.first_start, activity.rrule, planned, planned)}
    cancelled = sorted(planned for planned, new in real.items() if new is None)
    if cancelled:
        series.add("exdate", [planned.replace(tzinfo=tz) for planned in cancelled])
    calendar = _calendar()
    calendar.add_component(series)
    for planned, new in sorted((p, n) for p, n in real.items() if n is not None):
        moved = _event(series_uid(activity), new.replace(tzinfo=tz), activity.duration_minutes, text, activity,
                       now, geo)
        moved.add("recurrence-id", planned.replace(tzinfo=tz))
        calendar.add_component(moved)
    return _finish(calendar, first.date())
