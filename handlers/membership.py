"""my_chat_member updates: a resident who blocks the bot is marked inactive, and active again on return."""

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users

GONE = (ChatMemberStatus.KICKED, ChatMemberStatus.LEFT)


async def membership_changed(event: ChatMemberUpdated, session: AsyncSession) -> None:
    await users.set_active(session, event.from_user.id, event.new_chat_member.status not in GONE)


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(F.chat.type == "private")
    router.my_chat_member.register(membership_changed)
    return router
