"""The audit log: who granted, revoked or published what, and when. Kept when a resident is forgotten."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry

INVITE_CREATED = "invite.created"
ROLE_GRANTED = "role.granted"
ROLE_REVOKED = "role.revoked"

_SUBJECT_LENGTH = 128  # the column's size


async def record(session: AsyncSession, now: datetime, actor_id: int | None, action: str, subject: str = "",
                 detail: str = "") -> None:
    """Add one entry in the caller's transaction: it is stored exactly when the change it describes is."""
    session.add(AuditEntry(at=now, actor_id=actor_id, action=action, subject=str(subject)[:_SUBJECT_LENGTH],
                           detail=detail))


async def latest(session: AsyncSession, limit: int = 20) -> list[AuditEntry]:
    """The newest entries first."""
    rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    return list(rows)
