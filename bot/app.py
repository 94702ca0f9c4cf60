"""Composition root: the only place where the bot, dispatcher, middlewares and services are put together."""

import asyncio
import contextlib
import gc
import logging
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods.base import TelegramMethod
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot import activities
from bot.announcements import ReleaseDue
from bot.clock import Clock, SystemClock
from bot.commands import register_commands
from bot.config import Settings
from bot.delivery import DeliveryEngine
from bot.flood import FloodGuard
from bot.i18n import UserLocaleMiddleware, create_i18n
from bot.jobs import Jobs
from bot.library import ContentStore
from bot.middlewares import DbSessionMiddleware, UserMiddleware
from bot.poll_delivery import PollScheduler
from bot.reminders import ReminderPlanner
from bot.retention import Retention, RetentionPolicy
from db.migrate import upgrade
from db.session import create_engine, create_sessionmaker
from handlers import create_routers

log = logging.getLogger(__name__)


# aiogram reads every Bot API reply as `Response[<the method's return type>]`, a generic class that pydantic caches
# only weakly: after a garbage collection the next request builds it again, a few ms of CPU each time (a tenth of
# a poll vote's cost, measured with bench/polls.py). Holding every one of them here keeps them built.
RESPONSE_TYPES = tuple({Response[method.__returning__] for name in methods.__all__
                        if isinstance(method := getattr(methods, name), type) and issubclass(method, TelegramMethod)
                        and method is not TelegramMethod})


def create_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    # Every text we send is HTML; user-supplied values are escaped where they are inserted.
    return Bot(settings.token(), session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_dispatcher(
    settings: Settings, sessionmaker: async_sessionmaker, i18n: I18n, clock: Clock, content: ContentStore,
    delivery: DeliveryEngine, poll_key: bytes,
) -> Dispatcher:
    # Event isolation handles one user's updates one at a time, so a double tap cannot race itself.
    dispatcher = Dispatcher(
        events_isolation=SimpleEventIsolation(), settings=settings, clock=clock, i18n=i18n, content=content,
        delivery=delivery, poll_key=poll_key,
    )
    # Order: a session first, then the user (needs the session), then the language (needs the user).
    sqlite = sessionmaker.kw["bind"].dialect.name == "sqlite"
    dispatcher.update.outer_middleware(DbSessionMiddleware(sessionmaker, one_at_a_time=sqlite))
    dispatcher.update.outer_middleware(UserMiddleware(clock, settings.default_locale))
    dispatcher.update.outer_middleware(FloodGuard(
        clock, settings.flood_limit, timedelta(seconds=settings.flood_window_seconds),
        timedelta(seconds=settings.flood_pause_seconds)))
    UserLocaleMiddleware(i18n).setup(dispatcher)
    # Every button press is answered exactly once, even when its handler fails (Telegram requires it).
    dispatcher.callback_query.middleware(CallbackAnswerMiddleware())
    dispatcher.include_routers(*create_routers())
    return dispatcher


@dataclass
class Application:
    """Everything a running bot consists of; `run` in production, started and stopped by tests."""

    settings: Settings
    engine: AsyncEngine
    bot: Bot
    dispatcher: Dispatcher
    i18n: I18n
    delivery: DeliveryEngine
    jobs: Jobs
    content: ContentStore
    clock: Clock

    async def prepare(self) -> None:
        await upgrade(self.engine)
        await self.sync_activities()
        await register_commands(self.bot, self.i18n)

    async def sync_activities(self) -> None:
        """The seed programme in content/activities/ into the database (also after a content reload)."""
        async with create_sessionmaker(self.engine)() as session, session.begin():
            changed = await activities.sync_content(session, self.content.current.activities, self.clock.now())
        if changed:
            log.info("activities: %d changed from content/activities/", changed)

    async def poll(self, handle_signals: bool = False) -> None:
        """Long polling, with the delivery engine and the scheduler running beside it."""
        sending = asyncio.create_task(self.delivery.run(), name="delivery")
        self.jobs.start()
        try:
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=handle_signals,
                close_bot_session=False,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
        finally:
            self.jobs.stop()
            await self.delivery.stop()
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending

    async def close(self) -> None:
        await self.bot.session.close()
        await self.engine.dispose()


def create_application(
    settings: Settings, clock: Clock | None = None, content: ContentStore | None = None
) -> Application:
    # Content is checked before anything starts: a broken file at start-up is a clear error, not a crash later.
    content = content or ContentStore()
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    i18n = create_i18n(settings.default_locale)
    bot = create_bot(settings)
    delivery = DeliveryEngine(sessionmaker, bot, clock, i18n, rate=settings.delivery_rate,
                              timeout=settings.delivery_timeout_seconds)
    jobs = Jobs(sessionmaker, clock, delivery, settings.scheduler_tick_seconds)
    poll_key = settings.poll_key()
    jobs.add("retention", Retention(RetentionPolicy(
        settings.retention_inactive_days, settings.retention_outbox_days, settings.retention_questions_days),
        poll_key))
    jobs.add("announcements", ReleaseDue(i18n, settings.tz))
    jobs.add("reminders", ReminderPlanner(settings.tz, i18n, content))
    jobs.add("polls", PollScheduler(settings.tz, i18n, content, poll_key))
    dispatcher = create_dispatcher(settings, sessionmaker, i18n, clock, content, delivery, poll_key)
    return Application(settings, engine, bot, dispatcher, i18n, delivery, jobs, content, clock)


async def run(settings: Settings) -> None:
    app = create_application(settings)
    try:
        await app.prepare()
        me = await app.bot.get_me()
        log.info("polling as @%s", me.username)
        # What start-up made (modules, content, catalogs: some 300,000 objects) lives as long as the process. Frozen,
        # it is left out of garbage collection, whose full runs would otherwise stop every user for about 0.2 s.
        gc.collect()
        gc.freeze()
        await app.poll(handle_signals=True)
    finally:
        await app.close()
