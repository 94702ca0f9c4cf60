"""Everything a poll sends through the delivery engine: invitations when it opens, the one reminder to those who
have not answered, the results to those who answered (when public), a note to its theme group when it closes,
and "you said, we did".

Each is an idempotent delivery under its own key (`poll:<id>:<what>`), so a second tick, a restart or a second
process never sends one twice; the poll row records what is done so later ticks skip it cheaply. Messages wait
for each resident's quiet hours and expire when they stop making sense (an invitation when the poll closes).
"""

import logging
from dataclasses import replace
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, poll_results, polls
from bot.announcements import text_for
from bot.audience import Audience, Member, members, recipients
from bot.delivery import Variant, enqueue_once
from bot.i18n import in_every_language
from bot.library import ContentStore
from bot.poll_messages import invitation_variants
from bot.roles import THEME_GROUP
from db import outbox
from db.models import Delivery, OutboxMessage, Poll, PollAnswer, PollReach, Role, User

log = logging.getLogger(__name__)

INVITATION, REMINDER, RESULTS, CLOSED, FOLLOWUP = "invitation", "reminder", "results", "closed", "followup"
KIND = "poll"


def delivery_key(poll_id: int, what: str) -> str:
    return f"poll:{poll_id}:{what}"


async def _people(session: AsyncSession, user_ids: list[int]) -> list[Member]:
    """Reachable residents among these ids, with what quiet hours need."""
    if not user_ids:
        return []
    rows = await session.execute(
        select(User.id, User.language, User.quiet_from, User.quiet_until)
        .where(User.id.in_(user_ids), User.is_active.is_(True), User.consent_at.is_not(None)).order_by(User.id))
    return [Member(*row) for row in rows]


async def count_reach(session: AsyncSession) -> None:
    """Once a poll's invitations have all gone out, keep their counts per language and area with the poll:
    the results need them after the outbox rows are purged, and counting a big outbox on every view is slow."""
    counted = select(PollReach.poll_id).where(PollReach.poll_id == Poll.id).exists()
    finished = list(await session.execute(
        select(Poll.id, Poll.invited_delivery_id).join(Delivery, Delivery.id == Poll.invited_delivery_id)
        .where(Delivery.finished_at.is_not(None), ~counted)))
    for poll_id, delivery_id in finished:
        sent = await poll_results.sent_now(session, delivery_id)
        # A poll nobody could be invited to still gets a row, so it is not counted again on every tick.
        session.add_all([PollReach(poll_id=poll_id, language=language, area=area, sent=count)
                         for (language, area), count in sent.items()]
                        or [PollReach(poll_id=poll_id, language="", area="", sent=0)])


class PollScheduler:
    """The scheduler job for polls (see the module docstring)."""

    def __init__(self, tz: ZoneInfo, i18n: I18n, content: ContentStore, key: bytes) -> None:
        self.tz, self.i18n, self.content, self.key = tz, i18n, content, key

    async def __call__(self, session: AsyncSession, now: datetime) -> bool:
        await count_reach(session)
        queued = await self._invite(session, now)
        queued = await self._remind(session, now) or queued
        return await self._close(session, now) or queued

    async def _invite(self, session: AsyncSession, now: datetime) -> bool:
        due = list(await session.scalars(select(Poll).where(
            Poll.cancelled.is_(False), Poll.invited_delivery_id.is_(None), Poll.opens_at <= now,
            Poll.closes_at > now)))
        for poll in due:
            people = await members(session, Audience.from_json(poll.audience))
            delivery = await enqueue_once(
                session, key=delivery_key(poll.id, INVITATION), kind=KIND, now=now,
                variants=invitation_variants(poll, self.content.current.content, self.tz, self.i18n),
                recipients=[replace(r, expires_at=poll.closes_at) for r in recipients(people, now, self.tz, False)])
            await session.execute(update(Poll).where(Poll.id == poll.id).values(invited_delivery_id=delivery.id))
            log.info("poll %d: invitations to %d residents", poll.id, len(people))
        return bool(due)

    async def _remind(self, session: AsyncSession, now: datetime) -> bool:
        due = list(await session.scalars(select(Poll).where(
            Poll.cancelled.is_(False), Poll.reminded_at.is_(None), Poll.remind_at.is_not(None),
            Poll.remind_at <= now, Poll.closes_at > now, Poll.invited_delivery_id.is_not(None))))
        for poll in due:
            invited = list(await session.scalars(select(OutboxMessage.user_id).where(
                OutboxMessage.delivery_id == poll.invited_delivery_id, OutboxMessage.status == outbox.SENT)))
            names = set(await session.scalars(select(PollAnswer.pseudonym).where(PollAnswer.poll_id == poll.id)))
            silent = [user_id for user_id in invited if polls.pseudonym(self.key, poll.id, user_id) not in names]
            people = await _people(session, silent)
            await enqueue_once(
                session, key=delivery_key(poll.id, REMINDER), kind=KIND, now=now,
                variants=invitation_variants(poll, self.content.current.content, self.tz, self.i18n, reminder=True),
                recipients=[replace(r, expires_at=poll.closes_at) for r in recipients(people, now, self.tz, False)])
            await session.execute(update(Poll).where(Poll.id == poll.id).values(reminded_at=now))
            log.info("poll %d: reminder to %d of %d invited", poll.id, len(people), len(invited))
        return bool(due)

    async def _close(self, session: AsyncSession, now: datetime) -> bool:
        due = list(await session.scalars(select(Poll).where(
            Poll.cancelled.is_(False), Poll.results_sent_at.is_(None), Poll.closes_at <= now)))
        for poll in due:
            results = await poll_results.compute(session, poll, self.content.current.content)
            if poll.public_results:
                answered = await polls.answerers(session, self.key, poll)
                people = await _people(session, [user_id for user_id, _language in answered])
                await enqueue_once(
                    session, key=delivery_key(poll.id, RESULTS), kind=KIND, now=now,
                    variants=in_every_language(self.i18n, lambda code, p=poll, r=results: Variant(
                        poll_results.resident_summary(r, p, code))),
                    recipients=recipients(people, now, self.tz, False))
            group = list(await session.scalars(select(Role.user_id).where(
                Role.role == THEME_GROUP, Role.scope == poll.theme_group)))
            members_of_group = await _people(session, group)
            await enqueue_once(
                session, key=delivery_key(poll.id, CLOSED), kind=KIND, now=now,
                variants=in_every_language(self.i18n, lambda code, p=poll: Variant(_closed_note(p, code))),
                recipients=recipients(members_of_group, now, self.tz, False))
            await session.execute(update(Poll).where(Poll.id == poll.id).values(results_sent_at=now))
        return bool(due)


def _closed_note(poll: Poll, locale: str) -> str:
    return _("📊 The poll “{question}” has closed. Read the results with /results.").format(
        question=escape(polls.question_in(poll, locale)))


# --- "you said, we did" ------------------------------------------------------------------------------------------


async def send_followup(session: AsyncSession, poll: Poll, texts: dict[str, str], key: bytes, author_id: int,
                        now: datetime, tz: ZoneInfo, i18n: I18n) -> int | None:
    """Send a theme group's "you said, we did" to everyone who answered, in their language (Swedish with a note
    where it has no version). Once per poll: returns how many it went to, or None if it was sent already."""
    won = await session.execute(update(Poll).where(Poll.id == poll.id, Poll.followup_sent_at.is_(None))
                                .values(followup_sent_at=now))
    if won.rowcount != 1:
        return None
    answered = await polls.answerers(session, key, poll)
    people = await _people(session, [user_id for user_id, _language in answered])
    variants = in_every_language(i18n, lambda code: Variant(_followup_text(poll, texts, code, i18n)))
    await enqueue_once(session, key=delivery_key(poll.id, FOLLOWUP), kind=KIND, now=now, variants=variants,
                       recipients=recipients(people, now, tz, False))
    await audit.record(session, now, author_id, polls.FOLLOWUP_ACTION, str(poll.id), f"recipients {len(people)}")
    return len(people)


def _followup_text(poll: Poll, texts: dict[str, str], locale: str, i18n: I18n) -> str:
    heading = _("🗣 You said, we did: about the poll “{question}”").format(
        question=escape(polls.question_in(poll, locale)))
    return heading + "\n\n" + text_for(texts, locale, i18n)
