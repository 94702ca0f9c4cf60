"""Residents' rights: everything stored about them (/mydata) and deleting it (/forget)."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db import users as queries
from db.models import User


async def stored_about(session: AsyncSession, user: User) -> dict:
    """All we keep about this person, as plain data (also sent to them as JSON)."""
    roles = sorted(await queries.roles_of(session, user.id))
    return {
        "telegram_user_id": user.id,
        "language": user.language,
        "area": user.area,
        "privacy_notice_accepted_at": _iso(user.consent_at),
        "first_seen": _iso(user.first_seen),
        "last_seen": _iso(user.last_seen),
        "receives_messages": user.is_active,
        "roles": [{"role": role, "scope": scope} for role, scope in roles],
    }


async def forget(session: AsyncSession, user_id: int) -> None:
    """Delete the profile and everything hanging on it (roles go with it by foreign-key cascade)."""
    await session.execute(delete(User).where(User.id == user_id))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
