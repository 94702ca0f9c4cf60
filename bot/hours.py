"""Opening hours: weekly times with dated exceptions, Swedish public holidays, and "open now?" in local time."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")
# "24:00" is stored as the last minute of the day.
MIDNIGHT = time(23, 59)
# How far ahead "opens …" looks; a service closed longer than this says only "closed".
LOOKAHEAD_DAYS = 14


@dataclass(frozen=True)
class Interval:
    start: time
    end: time


def parse_intervals(value: str) -> tuple[Interval, ...]:
    """ "08:00-12:00, 13:00-16:30" → two intervals; "closed" (or empty) → none."""
    value = value.strip().lower()
    if value in ("", "closed", "stängt"):
        return ()
    intervals = []
    for part in value.split(","):
        match = _INTERVAL.match(part.strip())
        if not match:
            raise ValueError(f"{part.strip()!r} is not like 08:00-17:00 or 'closed'")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if not (0 <= h1 <= 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60):
            raise ValueError(f"{part.strip()!r} has an impossible time")
        start, end = time(h1 % 24, m1), MIDNIGHT if (h2, m2) == (24, 0) else time(h2, m2)
        if end <= start:
            raise ValueError(f"{part.strip()!r} ends before it starts")
        intervals.append(Interval(start, end))
    return tuple(sorted(intervals, key=lambda interval: interval.start))


class HoursException(BaseModel):
    """Different hours on a date or a date range (summer hours, a closed day, a training day)."""

    model_config = ConfigDict(extra="forbid")

    start: date = Field(alias="from")
    end: date | None = Field(default=None, alias="to")
    hours: str = "closed"

    @field_validator("hours")
    @classmethod
    def _valid(cls, value: str) -> str:
        parse_intervals(value)
        return value

    def covers(self, day: date) -> bool:
        return self.start <= day <= (self.end or self.start)


class OpeningHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mon: str = "closed"
    tue: str = "closed"
    wed: str = "closed"
    thu: str = "closed"
    fri: str = "closed"
    sat: str = "closed"
    sun: str = "closed"
    exceptions: list[HoursException] = []
    # Most municipal services close on public holidays and on midsummer, Christmas and New Year's eves.
    closed_on_public_holidays: bool = True

    @field_validator(*DAYS)
    @classmethod
    def _valid(cls, value: str) -> str:
        parse_intervals(value)
        return value


@lru_cache(maxsize=16)
def _swedish_holidays(year: int) -> dict[date, str]:
    # "de_facto" adds the eves most services close on: Midsommarafton, Julafton, Nyårsafton.
    return dict(holidays.country_holidays("SE", years=year, language="sv", categories=("public", "de_facto")))


def public_holiday(day: date) -> str | None:
    """The Swedish name of a public holiday or closed eve on that day (computed, never typed in)."""
    return _swedish_holidays(day.year).get(day)


@dataclass(frozen=True)
class DayHours:
    intervals: tuple[Interval, ...]
    holiday: str | None = None


def hours_on(hours: OpeningHours, day: date) -> DayHours:
    for exception in hours.exceptions:
        if exception.covers(day):
            return DayHours(parse_intervals(exception.hours))
    holiday = public_holiday(day)
    if holiday and hours.closed_on_public_holidays:
        return DayHours((), holiday)
    return DayHours(parse_intervals(getattr(hours, DAYS[day.weekday()])))


@dataclass(frozen=True)
class Status:
    """Where a service stands at one local moment."""

    is_open: bool
    closes_at: time | None = None
    day_and_night: bool = False  # open through midnight into the next day (1177, 112)
    next_opening: datetime | None = None
    holiday_today: str | None = None


def status_at(hours: OpeningHours, moment: datetime) -> Status:
    """`moment` is local time (aware, in TIMEZONE): opening hours are wall-clock times."""
    today = hours_on(hours, moment.date())
    now = moment.time()
    for interval in today.intervals:
        if interval.start <= now < interval.end or (interval.end == MIDNIGHT and now >= interval.start):
            tomorrow = hours_on(hours, moment.date() + timedelta(days=1)).intervals
            through = interval.end == MIDNIGHT and bool(tomorrow) and tomorrow[0].start == time(0, 0)
            return Status(True, closes_at=interval.end, day_and_night=through)
    return Status(False, next_opening=next_opening(hours, moment), holiday_today=today.holiday)


def next_opening(hours: OpeningHours, moment: datetime) -> datetime | None:
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = moment.date() + timedelta(days=offset)
        for interval in hours_on(hours, day).intervals:
            start = datetime.combine(day, interval.start, tzinfo=moment.tzinfo)
            if start > moment:
                return start
    return None
