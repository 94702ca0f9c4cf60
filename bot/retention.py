"""Retention, run by the scheduler: nothing personal is kept longer than the privacy notice says."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import privacy
from db import outbox
from db.models import OutboxMessage, UnansweredQuestion, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    inactive_days: int = 730  # residents silent for two years are deleted as by /forget
    outbox_days: int = 30  # finished delivery rows (who got which message) are purged
    questions_days: int = 90  # masked unanswered questions
    every: timedelta = timedelta(hours=1)  # how often the clean-up runs (the scheduler ticks more often)


class Retention:
    """A scheduler job; the audit log is never purged here (it is the record of who did what)."""

    def __init__(self, policy: RetentionPolicy, poll_key: bytes) -> None:
        self.policy = policy
        self.poll_key = poll_key  # a forgotten resident's poll answers are unlinked, as by /forget
        self._last_run: datetime | None = None

    async def __call__(self, session: AsyncSession, now: datetime) -> bool:
        if self._last_run is not None and now - self._last_run < self.policy.every:
            return False
        self._last_run = now
        forgotten = 0
        cutoff = now - timedelta(days=self.policy.inactive_days)
        for user_id in await session.scalars(select(User.id).where(User.last_seen < cutoff)):
            await privacy.forget(session, user_id, self.poll_key)
            forgotten += 1
        purged = await session.execute(delete(OutboxMessage).where(
            OutboxMessage.status.in_(outbox.FINAL),
            func.coalesce(OutboxMessage.sent_at, OutboxMessage.not_before)
            < now - timedelta(days=self.policy.outbox_days)))
        questions = await session.execute(delete(UnansweredQuestion).where(
            UnansweredQuestion.asked_on < now - timedelta(days=self.policy.questions_days)))
        if forgotten or purged.rowcount or questions.rowcount:
            log.info("retention: %d inactive residents deleted, %d delivery rows and %d questions purged",
                     forgotten, purged.rowcount, questions.rowcount)
        return False
