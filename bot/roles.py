"""Who may do what: admins come from ADMIN_IDS, staff and theme-group roles from the database."""

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from db import users as queries

STAFF = "staff"
THEME_GROUP = "theme_group"
ALL_GROUPS = "*"  # what admins see in place of a list of theme groups


def is_admin(user_id: int, settings: Settings) -> bool:
    return user_id in settings.admin_ids


async def is_staff(session: AsyncSession, user_id: int, settings: Settings) -> bool:
    if is_admin(user_id, settings):
        return True
    return any(role == STAFF for role, _ in await queries.roles_of(session, user_id))


async def theme_groups_of(session: AsyncSession, user_id: int, settings: Settings) -> frozenset[str]:
    """The theme groups this person belongs to; {ALL_GROUPS} for an admin."""
    if is_admin(user_id, settings):
        return frozenset({ALL_GROUPS})
    return frozenset(scope for role, scope in await queries.roles_of(session, user_id) if role == THEME_GROUP)


async def holds_any(session: AsyncSession, user_id: int) -> bool:
    return bool(await queries.roles_of(session, user_id))
