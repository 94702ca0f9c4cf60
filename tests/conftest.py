"""Fixtures: a database (SQLite per test, or PostgreSQL via TEST_DATABASE_URL), the emulator, the real bot."""

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Application, create_application
from bot.config import Settings
from bot.emulator import TelegramEmulator
from bot.library import ContentStore
from db.session import create_engine, create_sessionmaker
from tests.support import TOKEN, FakeClock, Resident, assert_no_rejections

ADMIN_ID = 900001
POLL_SECRET = "test-poll-secret-0123456789abcdef0123456789"


@pytest.fixture
def database_url(tmp_path) -> str:  # noqa: ANN001
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path}/bot.db"


@pytest.fixture
async def clean_database(database_url: str) -> str:
    """PostgreSQL is shared between tests: start each one from an empty schema."""
    if database_url.startswith("postgresql"):
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    return database_url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emulator = TelegramEmulator(token=TOKEN)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def settings(emulator: TelegramEmulator, clean_database: str) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emulator.base_url,
        database_url=clean_database,
        admin_ids=frozenset({ADMIN_ID}),
        poll_secret=POLL_SECRET,
    )


@pytest.fixture(scope="session")
def shipped_content() -> ContentStore:
    """The content in content/, loaded once: tests only read it (a reload test makes its own store)."""
    return ContentStore()


@pytest.fixture
def content(shipped_content: ContentStore) -> ContentStore:
    return shipped_content


@pytest.fixture
async def app(
    settings: Settings, emulator: TelegramEmulator, clock: FakeClock, content: ContentStore
) -> AsyncIterator[Application]:
    """The real bot, migrated and long-polling the emulator over HTTP."""
    application = create_application(settings, clock, content)
    await application.prepare()
    started = asyncio.Event()
    application.dispatcher.startup.register(started.set)
    polling = asyncio.create_task(application.poll())
    await asyncio.wait_for(started.wait(), timeout=5)
    yield application
    await application.dispatcher.stop_polling()
    await polling
    await application.close()
    assert_no_rejections(emulator)


@pytest.fixture
async def db(app: Application) -> AsyncIterator[AsyncSession]:
    """A session on the bot's own database, to look at what it stored."""
    async with create_sessionmaker(app.engine)() as session:
        yield session


@pytest.fixture
def resident_factory(emulator: TelegramEmulator, app: Application):  # noqa: ANN201
    def make(user_id: int, language_code: str | None = "sv", first_name: str = "Amina") -> Resident:
        return Resident(emulator, user_id, language_code, first_name)

    return make
