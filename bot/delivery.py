"""The one delivery engine for everything that goes to many people: announcements, reminders, poll invitations.

Work lives in a durable outbox (one row per recipient, see db/outbox.py). The engine claims one due row at a
time, sends it under a global pace and per-chat spacing, and records the outcome in the database before it
forgets the row. What this guarantees, and what it cannot:

* Nobody is lost: a row leaves the outbox only as sent, blocked or failed; after a crash, rows that were
  being sent go back to pending and are sent on restart.
* Duplicates are bounded: a row is marked `sending` only just before its request, and at most `IN_FLIGHT`
  requests run at once. After a crash (kill -9) at most `IN_FLIGHT` recipients can get a message twice:
  those whose request reached Telegram but whose outcome was not yet committed.
* A request that timed out after it was sent is not resent (it may well have arrived): it ends as failed
  with an `uncertain:` reason, and the staff member's report counts it separately.
* 429: every sender of this process pauses for `retry_after`; the row is tried again (no attempt is spent).
  403: the recipient is marked inactive in the same transaction; their other pending rows end as blocked.
  5xx or a refused connection: retried with growing back-off, at most `MAX_ATTEMPTS` times.
* Several processes on PostgreSQL never claim the same row (FOR UPDATE SKIP LOCKED); SQLite runs one sender.
"""

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import BABEL_LOCALES, ngettext
from db import outbox
from db.models import Delivery, DeliveryVariant, User

log = logging.getLogger(__name__)

IN_FLIGHT = 8  # sends at once per engine, and so the most recipients a crash can give a duplicate
MAX_ATTEMPTS = 5
PROGRESS_EVERY = 3.0  # seconds between edits of the staff member's progress message
CHAT_SPACING = 1.0  # Telegram allows about one message a second within one chat
IDLE_WAIT = 1.0  # how long the engine sleeps when nothing is due, unless woken
LEASE_MARGIN = 5.0  # a claim older than the send timeout plus this belongs to a sender that died


@dataclass(frozen=True)
class Variant:
    """What the recipients of one language see. `buttons` are inline-keyboard rows in Bot API JSON."""

    text: str
    photo: str | None = None
    buttons: list[list[dict]] | None = None


@dataclass(frozen=True)
class Recipient:
    user_id: int
    language: str
    not_before: datetime
    expires_at: datetime | None = None  # never sent after this (see db.outbox.claim_next)


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    variants: dict[str, Variant],
    recipients: Iterable[Recipient],
    now: datetime,
    report_to: int | None = None,
    report_language: str = "sv",
    progress_message_id: int | None = None,
) -> Delivery:
    """Store a delivery in the caller's transaction: once committed, nothing can lose it."""
    rows = _rows(recipients)
    delivery = Delivery(kind=kind, created_at=now, report_to=report_to, report_language=report_language,
                        progress_message_id=progress_message_id, total=len(rows))
    if not rows:
        delivery.finished_at = now  # nobody to send to: nothing for the engine to wait for
    await outbox.add_delivery(session, delivery, _variants(variants), rows)
    return delivery


async def enqueue_once(session: AsyncSession, *, key: str, kind: str, variants: dict[str, Variant],
                       recipients: Iterable[Recipient], now: datetime) -> Delivery:
    """Enqueue under a unique key: however often this runs (a second tick, a restart, a second process), each
    recipient gets one row for the key. Recipients added by a later call are added to the same delivery."""
    delivery = Delivery(kind=kind, created_at=now, dedupe_key=key)
    return await outbox.add_once(session, delivery, _variants(variants), _rows(recipients))


def _rows(recipients: Iterable[Recipient]) -> list[dict]:
    return [{"user_id": r.user_id, "language": r.language, "not_before": r.not_before, "expires_at": r.expires_at}
            for r in recipients]


def _variants(variants: dict[str, Variant]) -> list[DeliveryVariant]:
    return [DeliveryVariant(language=code, text=v.text, photo=v.photo, buttons=v.buttons)
            for code, v in variants.items()]


class Pacer:
    """At most `rate` sends a second from this process, evenly spaced; a 429 pauses all of them."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        resume = asyncio.get_running_loop().time() + seconds
        self._next = max(self._next, resume)


@dataclass(frozen=True)
class Outcome:
    status: str
    message_id: int | None = None
    error: str | None = None
    retry_in: float | None = None  # back to pending, due again after this many seconds
    spent: bool = True  # whether the attempt counts (a 429 does not)


def _uncertain(error: TelegramNetworkError) -> bool:
    """Did the request possibly reach Telegram? Only a connection that was never made proves it did not."""
    return not isinstance(error.__cause__, aiohttp.ClientConnectorError)


class DeliveryEngine:
    def __init__(self, sessionmaker: async_sessionmaker, bot: Bot, clock: Clock, i18n: I18n, *,
                 rate: float, timeout: float) -> None:
        self.sessionmaker = sessionmaker
        self.bot = bot
        self.clock = clock
        self.i18n = i18n
        self.timeout = timeout
        self.pacer = Pacer(rate)
        self.single_sender = sessionmaker.kw["bind"].dialect.name == "sqlite"
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task] = set()
        self._last_sent_to: dict[int, float] = {}
        self._variants: dict[int, dict[str, DeliveryVariant]] = {}
        self._progress: dict[int, tuple[float, str]] = {}  # delivery id → (when, text) of the last edit
        self._touched: set[int] = set()  # deliveries with outcomes since the last completeness check
        self._stopping = False
        self.sent = 0  # messages this engine delivered since it started (for logs and tests)

    # --- the loop ----------------------------------------------------------------------------

    def wake(self) -> None:
        """Something new may be due: look now instead of after the idle wait."""
        self._wake.set()

    async def run(self) -> None:
        await self._release_abandoned(at_start=True)
        async with self.sessionmaker() as session:
            self._touched.update(delivery.id for delivery in await outbox.unfinished_deliveries(session))
        while not self._stopping:
            await self._slots.acquire()
            try:
                await self.pacer.wait()
                row = await self._claim()
            except Exception:
                self._slots.release()
                log.exception("delivery: claiming failed; trying again shortly")
                await self._idle()
                continue
            if row is None:
                self._slots.release()
                await self._report_all()
                await self._idle()
                continue
            task = asyncio.create_task(self._deliver(row))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def stop(self) -> None:
        """Let in-flight sends finish and record their outcome, then stop claiming."""
        self._stopping = True
        self._wake.set()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _idle(self) -> None:
        self._wake.clear()  # before any await, so a wake() that comes meanwhile is not lost
        if not self.single_sender:
            await self._release_abandoned(at_start=False)
        try:
            await asyncio.wait_for(self._wake.wait(), IDLE_WAIT)
        except TimeoutError:
            pass

    async def _release_abandoned(self, at_start: bool) -> None:
        # SQLite has a single sender, so at start every `sending` row belongs to a dead process. On
        # PostgreSQL other senders may be alive: only rows claimed longer ago than any send can take.
        before = None if at_start and self.single_sender else self.clock.now() - timedelta(
            seconds=self.timeout + LEASE_MARGIN)
        async with self.sessionmaker() as session, session.begin():
            released = await outbox.release_claims(session, before)
        if released:
            log.warning("delivery: %d message(s) were being sent when a sender stopped; sending them again "
                        "(each may arrive twice)", released)

    async def _claim(self) -> outbox.OutboxMessage | None:
        now_mono = asyncio.get_running_loop().time()
        recent = [user for user, at in self._last_sent_to.items() if now_mono - at < CHAT_SPACING]
        if len(recent) < len(self._last_sent_to):
            self._last_sent_to = {user: self._last_sent_to[user] for user in recent}
        async with self.sessionmaker() as session, session.begin():
            return await outbox.claim_next(session, self.clock.now(), recent)

    # --- one send ------------------------------------------------------------------------------

    async def _deliver(self, row: outbox.OutboxMessage) -> None:
        try:
            try:
                outcome = await self._send(row)
            except Exception as error:  # a bug must not leave the row in `sending` until the next restart
                log.exception("delivery: unexpected failure sending outbox row %d", row.id)
                outcome = Outcome(outbox.FAILED, error=f"unexpected: {type(error).__name__}")
            self._last_sent_to[row.user_id] = asyncio.get_running_loop().time()
            await self._record(row, outcome)
        finally:
            self._slots.release()

    async def _send(self, row: outbox.OutboxMessage) -> Outcome:
        variant = await self._variant(row.delivery_id, row.language)
        if variant is None:
            return Outcome(outbox.FAILED, error="the delivery has no text")
        markup = InlineKeyboardMarkup(inline_keyboard=variant.buttons) if variant.buttons else None
        try:
            if variant.photo:
                message = await self.bot.send_photo(row.user_id, variant.photo, caption=variant.text,
                                                    reply_markup=markup, request_timeout=int(self.timeout))
            else:
                message = await self.bot.send_message(row.user_id, variant.text, reply_markup=markup,
                                                      request_timeout=int(self.timeout))
        except TelegramRetryAfter as error:
            self.pacer.pause(error.retry_after)
            log.warning("delivery: Telegram asked to wait %s s; every sender pauses", error.retry_after)
            return Outcome(outbox.PENDING, retry_in=0, spent=False)
        except TelegramForbiddenError as error:
            return Outcome(outbox.BLOCKED, error=error.message[:200])
        except TelegramBadRequest as error:
            return Outcome(outbox.FAILED, error=error.message[:200])
        except TelegramNetworkError as error:
            if _uncertain(error):
                return Outcome(outbox.FAILED, error=f"uncertain: {error.message}"[:200])
            return self._retry_or_fail(row, error)
        except TelegramServerError as error:
            return self._retry_or_fail(row, error)
        except TelegramAPIError as error:
            return Outcome(outbox.FAILED, error=error.message[:200])
        return Outcome(outbox.SENT, message_id=message.message_id)

    @staticmethod
    def _retry_or_fail(row: outbox.OutboxMessage, error: TelegramAPIError) -> Outcome:
        if row.attempts >= MAX_ATTEMPTS:
            return Outcome(outbox.FAILED, error=f"gave up after {row.attempts} attempts: {error.message}"[:200])
        return Outcome(outbox.PENDING, error=error.message[:200], retry_in=2.0 ** row.attempts)

    async def _record(self, row: outbox.OutboxMessage, outcome: Outcome) -> None:
        now = self.clock.now()
        values: dict[str, object] = {"status": outcome.status, "error": outcome.error}
        if outcome.status == outbox.SENT:
            self.sent += 1
            values.update(sent_at=now, telegram_message_id=outcome.message_id)
        if outcome.status == outbox.PENDING:
            values["not_before"] = now + timedelta(seconds=outcome.retry_in or 0)
            if not outcome.spent:
                values["attempts"] = row.attempts - 1
        async with self.sessionmaker() as session, session.begin():
            await outbox.finish(session, row.id, **values)
            if outcome.status == outbox.BLOCKED:
                await session.execute(update(User).where(User.id == row.user_id).values(is_active=False))
                await outbox.block_pending_of(session, row.user_id)
        self._touched.add(row.delivery_id)
        await self._report(row.delivery_id, final_check=False)

    async def _variant(self, delivery_id: int, language: str) -> DeliveryVariant | None:
        if delivery_id not in self._variants:
            if len(self._variants) > 256:
                self._variants.clear()
            async with self.sessionmaker() as session:
                self._variants[delivery_id] = await outbox.variants_of(session, delivery_id)
        variants = self._variants[delivery_id]
        return variants.get(language) or variants.get(self.i18n.default_locale) or next(iter(variants.values()),
                                                                                         None)

    # --- progress and the final report -----------------------------------------------------------

    async def _report_all(self) -> None:
        touched, self._touched = self._touched, set()
        for delivery_id in sorted(touched):
            await self._report(delivery_id, final_check=True)

    async def _report(self, delivery_id: int, final_check: bool) -> None:
        """Edit the progress message at most every few seconds; once nothing is left, send the final report once."""
        now_mono = asyncio.get_running_loop().time()
        edited_at, shown = self._progress.get(delivery_id, (-PROGRESS_EVERY, ""))
        may_edit = now_mono - edited_at >= PROGRESS_EVERY
        if not (final_check or may_edit):
            return
        async with self.sessionmaker() as session, session.begin():
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None or delivery.finished_at is not None:
                return
            counts = await outbox.status_counts(session, delivery_id)
            open_rows = counts.get(outbox.PENDING, 0) + counts.get(outbox.SENDING, 0)
            finished = open_rows == 0 and await outbox.mark_finished(session, delivery_id, self.clock.now())
            uncertain = await outbox.uncertain_count(session, delivery_id) if finished else 0
        if finished:
            self._progress.pop(delivery_id, None)
        if delivery.report_to is None:
            return
        with self.i18n.context(), self.i18n.use_locale(delivery.report_language):
            progress = self._progress_text(delivery, counts)
            if may_edit and progress != shown:
                await self._show_progress(delivery, progress)
                if not finished:
                    self._progress[delivery_id] = (now_mono, progress)
            if finished:
                await self._quietly(self.bot.send_message(delivery.report_to,
                                                          self._final_text(delivery, counts, uncertain)))

    async def _show_progress(self, delivery: Delivery, text: str) -> None:
        """Edit the progress message; the first time, send it and remember its id for the next edits."""
        if delivery.progress_message_id is not None:
            await self._quietly(self.bot.edit_message_text(
                text, chat_id=delivery.report_to, message_id=delivery.progress_message_id))
            return
        try:
            message = await self.bot.send_message(delivery.report_to, text)
        except TelegramAPIError as error:
            log.info("delivery: could not show progress: %s", error.message)
            return
        async with self.sessionmaker() as session, session.begin():
            await session.execute(update(Delivery).where(Delivery.id == delivery.id)
                                  .values(progress_message_id=message.message_id))

    def _progress_text(self, delivery: Delivery, counts: dict[str, int]) -> str:
        done = sum(counts.get(status, 0) for status in outbox.FINAL)
        return _("📤 Sending: {done} / {total} handled, {sent} delivered.").format(
            done=self._number(done), total=self._number(delivery.total),
            sent=self._number(counts.get(outbox.SENT, 0)))

    def _final_text(self, delivery: Delivery, counts: dict[str, int], uncertain: int) -> str:
        lines = [
            _("✅ Sending finished."),
            _("Delivered: {count}").format(count=self._number(counts.get(outbox.SENT, 0))),
            _("Blocked the bot: {count}").format(count=self._number(counts.get(outbox.BLOCKED, 0))),
            _("Could not be delivered: {count}").format(count=self._number(counts.get(outbox.FAILED, 0))),
        ]
        if uncertain:
            lines.append(ngettext(
                "Of these, {count} timed out after sending: it may have arrived, so it was not sent again.",
                "Of these, {count} timed out after sending: they may have arrived, so they were not sent again.",
                uncertain).format(count=self._number(uncertain)))
        return "\n".join(lines)

    def _number(self, value: int) -> str:
        locale = self.i18n.current_locale
        return format_decimal(value, locale=BABEL_LOCALES.get(locale, locale))

    @staticmethod
    async def _quietly(request: object) -> None:
        # A report that cannot be shown (the staff member blocked the bot, the message was deleted) must
        # not stop deliveries.
        try:
            await request  # type: ignore[misc]
        except TelegramAPIError as error:
            log.info("delivery: could not update a report: %s", error.message)
