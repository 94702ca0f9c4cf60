"""Activities in the database: the seed programme synced from content/, occurrences in a time window, and
cancelling or moving one occurrence. Handlers and the reminder planner build on these functions."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.programme import ActivityEntry, Occurrence, occurrences
from db.models import Activity, OccurrenceChange

CONTENT = "content"
STAFF = "staff"


@dataclass(frozen=True)
class Happening:
    """An occurrence together with its activity: what a resident browses and is reminded of."""

    activity: Activity
    occurrence: Occurrence


def activity_values(entry: ActivityEntry) -> dict:
    venue = entry.venue
    return {
        "titles": dict(entry.title), "descriptions": dict(entry.description), "category": entry.category,
        "area": entry.area, "venue_service": venue.service, "address": venue.address,
        "lat": venue.location.lat if venue.location else None, "lon": venue.location.lon if venue.location else None,
        "age_min": entry.ages[0] if entry.ages else None, "age_max": entry.ages[1] if entry.ages else None,
        "free": entry.free, "registration_url": entry.registration, "organiser": entry.organiser,
        "first_start": entry.start, "duration_minutes": entry.duration, "rrule": entry.repeat,
        "verified": entry.verified,
    }


async def sync_content(session: AsyncSession, entries: list[ActivityEntry], now: datetime) -> int:
    """Bring the seed programme into the database (insert or update by id; entries removed from content/ are
    cancelled, not deleted, so residents' reminders for them end with a notice rather than silently).
    Returns how many activities changed. Cancelled and moved dates from the files are applied too."""
    existing = {a.slug: a for a in await session.scalars(select(Activity).where(Activity.source == CONTENT))}
    changed = 0
    for entry in entries:
        values = activity_values(entry)
        activity = existing.pop(entry.id, None)
        if activity is None:
            activity = Activity(slug=entry.id, source=CONTENT, updated_at=now, **values)
            session.add(activity)
            await session.flush()
            changed += 1
        elif any(getattr(activity, key) != value for key, value in values.items()) or activity.cancelled:
            for key, value in values.items():
                setattr(activity, key, value)
            activity.cancelled, activity.updated_at = False, now
            changed += 1
        for planned in entry.cancelled:
            await set_change(session, activity.id, planned, None, now)
        for planned_text, new_start in entry.moved.items():
            await set_change(session, activity.id, datetime.strptime(planned_text, "%Y-%m-%d %H:%M"), new_start, now)
    for gone in existing.values():
        if not gone.cancelled:
            gone.cancelled, gone.updated_at = True, now
            changed += 1
    return changed


async def set_change(session: AsyncSession, activity_id: int, planned: datetime, new_start: datetime | None,
                     now: datetime) -> bool:
    """Cancel (new_start None) or move one occurrence; True if this changed anything."""
    change = await session.scalar(select(OccurrenceChange).where(
        OccurrenceChange.activity_id == activity_id, OccurrenceChange.planned_start == planned))
    cancelled = new_start is None
    if change is None:
        session.add(OccurrenceChange(activity_id=activity_id, planned_start=planned, cancelled=cancelled,
                                     new_start=new_start, changed_at=now))
        await session.flush()
        return True
    if (change.cancelled, change.new_start) == (cancelled, new_start):
        return False
    change.cancelled, change.new_start, change.changed_at = cancelled, new_start, now
    return True


async def changes_of(session: AsyncSession, activity_ids: list[int]) -> dict[int, dict[datetime, datetime | None]]:
    found: dict[int, dict[datetime, datetime | None]] = defaultdict(dict)
    if not activity_ids:
        return found
    for change in await session.scalars(select(OccurrenceChange).where(
            OccurrenceChange.activity_id.in_(activity_ids))):
        found[change.activity_id][change.planned_start] = None if change.cancelled else change.new_start
    return found


async def happenings(session: AsyncSession, tz: ZoneInfo, window_from: datetime, window_to: datetime, *,
                     category: str | None = None, area: str | None = None, include_cancelled: bool = False,
                     activity_id: int | None = None) -> list[Happening]:
    """Occurrences starting in [window_from, window_to] (UTC), soonest first."""
    query = select(Activity).where(Activity.cancelled.is_(False))
    if category:
        query = query.where(Activity.category == category)
    if area:
        query = query.where(Activity.area == area)
    if activity_id is not None:
        query = query.where(Activity.id == activity_id)
    activities = list(await session.scalars(query))
    changes = await changes_of(session, [a.id for a in activities])
    found = [
        Happening(activity, occurrence)
        for activity in activities
        for occurrence in occurrences(activity.id, activity.first_start, activity.duration_minutes, activity.rrule,
                                      changes.get(activity.id, {}), tz, window_from, window_to)
        if include_cancelled or not occurrence.cancelled
    ]
    return sorted(found, key=lambda h: (h.occurrence.start, h.activity.id))


def title_in(activity: Activity, locale: str) -> str:
    return activity.titles.get(locale) or activity.titles["sv"]


def description_in(activity: Activity, locale: str) -> str:
    return activity.descriptions.get(locale) or activity.descriptions["sv"]
