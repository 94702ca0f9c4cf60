"""Activities in the database: the seed programme synced from content/, occurrences in a time window, and
cancelling or moving one occurrence. Handlers and the reminder planner build on these functions."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import Location, Service
from bot.programme import ActivityEntry, Occurrence, occurrences, planned_starts, to_utc
from db import outbox
from db.models import Activity, ActivityReminder, Delivery, OccurrenceChange, OutboxMessage, Subscription, User
from db.session import upsert_insert

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


# --- What residents browse and ask for: one occurrence, places, reminders and followed categories -----------

KEY_FORMAT = "%Y%m%dT%H%M"  # Occurrence.key: the planned local start


def unverified_note() -> str:
    """Shown on every activity that staff have not confirmed yet (the seed programme is an example)."""
    return _("ℹ️ Not confirmed yet: check with the organiser before you go.")


def planned_of(key: str) -> datetime | None:
    """The planned local start an Occurrence.key stands for; None for anything that is not such a key."""
    try:
        planned = datetime.strptime(key, KEY_FORMAT)
    except ValueError:
        return None
    return planned if planned.strftime(KEY_FORMAT) == key else None


async def occurrence_of(session: AsyncSession, activity_id: int, key: str, tz: ZoneInfo) -> Happening | None:
    """One occurrence by its key, cancelled or moved ones too (an old button still shows what happened to it).
    None when the activity is gone or never had an occurrence planned at that time (a forged or stale key).
    A series that was cancelled as a whole shows each of its occurrences as cancelled."""
    planned = planned_of(key)
    activity = await session.get(Activity, activity_id) if planned is not None else None
    if activity is None or planned not in planned_starts(activity.first_start, activity.rrule, planned, planned):
        return None
    changes = (await changes_of(session, [activity.id])).get(activity.id, {})
    changed, new_start = planned in changes, changes.get(planned)
    start = to_utc(new_start or planned, tz)
    occurrence = Occurrence(activity.id, planned, start, start + timedelta(minutes=activity.duration_minutes),
                            cancelled=activity.cancelled or (changed and new_start is None),
                            moved=changed and new_start is not None)
    return Happening(activity, occurrence)


async def next_happening(session: AsyncSession, activity: Activity, tz: ZoneInfo, now: datetime,
                         horizon: datetime) -> Happening | None:
    """The activity's next occurrence that is not cancelled, up to `horizon` (UTC)."""
    found = await happenings(session, tz, now, horizon, activity_id=activity.id)
    return found[0] if found else None


def place_of(activity: Activity, services: dict[str, Service]) -> Location | None:
    """Where to put the map pin: the activity's own coordinates, else its venue's."""
    if activity.lat is not None and activity.lon is not None:
        return Location(lat=activity.lat, lon=activity.lon)
    venue = services.get(activity.venue_service or "")
    return venue.location if venue else None


async def nearest_happenings(session: AsyncSession, tz: ZoneInfo, window_from: datetime, window_to: datetime,
                             here: Location, services: dict[str, Service]) -> list[tuple[Happening, float]]:
    """The next occurrence of each activity with a place, nearest first (then soonest), with the distance in km.
    One line per activity: a weekly activity next door should not push everything else off the list."""
    first: dict[int, Happening] = {}
    for happening in await happenings(session, tz, window_from, window_to):
        first.setdefault(happening.activity.id, happening)
    found = []
    for happening in first.values():
        place = place_of(happening.activity, services)
        if place is not None:
            found.append((happening, here.km_to(place)))
    return sorted(found, key=lambda pair: (round(pair[1], 1), pair[0].occurrence.start))


async def categories_in_use(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(Activity.category).where(Activity.cancelled.is_(False)).distinct()))


async def areas_in_use(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(Activity.area).where(
        Activity.cancelled.is_(False), Activity.area.is_not(None)).distinct()))



async def add_reminder(session: AsyncSession, user_id: int, activity_id: int, occurrence: str,
                       now: datetime) -> bool:
    """"Remind me" for one occurrence (its key) or, with occurrence "", the series. Insert-or-ignore on the
    unique (user, activity, occurrence): a double tap, or a tap from a second device, stores it once.
    True if it is new."""
    result = await session.execute(
        upsert_insert(session, ActivityReminder)
        .values(user_id=user_id, activity_id=activity_id, occurrence=occurrence, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "activity_id", "occurrence"]))
    return result.rowcount == 1


async def reminders_of(session: AsyncSession, user_id: int) -> list[tuple[ActivityReminder, Activity]]:
    rows = await session.execute(
        select(ActivityReminder, Activity).join(Activity, Activity.id == ActivityReminder.activity_id)
        .where(ActivityReminder.user_id == user_id)
        .order_by(ActivityReminder.occurrence, ActivityReminder.created_at, ActivityReminder.id))
    return [(reminder, activity) for reminder, activity in rows.all()]


def reminder_target(key: str) -> tuple[int, str] | None:
    """(activity id, occurrence key) of a reminder delivery's key as the planner (bot/reminders.py) makes it:
    `reminder:<activity>:<occurrence>:<kind>`, for a moved occurrence `reminder:<activity>:<occurrence>@<new>:<kind>`.
    None for any other key."""
    parts = key.split(":")
    if len(parts) != 4 or parts[0] != "reminder" or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2].split("@", 1)[0]


async def drop_unwanted_reminders(session: AsyncSession, user_id: int, *, activity_id: int | None = None,
                                  category: str | None = None) -> int:
    """After a person stopped a "remind me" (of `activity_id`) or following a `category`: delete their reminder
    messages still waiting in the outbox for that activity (or category) that nothing asks for any more, so a stopped
    reminder is never sent. A message stays while the person still qualifies for it the way the planner decides: a
    "remind me" for that date or for every time, or following its category everywhere or in its area (unless they
    read the weekly digest, which replaces reminders from followed categories). Returns how many were deleted."""
    rows = (await session.execute(
        select(OutboxMessage.id, OutboxMessage.delivery_id, Delivery.dedupe_key)
        .join(Delivery, Delivery.id == OutboxMessage.delivery_id)
        .where(OutboxMessage.user_id == user_id, OutboxMessage.status == outbox.PENDING,
               Delivery.dedupe_key.startswith("reminder:", autoescape=True)))).all()
    waiting = [(row_id, delivery_id, target) for row_id, delivery_id, key in rows
               if (target := reminder_target(key)) is not None]
    if activity_id is not None:
        waiting = [row for row in waiting if row[2][0] == activity_id]
    if not waiting:
        return 0
    places = {found.id: (found.category, found.area) for found in (await session.execute(
        select(Activity.id, Activity.category, Activity.area)
        .where(Activity.id.in_({target[0] for _r, _d, target in waiting})))).all()}
    if category is not None:
        waiting = [row for row in waiting if places.get(row[2][0], ("", None))[0] == category]
    asked = set((await session.execute(select(ActivityReminder.activity_id, ActivityReminder.occurrence)
                                       .where(ActivityReminder.user_id == user_id))).all())
    digest = await session.scalar(select(User.weekly_digest).where(User.id == user_id))
    follows = set() if digest else set((await session.execute(
        select(Subscription.category, Subscription.area).where(Subscription.user_id == user_id))).all())

    def wanted(target: tuple[int, str]) -> bool:
        activity, occurrence = target
        if (activity, occurrence) in asked or (activity, "") in asked:
            return True
        category, area = places.get(activity, (None, None))
        return (category, "") in follows or (area is not None and (category, area) in follows)

    stale = [(row_id, delivery_id) for row_id, delivery_id, target in waiting if not wanted(target)]
    if not stale:
        return 0
    await session.execute(delete(OutboxMessage).where(
        OutboxMessage.id.in_([row_id for row_id, _d in stale]), OutboxMessage.status == outbox.PENDING))
    # Keep each delivery's total equal to its rows, as the planner does when it drops reminders.
    remaining = (select(func.count()).select_from(OutboxMessage)
                 .where(OutboxMessage.delivery_id == Delivery.id).scalar_subquery())
    await session.execute(update(Delivery).where(Delivery.id.in_({delivery_id for _r, delivery_id in stale}))
                          .values(total=remaining))
    return len(stale)


async def remove_reminder(session: AsyncSession, user_id: int, reminder_id: int) -> ActivityReminder | None:
    """Cancel one of the person's reminders (someone else's id finds nothing) and its waiting messages that nothing
    else asks for."""
    reminder = await session.scalar(select(ActivityReminder).where(
        ActivityReminder.id == reminder_id, ActivityReminder.user_id == user_id))
    if reminder is None:
        return None
    activity_id = reminder.activity_id
    await session.delete(reminder)
    await session.flush()
    await drop_unwanted_reminders(session, user_id, activity_id=activity_id)
    return reminder


async def add_subscription(session: AsyncSession, user_id: int, category: str, area: str, now: datetime) -> bool:
    """Follow an activity category in one area, or ("") everywhere; insert-or-ignore. True if it is new."""
    result = await session.execute(
        upsert_insert(session, Subscription).values(user_id=user_id, category=category, area=area, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "category", "area"]))
    return result.rowcount == 1


async def subscriptions_of(session: AsyncSession, user_id: int) -> list[Subscription]:
    return list(await session.scalars(select(Subscription).where(Subscription.user_id == user_id)
                                      .order_by(Subscription.created_at, Subscription.id)))


async def remove_subscription(session: AsyncSession, user_id: int, subscription_id: int) -> bool:
    """Stop following a category (someone else's id finds nothing), and take out the reminders waiting for it that
    nothing else asks for. False if it was gone already."""
    category = (await session.execute(delete(Subscription).where(
        Subscription.id == subscription_id, Subscription.user_id == user_id).returning(Subscription.category))).scalar()
    if category is None:
        return False
    await drop_unwanted_reminders(session, user_id, category=category)
    return True
