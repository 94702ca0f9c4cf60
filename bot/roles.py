"""Who may do what: admins come from ADMIN_IDS, staff and theme-group roles from the database."""

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from db import users as queries

STAFF = "staff"
THEME_GROUP = "theme_group"


def is_admin(user_id: int, settings: Settings) -> bool:
    return user_id in settings.admin_ids


async def is_staff(session: AsyncSession, user_id: int, settings: Settings) -> bool:
    if is_admin(user_id, settings):
        return True
    return any(role == STAFF for role, _ in await queries.roles_of(session, user_id))
