"""Activities (the programme): typed entries of content/activities/, and their occurrences in local time.

Times are local wall-clock times in TIMEZONE ("2026-12-01 16:00"); a weekly activity at 16:00 stays at
16:00 across daylight-saving changes. Recurrence is an RFC 5545 RRULE, expanded with python-dateutil on
local wall-clock times and only then turned into UTC, which is what keeps it right on the DST weeks.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, ClassVar
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from bot.content import Entry, Slug, Text, Translations
from bot.directory import Location

LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def _local_time(value: object) -> object:
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), LOCAL_FORMAT)
        except ValueError:
            raise PydanticCustomError("local_time", "write a local time as 'YYYY-MM-DD HH:MM', got {value}",
                                      {"value": repr(value)}) from None
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise PydanticCustomError("local_time", "write a local time without a time zone", {})
    return value


LocalTime = Annotated[datetime, BeforeValidator(_local_time)]


def _rrule(value: object) -> object:
    if value is None:
        return None
    text = str(value).strip().removeprefix("RRULE:")
    try:
        rrulestr(f"DTSTART:20260101T000000\nRRULE:{text}")
    except (ValueError, TypeError) as error:
        raise PydanticCustomError("rrule", "not an RFC 5545 rule ({reason}): {value}",
                                  {"reason": str(error), "value": repr(text)}) from None
    return text


RRule = Annotated[str | None, BeforeValidator(_rrule)]


class Venue(BaseModel):
    """Where it happens: a service from the directory, or an address with coordinates."""

    model_config = ConfigDict(extra="forbid")

    service: Slug | None = None
    address: Text | None = None
    location: Location | None = None

    @model_validator(mode="after")
    def _service_or_address(self) -> "Venue":
        if self.service is None and (self.address is None or self.location is None):
            raise ValueError("give either service (a service id) or both address and location")
        return self


class ActivityEntry(Entry):
    """One activity in the programme, single or repeating."""

    translated: ClassVar[tuple[str, ...]] = ("title", "description")

    category: Slug  # an id from activity_categories.yaml
    title: Translations
    description: Translations
    venue: Venue
    area: Slug | None = None
    ages: tuple[int, int] | None = None  # youngest and oldest, inclusive
    free: bool = True
    registration: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    organiser: Text
    start: LocalTime  # the first (or only) time it happens
    duration: int = Field(ge=5, le=24 * 60)  # minutes
    repeat: RRule = None  # e.g. "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231T235959"
    cancelled: list[LocalTime] = []  # occurrences that do not happen
    moved: dict[str, LocalTime] = {}  # "YYYY-MM-DD HH:MM" (as planned) → new local time
    verified: bool = False


@dataclass(frozen=True)
class Occurrence:
    """One time an activity happens. `planned` (local) identifies it even after it was moved."""

    activity_id: int
    planned: datetime  # local wall-clock time as in the plan, naive
    start: datetime  # UTC
    end: datetime  # UTC
    cancelled: bool = False
    moved: bool = False

    @property
    def key(self) -> str:
        return self.planned.strftime("%Y%m%dT%H%M")


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC. A time that does not exist (02:30 on the spring-forward night) is
    read as if the clocks had not changed yet, i.e. it happens at 03:30 local; a time that exists twice
    (02:30 on the autumn night) is the first of the two (fold=0)."""
    return local.replace(tzinfo=tz).astimezone(UTC)


def planned_starts(start: datetime, rule: str | None, window_start: datetime, window_end: datetime) -> Iterator[
        datetime]:
    """Planned local starts between two local (naive) moments, inclusive of the start."""
    if rule is None:
        if window_start <= start <= window_end:
            yield start
        return
    recurrence = rrulestr(f"RRULE:{rule}", dtstart=start)
    yield from recurrence.between(window_start, window_end, inc=True)


def occurrences(activity_id: int, start: datetime, duration_minutes: int, rule: str | None,
                changes: dict[datetime, datetime | None], tz: ZoneInfo, window_from: datetime,
                window_to: datetime) -> list[Occurrence]:
    """Occurrences whose (new) start falls in [window_from, window_to] (UTC). `changes` maps a planned local
    start to its new local start, or to None when that occurrence is cancelled."""
    length = timedelta(minutes=duration_minutes)
    # A day of margin on each side: moved occurrences may come into or leave the window.
    local_from = window_from.astimezone(tz).replace(tzinfo=None) - timedelta(days=8)
    local_to = window_to.astimezone(tz).replace(tzinfo=None) + timedelta(days=8)
    found = []
    for planned in planned_starts(start, rule, local_from, local_to):
        cancelled = planned in changes and changes[planned] is None
        actual = changes.get(planned) or planned
        begins = to_utc(actual, tz)
        if window_from <= begins <= window_to:
            found.append(Occurrence(activity_id, planned, begins, begins + length, cancelled,
                                    moved=planned in changes and changes[planned] is not None))
    return sorted(found, key=lambda occurrence: occurrence.start)
