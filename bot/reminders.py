"""Activity reminders: planned into the delivery outbox ahead of time, never at night, never twice.

What a resident is reminded of: occurrences they asked for ("remind me": one date, or the whole series) and
everything in a category they follow (everywhere, or in one area), including activities added later. When:
the evening before at 18:00 and/or two hours before, as the resident chose in /settings. A reminder due in the
resident's quiet hours goes out when those quiet hours begin (a 06:30 reminder arrives at 21:00 the evening
before), and never after the activity has started (the outbox row expires at the start).

How planning works (the `ReminderPlanner` job):
* It looks at occurrences starting in the next `LOOK_AHEAD` (36 h: the longest lead is an evening reminder for
  an activity just before midnight, about 30 h, plus the hour planned ahead) and puts in the outbox every
  reminder whose sending time falls in (`since`, now + `PLAN_AHEAD`]. The engine sends each row at its time.
* `since` is when the planner last looked, so nothing that became due between two runs is lost, but never
  further back than two runs: a reminder whose time has passed is not planned late. The exception is the first
  run after start-up: it also plans what was missed during downtime (due in the last `CATCH_UP`, 24 h), if the
  activity has not started yet.
* Every reminder has one delivery per (occurrence, kind) under the key `reminder:<activity>:<occurrence>:<kind>`
  (a moved occurrence: `<occurrence>@<new time>`), and the outbox holds one row per recipient and delivery, so a
  second tick, a restart or a second process never sends one twice.
* Who gets what is decided inside the database, never with a Python object per resident: `due_reminders` counts
  the recipients of every due delivery with two grouped queries (followers of the categories in play, "remind me"s
  of the activities in play), and `plan` writes each delivery's outbox rows with one INSERT … SELECT of the same
  people. Each person gets one row per delivery (a follow everywhere and in the area, or a follow and a "remind
  me", count once), and the outbox's unique (delivery, recipient) makes a repeated INSERT add nobody twice.
  Quiet hours only shift the sending time, which depends on nothing but the quiet-hours setting: it is computed
  once per setting in use, and the INSERT picks it with a CASE over those few settings.
* Stopping a "remind me" or a followed category takes that person's waiting reminders out of the outbox unless
  they still qualify otherwise (bot.activities.drop_unwanted_reminders).

The weekly digest (Sunday 18:00, the coming Monday–Sunday) replaces single reminders from followed categories for
residents who chose it; reminders they asked for one by one still come. Change notices (`notify_change`) tell
everyone reminded of an occurrence that it was cancelled or moved, once.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from itertools import chain
from typing import NamedTuple
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_skeleton, format_time
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Exists,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.activities import KEY_FORMAT, Happening, happenings, occurrence_of, title_in
from bot.activity_admin import place_text, when_text
from bot.delivery import Recipient, Variant, enqueue_once
from bot.i18n import BABEL_LOCALES, in_every_language
from bot.library import ContentStore
from bot.programme import Occurrence, to_utc
from bot.quiet_hours import end_of_quiet, start_of_quiet_before
from db import outbox
from db.models import Activity, ActivityReminder, Delivery, DeliveryVariant, OutboxMessage, Subscription, User

log = logging.getLogger(__name__)

EVENING, TWO_HOURS = "evening", "two_hours"
KINDS = (EVENING, TWO_HOURS)
EVENING_AT = time(18, 0)  # local, the day before
TWO_HOURS_BEFORE = timedelta(hours=2)

PLAN_AHEAD = timedelta(hours=1)  # rows are put in the outbox up to an hour before they are due
LOOK_AHEAD = timedelta(hours=36)  # occurrences that can have a reminder due within PLAN_AHEAD
RUN_EVERY = timedelta(minutes=5)  # the scheduler ticks more often; planning more often would change nothing
CATCH_UP = timedelta(hours=24)  # after downtime, reminders missed this recently are still sent (before the start)

DIGEST_AT = time(18, 0)  # local, on Sundays
DIGEST_BATCH = 2000  # digest residents handled per tick (a large district finishes over a few ticks)
DIGEST_LINES = 40  # at most this many occurrences listed; the rest is counted
DIGEST_CHARS = 3500  # stay well under Telegram's 4096 characters

REMINDER_KIND, DIGEST_KIND, NOTICE_KIND = "reminder", "digest", "notice"

# The application's catalogs, for texts made outside an update (the scheduler; a content sync at start-up).
_catalogs: I18n | None = None


# --- when ------------------------------------------------------------------------------------------------------


def due_at(kind: str, start: datetime, tz: ZoneInfo) -> datetime:
    """When a reminder of this kind is due (UTC), before quiet hours are taken into account."""
    if kind == EVENING:
        # 18:00 wall-clock on the local day before: right on the daylight-saving weekends too.
        day = start.astimezone(tz).date() - timedelta(days=1)
        return datetime.combine(day, EVENING_AT, tzinfo=tz).astimezone(UTC)
    return start - TWO_HOURS_BEFORE  # two real hours, whatever the clocks do meanwhile


def send_at(due: datetime, quiet_from: int, quiet_until: int, tz: ZoneInfo) -> datetime:
    """Due in the resident's quiet hours: sent when they begin instead (before, never during the night)."""
    return start_of_quiet_before(due, quiet_from, quiet_until, tz)


def local_key(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y%m%dT%H%M")


def occurrence_tag(occurrence: Occurrence, tz: ZoneInfo) -> str:
    """The occurrence's part of a key: its planned start, and for a moved one also the new start."""
    return f"{occurrence.key}@{local_key(occurrence.start, tz)}" if occurrence.moved else occurrence.key


def reminder_key(occurrence: Occurrence, kind: str, tz: ZoneInfo) -> str:
    return f"reminder:{occurrence.activity_id}:{occurrence_tag(occurrence, tz)}:{kind}"


def digest_week(now: datetime, tz: ZoneInfo) -> list[date]:
    """Mondays of the weeks whose digest may be due around `now`: the week that began most recently (its digest
    was last Sunday, for catching up after downtime) and the coming one."""
    today = now.astimezone(tz).date()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday, this_monday + timedelta(days=7)]


def digest_due(monday: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(monday - timedelta(days=1), DIGEST_AT, tzinfo=tz).astimezone(UTC)


def week_start(monday: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)


def digest_key(monday: date, user_id: int) -> str:
    year, week, _day = monday.isocalendar()
    return f"digest:{year}-W{week:02d}:{user_id}"


# --- who ---------------------------------------------------------------------------------------------------------


class Person(NamedTuple):
    """A resident as far as reminders care (a plain tuple: there can be hundreds of thousands per run)."""

    user_id: int
    language: str
    quiet_from: int
    quiet_until: int
    evening: bool
    two_hours: bool


def _reachable() -> list:
    return [User.is_active.is_(True), User.consent_at.is_not(None)]


_PERSON = (User.id, User.language, User.quiet_from, User.quiet_until, User.remind_evening, User.remind_two_hours)


@dataclass
class Interested:
    """Who is interested in which occurrences, indexed for quick look-up per occurrence."""

    asked: dict[tuple[int, str], list[Person]]  # (activity, occurrence key or "") → people
    following: dict[tuple[str, str], list[Person]]  # (category, area or "") → people

    def of(self, activity: Activity, occurrence: Occurrence) -> dict[int, Person]:
        """Everyone for this occurrence, once each (someone may follow the category and have asked as well)."""
        in_area = self.following.get((activity.category, activity.area), ()) if activity.area else ()
        return {person[0]: person for person in chain(
            self.following.get((activity.category, ""), ()), in_area,
            self.asked.get((activity.id, occurrence.key), ()), self.asked.get((activity.id, ""), ()))}


async def interested(session: AsyncSession, activities: Iterable[Activity], *, digest_followers: bool,
                     kinds: Iterable[str] = KINDS, users: list[int] | None = None) -> Interested:
    """Two set-based queries: explicit reminders for these activities, and followers of their categories (in
    "" or their areas). Followers who chose the weekly digest are left out unless `digest_followers`."""
    activities = list(activities)
    ids = sorted({a.id for a in activities})
    categories = sorted({a.category for a in activities})
    areas = sorted({a.area for a in activities if a.area} | {""})
    kinds = set(kinds)
    wants = []
    if EVENING in kinds:
        wants.append(User.remind_evening.is_(True))
    if TWO_HOURS in kinds:
        wants.append(User.remind_two_hours.is_(True))
    conditions = _reachable() + ([or_(*wants)] if wants else [])
    if users is not None:
        conditions.append(User.id.in_(users))
    result = Interested(defaultdict(list), defaultdict(list))
    if not ids:
        return result
    # Core rather than ORM rows: the follower query can return a row for every resident.
    connection = await session.connection()
    rows = await connection.execute(
        select(ActivityReminder.activity_id, ActivityReminder.occurrence, *_PERSON)
        .join(User, User.id == ActivityReminder.user_id)
        .where(ActivityReminder.activity_id.in_(ids), *conditions))
    for row in rows:
        result.asked[(row[0], row[1])].append(Person._make(row[2:]))
    query = (select(Subscription.category, Subscription.area, *_PERSON)
             .join(User, User.id == Subscription.user_id)
             .where(Subscription.category.in_(categories), Subscription.area.in_(areas), *conditions))
    if not digest_followers:
        query = query.where(User.weekly_digest.is_(False))
    following = result.following
    for row in await connection.execute(query):
        following[(row[0], row[1])].append(Person._make(row[2:]))
    return result


# --- what --------------------------------------------------------------------------------------------------------


def catalogs(i18n: I18n | None = None) -> I18n:
    found = i18n or I18n.get_current(no_error=True) or _catalogs
    if found is None:  # a script or a test without the application: compile them (slow, but only once)
        from bot.i18n import create_i18n

        found = _remember(create_i18n())
    return found


def _remember(i18n: I18n) -> I18n:
    global _catalogs
    _catalogs = i18n
    return i18n



def details_button(activity_id: int, occurrence_key: str) -> list[list[dict]] | None:
    """"🗓 Details" opening the occurrence's card in /activities. Its callback data belongs to the browse handlers,
    imported late: services must not depend on handlers at import time, and the scheduler works without them."""
    try:
        from handlers.activities import ActivitiesCallback
    except ImportError:
        return None
    data = ActivitiesCallback(action="card", id=activity_id, key=occurrence_key).pack()
    return [[{"text": _("🗓 Details"), "callback_data": data}]]


def reminder_variant(activity: Activity, occurrence: Occurrence, library, locale: str,  # noqa: ANN001
                     tz: ZoneInfo) -> Variant:
    lines = [_("⏰ Reminder: <b>{title}</b>").format(title=escape(title_in(activity, locale))),
             "🕒 " + when_text(occurrence.start, occurrence.end, locale, tz)]
    place = place_text(activity, library, locale)
    if place:
        lines.append("📍 " + escape(place))
    if occurrence.moved:
        lines.append(_("🔁 This is a new time: the date was moved."))
    return Variant("\n".join(lines), buttons=details_button(activity.id, occurrence.key))


# --- planning ----------------------------------------------------------------------------------------------------


@dataclass
class Planned:
    """One reminder delivery due in this run: an occurrence, a kind, when it goes out and to how many residents."""

    happening: Happening
    kind: str
    key: str
    times: dict[tuple[int, int], datetime]  # (quiet_from, quiet_until) → when to send, for the settings due now
    recipients: int = 0  # counted in the database; `plan` writes their outbox rows there too


_WANTS = {EVENING: User.remind_evening, TWO_HOURS: User.remind_two_hours}


def _wanting(kinds: Iterable[str]) -> ColumnElement[bool]:
    return or_(*(_WANTS[kind].is_(True) for kind in sorted(set(kinds))))


_EVERYWHERE = aliased(Subscription, name="everywhere")
_SERIES = aliased(ActivityReminder, name="series")


def _follows_everywhere(user_id: ColumnElement[int], category: ColumnElement[str]) -> Exists:
    # EXISTS (SELECT 1 …), not SELECT *: SQLite then answers from the unique index alone.
    return exists(literal(1)).where(_EVERYWHERE.user_id == user_id, _EVERYWHERE.category == category,
                                    _EVERYWHERE.area == "")


def _asked_for_series() -> Exists:
    return exists(literal(1)).where(_SERIES.user_id == ActivityReminder.user_id,
                                    _SERIES.activity_id == ActivityReminder.activity_id, _SERIES.occurrence == "")


async def due_reminders(session: AsyncSession, tz: ZoneInfo, now: datetime, since: datetime,
                        until: datetime) -> list[Planned]:
    """Every reminder whose sending time falls in (since, until], for occurrences that have not started yet, with
    how many residents get it. Read-only: `plan` puts them in the outbox.

    Set-based: which (occurrence, kind) pairs are due comes from the programme and the few distinct quiet-hours
    settings; who gets them is counted by two grouped queries for all of them at once (followers of the categories
    in play, and explicit "remind me"s of the activities in play), so no row per resident leaves the database."""
    coming = await happenings(session, tz, now, now + LOOK_AHEAD)
    quiet_settings = [tuple(row) for row in await session.execute(
        select(User.quiet_from, User.quiet_until).where(*_reachable()).distinct())]
    in_play = []
    for happening in coming:
        for kind in KINDS:
            due = due_at(kind, happening.occurrence.start, tz)
            times = {quiet: send_at(due, *quiet, tz) for quiet in quiet_settings}
            times = {quiet: at for quiet, at in times.items() if since < at <= until}
            if times:
                in_play.append(Planned(happening, kind, reminder_key(happening.occurrence, kind, tz), times))
    if not in_play:
        return []
    followers, askers = await _recipient_groups(session, in_play)
    for item in in_play:
        activity, key, kind = item.happening.activity, item.happening.occurrence.key, item.kind
        item.recipients = sum(
            counts[kind] for area, quiet, counts in followers.get(activity.category, ())
            if area in ("", activity.area) and quiet in item.times) + sum(
            counts[kind] for occurrence, quiet, counts in askers.get(activity.id, ())
            if occurrence in ("", key) and quiet in item.times)
    return [item for item in in_play if item.recipients]


async def _recipient_groups(session: AsyncSession, in_play: list[Planned]) -> tuple[dict, dict]:
    """How many reachable residents of each quiet-hours setting who want evening or two-hours reminders follow each
    category in each area, and asked for each occurrence. Each person is counted once per occurrence: a follow in an
    area is left out ("shadowed") where the same person follows the category everywhere, a "remind me" for one date
    where they asked for the series, and a "remind me" where they follow the category anyway (unless they read the
    digest, which replaces reminders from followed categories)."""
    activities = {item.happening.activity.id: item.happening.activity for item in in_play}
    categories = sorted({activity.category for activity in activities.values()})
    areas = sorted({activity.area for activity in activities.values() if activity.area} | {""})
    keys = sorted({item.happening.occurrence.key for item in in_play} | {""})
    wanting = _wanting(item.kind for item in in_play)
    quiet = (User.quiet_from, User.quiet_until)
    per_kind = (func.sum(case((User.remind_evening, 1), else_=0)), func.sum(case((User.remind_two_hours, 1), else_=0)))
    # A follow in an area counts only where the same person does not follow the category everywhere as well.
    unshadowed = or_(Subscription.area == "", ~_follows_everywhere(Subscription.user_id, Subscription.category))
    # `category || ''` rather than the column: SQLite would otherwise walk the category index (to save sorting for
    # the GROUP BY) and read the subscriptions out of order, about twice as slow as reading them all in a row.
    category = Subscription.category.concat(literal_column("''"))  # not a parameter: PostgreSQL groups by the text
    follower_rows = await session.execute(
        select(category, Subscription.area, *quiet, *per_kind)
        .join(User, User.id == Subscription.user_id)
        .where(category.in_(categories), Subscription.area.in_(areas), unshadowed, User.weekly_digest.is_(False),
               *_reachable(), wanting)
        .group_by(category, Subscription.area, *quiet))
    followers: dict[str, list] = defaultdict(list)
    for name, area, quiet_from, quiet_until, evening, two_hours in follower_rows:
        followers[name].append((area, (quiet_from, quiet_until), {EVENING: evening, TWO_HOURS: two_hours}))
    follows = exists(literal(1)).where(Subscription.user_id == ActivityReminder.user_id,
                                       Subscription.category == Activity.category,
                                       or_(Subscription.area == "", Subscription.area == Activity.area))
    asker_rows = await session.execute(
        select(ActivityReminder.activity_id, ActivityReminder.occurrence, *quiet, *per_kind)
        .join(Activity, Activity.id == ActivityReminder.activity_id)
        .join(User, User.id == ActivityReminder.user_id)
        .where(ActivityReminder.activity_id.in_(sorted(activities)), ActivityReminder.occurrence.in_(keys),
               *_reachable(), wanting,
               ~and_(ActivityReminder.occurrence != "", _asked_for_series()),
               ~and_(User.weekly_digest.is_(False), follows))
        .group_by(ActivityReminder.activity_id, ActivityReminder.occurrence, *quiet))
    askers: dict[int, list] = defaultdict(list)
    for activity_id, occurrence, quiet_from, quiet_until, evening, two_hours in asker_rows:
        askers[activity_id].append((occurrence, (quiet_from, quiet_until), {EVENING: evening, TWO_HOURS: two_hours}))
    return followers, askers


def recipients_of(item: Planned) -> CompoundSelect:
    """The residents who get one planned reminder, as rows (user_id, language, not_before, expires_at) for
    `outbox.add_once_from`: the same people `due_reminders` counted, each once. The sending time is a CASE over the
    quiet-hours settings due now (a plain value when they all agree)."""
    activity, occurrence = item.happening.activity, item.happening.occurrence
    stamp = OutboxMessage.not_before.type
    settings = [(and_(User.quiet_from == quiet_from, User.quiet_until == quiet_until), literal(at, stamp))
                for (quiet_from, quiet_until), at in item.times.items()]
    moments = set(item.times.values())
    not_before = literal(next(iter(moments)), stamp) if len(moments) == 1 else case(*settings)
    columns = (User.id.label("user_id"), User.language.label("language"), not_before.label("not_before"),
               literal(occurrence.start, stamp).label("expires_at"))
    common = [*_reachable(), _wanting([item.kind]), or_(*(condition for condition, _at in settings))]
    in_area = Subscription.area == ""
    if activity.area:
        in_area = or_(in_area, and_(Subscription.area == activity.area,
                                    ~_follows_everywhere(Subscription.user_id, Subscription.category)))
    followers = (select(*columns).select_from(Subscription).join(User, User.id == Subscription.user_id)
                 .where(Subscription.category == activity.category, in_area, User.weekly_digest.is_(False), *common))
    follows = exists(literal(1)).where(Subscription.user_id == ActivityReminder.user_id,
                                       Subscription.category == activity.category,
                                       Subscription.area.in_(["", activity.area] if activity.area else [""]))
    askers = (select(*columns).select_from(ActivityReminder).join(User, User.id == ActivityReminder.user_id)
              .where(ActivityReminder.activity_id == activity.id,
                     or_(ActivityReminder.occurrence == "",
                         and_(ActivityReminder.occurrence == occurrence.key, ~_asked_for_series())),
                     ~and_(User.weekly_digest.is_(False), follows), *common))
    return union_all(followers, askers)


async def plan(session: AsyncSession, planned: list[Planned], i18n: I18n, content: ContentStore | None,
               tz: ZoneInfo, now: datetime) -> int:
    """Put planned reminders in the outbox: one INSERT … SELECT per delivery, idempotent per key and recipient (a
    second run, or a second process, adds nobody twice). Returns how many outbox rows this call added."""
    library = content.current if content is not None else None
    added = 0
    for item in planned:
        activity, occurrence = item.happening.activity, item.happening.occurrence
        variants = in_every_language(i18n, lambda code, a=activity, o=occurrence: reminder_variant(
            a, o, library, code, tz) if library is not None else _bare_variant(a, o, code, tz))
        _delivery, count = await outbox.add_once_from(
            session, Delivery(kind=REMINDER_KIND, created_at=now, dedupe_key=item.key),
            [DeliveryVariant(language=code, text=v.text, photo=v.photo, buttons=v.buttons)
             for code, v in variants.items()], recipients_of(item))
        added += count
    return added


def _bare_variant(activity: Activity, occurrence: Occurrence, locale: str, tz: ZoneInfo) -> Variant:
    return Variant("\n".join((_("⏰ Reminder: <b>{title}</b>").format(title=escape(title_in(activity, locale))),
                              "🕒 " + when_text(occurrence.start, occurrence.end, locale, tz))))


class ReminderPlanner:
    """The scheduler job: reminders and weekly digests into the outbox. Register once per process."""

    def __init__(self, tz: ZoneInfo, i18n: I18n | None = None, content: ContentStore | None = None) -> None:
        self.tz = tz
        self.i18n = _remember(i18n) if i18n is not None else None
        self.content = content
        self._last_run: datetime | None = None
        self._digest_after: dict[date, int] = {}  # week → the last resident id handled by this process

    async def __call__(self, session: AsyncSession, now: datetime) -> bool:
        i18n = catalogs(self.i18n)
        queued = False
        last = self._last_run
        # (A clock set back, now < last, plans again from now: harmless, every key is planned once anyway.)
        if last is None or now - last >= RUN_EVERY or now < last:
            since = now - CATCH_UP if last is None else max(min(last, now), now - 2 * RUN_EVERY)
            planned = await due_reminders(session, self.tz, now, since, now + PLAN_AHEAD)
            added = await plan(session, planned, i18n, self.content, self.tz, now)
            queued = added > 0
            if planned:
                log.info("reminders: %d planned for %d recipients (%d new in the outbox)", len(planned),
                         sum(p.recipients for p in planned), added)
            self._last_run = now
        return await self._digests(session, now, i18n) or queued

    async def _digests(self, session: AsyncSession, now: datetime, i18n: I18n) -> bool:
        queued = False
        for monday in digest_week(now, self.tz):
            due, ends = digest_due(monday, self.tz), week_start(monday, self.tz)
            # Planned from an hour before it is due until the week begins (after downtime, too).
            if not (due - PLAN_AHEAD <= now < ends):
                continue
            after = self._digest_after.get(monday, 0)
            if after < 0:
                continue  # everyone handled already
            last = await plan_digests(session, monday, self.tz, now, i18n, after, DIGEST_BATCH)
            self._digest_after[monday] = -1 if last is None else last
            queued = True
        return queued


# --- the weekly digest -------------------------------------------------------------------------------------------


def digest_text(items: list[Happening], monday: date, locale: str, tz: ZoneInfo) -> str:
    babel = BABEL_LOCALES.get(locale, locale)
    sunday = monday + timedelta(days=6)
    lines = [_("🗞 <b>Your week</b>, {first} – {last}").format(
        first=format_skeleton("MMMEd", monday, locale=babel), last=format_skeleton("MMMEd", sunday, locale=babel)), ""]
    shown = 0
    for happening in items:
        local = happening.occurrence.start.astimezone(tz)
        line = "• {day} {time} — <b>{title}</b>".format(
            day=format_skeleton("MMMEd", local, locale=babel), time=format_time(local, "short", locale=babel),
            title=escape(title_in(happening.activity, locale)))
        if shown >= DIGEST_LINES or sum(len(text) for text in lines) + len(line) > DIGEST_CHARS:
            break
        lines.append(line)
        shown += 1
    if shown < len(items):
        lines.append(_("… and {count} more: see /activities").format(count=len(items) - shown))
    lines += ["", _("Reminders and followed categories: /reminders. Digest on or off: /settings.")]
    return "\n".join(lines)


async def plan_digests(session: AsyncSession, monday: date, tz: ZoneInfo, now: datetime, i18n: I18n,
                       after: int, batch: int) -> int | None:
    """Digests for up to `batch` residents with ids above `after`; the last id handled, or None when done."""
    users = list((await session.execute(
        select(User.id, User.language, User.quiet_from, User.quiet_until)
        .where(User.weekly_digest.is_(True), User.id > after, *_reachable())
        .order_by(User.id).limit(batch))).all())
    if not users:
        return None
    begins = week_start(monday, tz)
    week = await happenings(session, tz, begins, begins + timedelta(days=7) - timedelta(seconds=1))
    people = await interested(session, (h.activity for h in week), digest_followers=True, kinds=(),
                              users=[row.id for row in users])
    lists: dict[int, list[Happening]] = defaultdict(list)
    for happening in week:
        for user_id in people.of(happening.activity, happening.occurrence):
            lists[user_id].append(happening)
    due = digest_due(monday, tz)
    for user_id, language, quiet_from, quiet_until in users:
        items = lists.get(user_id)
        if not items:
            continue  # nothing this week: no message at all
        with i18n.context(), i18n.use_locale(language):
            text = digest_text(items, monday, language, tz)
        await enqueue_once(session, key=digest_key(monday, user_id), kind=DIGEST_KIND,
                           variants={language: Variant(text)}, now=now,
                           recipients=[Recipient(user_id, language, send_at(due, quiet_from, quiet_until, tz),
                                                     expires_at=begins)])
    return users[-1].id if len(users) == batch else None


# --- change notices ----------------------------------------------------------------------------------------------


async def notify_change(session: AsyncSession, activity: Activity, occurrence: Occurrence, now: datetime,
                        tz: ZoneInfo, i18n: I18n | None = None) -> None:
    """One notice to everyone reminded of this occurrence (for it, for the series, or by following its category)
    that it was cancelled (`occurrence.cancelled`) or moved (`occurrence.moved`, `start` = the new time).

    Not sent after the (old) start. Pending reminders for the old time are removed; a moved occurrence gets new
    reminders for its new time from the planner (their key names the new time)."""
    old_start = to_utc(occurrence.planned, tz)
    if occurrence.cancelled:
        change, ends = "cancelled", occurrence.start
    else:
        change, ends = f"moved-{local_key(occurrence.start, tz)}", min(old_start, occurrence.start)
    await _drop_pending_reminders(session, occurrence, tz)
    if ends <= now:
        return
    people = await interested(session, [activity], digest_followers=True, kinds=())
    found = people.of(activity, occurrence)
    if not found:
        return
    i18n = catalogs(i18n)
    card = await card_key(session, activity, occurrence, tz) if occurrence.moved else None
    variants = in_every_language(i18n, lambda code: _notice_variant(activity, occurrence, code, tz, card))
    await enqueue_once(session, key=f"notice:{activity.id}:{occurrence.key}:{change}", kind=NOTICE_KIND,
                       variants=variants, now=now,
                       recipients=[Recipient(p.user_id, p.language, _notice_time(now, ends, p, tz), expires_at=ends)
                                   for p in found.values()])


def _notice_time(now: datetime, ends: datetime, person: Person, tz: ZoneInfo) -> datetime:
    # Quiet hours are kept when the morning still comes in time; otherwise the notice is urgent (else the resident
    # would set out for something that is not happening) and goes now.
    morning = end_of_quiet(now, person.quiet_from, person.quiet_until, tz)
    return morning if morning < ends else now


def _notice_variant(activity: Activity, occurrence: Occurrence, locale: str, tz: ZoneInfo,
                    card: str | None = None) -> Variant:
    title = escape(title_in(activity, locale))
    when = when_text(occurrence.start, occurrence.end, locale, tz)
    if occurrence.cancelled:
        return Variant(_("❌ Cancelled: <b>{title}</b>, {when}").format(title=title, when=when))
    return Variant(_("🔁 Moved: <b>{title}</b> is now {when}").format(title=title, when=when),
                   buttons=details_button(activity.id, card or occurrence.key))


async def card_key(session: AsyncSession, activity: Activity, occurrence: Occurrence, tz: ZoneInfo) -> str:
    """The key whose card shows a moved occurrence at its new time, as "🗓 Details" will look it up. One date moved
    keeps its planned start as its key (the card finds the move). When the whole series got a new time
    (bot.activity_admin), the old planned start is no longer that date, or is now another one: the new start is the
    key then."""
    new = occurrence.start.astimezone(tz).strftime(KEY_FORMAT)
    for key in dict.fromkeys((occurrence.key, new)):
        found = await occurrence_of(session, activity.id, key, tz)
        if found is not None and found.occurrence.start == occurrence.start:
            return key
    return occurrence.key


async def _drop_pending_reminders(session: AsyncSession, occurrence: Occurrence, tz: ZoneInfo) -> None:
    """Reminders still waiting for the old time go (a moved occurrence keeps those for its new time)."""
    prefix = f"reminder:{occurrence.activity_id}:{occurrence.key}"
    keep = reminder_key(occurrence, EVENING, tz).rsplit(":", 1)[0] if occurrence.moved else None
    stale = select(Delivery.id).where(or_(Delivery.dedupe_key.startswith(prefix + ":", autoescape=True),
                                          Delivery.dedupe_key.startswith(prefix + "@", autoescape=True)))
    if keep is not None:
        stale = stale.where(~Delivery.dedupe_key.startswith(keep + ":", autoescape=True))
    ids = list(await session.scalars(stale))
    if not ids:
        return
    await session.execute(delete(OutboxMessage).where(OutboxMessage.delivery_id.in_(ids),
                                                      OutboxMessage.status == outbox.PENDING))
    remaining = (select(func.count()).select_from(OutboxMessage)
                 .where(OutboxMessage.delivery_id == Delivery.id).scalar_subquery())
    await session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(total=remaining))

