"""Role filters for routers. They run on every message and every button press, so a role that was revoked
stops working at once, even on a keyboard sent before; to anyone else a guarded command is unknown."""

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import roles, users
from bot.config import Settings
from db.models import User


class IsAdmin(Filter):
    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        return event.from_user is not None and roles.is_admin(event.from_user.id, settings)


class IsStaff(Filter):
    """Staff, and admins (who can do everything staff can)."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings, session: AsyncSession) -> bool:
        return event.from_user is not None and await roles.is_staff(session, event.from_user.id, settings)


class InThemeGroup(Filter):
    """Members of any theme group, and admins; `groups` in the handler's data lists which ones."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings,
                       session: AsyncSession) -> bool | dict:
        if event.from_user is None:
            return False
        groups = await roles.theme_groups_of(session, event.from_user.id, settings)
        return {"groups": groups} if groups else False


class Onboarded(Filter):
    """Residents who have chosen a language under the privacy notice (their consent). Before that, /start's flow
    runs: questions are not answered and poll answers not stored."""

    async def __call__(self, event: Message | CallbackQuery, user: User) -> bool:
        return users.is_onboarded(user)
