"""Crash safety: the real bot process is killed with SIGKILL twice in the middle of a delivery and restarted.

Nobody may be lost, and duplicates may only come from rows that were being sent at the moment of a crash
(at most IN_FLIGHT each time): the bound documented in bot/delivery.py.
"""

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot import PROJECT_ROOT
from bot.delivery import IN_FLIGHT, Recipient, Variant, enqueue
from bot.emulator import TelegramEmulator
from db.migrate import upgrade
from db.models import OutboxMessage, User
from db.session import create_engine, create_sessionmaker
from tests.support import TOKEN, wait_until

RESIDENTS = 300
FIRST = 70_000


def delivered(emulator: TelegramEmulator) -> Counter:
    return Counter(call.params.get("chat_id") for call in emulator.calls if call.method == "sendMessage" and call.ok
                   and FIRST <= int(call.params.get("chat_id", 0)) < FIRST + RESIDENTS)


async def start_bot(database_url: str, emulator: TelegramEmulator) -> asyncio.subprocess.Process:
    environment = {**os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": emulator.base_url,
                   "DATABASE_URL": database_url, "DELIVERY_RATE": "30", "DELIVERY_TIMEOUT_SECONDS": "2",
                   "POLL_SECRET": "x" * 64}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT,
                                                env=environment, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.PIPE)


async def test_kill_9_twice_mid_delivery_loses_nobody_and_duplicates_stay_within_the_bound(
        clean_database: str, emulator: TelegramEmulator) -> None:
    emulator.latency = 0.15  # requests take as long as a real round trip, so some are in flight at each kill
    engine = create_engine(clean_database)
    sessions = create_sessionmaker(engine)
    await upgrade(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        for user_id in range(FIRST, FIRST + RESIDENTS):
            emulator.add_user(user_id, first_name="R", language_code="sv")
            session.add(User(id=user_id, language="sv", consent_at=now, first_seen=now, last_seen=now))
        await session.flush()
        await enqueue(session, kind="test", variants={"sv": Variant("Viktigt meddelande")}, now=now,
                      recipients=[Recipient(user_id, "sv", now) for user_id in range(FIRST, FIRST + RESIDENTS)])
        await session.commit()

    async def sending_rows() -> set[int]:
        async with sessions() as session:
            return set(await session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "sending")))

    async def count(status: str) -> int:
        async with sessions() as session:
            return await session.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.status == status)) or 0

    in_flight_at_crashes: list[set[int]] = []
    try:
        for kill_at in (RESIDENTS * 3 // 10, RESIDENTS * 7 // 10):
            process = await start_bot(clean_database, emulator)
            await wait_until(lambda at=kill_at: sum(delivered(emulator).values()) >= at, timeout=40,
                             what=f"{kill_at} messages delivered")
            process.send_signal(signal.SIGKILL)
            await process.wait()
            # On PostgreSQL rows left by the previous kill may still wait for their lease: count only new ones.
            in_flight_at_crashes.append(await sending_rows() - set().union(*in_flight_at_crashes))

        process = await start_bot(clean_database, emulator)
        # On PostgreSQL a claim is released only after its lease (send timeout + margin) has passed.
        await wait_until(lambda: len(delivered(emulator)) == RESIDENTS, timeout=60, what="everyone reached")
        # The rows in flight at a kill arrived, but stay "sending" until released (at once on SQLite, after the
        # lease on PostgreSQL) and sent again: wait until every row has ended.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while await count("sending") + await count("pending") and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, errors = await process.communicate()
        assert process.returncode == 0, errors.decode()[-2000:]
        assert await count("sent") == RESIDENTS, "every row ends as sent"
    finally:
        await engine.dispose()

    per_resident = delivered(emulator)
    duplicates = sum(per_resident.values()) - RESIDENTS
    assert len(per_resident) == RESIDENTS, "nobody was lost"
    assert all(len(crashed) <= IN_FLIGHT for crashed in in_flight_at_crashes), in_flight_at_crashes
    assert duplicates <= sum(len(crashed) for crashed in in_flight_at_crashes), (duplicates, in_flight_at_crashes)
