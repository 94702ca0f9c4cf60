"""Timed work, triggered by APScheduler: each tick does whatever has become due by the injected clock.

The scheduler only says "look now"; what is due lives in the database (scheduled announcements, outbox rows),
so a restart, a missed tick or a second process never loses or doubles anything.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery import DeliveryEngine

log = logging.getLogger(__name__)

# A job takes the session of its own transaction and the current time; True if it queued deliveries.
Job = Callable[[AsyncSession, datetime], Awaitable[bool]]


class Jobs:
    def __init__(self, sessionmaker: async_sessionmaker, clock: Clock, delivery: DeliveryEngine,
                 tick_seconds: float) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.delivery = delivery
        self.tick_seconds = tick_seconds
        self._jobs: list[tuple[str, Job]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self.ticks = 0  # completed ticks: a sign of life, and how a caller knows the start-up tick is over

    def add(self, name: str, job: Job) -> None:
        self._jobs.append((name, job))

    async def tick(self) -> None:
        """Run every job once, each in its own transaction: one failing job does not hold back the others."""
        for name, job in self._jobs:
            try:
                async with self.sessionmaker() as session, session.begin():
                    queued = await job(session, self.clock.now())
            except Exception:
                log.exception("job %s failed; it runs again on the next tick", name)
                continue
            if queued:
                self.delivery.wake()
        self.ticks += 1

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler()
        # One tick at a time; ticks missed while busy collapse into one (the work is idempotent anyway).
        self._scheduler.add_job(self.tick, "interval", seconds=self.tick_seconds, max_instances=1,
                                coalesce=True, next_run_time=datetime.now().astimezone())
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
