"""Queries on users and roles; small functions that take a session and return models or plain values."""

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Role, User


def _insert(session: AsyncSession, table):  # noqa: ANN001, ANN202 - dialect-specific Insert
    return (pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert)(table)


async def get_or_create_user(session: AsyncSession, user_id: int, language: str, now: datetime) -> User:
    """The user row, created on first contact; safe when two updates of a new user race."""
    statement = (
        _insert(session, User)
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
    rows = await session.execute(select(Role.role, Role.scope).where(Role.user_id == user_id))
    return {(role, scope) for role, scope in rows.all()}


async def grant_role(
    session: AsyncSession, user_id: int, role: str, now: datetime, scope: str = "", granted_by: int | None = None
) -> None:
    statement = (
        _insert(session, Role)
        .values(user_id=user_id, role=role, scope=scope, granted_at=now, granted_by=granted_by)
        .on_conflict_do_nothing(index_elements=[Role.user_id, Role.role, Role.scope])
    )
    await session.execute(statement)


async def languages_of(session: AsyncSession, user_ids: frozenset[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.language).where(User.id.in_(user_ids)))
    return {user_id: language for user_id, language in rows.all()}
