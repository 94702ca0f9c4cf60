"""Activity reminders end to end: on time, never at night, never twice, after a restart, on the DST weekends;
category subscriptions, the weekly digest, change notices and the reminder settings."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_admin, reminders
from bot.activities import happenings, set_change
from bot.activity_admin import ActivityDraft, when_text
from bot.app import Application, create_application
from bot.config import Settings
from bot.programme import Occurrence
from bot.reminders import ReminderPlanner
from db.models import Activity, ActivityReminder, Delivery, OutboxMessage, Subscription, User
from db.session import create_engine, create_sessionmaker
from handlers.activities import clock_time, long_when
from tests.support import FakeClock, Resident, eventually, onboarded, wait_until
from tests.test_first_conversation import t

TZ = ZoneInfo("Europe/Stockholm")
CATEGORY = "culture"
STALE = "This button no longer works. Here is the menu."


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    # Monday 2 November 2026, 10:00 in Stockholm: before the seed programme (December), so only the activities
    # made here are in play.
    return FakeClock(utc(2026, 11, 2, 9, 0))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The tests tick the scheduler themselves (after moving the clock); its own timer must not interleave.
    return settings.model_copy(update={"scheduler_tick_seconds": 3600, "flood_limit": 1000})


def planner_of(app: Application) -> ReminderPlanner:
    return next(job for name, job in app.jobs._jobs if name == "reminders")


async def started(app: Application) -> None:
    """The planner's first run (the catch-up run at start-up) has happened: later ticks are ordinary ones."""
    await wait_until(lambda: planner_of(app)._last_run is not None, what="the planner's first run")


async def tick(app: Application, clock: FakeClock, at: datetime) -> None:
    clock.current = at
    await app.jobs.tick()
    app.delivery.wake()


async def add_activity(db, clock, title: str, first_start: datetime, *, rrule: str | None = None,  # noqa: ANN001
                       category: str = CATEGORY, area: str | None = "backa", duration: int = 90) -> Activity:
    activity = Activity(
        slug=f"test-{title.lower().replace(' ', '-')}", source="staff", category=category, area=area,
        titles={"sv": title, "en": f"{title} (en)"}, descriptions={"sv": "Välkommen!"}, address="Backavägen 1",
        first_start=first_start, duration_minutes=duration, rrule=rrule, verified=True, updated_at=clock.now())
    db.add(activity)
    await db.commit()
    return activity


async def add_resident(db, emulator, clock, user_id: int, language: str = "sv", *, evening: bool = True,  # noqa: ANN001
                       two_hours: bool = False, digest: bool = False, quiet: tuple[int, int] = (21 * 60, 8 * 60),
                       follows: tuple[tuple[str, str], ...] = (), asks: tuple[tuple[Activity, str], ...] = ()) -> int:
    """A resident who chose a language earlier; their settings, subscriptions and reminders go in the database."""
    emulator.add_user(user_id, first_name=f"R{user_id}", language_code=language)
    now = clock.now()
    db.add(User(id=user_id, language=language, consent_at=now, first_seen=now, last_seen=now,
                remind_evening=evening, remind_two_hours=two_hours, weekly_digest=digest, quiet_from=quiet[0],
                quiet_until=quiet[1]))
    await db.flush()
    for category, area in follows:
        db.add(Subscription(user_id=user_id, category=category, area=area, created_at=now))
    for activity, occurrence in asks:
        db.add(ActivityReminder(user_id=user_id, activity_id=activity.id, occurrence=occurrence, created_at=now))
    await db.commit()
    return user_id


def texts(emulator, user_id: int) -> list[str]:  # noqa: ANN001
    return [message.text or "" for message in emulator.messages(user_id)]


async def rows(db, **where: object) -> list[tuple]:  # noqa: ANN001
    """(key, user, not_before, expires_at, status) of outbox rows, in key order (a fresh look, in a session of its
    own, so the test's objects stay as they are)."""
    query = (select(Delivery.dedupe_key, OutboxMessage.user_id, OutboxMessage.not_before, OutboxMessage.expires_at,
                    OutboxMessage.status)
             .join(Delivery, Delivery.id == OutboxMessage.delivery_id).order_by(Delivery.dedupe_key,
                                                                               OutboxMessage.user_id))
    if "user_id" in where:
        query = query.where(OutboxMessage.user_id == where["user_id"])
    async with AsyncSession(db.bind) as fresh:
        return [tuple(row) for row in await fresh.execute(query)]


async def settle() -> None:
    """Give the delivery engine a moment to send whatever is due (a fraction of a second, real time)."""
    await asyncio.sleep(0.3)


# --- on time -------------------------------------------------------------------------------------------------


async def test_remind_me_arrives_the_evening_before_at_18_and_two_hours_before(app, db, emulator, clock) -> None:
    await started(app)
    # Tuesday 3 November 16:00 in Stockholm (CET) = 15:00 UTC.
    cafe = await add_activity(db, clock, "Språkcafé", datetime(2026, 11, 3, 16, 0))
    amina = await add_resident(db, emulator, clock, 401, "en", two_hours=True, asks=((cafe, "20261103T1600"),))

    await tick(app, clock, utc(2026, 11, 2, 16, 30))  # 17:30 local: the evening reminder is planned, not sent
    assert [(key, nb) for key, _u, nb, _e, _s in await rows(db)] == [
        (f"reminder:{cafe.id}:20261103T1600:evening", utc(2026, 11, 2, 17, 0))]
    await tick(app, clock, utc(2026, 11, 2, 16, 59))
    await settle()
    assert texts(emulator, amina) == [], "nothing before 18:00"

    await tick(app, clock, utc(2026, 11, 2, 17, 0))
    await wait_until(lambda: len(texts(emulator, amina)) == 1, what="the evening reminder")
    message = emulator.messages(amina)[0].text
    assert "Språkcafé (en)" in message
    assert when_text(utc(2026, 11, 3, 15, 0), utc(2026, 11, 3, 16, 30), "en", TZ) in message
    assert "Backavägen 1" in message
    # "🗓 Details" opens the activity's card.
    details = Resident(emulator, amina, "en")
    details.seen = 1
    await details.press(t("🗓 Details", "en"))
    await details.expect("Språkcafé (en)")
    assert len(texts(emulator, amina)) == 2
    details_cards = 1

    await tick(app, clock, utc(2026, 11, 3, 12, 59))  # 13:59 local: the two-hours reminder is due at 14:00
    await settle()
    assert len(texts(emulator, amina)) == 1 + details_cards
    await tick(app, clock, utc(2026, 11, 3, 13, 0))
    await wait_until(lambda: len(texts(emulator, amina)) == 2 + details_cards, what="the two-hours reminder")
    assert "Språkcafé (en)" in texts(emulator, amina)[-1]

    await tick(app, clock, utc(2026, 11, 3, 15, 30))  # during the activity: nothing more
    await settle()
    assert len(texts(emulator, amina)) == 2 + details_cards
    assert {status for *_rest, status in await rows(db)} == {"sent"}


async def test_a_reminder_due_in_quiet_hours_arrives_before_they_start(app, db, emulator, clock) -> None:
    await started(app)
    # Wednesday 4 November 09:00 local (08:00 UTC): two hours before is 07:00 local, inside 21:00–08:00.
    walk = await add_activity(db, clock, "Trygghetsvandring", datetime(2026, 11, 4, 9, 0))
    early = await add_resident(db, emulator, clock, 411, evening=False, two_hours=True, asks=((walk, ""),))
    late = await add_resident(db, emulator, clock, 412, evening=False, two_hours=True, quiet=(23 * 60, 6 * 60),
                              asks=((walk, ""),))

    await tick(app, clock, utc(2026, 11, 3, 19, 30))
    assert [(user, nb, exp) for _k, user, nb, exp, _s in await rows(db)] == [
        (early, utc(2026, 11, 3, 20, 0), utc(2026, 11, 4, 8, 0))]  # 21:00 local, the evening before
    await tick(app, clock, utc(2026, 11, 3, 19, 59))
    await settle()
    assert texts(emulator, early) == []
    await tick(app, clock, utc(2026, 11, 3, 20, 0))
    await wait_until(lambda: len(texts(emulator, early)) == 1, what="the reminder before quiet hours")

    # Quiet hours 23:00–06:00: 07:00 local is not quiet for this resident, so it comes at 07:00.
    await tick(app, clock, utc(2026, 11, 4, 5, 30))
    await tick(app, clock, utc(2026, 11, 4, 6, 0))
    await wait_until(lambda: len(texts(emulator, late)) == 1, what="the reminder at 07:00")
    assert len(texts(emulator, early)) == 1


# --- who -----------------------------------------------------------------------------------------------------


async def test_a_category_subscription_covers_an_activity_added_later(app, db, emulator, clock) -> None:
    await started(app)
    everywhere = await add_resident(db, emulator, clock, 421, follows=((CATEGORY, ""),))
    in_backa = await add_resident(db, emulator, clock, 422, "fi", follows=((CATEGORY, "backa"),))
    in_karra = await add_resident(db, emulator, clock, 423, follows=((CATEGORY, "karra"),))
    other = await add_resident(db, emulator, clock, 424, follows=(("sport", ""),))
    digest = await add_resident(db, emulator, clock, 425, digest=True, follows=((CATEGORY, ""),))
    no_consent = await add_resident(db, emulator, clock, 426, follows=((CATEGORY, ""),))
    gone = await add_resident(db, emulator, clock, 427, follows=((CATEGORY, ""),))
    await db.rollback()
    (await db.get(User, no_consent)).consent_at = None
    (await db.get(User, gone)).is_active = False
    await db.commit()

    # Added after everyone subscribed: Tuesday 18:00 local, in Backa.
    concert = await add_activity(db, clock, "Konsert", datetime(2026, 11, 3, 18, 0))
    await tick(app, clock, utc(2026, 11, 2, 16, 45))
    await tick(app, clock, utc(2026, 11, 2, 17, 0))
    await wait_until(lambda: len(texts(emulator, everywhere)) == 1 and len(texts(emulator, in_backa)) == 1,
                     what="reminders to the followers")
    assert "Konsert" in texts(emulator, in_backa)[0]
    await settle()
    for user_id in (in_karra, other, digest, no_consent, gone):
        assert texts(emulator, user_id) == [], f"resident {user_id} gets no reminder"
    assert {user for _k, user, *_rest in await rows(db)} == {everywhere, in_backa}
    assert concert.id


async def test_planning_counts_each_recipient_once_and_writes_exactly_them(app, db, emulator, clock) -> None:
    """The planner's two halves agree: `due_reminders` counts, set-based, who gets each reminder; `plan` writes
    exactly those outbox rows with one INSERT … SELECT per delivery, each person once, and a second run adds none."""
    await started(app)
    # Tuesday 3 November 17:00 local (16:00 UTC), in Backa and in Kärra: evening reminders due Monday 18:00.
    quiz = await add_activity(db, clock, "Quiz", datetime(2026, 11, 3, 17, 0))
    film = await add_activity(db, clock, "Film", datetime(2026, 11, 3, 17, 0), area="karra")
    # Quiet hours from 17:00 (not a choice in /settings, but stored ones are respected): 18:00 is quiet, so 17:00.
    early_quiet = (17 * 60, 7 * 60)
    people = {
        "everywhere": dict(follows=((CATEGORY, ""),)),
        "everywhere and in Backa": dict(follows=((CATEGORY, ""), (CATEGORY, "backa"))),
        "in Kärra": dict(follows=((CATEGORY, "karra"),)),
        "series and the date": dict(asks=((quiz, ""), (quiz, "20261103T1700"))),
        "the date and following": dict(asks=((quiz, "20261103T1700"),), follows=((CATEGORY, "backa"),)),
        "digest, following": dict(digest=True, follows=((CATEGORY, ""),)),
        "digest, asked too": dict(digest=True, follows=((CATEGORY, ""),), asks=((quiz, "20261103T1700"),)),
        "two hours only": dict(evening=False, two_hours=True, follows=((CATEGORY, ""),)),
        "quiet from 17:00": dict(quiet=early_quiet, follows=((CATEGORY, "backa"),), asks=((film, ""),)),
        "inactive": dict(follows=((CATEGORY, ""),)),
        "no consent": dict(asks=((quiz, ""),)),
    }
    ids = {}
    for number, (who, choices) in enumerate(people.items()):
        ids[who] = await add_resident(db, emulator, clock, 501 + number, **choices)
    await db.rollback()
    (await db.get(User, ids["inactive"])).is_active = False
    (await db.get(User, ids["no consent"])).consent_at = None
    await db.commit()

    at_18, at_17 = utc(2026, 11, 2, 17, 0), utc(2026, 11, 2, 16, 0)
    start = utc(2026, 11, 3, 16, 0)
    expected = {
        (f"reminder:{quiz.id}:20261103T1700:evening", ids[who], at_17 if who == "quiet from 17:00" else at_18)
        for who in ("everywhere", "everywhere and in Backa", "series and the date", "the date and following",
                    "digest, asked too", "quiet from 17:00")} | {
        (f"reminder:{film.id}:20261103T1700:evening", ids[who], at_17 if who == "quiet from 17:00" else at_18)
        for who in ("everywhere", "everywhere and in Backa", "in Kärra", "quiet from 17:00")}

    clock.current = utc(2026, 11, 2, 16, 30)
    since, until = utc(2026, 11, 2, 15, 30), utc(2026, 11, 2, 17, 30)
    for _run in range(2):
        async with create_sessionmaker(app.engine)() as session, session.begin():
            planned = await reminders.due_reminders(session, TZ, clock.now(), since, until)
            counted = {item.key: item.recipients for item in planned}
            added = await reminders.plan(session, planned, app.i18n, app.content, TZ, clock.now())
        assert counted == {f"reminder:{quiz.id}:20261103T1700:evening": 6,
                           f"reminder:{film.id}:20261103T1700:evening": 4}
        assert added == (10 if _run == 0 else 0), "a second run adds nobody"
    written = await rows(db)
    assert {(key, user, not_before) for key, user, not_before, _e, _s in written} == expected
    assert len(written) == len(expected), "each person once per reminder"
    assert {(expires, status) for _k, _u, _nb, expires, status in written} == {(start, "pending")}
    async with AsyncSession(db.bind) as fresh:
        totals = dict((await fresh.execute(select(Delivery.dedupe_key, Delivery.total))).all())
    assert totals == counted


async def test_two_ticks_and_two_planners_never_send_twice(app, db, emulator, clock) -> None:
    await started(app)
    quiz = await add_activity(db, clock, "Quiz", datetime(2026, 11, 3, 17, 0))
    both = await add_resident(db, emulator, clock, 431, asks=((quiz, ""), (quiz, "20261103T1700")),
                              follows=((CATEGORY, ""), (CATEGORY, "backa")))
    other = await add_resident(db, emulator, clock, 432, follows=((CATEGORY, ""),))
    second = ReminderPlanner(TZ, app.i18n, app.content)
    sessionmaker = create_sessionmaker(app.engine)
    for minute in (30, 31, 40, 55):
        clock.current = utc(2026, 11, 2, 16, minute)
        await app.jobs.tick()
        async with sessionmaker() as session, session.begin():
            await second(session, clock.now())
    assert [(key, user) for key, user, *_rest in await rows(db)] == [
        (f"reminder:{quiz.id}:20261103T1700:evening", both), (f"reminder:{quiz.id}:20261103T1700:evening", other)]
    await tick(app, clock, utc(2026, 11, 2, 17, 0))
    await wait_until(lambda: len(texts(emulator, both)) == 1 and len(texts(emulator, other)) == 1,
                     what="one reminder each")
    await tick(app, clock, utc(2026, 11, 2, 17, 10))
    await settle()
    assert len(texts(emulator, both)) == 1 and len(texts(emulator, other)) == 1


# --- the weekly digest ---------------------------------------------------------------------------------------


async def test_the_sunday_digest_lists_the_week_and_replaces_single_reminders(app, db, emulator, clock) -> None:
    await started(app)
    # The week of Monday 9 November: a weekly film evening on Tuesdays, a Thursday concert; a Monday 16th event
    # is the next week's; another category's activity is in the list only for who asked for it.
    film = await add_activity(db, clock, "Filmkväll", datetime(2026, 11, 10, 18, 0), rrule="FREQ=WEEKLY;COUNT=3")
    concert = await add_activity(db, clock, "Konsert", datetime(2026, 11, 12, 19, 30))
    await add_activity(db, clock, "Nästa vecka", datetime(2026, 11, 16, 18, 0))
    football = await add_activity(db, clock, "Fotboll", datetime(2026, 11, 11, 17, 0), category="sport")
    reader = await add_resident(db, emulator, clock, 441, "en", digest=True, follows=((CATEGORY, ""),),
                                asks=((football, "20261111T1700"),))
    nothing = await add_resident(db, emulator, clock, 442, digest=True, follows=(("seniors", ""),))
    single = await add_resident(db, emulator, clock, 443, follows=((CATEGORY, ""),))

    await tick(app, clock, utc(2026, 11, 8, 16, 30))  # Sunday 17:30 local: planned for 18:00
    await tick(app, clock, utc(2026, 11, 8, 16, 59))
    await settle()
    assert texts(emulator, reader) == []
    await tick(app, clock, utc(2026, 11, 8, 17, 0))
    await wait_until(lambda: len(texts(emulator, reader)) == 1, what="the digest")
    digest = texts(emulator, reader)[0]
    for title in ("Filmkväll (en)", "Konsert (en)", "Fotboll (en)"):
        assert digest.count(title) == 1, digest
    assert "Nästa vecka" not in digest
    assert digest.index("Filmkväll") < digest.index("Fotboll") < digest.index("Konsert"), "in order of time"
    assert t("🗞 <b>Your week</b>, {first} – {last}", "en").split(",")[0].replace("<b>", "").replace("</b>", "") \
        in digest
    await db.rollback()
    assert await db.scalar(select(Delivery.dedupe_key).where(Delivery.kind == "digest")) == "digest:2026-W46:441"

    # Monday 18:00: the evening reminder for Tuesday's film goes to the follower without a digest only; the
    # digest reader still gets the reminder they asked for one by one (Wednesday's football, Tuesday 18:00).
    await tick(app, clock, utc(2026, 11, 9, 16, 30))
    await tick(app, clock, utc(2026, 11, 9, 17, 0))
    await wait_until(lambda: len(texts(emulator, single)) == 1, what="the single reminder")
    await tick(app, clock, utc(2026, 11, 10, 16, 30))
    await tick(app, clock, utc(2026, 11, 10, 17, 0))
    await wait_until(lambda: len(texts(emulator, reader)) == 2, what="the reminder asked for")
    assert "Fotboll (en)" in texts(emulator, reader)[1]
    await settle()
    assert texts(emulator, nothing) == [], "an empty week sends nothing"
    assert len(texts(emulator, reader)) == 2
    assert concert.id and film.id


# --- stopping ------------------------------------------------------------------------------------------------


async def press_starting(resident: Resident, start: str) -> dict:
    """Tap the newest button whose label starts with `start` (the ✖ buttons of /reminders carry a number)."""
    for message in reversed(resident.emulator.messages(resident.user_id)):
        for button in message.inline_buttons():
            if button.get("text", "").startswith(start):
                return await resident.press_data(message.message_id, button["callback_data"])
    raise AssertionError(f"no button starting with {start!r}")


async def test_stopping_a_follow_or_a_remind_me_takes_out_only_the_reminders_nothing_else_asks_for(
        app, db, emulator, clock) -> None:
    await started(app)
    quiz = await add_activity(db, clock, "Quiz", datetime(2026, 11, 3, 17, 0))
    film = await add_activity(db, clock, "Film", datetime(2026, 11, 3, 19, 0))
    other = await add_activity(db, clock, "Fotboll", datetime(2026, 11, 3, 17, 30), category="sport")
    amina = await add_resident(db, emulator, clock, 521, "en", follows=((CATEGORY, ""), ("sport", "")),
                               asks=((quiz, ""),))
    omar = await add_resident(db, emulator, clock, 522, "en", follows=((CATEGORY, ""), (CATEGORY, "backa")))
    await tick(app, clock, utc(2026, 11, 2, 16, 30))  # Monday 17:30: the evening reminders are queued for 18:00
    quiz_key, film_key = f"reminder:{quiz.id}:20261103T1700:evening", f"reminder:{film.id}:20261103T1900:evening"
    other_key = f"reminder:{other.id}:20261103T1730:evening"

    async def queued(user_id: int) -> list[str]:
        return [key for key, *_rest in await rows(db, user_id=user_id)]

    assert await queued(amina) == sorted([quiz_key, film_key, other_key])
    assert await queued(omar) == sorted([quiz_key, film_key])

    # Amina stops following culture: the film goes, the quiz stays (she asked for it), and so does football.
    resident = Resident(emulator, amina, "en")
    resident.send("/reminders")
    listing = await resident.expect(t("<b>Your reminders</b>", "en").removeprefix("<b>").removesuffix("</b>"))
    culture = app.content.current.content.activity_category(CATEGORY).label("en")
    assert f"2. 🗂 {culture} — {t('everywhere', 'en')}" in listing.text
    assert (await press_starting(resident, "✖ 2."))["text"] == t("Stopped.", "en")
    await eventually(lambda: queued(amina), sorted([quiz_key, other_key]))
    # Then the quiz itself: nothing asks for it any more.
    assert (await press_starting(resident, "✖ 1."))["text"] == t("Stopped.", "en")
    await eventually(lambda: queued(amina), [other_key])

    # Omar follows culture everywhere and in Backa: stopping one keeps both reminders, stopping both takes them out.
    resident = Resident(emulator, omar, "en")
    resident.send("/reminders")
    await resident.expect()
    await press_starting(resident, "✖ 1.")
    await wait_until(lambda: "✖ 2." not in str(emulator.messages(omar)[-1].reply_markup), what="a shorter list")
    await settle()
    assert await queued(omar) == sorted([quiz_key, film_key])
    await press_starting(resident, "✖ 1.")
    await eventually(lambda: queued(omar), [])

    async def totals() -> dict[str, int]:
        async with AsyncSession(db.bind) as fresh:
            return dict((await fresh.execute(select(Delivery.dedupe_key, Delivery.total))).all())

    await eventually(totals, {quiz_key: 0, film_key: 0, other_key: 1})
    await tick(app, clock, utc(2026, 11, 2, 17, 0))
    await wait_until(lambda: any("Fotboll" in text for text in texts(emulator, amina)), what="the football reminder")
    await settle()
    assert not any("Quiz" in text or "Film" in text for text in texts(emulator, amina) + texts(emulator, omar))


# --- changes -------------------------------------------------------------------------------------------------


async def test_a_cancellation_sends_one_notice_and_removes_the_pending_reminder(app, db, emulator, clock) -> None:
    await started(app)
    yoga = await add_activity(db, clock, "Yoga", datetime(2026, 11, 3, 10, 0), rrule="FREQ=WEEKLY")
    asked = await add_resident(db, emulator, clock, 451, "en", asks=((yoga, "20261103T1000"),))
    series = await add_resident(db, emulator, clock, 452, asks=((yoga, ""),))
    follower = await add_resident(db, emulator, clock, 453, "ar", follows=((CATEGORY, "backa"),))
    bystander = await add_resident(db, emulator, clock, 454, asks=((yoga, "20261110T1000"),))
    await tick(app, clock, utc(2026, 11, 2, 16, 30))
    assert len(await rows(db)) == 3

    clock.current = utc(2026, 11, 2, 16, 40)
    (found,) = [h.occurrence for h in await happenings(db, TZ, clock.now(), utc(2026, 11, 4), activity_id=yoga.id)]
    for _twice in range(2):  # a second call (a double tap, a content sync) sends nothing more
        await set_change(db, yoga.id, found.planned, None, clock.now())
        await reminders.notify_change(db, yoga, Occurrence(yoga.id, found.planned, found.start, found.end,
                                                           cancelled=True), clock.now(), TZ)
        await db.commit()
    app.delivery.wake()
    for user_id, locale in ((asked, "en"), (series, "sv"), (follower, "ar")):
        await wait_until(lambda u=user_id: len(texts(emulator, u)) == 1, what=f"the notice to {user_id}")
        expected = t("❌ Cancelled: <b>{title}</b>, {when}", locale).format(
            title=yoga.titles.get(locale, "Yoga"), when=when_text(found.start, found.end, locale, TZ))
        assert texts(emulator, user_id)[0] == expected.replace("<b>", "").replace("</b>", "")
    assert [key for key, *_rest in await rows(db)] == [f"notice:{yoga.id}:20261103T1000:cancelled"] * 3, \
        "the pending reminders are gone"
    await tick(app, clock, utc(2026, 11, 2, 17, 0))
    await tick(app, clock, utc(2026, 11, 3, 8, 0))
    await settle()
    for user_id in (asked, series, follower):
        assert len(texts(emulator, user_id)) == 1, "no reminder for the cancelled date"
    assert texts(emulator, bystander) == []


async def test_a_moved_occurrence_gets_a_notice_and_reminders_at_its_new_time(app, db, emulator, clock) -> None:
    await started(app)
    chess = await add_activity(db, clock, "Schack", datetime(2026, 11, 3, 17, 0))
    player = await add_resident(db, emulator, clock, 461, two_hours=True, asks=((chess, ""),))
    await tick(app, clock, utc(2026, 11, 2, 16, 30))
    # Moved to Wednesday 4 November 18:00 local (17:00 UTC).
    new_local = datetime(2026, 11, 4, 18, 0)
    await set_change(db, chess.id, datetime(2026, 11, 3, 17, 0), new_local, clock.now())
    moved = Occurrence(chess.id, datetime(2026, 11, 3, 17, 0), utc(2026, 11, 4, 17, 0), utc(2026, 11, 4, 18, 30),
                       moved=True)
    await reminders.notify_change(db, chess, moved, clock.now(), TZ)
    await db.commit()
    app.delivery.wake()
    await wait_until(lambda: len(texts(emulator, player)) == 1, what="the notice")
    assert texts(emulator, player)[0] == t("🔁 Moved: <b>{title}</b> is now {when}", "sv").format(
        title="Schack", when=when_text(moved.start, moved.end, "sv", TZ)).replace("<b>", "").replace("</b>", "")
    # "🗓 Details" opens the card of the date at its new time.
    resident = Resident(emulator, player, "sv")
    resident.seen = 1
    await resident.press(t("🗓 Details", "sv"))
    await resident.expect("Schack", long_when(moved.start, moved.end, "sv", TZ),
                          t("🔁 Moved from {when}", "sv").split("{when}")[0])
    details_cards = 1

    await tick(app, clock, utc(2026, 11, 2, 17, 0))
    await settle()
    assert len(texts(emulator, player)) == 1 + details_cards, "no reminder for the old time"
    await tick(app, clock, utc(2026, 11, 3, 16, 30))
    await tick(app, clock, utc(2026, 11, 3, 17, 0))
    await wait_until(lambda: len(texts(emulator, player)) == 2 + details_cards,
                     what="the evening reminder for the new time")
    assert when_text(moved.start, moved.end, "sv", TZ) in texts(emulator, player)[-1]
    keys = {key for key, *_rest in await rows(db)}
    assert f"reminder:{chess.id}:20261103T1700@20261104T1800:evening" in keys
    assert f"notice:{chess.id}:20261103T1700:moved-20261104T1800" in keys


async def test_details_in_the_notice_for_a_series_with_a_new_time_open_the_new_dates(app, db, emulator,
                                                                                     clock) -> None:
    """Staff move the whole series a week later (Tuesdays from 10 November instead of 3 November): the 3rd's key is
    no date any more, and the 10th's is now another date (the one that was the 3rd). Each notice's "🗓 Details"
    opens the card of the date it announces."""
    await started(app)
    yoga = await add_activity(db, clock, "Yoga", datetime(2026, 11, 3, 10, 0), rrule="FREQ=WEEKLY;BYDAY=TU")
    series = await add_resident(db, emulator, clock, 531, asks=((yoga, ""),))
    dated = await add_resident(db, emulator, clock, 532, asks=((yoga, "20261110T1000"),))
    draft = ActivityDraft.of(yoga)
    draft.start = "2026-11-10 10:00"
    await activity_admin.change(db, yoga, draft, activity_admin.TIME, 900001, clock.now(), TZ)
    await db.commit()
    app.delivery.wake()
    await wait_until(lambda: len(texts(emulator, series)) == 2 and len(texts(emulator, dated)) == 1,
                     what="the notices")
    length = timedelta(minutes=90)
    for user_id, notice, new_start in ((series, 0, datetime(2026, 11, 10, 10, 0)),
                                       (series, 1, datetime(2026, 11, 17, 10, 0)),
                                       (dated, 0, datetime(2026, 11, 17, 10, 0))):
        start = new_start.replace(tzinfo=TZ).astimezone(UTC)
        message = emulator.messages(user_id)[notice]
        assert when_text(start, start + length, "sv", TZ) in message.text
        (details,) = [b for b in message.inline_buttons() if b["text"] == t("🗓 Details", "sv")]
        resident = Resident(emulator, user_id, "sv")
        resident.seen = len(emulator.messages(user_id))
        answer = await resident.press_data(message.message_id, details["callback_data"])
        assert answer.get("text") != t(STALE, "sv")
        card = await resident.expect("Yoga")
        assert long_when(start, start + length, "sv", TZ) in card.text, card.text


# --- restart -------------------------------------------------------------------------------------------------


@asynccontextmanager
async def running(settings: Settings, clock: FakeClock, content) -> AsyncIterator[Application]:  # noqa: ANN001
    application = create_application(settings, clock, content)
    await application.prepare()
    ready = asyncio.Event()
    application.dispatcher.startup.register(ready.set)
    polling = asyncio.create_task(application.poll())
    await asyncio.wait_for(ready.wait(), timeout=5)
    try:
        yield application
    finally:
        await application.dispatcher.stop_polling()
        await polling
        await application.close()


async def test_after_a_restart_missed_reminders_go_out_only_if_the_activity_has_not_started(
        settings, emulator, clock, content) -> None:
    async with running(settings, clock, content) as first:
        await started(first)
        db = create_sessionmaker(first.engine)()
        tomorrow = await add_activity(db, clock, "Imorgon", datetime(2026, 11, 3, 16, 0))  # 15:00 UTC
        tonight = await add_activity(db, clock, "Ikväll", datetime(2026, 11, 2, 20, 0))  # 19:00 UTC
        early = await add_activity(db, clock, "Tidigt", datetime(2026, 11, 3, 9, 0))  # 08:00 UTC
        resident = await add_resident(db, emulator, clock, 471, two_hours=True,
                                      asks=((tomorrow, ""), (tonight, "")))
        # 17:00 local: the evening reminder for tomorrow and the two-hours one for tonight are both due at 18:00.
        await tick(first, clock, utc(2026, 11, 2, 16, 0))
        assert len(await rows(db)) == 2
        await db.close()

    # Down from 17:00 to 20:30 local: tonight's activity began at 20:00, tomorrow's has not. Just before going
    # down, the resident had asked to be reminded of an early activity, whose evening reminder was due at 18:00.
    clock.current = utc(2026, 11, 2, 19, 30)
    engine = create_engine(settings.database_url)
    async with create_sessionmaker(engine)() as db:
        db.add(ActivityReminder(user_id=resident, activity_id=early.id, occurrence="", created_at=clock.now()))
        await db.commit()
    await engine.dispose()
    async with running(settings, clock, content) as second:
        db = create_sessionmaker(second.engine)()
        await started(second)  # the first run at start-up has caught up
        await wait_until(lambda: len(texts(emulator, resident)) == 2, what="the missed reminders")
        received = texts(emulator, resident)
        assert any("Imorgon" in text for text in received) and any("Tidigt" in text for text in received)
        await settle()
        assert not any("Ikväll" in text for text in texts(emulator, resident)), "never after the start"

        async def tonight_status() -> list[str]:
            return [status for key, _u, _nb, _e, status in await rows(db) if key.startswith(f"reminder:{tonight.id}")]

        await eventually(tonight_status, ["failed"])
        await db.close()


# --- daylight-saving weekends ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("sunday", "expected"), [
    # Spring forward, 29 March 2026: 02:30 does not exist and happens at 03:30 CEST (01:30 UTC); 10:00 CEST is
    # 08:00 UTC. Saturday evening 18:00 is still CET (17:00 UTC). Two hours before 02:30 is 00:30 CET, inside
    # quiet hours: 21:00 CET (20:00 UTC), or 23:00 CET (22:00 UTC) for quiet hours 23:00–06:00.
    (datetime(2026, 3, 29), {
        ("0230", "evening"): utc(2026, 3, 28, 17, 0), ("0230", "two_hours"): utc(2026, 3, 28, 20, 0),
        ("0230", "two_hours", "late"): utc(2026, 3, 28, 22, 0), ("0230", "start"): utc(2026, 3, 29, 1, 30),
        ("1000", "evening"): utc(2026, 3, 28, 17, 0), ("1000", "two_hours"): utc(2026, 3, 29, 6, 0),
        ("1000", "start"): utc(2026, 3, 29, 8, 0)}),
    # Fall back, 25 October 2026: 02:30 happens twice; the first (CEST, 00:30 UTC) is meant. Saturday is still
    # CEST (18:00 = 16:00 UTC); 10:00 CET is 09:00 UTC and two hours before is 08:00 CET (07:00 UTC), just as
    # quiet hours end.
    (datetime(2026, 10, 25), {
        ("0230", "evening"): utc(2026, 10, 24, 16, 0), ("0230", "two_hours"): utc(2026, 10, 24, 19, 0),
        ("0230", "two_hours", "late"): utc(2026, 10, 24, 21, 0), ("0230", "start"): utc(2026, 10, 25, 0, 30),
        ("1000", "evening"): utc(2026, 10, 24, 16, 0), ("1000", "two_hours"): utc(2026, 10, 25, 7, 0),
        ("1000", "start"): utc(2026, 10, 25, 9, 0)}),
])
async def test_reminders_land_at_the_right_instants_on_the_dst_weekends(app, db, emulator, clock, sunday,
                                                                       expected) -> None:
    await started(app)
    first_sunday = sunday - timedelta(days=14)
    night = await add_activity(db, clock, "Natt", first_sunday.replace(hour=2, minute=30),
                               rrule="FREQ=WEEKLY;BYDAY=SU", duration=60)
    morning = await add_activity(db, clock, "Morgon", first_sunday.replace(hour=10), rrule="FREQ=WEEKLY;BYDAY=SU")
    resident = await add_resident(db, emulator, clock, 481, two_hours=True, asks=((night, ""), (morning, "")))
    late = await add_resident(db, emulator, clock, 482, evening=False, two_hours=True, quiet=(23 * 60, 6 * 60),
                              asks=((night, ""),))
    # From Saturday noon to Sunday noon (UTC), the planner looking every quarter of an hour.
    day = sunday.strftime("%Y%m%d")
    saturday_noon = sunday.replace(tzinfo=UTC) - timedelta(hours=12)
    for step in range(0, 24 * 4 + 1):
        clock.current = saturday_noon + timedelta(minutes=15 * step)
        await app.jobs.tick()
        app.delivery.wake()
        await eventually(lambda: due_unsent(db, clock.now()), 0)  # the engine keeps up with the moving clock
    planned = {(key, user): (not_before, expires) for key, user, not_before, expires, _s in await rows(db)}
    for (which, activity) in (("0230", night), ("1000", morning)):
        start = expected[(which, "start")]
        for kind in ("evening", "two_hours"):
            key = f"reminder:{activity.id}:{day}T{which}:{kind}"
            assert planned[(key, resident)] == (expected[(which, kind)], start), key
    assert planned[(f"reminder:{night.id}:{day}T0230:two_hours", late)] == (
        expected[("0230", "two_hours", "late")], expected[("0230", "start")])
    assert (f"reminder:{night.id}:{day}T0230:evening", late) not in planned
    assert len(planned) == 5, "nothing else, nothing twice"

    # The engine sent each one, none before its time.
    async def sent() -> list[tuple]:
        await db.rollback()
        found = await db.execute(select(OutboxMessage.status, OutboxMessage.not_before, OutboxMessage.sent_at))
        return [tuple(row) for row in found]

    app.delivery.wake()
    await wait_until(lambda: len(texts(emulator, resident)) == 4 and len(texts(emulator, late)) == 1,
                     what="five reminders")
    await eventually(lambda: _statuses(sent), ["sent"] * 5)
    assert all(sent_at >= not_before for _status, not_before, sent_at in await sent())


async def due_unsent(db, now: datetime) -> int:  # noqa: ANN001
    async with AsyncSession(db.bind) as fresh:
        return len((await fresh.execute(select(OutboxMessage.id).where(
            OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.not_before <= now))).all())


async def _statuses(probe) -> list[str]:  # noqa: ANN001
    return sorted(status for status, *_rest in await probe())


# --- settings ------------------------------------------------------------------------------------------------


async def test_a_resident_chooses_when_to_be_reminded_and_the_digest(resident_factory, db) -> None:
    sara = await onboarded(resident_factory, 491, "en", "English")
    sara.send("/settings")
    await sara.expect(t("Reminders: {when}", "en").format(when=t("the evening before (18:00)", "en")),
                      t("Weekly digest: {state}", "en").format(state=t("off", "en")))
    await sara.press(t("⏰ Reminders", "en"))
    await sara.expect()
    answer = await sara.press(t("Both", "en"))
    assert answer.get("text") == t("Saved.", "en")
    await sara.expect(t("Reminders: {when}", "en").format(
        when=t("the evening before (18:00) and two hours before", "en")))
    answer = await sara.press(t("🗞 Weekly digest: off", "en"))
    assert answer.get("text") == t("Saved.", "en")
    screen = await sara.expect(t("Weekly digest: {state}", "en").format(state=t("on", "en")))
    assert t("🗞 Weekly digest: on", "en") in [b["text"] for b in screen.inline_buttons()]
    await sara.press(t("⏰ Reminders", "en"))
    await sara.expect()
    await sara.press(t("Two hours before", "en"))
    await sara.expect(t("Reminders: {when}", "en").format(when=t("two hours before", "en")))

    async def stored() -> tuple:
        await db.rollback()
        return tuple((await db.execute(select(User.remind_evening, User.remind_two_hours, User.weekly_digest)
                                       .where(User.id == 491))).one())

    await eventually(stored, (False, True, True))
    for forged in ("set:remind:never", "set:digest:maybe"):
        answer = await sara.press_data(screen.message_id, forged)
        assert answer.get("text") == t("This button no longer works. Here is the menu.", "en")
        await sara.expect()
    await eventually(stored, (False, True, True))


async def test_reminders_describes_monthly_series(app, db, emulator, clock) -> None:
    await started(app)
    first_tuesday = await add_activity(db, clock, "Föräldracafé", datetime(2026, 11, 3, 16, 0),
                                       rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=3")
    last_friday = await add_activity(db, clock, "Disco", datetime(2026, 11, 27, 18, 30),
                                     rrule="FREQ=MONTHLY;BYDAY=-1FR")
    fifteenth = await add_activity(db, clock, "Loppis", datetime(2026, 11, 15, 11, 0), rrule="FREQ=MONTHLY")
    user_id = await add_resident(db, emulator, clock, 541, "en",
                                 asks=((first_tuesday, ""), (last_friday, ""), (fifteenth, "")))
    resident = Resident(emulator, user_id, "en")
    resident.send("/reminders")
    listing = await resident.expect()
    for when in (t("every month on the first {weekday}, {time}", "en").format(
                     weekday="Tuesday", time=clock_time(time(16, 0), "en")),
                 t("every month on the last {weekday}, {time}", "en").format(
                     weekday="Friday", time=clock_time(time(18, 30), "en")),
                 t("every month on day {day}, {time}", "en").format(day=15, time=clock_time(time(11, 0), "en"))):
        assert when in listing.text, listing.text
    assert t("repeats, {time}", "en").split(",")[0] not in listing.text
