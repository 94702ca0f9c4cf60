"""Queries of the delivery outbox: enqueue, claim the next due row, record outcomes, count progress."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import CompoundSelect, Integer, Select, String, func, insert, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, DeliveryVariant, OutboxMessage, User
from db.session import upsert_insert

PENDING, SENDING, SENT, BLOCKED, FAILED = "pending", "sending", "sent", "blocked", "failed"
FINAL = (SENT, BLOCKED, FAILED)


async def add_delivery(session: AsyncSession, delivery: Delivery, variants: list[DeliveryVariant],
                       rows: Iterable[dict]) -> None:
    """One delivery, its variants and one outbox row per recipient (bulk insert: 100 000 rows are fine)."""
    session.add(delivery)
    await session.flush()
    for variant in variants:
        variant.delivery_id = delivery.id
    session.add_all(variants)
    batch = [{**row, "delivery_id": delivery.id, "status": PENDING, "attempts": 0} for row in rows]
    if batch:
        await session.execute(insert(OutboxMessage), batch)


async def _delivery_once(session: AsyncSession, delivery: Delivery, variants: list[DeliveryVariant]) -> Delivery:
    """The delivery under `delivery.dedupe_key`, made (with its texts) by whichever call, from any process, comes
    first; later calls find it."""
    key = delivery.dedupe_key
    found = await session.scalar(select(Delivery).where(Delivery.dedupe_key == key))
    if found is None:
        created = (await session.execute(
            upsert_insert(session, Delivery).values(
                kind=delivery.kind, created_at=delivery.created_at, report_to=delivery.report_to,
                report_language=delivery.report_language or "sv", total=0, dedupe_key=key)
            .on_conflict_do_nothing(index_elements=[Delivery.dedupe_key]).returning(Delivery.id))).scalar()
        found = await session.scalar(select(Delivery).where(Delivery.dedupe_key == key))
        if created is not None:  # this call made it, so it adds the texts too
            for variant in variants:
                variant.delivery_id = found.id
            session.add_all(variants)
    return found


async def _added(session: AsyncSession, found: Delivery, added: int) -> Delivery:
    if added:
        found.total += added
        found.finished_at = None
    await session.flush()
    return found


async def add_once(session: AsyncSession, delivery: Delivery, variants: list[DeliveryVariant],
                   rows: Iterable[dict]) -> Delivery:
    """Like add_delivery, but idempotent on `delivery.dedupe_key` and on (delivery, recipient): running it
    again, from any process, adds only recipients who are not there yet."""
    found = await _delivery_once(session, delivery, variants)
    batch = [{**row, "delivery_id": found.id, "status": PENDING, "attempts": 0} for row in rows]
    added = 0
    if batch:
        # executemany with RETURNING (SQLAlchemy batches it into multi-row statements by itself): about five
        # times faster than building one VALUES clause per chunk.
        result = await session.execute(
            upsert_insert(session, OutboxMessage)
            .on_conflict_do_nothing(index_elements=[OutboxMessage.delivery_id, OutboxMessage.user_id])
            .returning(OutboxMessage.id), batch)
        added = len(result.all())
    return await _added(session, found, added)


async def add_once_from(session: AsyncSession, delivery: Delivery, variants: list[DeliveryVariant],
                        recipients: Select | CompoundSelect) -> tuple[Delivery, int]:
    """Like add_once, with the recipients as a query whose rows are (user_id, language, not_before, expires_at):
    one INSERT … SELECT inside the database, however many they are, never a Python object per recipient.
    Returns the delivery and how many recipients this call added."""
    found = await _delivery_once(session, delivery, variants)
    rows = recipients.subquery("recipients")
    # `WHERE true`: SQLite reads an INSERT … SELECT … ON CONFLICT without a WHERE as a join's ON (its docs say so).
    source = select(literal(found.id, Integer), rows.c.user_id, rows.c.language, rows.c.not_before,
                    rows.c.expires_at, literal(PENDING, String), literal(0, Integer)).where(true())
    result = await session.execute(
        upsert_insert(session, OutboxMessage)
        .from_select(["delivery_id", "user_id", "language", "not_before", "expires_at", "status", "attempts"], source)
        .on_conflict_do_nothing(index_elements=[OutboxMessage.delivery_id, OutboxMessage.user_id]))
    added = max(result.rowcount or 0, 0)
    return await _added(session, found, added), added


async def claim_next(session: AsyncSession, now: datetime, skip_users: Iterable[int]) -> OutboxMessage | None:
    """Take the oldest due row; other senders skip it (PostgreSQL row lock, SKIP LOCKED; SQLite has one sender).

    A row for someone who has blocked the bot since it was queued ends as blocked here, and a row past its
    expiry as failed, both without a request.
    """
    statement = (
        select(OutboxMessage, User.is_active)
        .join(User, User.id == OutboxMessage.user_id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )
    skip = list(skip_users)
    if skip:
        statement = statement.where(OutboxMessage.user_id.not_in(skip))
    while (found := (await session.execute(statement)).first()) is not None:
        row, active = found
        if not active:
            row.status, row.error = BLOCKED, "the resident blocked the bot"
        elif row.expires_at is not None and row.expires_at <= now:
            # Missed while the bot was down, and now too late to be of use (the activity has started).
            row.status, row.error = FAILED, "expired: not sent after its time had passed"
        else:
            row.status, row.claimed_at, row.attempts = SENDING, now, row.attempts + 1
            return row
        await session.flush()
    return None


async def finish(session: AsyncSession, row_id: int, **values: object) -> None:
    """Record the outcome of a send; only a row still marked as sending (a reclaimed row is left alone)."""
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status == SENDING).values(**values)
    )


async def block_pending_of(session: AsyncSession, user_id: int) -> None:
    """A resident who blocked the bot: whatever still waits for them ends as blocked, not pending forever."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == user_id, OutboxMessage.status == PENDING)
        .values(status=BLOCKED, error="the resident blocked the bot")
    )


async def release_claims(session: AsyncSession, claimed_before: datetime | None) -> int:
    """Rows left as sending by a sender that died go back to pending (they may have arrived: documented bound)."""
    statement = update(OutboxMessage).where(OutboxMessage.status == SENDING)
    if claimed_before is not None:
        statement = statement.where(OutboxMessage.claimed_at < claimed_before)
    result = await session.execute(statement.values(status=PENDING, error="resumed after a restart"))
    return result.rowcount or 0


async def status_counts(session: AsyncSession, delivery_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.delivery_id == delivery_id)
        .group_by(OutboxMessage.status)
    )
    return {status: count for status, count in rows.all()}


async def uncertain_count(session: AsyncSession, delivery_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.delivery_id == delivery_id, OutboxMessage.status == FAILED,
               OutboxMessage.error.startswith("uncertain"))
    ) or 0


async def unfinished_deliveries(session: AsyncSession) -> list[Delivery]:
    return list(await session.scalars(select(Delivery).where(Delivery.finished_at.is_(None)).order_by(Delivery.id)))


async def mark_finished(session: AsyncSession, delivery_id: int, now: datetime) -> bool:
    """True for exactly one caller, however many senders notice at once that a delivery is complete."""
    result = await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.finished_at.is_(None)).values(finished_at=now)
    )
    return result.rowcount == 1


async def variants_of(session: AsyncSession, delivery_id: int) -> dict[str, DeliveryVariant]:
    rows = await session.scalars(select(DeliveryVariant).where(DeliveryVariant.delivery_id == delivery_id))
    return {variant.language: variant for variant in rows}


async def pending_of(session: AsyncSession, user_id: int) -> list[OutboxMessage]:
    """What still waits to be sent to this resident (for /mydata)."""
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user_id, OutboxMessage.status.in_((PENDING, SENDING)))
        .order_by(OutboxMessage.not_before)
    )
    return list(rows)
