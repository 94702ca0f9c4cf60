"""Poll results at a million answers, and votes through the real bot process (issue #6).

Run: .venv/bin/python bench/polls.py [--quick] [--database-url URL] [--skip-results] [--skip-votes]

1. Results card: a single-choice poll (5 options) and a multiple-choice poll (6 options), each with 1 000 000
   stored answers (100 000 with --quick), spread over the district's areas (and none), the eight languages and six
   source tags with skewed shares and a few groups of two to four answers, so that cells get hidden. The single
   choice was also sent as an invitation to 1.5 residents per answer (users and delivered outbox rows: the card's
   reach table); the multiple choice was found through posters only. Timed, 5 runs each (3 with --quick):
   `bot.poll_results.compute` alone, with each of its queries; the whole card (compute, card text, CSV, chart
   bars); drawing the chart (CPU only, the handler runs it in a thread). On SQLite, and on PostgreSQL too with
   --database-url (after VACUUM ANALYZE, as autovacuum would soon do).
2. Votes: the real bot process (`python -m bot run`, like bench/delivery.py) against the emulator without
   Telegram's rate limits and with no network latency, so what is measured is our own cost. 200 residents with
   consent open a poll by its link ("/start poll-<id>") and press an option. A press is timed from the moment the
   update is queued until the emulator receives the bot's answerCallbackQuery: the handler commits the answer
   first, so this bounds "the vote is recorded" from above.
   * solo: 50 presses one after another with nothing else going on (what one vote costs alone), split into the
     wait for the long poll, the bot's work up to the answer, and what it does after answering;
   * burst: all 200 press at the same instant;
   * crowd: 200 press at random moments within 10 s (a Poisson process);
   after each, the database is checked: one row per resident who pressed, with the option they pressed, nothing
   else, and every press got its thank-you toast. Also the CPU time per vote of the bot process and of this one.
   Repeated with 150 ms per Telegram request (without --quick), and on PostgreSQL with --database-url (there too
   with 150 ms, without --quick).
   Also timed in this process, alone: the database part of one vote (the resident's row, the poll, the answer,
   the commit) without aiogram or HTTP, and one Bot API request from aiogram to the emulator.
   Last, the floor: the same three scenarios against bench/floor_bot.py, an aiogram bot that only answers each
   press (no database, no middlewares). What it takes is what any aiogram bot pays on this machine.
Prints tables; not part of the test run. The machine's load average is printed at the end: other work on the
same two cores shows up in every figure.
"""

import argparse
import asyncio
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from aiogram import Bot  # noqa: E402
from aiogram.client.default import DefaultBotProperties  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.enums import ParseMode  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.delivery import FIRST, TOKEN, start_bot, wait_for  # noqa: E402
from bot import polls  # noqa: E402
from bot.emulator import TelegramEmulator  # noqa: E402
from bot.emulator import methods as emulator_methods  # noqa: E402
from bot.i18n import create_i18n, is_rtl  # noqa: E402
from bot.languages import LANGUAGES  # noqa: E402
from bot.library import ContentStore  # noqa: E402
from bot.poll_delivery import count_reach  # noqa: E402
from bot.users import touch  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Delivery, Poll, PollAnswer, User  # noqa: E402
from db.session import create_engine, create_sessionmaker  # noqa: E402

TZ = ZoneInfo("Europe/Stockholm")
KEY = b"x" * 64  # the POLL_SECRET bench/delivery.start_bot gives the bot: the bench recomputes pseudonyms with it
THEME_GROUP = "child-poverty"
AUTHOR = 42
CHUNK = 50_000
TARGET_CARD, TARGET_VOTE = 1.0, 0.020  # seconds: issue #6
LATENCY = 0.15  # seconds per Telegram request in the second vote run, as in bench/delivery.py
CROWD_SECONDS = 10.0
IDLE_SECONDS = 5.0
WAIT = 600.0  # seconds any one press may take before the bench gives up (150 ms latency, serialized)

# Skewed shares, and a few groups with exactly a handful of answers, so that small cells get hidden even at a
# million answers (and, by the suppression rule, a larger cell or two with them).
AREAS = {"backa": 30, "tuve": 18, "brunnsbo": 12, "karra": 10, "skalltorp": 8, "save": 6, "skogome": 4,
         "lillhagsparken": 0.5, "": 11.5}
LANGUAGE_SHARES = {"sv": 52, "ar": 16, "so": 10, "fa": 7, "en": 6, "bs": 5, "ckb": 4}
SOURCES = {polls.FROM_INVITATION: 58, polls.FROM_LIST: 14, polls.FROM_LINK: 11, "backa_bibliotek": 11,
           "fritidsgard_tuve": 6}
RARE_AREA, RARE_LANGUAGE, RARE_SOURCE, RARE_OPTION = ("rodbo", 3), ("fi", 2), ("skylt_save", 4), (5, 3)
SINGLE_SHARES = [38, 27, 19, 11, 5]
MULTIPLE_BITS = [0.62, 0.35, 0.44, 0.12, 0.21]  # each option ticked independently with this chance; the 6th is rare
INVITED_PER_ANSWER = 1.5  # the single-choice poll was sent to this many residents per answer (the reach table)
FIRST_INVITED = 10_000_000
SINGLE_OPTIONS = ["Fler fritidsgårdar", "Läxhjälp", "Billigare kollektivtrafik", "Fler parker", "Annat"]
MULTIPLE_OPTIONS = ["Bibliotek", "Simhall", "Idrottshall", "Café", "Kvällsöppet", "Något annat"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def fresh_database(url: str) -> None:
    """An empty, migrated database (PostgreSQL: the schema dropped first, as in bench/delivery.py)."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()


async def create_poll(session, kind: str, options: list[str], now: datetime, invited: bool = True) -> Poll:  # noqa: ANN001
    """An open poll made like the wizard makes one; `invited` marks its invitations as already sent, so the
    bot's scheduler does not start sending them in the middle of a measurement."""
    draft = polls.PollDraft(theme_group=THEME_GROUP, kind=kind,
                            questions={"sv": "Vad behöver Norra Hisingen mest?", "en": "What does the district need?"},
                            options=[{"sv": option} for option in options], opens_at=now - timedelta(minutes=5),
                            closes_at=now + timedelta(days=7))
    poll = await polls.create(session, draft, AUTHOR, now)
    if invited:
        delivery = Delivery(kind="poll", created_at=now, finished_at=now, dedupe_key=f"poll:{poll.id}:invitation")
        session.add(delivery)
        await session.flush()
        poll.invited_delivery_id = delivery.id
    return poll


# --- 1. the results card -----------------------------------------------------------------------------------------


def answer_rows(poll_id: int, kind: str, count: int, seed: int) -> Iterator[tuple]:
    """(poll_id, pseudonym, choices, area, language, source) rows with the shares above."""
    rng = random.Random(seed)
    areas = rng.choices(list(AREAS), weights=list(AREAS.values()), k=count)
    languages = rng.choices(list(LANGUAGE_SHARES), weights=list(LANGUAGE_SHARES.values()), k=count)
    sources = rng.choices(list(SOURCES), weights=list(SOURCES.values()), k=count)
    if kind == polls.SINGLE:
        choices = [1 << option for option in rng.choices(range(len(SINGLE_SHARES)), weights=SINGLE_SHARES, k=count)]
    else:
        choices = []
        for _ in range(count):
            mask = sum(1 << bit for bit, chance in enumerate(MULTIPLE_BITS) if rng.random() < chance)
            choices.append(mask or 1)  # nobody sends an empty multiple choice
        for number in rng.sample(range(count), RARE_OPTION[1]):
            choices[number] |= 1 << RARE_OPTION[0]
    for column, (value, times) in ((areas, RARE_AREA), (languages, RARE_LANGUAGE), (sources, RARE_SOURCE)):
        for number in rng.sample(range(count), times):
            column[number] = value
    prefix = f"{poll_id}:".encode()
    for number in range(count):
        # A stand-in for polls.pseudonym (an HMAC per resident): 64 hex characters, made faster.
        yield (poll_id, hashlib.sha256(prefix + str(number).encode()).hexdigest(), choices[number],
               areas[number], languages[number], sources[number])


def invited_rows(delivery_id: int, count: int, now: datetime, sqlite: bool) -> tuple[list[tuple], list[tuple]]:
    """Residents (users rows) and their delivered invitations (outbox rows), in the answers' proportions."""
    rng = random.Random(delivery_id)
    areas = rng.choices([*AREAS, RARE_AREA[0]], weights=[*AREAS.values(), 0.001], k=count)
    languages = rng.choices([*LANGUAGE_SHARES, RARE_LANGUAGE[0]], weights=[*LANGUAGE_SHARES.values(), 0.001],
                            k=count)
    # What SQLAlchemy stores on SQLite (the bench writes these rows with the sqlite3 module, bypassing it).
    moment: object = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    yes, no = (1, 0) if sqlite else (True, False)
    users, outbox = [], []
    for number in range(count):
        user_id = FIRST_INVITED + number
        users.append((user_id, languages[number], areas[number] or None, moment, moment, moment, yes, 1260, 480,
                      yes, no, no))
        outbox.append((delivery_id, user_id, languages[number], moment, "sent", 1, moment, number + 1))
    return users, outbox


USER_COLUMNS = ["id", "language", "area", "consent_at", "first_seen", "last_seen", "is_active", "quiet_from",
                "quiet_until", "remind_evening", "remind_two_hours", "weekly_digest"]
OUTBOX_COLUMNS = ["delivery_id", "user_id", "language", "not_before", "status", "attempts", "sent_at",
                  "telegram_message_id"]


async def populate_answers(url: str, count: int) -> list[int]:
    """A fresh database with the two polls and `count` answers each, the single choice also with its delivered
    invitations; returns the polls' ids."""
    await fresh_database(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with create_sessionmaker(engine)() as session:
        single = await create_poll(session, polls.SINGLE, SINGLE_OPTIONS, now)
        # Found only through posters and /polls: no invitations, so no reach table.
        multiple = await create_poll(session, polls.MULTIPLE, MULTIPLE_OPTIONS, now, invited=False)
        ids = [(single.id, polls.SINGLE), (multiple.id, polls.MULTIPLE)]
        delivery_id = single.invited_delivery_id
        await session.commit()
    await engine.dispose()
    columns = ["poll_id", "pseudonym", "choices", "area", "language", "source"]
    address = make_url(url)
    sqlite = address.get_backend_name() == "sqlite"
    users, outbox = invited_rows(delivery_id, int(count * INVITED_PER_ANSWER), now, sqlite)
    tables = [("users", USER_COLUMNS, lambda: iter(users)), ("outbox", OUTBOX_COLUMNS, lambda: iter(outbox))]
    tables += [("poll_answers", columns, lambda p=poll_id, k=kind: answer_rows(p, k, count, seed=p))
               for poll_id, kind in ids]
    if sqlite:
        connection = sqlite3.connect(address.database)
        for table, names, rows in tables:
            statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            source = rows()
            while chunk := [row for _, row in zip(range(CHUNK), source, strict=False)]:
                connection.executemany(statement, chunk)
            connection.commit()
        connection.close()
    else:
        connection = await asyncpg.connect(address.set(drivername="postgresql").render_as_string(hide_password=False))
        for table, names, rows in tables:
            await connection.copy_records_to_table(table, records=rows(), columns=names)
        # What autovacuum does soon after a load like this; without it the first plans guess the tables' sizes.
        await connection.execute("VACUUM ANALYZE")
        await connection.close()
    # What the scheduler does once the invitations have all gone out: count them per language and area.
    began = time.perf_counter()
    async with create_sessionmaker(engine)() as session, session.begin():
        await count_reach(session)
    print(f"reach of {int(count * INVITED_PER_ANSWER)} delivered invitations counted once (scheduler) in "
          f"{time.perf_counter() - began:.2f} s")
    await engine.dispose()
    return [poll_id for poll_id, _ in ids]


async def timed(runs: int, work: Callable[[], Awaitable[object]]) -> list[float]:
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - began)
    return seconds


QUERY_KINDS = (("GROUP BY poll_answers.choices", "by option"), ("GROUP BY poll_answers.area", "by group"),
               ("outbox", "invitations"), ("poll_comments", "comments"))


@contextmanager
def statement_times(engine) -> Iterator[dict[str, list[float]]]:  # noqa: ANN001
    """Seconds per SQL statement, by what it counts (the drivers fetch every row inside execute)."""
    times: dict[str, list[float]] = defaultdict(list)

    def before(connection, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        connection.info["bench_began"] = time.perf_counter()

    def after(connection, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        kind = next((name for marker, name in QUERY_KINDS if marker in statement), "other")
        times[kind].append(time.perf_counter() - connection.info.pop("bench_began"))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)


async def time_results(url: str, poll_ids: list[int], runs: int, store: ContentStore, i18n) -> list[dict]:  # noqa: ANN001
    from bot import poll_results
    from bot.poll_chart import chart_png

    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    content = store.current.content
    locale = "sv"
    measured = []
    with i18n.context(), i18n.use_locale(locale):
        for poll_id in poll_ids:
            async with sessionmaker() as session:
                poll = await session.get(Poll, poll_id)
                answers = await session.scalar(select(func.count()).where(PollAnswer.poll_id == poll_id))

                async def compute_only(session=session, poll=poll):  # noqa: ANN001, ANN202
                    return await poll_results.compute(session, poll, content)

                async def whole_card(session=session, poll=poll):  # noqa: ANN001, ANN202
                    results = await poll_results.compute(session, poll, content)
                    poll_results.card_text(results, poll, content, locale, TZ)
                    poll_results.csv_bytes(results, poll, content, locale)
                    poll_results.chart_bars(results, poll, locale)
                    return poll_results.chart_note(results, locale)

                with statement_times(engine) as queries:
                    computed = await timed(runs, compute_only)
                card = await timed(runs, whole_card)
                results = await poll_results.compute(session, poll, content)
                bars = poll_results.chart_bars(results, poll, locale)
                note = poll_results.chart_note(results, locale)
                csv_size = len(poll_results.csv_bytes(results, poll, content, locale))
                card_text = poll_results.card_text(results, poll, content, locale, TZ)

                async def draw(poll=poll, bars=bars, note=note):  # noqa: ANN001, ANN202
                    return chart_png(polls.question_in(poll, locale), bars, rtl=is_rtl(locale), note=note)

                drawn = await timed(runs, draw)
            tables = (results.options, results.areas, results.languages, results.sources)
            measured.append({"poll": f"{poll.kind} ({polls.option_count(poll)} options)", "answers": answers,
                             "invited": results.sent or 0, "compute": computed, "card": card, "chart": drawn,
                             "csv_bytes": csv_size, "card_chars": len(card_text),
                             "hidden": sum(isinstance(cell.value, str) for table in tables for cell in table),
                             "queries": dict(queries), "sample": card_text})
    await engine.dispose()
    return measured


def print_results(database: str, measured: list[dict], runs: int) -> None:
    print(f"\nResults card, {database}, {runs} runs each, median / max seconds. card = compute + card text + CSV + "
          "chart bars; chart = drawing the PNG (CPU, in a thread in the bot); hidden = cells shown as <5 or *\n")
    header = (f"{'poll':<20} {'answers':>9} {'invited':>9} {'hidden':>6} {'compute':>13} {'card':>13} {'< 1 s':>5} "
              f"{'chart':>13} {'CSV bytes':>9} {'card chars':>10}")
    print(header)
    print("-" * len(header))
    for m in measured:
        def pair(values: list[float]) -> str:
            return f"{statistics.median(values):.3f} / {max(values):.3f}"
        print(f"{m['poll']:<20} {m['answers']:>9} {m['invited']:>9} {m['hidden']:>6} {pair(m['compute']):>13} "
              f"{pair(m['card']):>13} {'yes' if max(m['card']) < TARGET_CARD else 'NO':>5} {pair(m['chart']):>13} "
              f"{m['csv_bytes']:>9} {m['card_chars']:>10}")
    print(f"\nWhere compute's time goes on {database}: its queries, median seconds (by option = GROUP BY choices; "
          "by group = GROUP BY area, language, source; invitations = delivered invitations by language and area, "
          "a join of outbox and users)\n")
    names = [name for _, name in QUERY_KINDS]
    header = f"{'poll':<20} " + " ".join(f"{name:>12}" for name in names)
    print(header)
    print("-" * len(header))
    for m in measured:
        print(f"{m['poll']:<20} " + " ".join(
            f"{statistics.median(m['queries'][name]):>12.3f}" if m["queries"].get(name) else f"{'-':>12}"
            for name in names))


# --- 2. votes through the emulator ------------------------------------------------------------------------------


class Stamps:
    """When the emulator received the requests that matter here, before any simulated network latency.

    The emulator records no times, so its method handlers are wrapped for the duration of a run."""

    WRAPPED = ("getUpdates", "answerCallbackQuery", "editMessageReplyMarkup", "sendMessage")

    def __init__(self) -> None:
        self.fetched: dict[str, float] = {}  # callback query id → first handed to the bot by getUpdates
        self.answered: dict[str, float] = {}  # callback query id → answerCallbackQuery received
        self.after: dict[int, list[tuple[str, float]]] = defaultdict(list)  # chat → (method, time) of later calls
        self._saved: dict[str, Callable] = {}

    @contextmanager
    def installed(self) -> Iterator["Stamps"]:
        self._saved = {name: emulator_methods.HANDLERS[name] for name in self.WRAPPED}
        for name, original in self._saved.items():
            emulator_methods.HANDLERS[name] = self._wrap(name, original)
        try:
            yield self
        finally:
            emulator_methods.HANDLERS.update(self._saved)

    def _wrap(self, name: str, original: Callable) -> Callable:
        async def stamped(emulator: TelegramEmulator, params: dict) -> object:
            result = await original(emulator, params)
            now = time.perf_counter()
            if name == "getUpdates":
                for update in result:
                    if "callback_query" in update:
                        self.fetched.setdefault(update["callback_query"]["id"], now)
            elif name == "answerCallbackQuery":
                self.answered.setdefault(params["callback_query_id"], now)
            elif isinstance(params.get("chat_id"), int):
                self.after[params["chat_id"]].append((name, now))
            return result
        return stamped


@dataclass
class Press:
    resident: int
    option: int
    query: str
    pressed: float

    def seconds(self, stamps: Stamps) -> float:
        return stamps.answered[self.query] - self.pressed


@dataclass
class VoteRun:
    label: str
    database: str
    latency: float
    scenarios: dict[str, list[Press]] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)
    solo_parts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rejections: int = 0
    in_process: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    api_call: list[float] = field(default_factory=list)
    stamps: Stamps = field(default_factory=Stamps)
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # CPU seconds per vote: bot, this process
    idle_cpu: float = 0.0  # CPU seconds per second the bot spends with nothing to do
    seconds: float = 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def add_residents(url: str, emulator: TelegramEmulator, count: int) -> list[int]:
    """Residents with consent, in all languages and areas, in the database and in the emulator."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    codes, areas = list(LANGUAGES), [area for area in AREAS if area]
    ids = list(range(FIRST, FIRST + count))
    async with create_sessionmaker(engine)() as session:
        for number, user_id in enumerate(ids):
            language = codes[number % len(codes)]
            emulator.add_user(user_id, first_name="R", language_code=language)
            session.add(User(id=user_id, language=language, area=areas[number % len(areas)], consent_at=now,
                             first_seen=now, last_seen=now))
        await session.commit()
    await engine.dispose()
    return ids


async def add_vote_polls(url: str, names: list[str]) -> dict[str, int]:
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with create_sessionmaker(engine)() as session:
        made = {name: await create_poll(session, polls.SINGLE, SINGLE_OPTIONS, now) for name in names}
        await session.commit()
    await engine.dispose()
    return {name: poll.id for name, poll in made.items()}


def poll_message(emulator: TelegramEmulator, resident: int, poll_id: int) -> tuple[int, list[str]] | None:
    """The resident's newest message with this poll's buttons: (message id, callback data per option)."""
    prefix = f"pv:{poll_id}:"
    for message in reversed(emulator.messages(resident)):
        data = [button.get("callback_data", "") for button in message.inline_buttons()]
        if data and all(item.startswith(prefix) for item in data):
            return message.message_id, data
    return None


async def open_poll(emulator: TelegramEmulator, residents: list[int], poll_id: int) -> dict[int, tuple[int, list[str]]]:
    """Each resident follows the poll's link, 50 at a time, and gets the poll with its buttons."""
    found: dict[int, tuple[int, list[str]]] = {}
    for start in range(0, len(residents), 50):
        batch = residents[start:start + 50]
        for resident in batch:
            emulator.send_text(resident, f"/start poll-{poll_id}")

        def arrived(batch: list[int] = batch) -> bool:
            for resident in batch:
                if resident not in found and (message := poll_message(emulator, resident, poll_id)):
                    found[resident] = message
            return all(resident in found for resident in batch)

        await wait_for(arrived, timeout=120)
    return found


async def settle(stamps: Stamps, presses: list[Press]) -> None:
    """Wait until the bot has sent every thank-you, so the next scenario starts with an idle bot."""
    def thanked() -> bool:
        return all(any(method == "sendMessage" and at > p.pressed for method, at in stamps.after[p.resident])
                   for p in presses)
    await wait_for(thanked, timeout=WAIT)
    await asyncio.sleep(0.2)


async def press(emulator: TelegramEmulator, resident: int, message: tuple[int, list[str]], option: int) -> Press:
    """Press and wait for the answer (solo)."""
    done = tap(emulator, resident, message, option)
    await emulator.wait_for_callback_answer(done.query, timeout=WAIT)
    return done


def tap(emulator: TelegramEmulator, resident: int, message: tuple[int, list[str]], option: int) -> Press:
    """Press without waiting: with many residents at once, one wait for all of them (`all_answered`) keeps this
    process's own work small beside the bot's on the same two cores. The emulator stamps each answer."""
    pressed = time.perf_counter()
    return Press(resident, option, emulator.press_button(resident, message[0], message[1][option]), pressed)


async def all_answered(stamps: Stamps, presses: list[Press]) -> None:
    await wait_for(lambda: all(p.query in stamps.answered for p in presses), timeout=WAIT)


async def answered_only(stamps: Stamps, presses: list[Press]) -> None:
    """The floor bot sends nothing after its answer: a press is over when it is answered."""
    await asyncio.sleep(0.2)


Settle = Callable[[Stamps, list[Press]], Awaitable[None]]


async def solo(emulator: TelegramEmulator, stamps: Stamps, messages: dict, rng: random.Random,
               after: Settle = settle) -> list[Press]:
    done = []
    for resident, message in messages.items():
        done.append(await press(emulator, resident, message, rng.randrange(len(message[1]))))
        await after(stamps, done[-1:])
    return done


async def burst(emulator: TelegramEmulator, stamps: Stamps, messages: dict, rng: random.Random,
                after: Settle = settle) -> list[Press]:
    options = {resident: min(len(message[1]) - 1, rng.choices(range(len(SINGLE_SHARES)), weights=SINGLE_SHARES)[0])
               for resident, message in messages.items()}
    done = [tap(emulator, r, m, options[r]) for r, m in messages.items()]
    await all_answered(stamps, done)
    await after(stamps, done)
    return done


async def crowd(emulator: TelegramEmulator, stamps: Stamps, messages: dict, rng: random.Random,
                after: Settle = settle) -> list[Press]:
    """Each resident presses at a uniformly random moment within CROWD_SECONDS: a Poisson process of arrivals."""
    start = time.perf_counter()

    async def later(resident: int, message: tuple[int, list[str]], at: float, option: int) -> Press:
        await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
        return tap(emulator, resident, message, option)

    done = await asyncio.gather(*(later(resident, message, rng.uniform(0, CROWD_SECONDS),
                                        min(len(message[1]) - 1,
                                            rng.choices(range(len(SINGLE_SHARES)), weights=SINGLE_SHARES)[0]))
                                  for resident, message in messages.items()))
    await all_answered(stamps, done)
    await after(stamps, done)
    return list(done)


async def check(url: str, poll_id: int, presses: list[Press], emulator: TelegramEmulator, i18n) -> str:  # noqa: ANN001
    """The stored answers are exactly one per resident who pressed, with the option pressed; every press got the
    thank-you toast in the resident's language."""
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        rows = dict((await session.execute(select(PollAnswer.pseudonym, PollAnswer.choices)
                                           .where(PollAnswer.poll_id == poll_id))).all())
        languages = dict((await session.execute(select(User.id, User.language))).all())
    await engine.dispose()
    expected = {polls.pseudonym(KEY, poll_id, p.resident): 1 << p.option for p in presses}
    wrong = sum(1 for name, choices in expected.items() if rows.get(name) != choices)
    strangers = len(set(rows) - set(expected))
    toasts = sum(1 for p in presses if emulator.callback_answers.get(p.query, {}).get("text")
                 == i18n.gettext("Thank you!", locale=languages[p.resident]))
    verdict = "ok" if not wrong and not strangers and len(rows) == len(presses) == toasts else "FAILED"
    return f"{verdict}: {len(rows)} rows, {wrong} wrong or missing, {strangers} extra, {toasts} thank-you toasts"


async def vote_in_process(url: str, residents: list[int], poll_id: int) -> dict[str, list[float]]:
    """The database part of one vote, as the handler does it, alone: one session, the resident's row (and
    last_seen), the poll, the answer, then the commit. No aiogram, no HTTP, no turn to wait for."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    seconds: dict[str, list[float]] = defaultdict(list)
    for resident in residents:
        began = time.perf_counter()
        async with sessionmaker() as session:
            now = datetime.now(UTC)
            user = await touch(session, resident, "sv", now)
            poll = await polls.get(session, poll_id)
            await polls.vote(session, poll, KEY, user, 1, polls.FROM_LINK, now)
            statements = time.perf_counter()
            await session.commit()
            committed = time.perf_counter()
        seconds["statements"].append(statements - began)
        seconds["commit"].append(committed - statements)
        seconds["total"].append(time.perf_counter() - began)
    await engine.dispose()
    return seconds


async def api_round_trips(emulator: TelegramEmulator, residents: list[int]) -> list[float]:
    """One Bot API request as the bot makes it (aiogram's aiohttp session, HTML, the emulator's checks)."""
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url)),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    seconds = []
    try:
        for resident in residents:
            began = time.perf_counter()
            await bot.send_message(resident, "🙏 <b>Tack</b> för ditt svar!")
            seconds.append(time.perf_counter() - began)
    finally:
        await bot.session.close()
    return seconds


async def stop(process: asyncio.subprocess.Process | None) -> None:
    """End a bot process started for a run (once; a second call, or none started, does nothing)."""
    if process is not None and process.returncode is None:
        process.terminate()
        await process.wait()


async def vote_run(url: str, database: str, latency: float, residents: int, solo_count: int,
                   i18n) -> VoteRun:  # noqa: ANN001
    began = time.perf_counter()
    run = VoteRun(f"{database}, {latency * 1000:.0f} ms/request", database, latency)
    rng = random.Random(6)
    emulator = TelegramEmulator(token=TOKEN, latency=latency)  # no rate limits: our own cost only
    await emulator.start()
    stamps = run.stamps
    process = None
    try:
        with stamps.installed():
            await fresh_database(url)
            people = await add_residents(url, emulator, residents)
            poll_ids = await add_vote_polls(url, ["solo", "burst", "crowd", "in-process"])
            process = await start_bot(url, emulator, 25.0)
            await wait_for(lambda: emulator.is_polling, timeout=120)
            scenarios = {"solo": (solo, people[:solo_count]), "burst": (burst, people),
                         "crowd": (crowd, people)}
            # What the bot spends doing nothing (the delivery engine and the scheduler look for work).
            idle_from = cpu_seconds(process.pid)
            await asyncio.sleep(IDLE_SECONDS)
            run.idle_cpu = (cpu_seconds(process.pid) - idle_from) / IDLE_SECONDS
            for name, (scenario, who) in scenarios.items():
                messages = await open_poll(emulator, who, poll_ids[name])
                await settle(stamps, [])
                bot_cpu, own_cpu, started = cpu_seconds(process.pid), time.process_time(), time.perf_counter()
                run.scenarios[name] = await scenario(emulator, stamps, messages, rng)
                # Up to the last thank-you: everything the votes cost, in the bot (less its idle work meanwhile)
                # and in the emulator.
                idle = run.idle_cpu * (time.perf_counter() - started)
                run.cpu[name] = (max(0.0, cpu_seconds(process.pid) - bot_cpu - idle) / len(who),
                                 (time.process_time() - own_cpu) / len(who))
                run.checks[name] = await check(url, poll_ids[name], run.scenarios[name], emulator, i18n)
            for p in run.scenarios["solo"]:
                answered = stamps.answered[p.query]
                thanked = min(at for method, at in stamps.after[p.resident]
                              if method == "sendMessage" and at > answered)
                run.solo_parts["long poll"].append(stamps.fetched[p.query] - p.pressed)
                run.solo_parts["bot to answer"].append(answered - stamps.fetched[p.query])
                run.solo_parts["answer to thanks"].append(thanked - answered)
            await stop(process)
            if latency == 0:
                run.in_process = await vote_in_process(url, people[:solo_count], poll_ids["in-process"])
                run.api_call = await api_round_trips(emulator, people[:solo_count])
    finally:
        await stop(process)
        await emulator.stop()
    run.rejections = len(emulator.rejections)
    run.seconds = time.perf_counter() - began
    return run


async def floor_run(residents: int, solo_count: int) -> VoteRun:
    """The same presses answered by bench/floor_bot.py: aiogram answering at once, nothing else (the floor)."""
    began = time.perf_counter()
    run = VoteRun("floor: aiogram, no work", "-", 0.0)
    rng = random.Random(6)
    emulator = TelegramEmulator(token=TOKEN)
    await emulator.start()
    process = None
    try:
        with run.stamps.installed():
            people = list(range(FIRST, FIRST + residents))
            for user_id in people:
                emulator.add_user(user_id, first_name="R", language_code="sv")
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "bench" / "floor_bot.py"), emulator.base_url, TOKEN, cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            await wait_for(lambda: emulator.is_polling, timeout=120)
            messages = await open_poll(emulator, people, 0)
            for name, scenario, who in (("solo", solo, people[:solo_count]), ("burst", burst, people),
                                        ("crowd", crowd, people)):
                bot_cpu, own_cpu = cpu_seconds(process.pid), time.process_time()
                run.scenarios[name] = await scenario(emulator, run.stamps, {r: messages[r] for r in who}, rng,
                                                     answered_only)
                run.cpu[name] = ((cpu_seconds(process.pid) - bot_cpu) / len(who),
                                 (time.process_time() - own_cpu) / len(who))
                toasts = sum(1 for p in run.scenarios[name]
                             if emulator.callback_answers.get(p.query, {}).get("text") == "Tack!")
                run.checks[name] = f"{'ok' if toasts == len(who) else 'FAILED'}: {toasts} toasts (no database)"
    finally:
        await stop(process)
        await emulator.stop()
    run.rejections = len(emulator.rejections)
    run.seconds = time.perf_counter() - began
    return run


def print_votes(runs: list[VoteRun]) -> None:
    print(f"\nVotes through the real bot process and the emulator (no Telegram rate limits); press → the bot's "
          f"answerCallbackQuery received, in ms; target p99 < {TARGET_VOTE * 1000:.0f} ms. votes/s = answers per "
          "second during the burst; bot CPU = CPU ms the bot process spent per vote (from the first press to the "
          "last thank-you: answer, edit, thank-you included; less what it spends idle meanwhile, below); emu CPU = "
          "the same for this process (the emulator and the residents)\n")
    header = (f"{'run':<26} {'scenario':<8} {'presses':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} "
              f"{'<20ms':>5} {'votes/s':>7} {'bot CPU':>7} {'emu CPU':>7}  database check")
    print(header)
    print("-" * len(header))
    for run in runs:
        for name, presses in run.scenarios.items():
            ms = [1000 * p.seconds(run.stamps) for p in presses]
            answers = sorted(run.stamps.answered[p.query] for p in presses)
            rate = (len(answers) - 1) / (answers[-1] - answers[0]) if name == "burst" and len(answers) > 1 else None
            print(f"{run.label:<26} {name:<8} {len(presses):>7} {percentile(ms, 0.5):>8.1f} "
                  f"{percentile(ms, 0.95):>8.1f} {percentile(ms, 0.99):>8.1f} {max(ms):>8.1f} "
                  f"{'yes' if percentile(ms, 0.99) < TARGET_VOTE * 1000 else 'NO':>5} "
                  f"{(f'{rate:.0f}' if rate else ''):>7} {1000 * run.cpu[name][0]:>7.1f} "
                  f"{1000 * run.cpu[name][1]:>7.1f}  {run.checks[name]}")
    print("\nOne vote alone (solo), where the time goes, median / max ms. long poll = press → update handed to the "
          "bot; bot to answer = parsing, middlewares, database, commit, answerCallbackQuery sent; after = editing "
          "the buttons and sending the thank-you, still inside the update (on SQLite the vote has handed its turn on "
          "by then)\n")
    header = f"{'run':<26} {'long poll':>13} {'bot to answer':>15} {'after':>15} {'press to thanks':>15}"
    print(header)
    print("-" * len(header))
    for run in runs:
        parts = run.solo_parts
        if not parts:
            continue
        whole = [sum(values) for values in zip(*parts.values(), strict=True)]
        print(f"{run.label:<26} {_pair(parts['long poll']):>13} {_pair(parts['bot to answer']):>15} "
              f"{_pair(parts['answer to thanks']):>15} {_pair(whole):>15}")
    print("\nIn this process, alone (median / max ms): the database part of a vote (the resident's row and last_seen, "
          "the poll, the vote's select and upsert; then the commit), and one Bot API request from aiogram to the "
          "emulator (sendMessage with HTML; a vote makes three: answer, edit, thank-you)\n")
    header = f"{'run':<26} {'statements':>13} {'commit':>15} {'db total':>15} {'one API call':>15}"
    print(header)
    print("-" * len(header))
    for run in runs:
        if run.in_process:
            db = run.in_process
            print(f"{run.label:<26} {_pair(db['statements']):>13} {_pair(db['commit']):>15} {_pair(db['total']):>15} "
                  f"{_pair(run.api_call):>15}")
    print("\nBot process idle (delivery engine and scheduler looking for work), CPU ms per second: "
          + ", ".join(f"{run.label} {1000 * run.idle_cpu:.1f}" for run in runs))
    print("Rejected API calls: " + ", ".join(f"{run.label} {run.rejections}" for run in runs))


def _pair(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):.1f} / {1000 * max(values):.1f}" if values else "-"


# --- main ---------------------------------------------------------------------------------------------------------


async def main_async(arguments: argparse.Namespace, scratch: str) -> None:
    i18n = create_i18n()
    store = ContentStore()
    began = time.perf_counter()
    runs = 3 if arguments.quick else 5
    answers = 100_000 if arguments.quick else 1_000_000
    databases = [("SQLite", f"sqlite+aiosqlite:///{scratch}/results.db")]
    if arguments.database_url:
        databases.append(("PostgreSQL", arguments.database_url))
    if not arguments.skip_results:
        for database, url in databases:
            loaded = time.perf_counter()
            poll_ids = await populate_answers(url, answers)
            print(f"{database}: stored 2 x {answers} answers in {time.perf_counter() - loaded:.1f} s", flush=True)
            measured = await time_results(url, poll_ids, runs, store, i18n)
            print_results(database, measured, runs)
            if arguments.show_card:
                print("\n" + measured[0]["sample"])
    if not arguments.skip_votes:
        votes = []
        plan = [("SQLite", f"sqlite+aiosqlite:///{scratch}/votes.db", 0.0)]
        if not arguments.quick:
            plan.append(("SQLite", f"sqlite+aiosqlite:///{scratch}/votes-latency.db", LATENCY))
        if arguments.database_url:
            plan.append(("PostgreSQL", arguments.database_url, 0.0))
            if not arguments.quick:  # no turn-taking on PostgreSQL: what the latency costs there
                plan.append(("PostgreSQL", arguments.database_url, LATENCY))
        for database, url, latency in plan:
            votes.append(await vote_run(url, database, latency, arguments.residents,
                                        20 if arguments.quick else 50, i18n))
            print(f"{votes[-1].label}: votes measured in {votes[-1].seconds:.1f} s", flush=True)
        votes.append(await floor_run(arguments.residents, 20 if arguments.quick else 50))
        print(f"{votes[-1].label}: presses measured in {votes[-1].seconds:.1f} s", flush=True)
        print_votes(votes)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nWhole bench: {time.perf_counter() - began:.0f} s on {os.cpu_count()} cores; load average at the end "
          f"{load} (other work on this machine shows up in the figures)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 000 answers per poll, 3 runs, 20 solo votes, no runs with network latency")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to measure too (it is emptied)")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--skip-results", action="store_true", help="only the votes")
    parser.add_argument("--skip-votes", action="store_true", help="only the results card")
    parser.add_argument("--show-card", action="store_true", help="print the single-choice poll's card text")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(main_async(arguments, scratch))


if __name__ == "__main__":
    main()
