"""Queries on users and roles; small functions that take a session and return models or plain values."""

from datetime import datetime

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from db.models import Invite, Role, User
from db.session import upsert_insert

_ROLES = "roles_of"  # session.info key: user id → roles read in this transaction; dropped when a role changes


@event.listens_for(Session, "after_transaction_end")
def _forget_roles(session: Session, transaction: SessionTransaction) -> None:
    session.info.pop(_ROLES, None)  # a new transaction may see roles granted or taken meanwhile


async def get_or_create_user(session: AsyncSession, user_id: int, language: str, now: datetime) -> User:
    """The user row, created on first contact; safe when two updates of a new user race."""
    if (user := await session.get(User, user_id)) is not None:
        return user  # every update of a known resident: one read, no write
    statement = (
        upsert_insert(session, User)
        .values(id=user_id, language=language, first_seen=now, last_seen=now, is_active=True)
        .on_conflict_do_nothing(index_elements=[User.id])
    )
    await session.execute(statement)
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


async def set_active(session: AsyncSession, user_id: int, active: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(is_active=active))


async def count_users_by_language(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(User.language, func.count()).group_by(User.language))
    return {language: count for language, count in rows.all()}


async def count_inactive_users(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User).where(User.is_active.is_(False))) or 0


async def roles_of(session: AsyncSession, user_id: int) -> set[tuple[str, str]]:
    """(role, scope) pairs, read once per transaction: the role filters of several routers ask in turn."""
    known = session.info.setdefault(_ROLES, {})
    if user_id not in known:
        rows = await session.execute(select(Role.role, Role.scope).where(Role.user_id == user_id))
        known[user_id] = frozenset(rows.all())
    return set(known[user_id])


async def grant_role(
    session: AsyncSession, user_id: int, role: str, now: datetime, scope: str = "", granted_by: int | None = None,
    holder_name: str = "",
) -> None:
    statement = (
        upsert_insert(session, Role)
        .values(user_id=user_id, role=role, scope=scope, granted_at=now, granted_by=granted_by,
                holder_name=holder_name[:128])
        .on_conflict_do_nothing(index_elements=[Role.user_id, Role.role, Role.scope])
    )
    await session.execute(statement)
    session.info.pop(_ROLES, None)


async def count_role_holders(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Role)) or 0


async def role_holders(session: AsyncSession, offset: int, limit: int) -> list[Role]:
    """Role rows, oldest grant first (a stable order, so pages do not shift while an admin reads them)."""
    rows = await session.scalars(select(Role).order_by(Role.granted_at, Role.id).offset(offset).limit(limit))
    return list(rows)


async def get_role(session: AsyncSession, role_id: int) -> Role | None:
    return await session.scalar(select(Role).where(Role.id == role_id))


async def delete_role(session: AsyncSession, role_id: int) -> bool:
    """True if this call deleted the row (False when it was already gone: a double tap, a second admin)."""
    result = await session.execute(delete(Role).where(Role.id == role_id).execution_options(synchronize_session=False))
    session.info.pop(_ROLES, None)
    return result.rowcount == 1


async def count_users_by_area(session: AsyncSession) -> dict[str | None, int]:
    rows = await session.execute(select(User.area, func.count()).group_by(User.area))
    return {area: count for area, count in rows.all()}


async def add_invite(session: AsyncSession, invite: Invite) -> None:
    session.add(invite)
    await session.flush()


async def claim_invite(session: AsyncSession, code_hash: str, user_id: int, now: datetime) -> Invite | None:
    """Mark an unused, unexpired invite as used by this person; None if it is unknown, used or expired.

    One conditional UPDATE decides: of two people racing for the same code, the second one's UPDATE
    finds used_at already set (PostgreSQL re-checks the condition after the first commits) and changes nothing.
    """
    result = await session.execute(
        update(Invite)
        .where(Invite.code_hash == code_hash, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_by=user_id, used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return await session.scalar(select(Invite).where(Invite.code_hash == code_hash))


async def find_usable_invite(session: AsyncSession, code_hash: str, now: datetime) -> Invite | None:
    """An invite that could still be used (without using it)."""
    return await session.scalar(
        select(Invite).where(Invite.code_hash == code_hash, Invite.used_at.is_(None), Invite.expires_at > now)
    )


async def languages_of(session: AsyncSession, user_ids: frozenset[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.language).where(User.id.in_(user_ids)))
    return {user_id: language for user_id, language in rows.all()}
