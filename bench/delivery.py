"""Delivery engine throughput and crash safety against the emulator limited like Telegram (30 messages/s).

Run: .venv/bin/python bench/delivery.py [--recipients 10000] [--rate 25] [--database-url URL]
Two runs of the real bot process (`python -m bot run`): one undisturbed, one killed with SIGKILL when half the
recipients have their message, then restarted. Prints a table; not part of the test run.
"""

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bot.delivery import IN_FLIGHT, Recipient, Variant, enqueue  # noqa: E402
from bot.emulator import TelegramEmulator  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import OutboxMessage, User  # noqa: E402
from db.session import create_engine, create_sessionmaker  # noqa: E402

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_bench"
FIRST = 1_000_000
TELEGRAM_LIMIT = 30.0
LATENCY = 0.15  # seconds per request, about a round trip to Telegram's servers from Europe


async def prepare(database_url: str, emulator: TelegramEmulator, recipients: int) -> None:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    now = datetime.now(UTC)
    ids = range(FIRST, FIRST + recipients)
    async with create_sessionmaker(engine)() as session:
        for user_id in ids:
            emulator.add_user(user_id, first_name="R", language_code="sv")
        session.add_all(User(id=user_id, language="sv", consent_at=now, first_seen=now, last_seen=now)
                        for user_id in ids)
        await session.flush()
        await enqueue(session, kind="bench", variants={"sv": Variant("Viktigt: <b>nytt</b> meddelande")}, now=now,
                      recipients=[Recipient(user_id, "sv", now) for user_id in ids])
        await session.commit()
    await engine.dispose()


async def status_counts(database_url: str) -> Counter:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        rows = await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        counts = Counter(dict(rows.all()))
    await engine.dispose()
    return counts


async def start_bot(database_url: str, emulator: TelegramEmulator, rate: float) -> asyncio.subprocess.Process:
    environment = {**os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": emulator.base_url,
                   "DATABASE_URL": database_url, "DELIVERY_RATE": str(rate), "DELIVERY_TIMEOUT_SECONDS": "5",
                   "POLL_SECRET": "x" * 64}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=environment,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def wait_for(condition, timeout: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the bench did not finish in time")
        await asyncio.sleep(0.05)


async def limited_emulator() -> tuple[TelegramEmulator, list[float], set[int]]:
    """The emulator limited like Telegram, started, with the send times and the residents reached so far."""
    emulator = TelegramEmulator(token=TOKEN, global_rate=TELEGRAM_LIMIT, global_burst=30, chat_rate=1, chat_burst=3,
                                latency=LATENCY)
    await emulator.start()
    send_times: list[float] = []
    reached: set[int] = set()

    def on_message(message) -> None:  # noqa: ANN001
        if message.chat_id >= FIRST and not message.edited:
            send_times.append(time.monotonic())
            reached.add(message.chat_id)

    emulator.on_bot_message(on_message)
    return emulator, send_times, reached


async def run(database_url: str, recipients: int, rate: float, crash: bool) -> dict:
    emulator, send_times, reached = await limited_emulator()
    try:
        await prepare(database_url, emulator, recipients)
        process = await start_bot(database_url, emulator, rate)
        in_flight = 0
        if crash:
            await wait_for(lambda: len(send_times) >= recipients // 2, timeout=recipients / rate * 3 + 60)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            in_flight = (await status_counts(database_url))["sending"]
            process = await start_bot(database_url, emulator, rate)
        await wait_for(lambda: len(reached) >= recipients, timeout=recipients / rate * 3 + 120)
        # Every row must end as sent, blocked or failed. On PostgreSQL a dead sender's claims are released
        # only after their lease (send timeout + margin), so the rows in flight at the crash finish last.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            counts = await status_counts(database_url)
            if not counts["pending"] + counts["sending"]:
                break
            await asyncio.sleep(1)  # noqa: ASYNC110 - polling another process's database
        process.send_signal(signal.SIGTERM)
        await process.wait()
        statuses = await status_counts(database_url)
    finally:
        await emulator.stop()
    chats = Counter(c.params.get("chat_id") for c in emulator.calls if c.ok and c.method == "sendMessage")
    rejected_429 = sum(1 for c in emulator.calls if c.status == 429)
    span = send_times[-1] - send_times[0]
    return {
        "run": "kill -9 at 50%, restart" if crash else "undisturbed",  # the crash run's rate includes the restart
        "recipients": recipients,
        "configured": rate,
        "sustained": (len(send_times) - 1) / span if span else float("nan"),
        "seconds": span,
        "lost": recipients - len(chats),
        "duplicates": sum(chats.values()) - len(chats),
        "in_flight": in_flight,
        "429s": rejected_429,
        "final": ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        results = []
        for crash in (False, True):
            url = arguments.database_url or f"sqlite+aiosqlite:///{scratch}/bench-{int(crash)}.db"
            results.append(asyncio.run(run(url, arguments.recipients, arguments.rate, crash)))
    database = "PostgreSQL" if arguments.database_url else "SQLite"
    print(f"\nDelivery engine, {database}, emulator limited to {TELEGRAM_LIMIT:.0f} msg/s overall and 1/s per chat, "
          f"{LATENCY * 1000:.0f} ms per request; "
          f"duplicate bound after a crash = rows in flight (≤ IN_FLIGHT = {IN_FLIGHT})\n")
    header = (f"{'run':<26} {'recipients':>10} {'rate set':>8} {'sustained':>9} {'% of set':>8} {'seconds':>8} "
              f"{'lost':>5} {'dupl.':>5} {'in flight':>9} {'429s':>5}  final statuses")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['run']:<26} {r['recipients']:>10} {r['configured']:>8.1f} {r['sustained']:>9.2f} "
              f"{100 * r['sustained'] / r['configured']:>7.1f}% {r['seconds']:>8.1f} {r['lost']:>5} "
              f"{r['duplicates']:>5} {r['in_flight']:>9} {r['429s']:>5}  {r['final']}")


if __name__ == "__main__":
    main()
