"""Reminder planning at district scale, and a burst of reminders through the delivery engine.

Run: .venv/bin/python bench/reminders.py [--quick] [--residents 100000] [--activities 500] [--burst 10000]

1. Planning, on SQLite: 100 000 residents (each follows one or two of the 11 activity categories, half of them
   in one area only; a third asked for one to three activities by hand; 10 % read the weekly digest; quiet hours
   and reminder choices spread over the offered settings) and 500 weekly activities, for an ordinary hour and for
   the busiest hour of the day (17:00–18:00, when every evening-before reminder for tomorrow goes). Timed:
   * compute: `bot.reminders.due_reminders` for the coming hour (median of three calls), i.e. computing the next
     hour's due reminders: expanding the programme's occurrences in the next 36 h, the distinct quiet-hours
     settings, which (occurrence, kind) deliveries fall due and when for each setting, and how many residents get
     each one — counted in the database by two grouped queries over every follower and every "remind me" in play
     (nothing per resident comes back to Python). Its result is the list of deliveries with their send times and
     recipient counts; the "recipients" column is the sum of those counts.
   * run: one whole planner run (`ReminderPlanner`, an ordinary tick, in one committed transaction): the compute
     above again, then per delivery its texts in every language, the delivery row and one INSERT … SELECT of its
     recipients straight into the outbox. "written" counts the outbox rows the run added (it must equal
     "recipients").
2. Delivery: a burst of reminders (10 000; 2 000 with --quick) planned by the real planner, sent by the real bot
   process (`python -m bot run`) to the emulator limited like Telegram (30 messages/s): sustained rate against the
   configured one, nothing lost, nothing twice. Reuses bench/delivery.py's emulator set-up.
Prints a table; not part of the test run.
"""

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.delivery import FIRST, LATENCY, TELEGRAM_LIMIT, limited_emulator, start_bot, status_counts, wait_for  # noqa: E402, E501
from bot.i18n import create_i18n  # noqa: E402
from bot.languages import LANGUAGES  # noqa: E402
from bot.preferences import QUIET_CHOICES  # noqa: E402
from bot.reminders import ReminderPlanner, due_reminders  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Activity, ActivityReminder, OutboxMessage, Subscription, User  # noqa: E402
from db.session import create_engine, create_sessionmaker  # noqa: E402

TZ = ZoneInfo("Europe/Stockholm")
CATEGORIES = ["children", "youth", "families", "seniors", "culture", "sport", "language-cafe", "homework-help",
              "parent-support", "jobs-and-studies", "safety-walks"]
AREAS = ["backa", "brunnsbo", "karra", "rodbo", "skogome", "skalltorp", "save", "tuve", "lillhagsparken"]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
CHUNK = 5000


async def insert_chunked(session, model, rows: list[dict]) -> None:  # noqa: ANN001
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start:start + CHUNK])


async def populate(url: str, residents: int, activities: int, monday: datetime) -> None:
    """A district: residents with subscriptions and reminders, and a weekly programme from `monday` (local)."""
    rng = random.Random(4)
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    async with create_sessionmaker(engine)() as session:
        programme = []
        for number in range(activities):
            weekday = rng.randrange(7)
            start = monday + timedelta(days=weekday, hours=rng.randrange(9, 21), minutes=rng.choice((0, 30)))
            programme.append({
                "slug": f"bench-{number}", "source": "staff", "titles": {"sv": f"Aktivitet {number}"},
                "descriptions": {"sv": "-"}, "category": rng.choice(CATEGORIES), "area": rng.choice(AREAS),
                "address": "Backavägen 1", "first_start": start, "duration_minutes": 90,
                "rrule": f"FREQ=WEEKLY;BYDAY={WEEKDAYS[weekday]}", "updated_at": now})
        await insert_chunked(session, Activity, programme)
        choices = [(True, False)] * 6 + [(False, True)] * 2 + [(True, True)] * 2
        users, subscriptions, asked = [], [], []
        for user_id in range(FIRST, FIRST + residents):
            evening, two_hours = rng.choice(choices)
            quiet = rng.choice(QUIET_CHOICES)
            users.append({"id": user_id, "language": rng.choice(list(LANGUAGES)), "consent_at": now,
                          "first_seen": now, "last_seen": now, "is_active": True, "remind_evening": evening,
                          "remind_two_hours": two_hours, "weekly_digest": rng.random() < 0.1,
                          "quiet_from": quiet[0], "quiet_until": quiet[1]})
            for category in rng.sample(CATEGORIES, rng.choice((1, 2))):
                subscriptions.append({"user_id": user_id, "category": category, "created_at": now,
                                      "area": rng.choice(AREAS) if rng.random() < 0.5 else ""})
            if rng.random() < 1 / 3:
                for activity_id in rng.sample(range(1, activities + 1), rng.randrange(1, 4)):
                    asked.append({"user_id": user_id, "activity_id": activity_id, "occurrence": "",
                                  "created_at": now})
        await insert_chunked(session, User, users)
        await insert_chunked(session, Subscription, subscriptions)
        await insert_chunked(session, ActivityReminder, asked)
        await session.commit()
    await engine.dispose()


def local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=TZ).astimezone(UTC)


async def time_planning(url: str, label: str, now: datetime, i18n) -> dict:  # noqa: ANN001
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    computed = []
    for _time in range(3):
        async with sessionmaker() as session:
            began = time.perf_counter()
            planned = await due_reminders(session, TZ, now, now - timedelta(minutes=10), now + timedelta(hours=1))
            computed.append(time.perf_counter() - began)
    planner = ReminderPlanner(TZ, i18n)
    planner._last_run = now - timedelta(minutes=10)  # an ordinary run, not the catch-up at start-up
    async with sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(OutboxMessage))
    began = time.perf_counter()
    async with sessionmaker() as session, session.begin():
        await planner(session, now)
    written = time.perf_counter() - began
    async with sessionmaker() as session:
        after = await session.scalar(select(func.count()).select_from(OutboxMessage))
    await engine.dispose()
    return {"hour": label, "deliveries": len(planned), "recipients": sum(p.recipients for p in planned),
            "compute": sorted(computed)[1], "run": written, "written": after - before}


async def burst(url: str, recipients: int, rate: float, i18n) -> dict:  # noqa: ANN001
    """Reminders for ten activities starting in two hours (real time), planned by the planner, sent by the bot."""
    emulator, send_times, reached = await limited_emulator()
    try:
        engine = create_engine(url)
        await upgrade(engine)
        now = datetime.now(UTC)
        # Starting in two hours: the two-hours reminders are due this very minute.
        start_local = (now.astimezone(TZ) + timedelta(hours=2)).replace(tzinfo=None, second=0, microsecond=0)
        async with create_sessionmaker(engine)() as session:
            await session.execute(insert(Activity), [{
                "slug": f"burst-{n}", "source": "staff", "titles": {"sv": f"Aktivitet {n}"},
                "descriptions": {"sv": "-"}, "category": CATEGORIES[n], "area": None, "first_start": start_local,
                "duration_minutes": 60,
                "updated_at": now} for n in range(10)])
            ids = range(FIRST, FIRST + recipients)
            for user_id in ids:
                emulator.add_user(user_id, first_name="R", language_code="sv")
            # Quiet hours that never cover the next hours, so all of them are due now whatever the time of day.
            await insert_chunked(session, User, [{
                "id": user_id, "language": "sv", "consent_at": now, "first_seen": now, "last_seen": now,
                "remind_evening": False, "remind_two_hours": True, "quiet_from": 0, "quiet_until": 0}
                for user_id in ids])
            await insert_chunked(session, Subscription, [{
                "user_id": user_id, "category": CATEGORIES[user_id % 10], "area": "", "created_at": now}
                for user_id in ids])
            await session.commit()
        planner = ReminderPlanner(TZ, i18n)
        async with create_sessionmaker(engine)() as session, session.begin():
            await planner(session, now)  # plans them all
        await engine.dispose()
        process = await start_bot(url, emulator, rate)  # its own planner runs too: nothing is planned twice
        await wait_for(lambda: len(reached) >= recipients, timeout=recipients / rate * 3 + 120)
        await asyncio.sleep(2)  # anything extra (a duplicate) would arrive now
        process.terminate()
        await process.wait()
        statuses = await status_counts(url)
    finally:
        await emulator.stop()
    chats = Counter(c.params.get("chat_id") for c in emulator.calls if c.ok and c.method == "sendMessage")
    span = send_times[-1] - send_times[0]
    return {"recipients": recipients, "configured": rate, "sustained": (len(send_times) - 1) / span,
            "seconds": span, "lost": recipients - len(chats), "duplicates": sum(chats.values()) - len(chats),
            "429s": sum(1 for c in emulator.calls if c.status == 429),
            "final": ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))}


async def main_async(arguments: argparse.Namespace, scratch: str) -> None:
    i18n = create_i18n()
    url = f"sqlite+aiosqlite:///{scratch}/plan.db"
    monday = datetime(2026, 11, 2)
    began = time.perf_counter()
    await populate(url, arguments.residents, arguments.activities, monday)
    print(f"populated {arguments.residents} residents and {arguments.activities} weekly activities "
          f"in {time.perf_counter() - began:.1f} s")
    hours = [("Tue 10:00-11:00", local(datetime(2026, 11, 10, 10, 0))),
             ("Tue 13:00-14:00", local(datetime(2026, 11, 10, 13, 0))),
             ("Tue 17:00-18:00 (peak)", local(datetime(2026, 11, 10, 17, 0)))]
    plans = [await time_planning(url, label, now, i18n) for label, now in hours]
    delivery = await burst(f"sqlite+aiosqlite:///{scratch}/burst.db", arguments.burst, arguments.rate, i18n)

    print(f"\nReminder planning, SQLite, {arguments.residents} residents, {arguments.activities} weekly activities "
          "(compute = due_reminders: the next hour's deliveries, send times and recipient counts, median of 3; "
          "run = a whole planner run, writing them to the outbox)\n")
    header = (f"{'hour planned':<24} {'deliveries':>10} {'recipients':>10} {'compute s':>9} {'< 1 s':>5} {'run s':>7} "
              f"{'written':>8}")
    print(header)
    print("-" * len(header))
    for p in plans:
        print(f"{p['hour']:<24} {p['deliveries']:>10} {p['recipients']:>10} {p['compute']:>9.3f} "
              f"{'yes' if p['compute'] < 1 else 'NO':>5} {p['run']:>7.2f} {p['written']:>8}")
    print(f"\nReminder burst through the delivery engine, SQLite, emulator limited to {TELEGRAM_LIMIT:.0f} msg/s "
          f"overall and 1/s per chat, {LATENCY * 1000:.0f} ms per request\n")
    header = (f"{'recipients':>10} {'rate set':>8} {'sustained':>9} {'% of set':>8} {'seconds':>8} {'lost':>5} "
              f"{'dupl.':>5} {'429s':>5}  final statuses")
    print(header)
    print("-" * len(header))
    d = delivery
    print(f"{d['recipients']:>10} {d['configured']:>8.1f} {d['sustained']:>9.2f} "
          f"{100 * d['sustained'] / d['configured']:>7.1f}% {d['seconds']:>8.1f} {d['lost']:>5} {d['duplicates']:>5} "
          f"{d['429s']:>5}  {d['final']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=500)
    parser.add_argument("--burst", type=int, default=None, help="reminders in the delivery burst (default 10000)")
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--quick", action="store_true", help="a burst of 2000 instead of 10000")
    arguments = parser.parse_args()
    if arguments.burst is None:
        arguments.burst = 2000 if arguments.quick else 10_000
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(main_async(arguments, scratch))


if __name__ == "__main__":
    main()
