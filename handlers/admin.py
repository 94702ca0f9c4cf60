"""/admin for administrators: how many residents use the bot, by language. Others never see it."""

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import roles, users
from bot.config import Settings
from bot.i18n import ngettext
from bot.languages import LANGUAGES
from handlers.menu import back_to_menu_markup


class IsAdmin(Filter):
    """Checked on every update, so a revoked admin's old keyboard does nothing."""

    async def __call__(self, message: Message, settings: Settings) -> bool:
        return message.from_user is not None and roles.is_admin(message.from_user.id, settings)


async def overview(message: Message, session: AsyncSession) -> None:
    counts = await users.resident_counts(session)
    lines = [
        _("<b>Residents</b>"),
        ngettext("{count} person uses the bot.", "{count} people use the bot.", counts.total).format(
            count=counts.total
        ),
        ngettext(
            "{count} of them has blocked the bot.", "{count} of them have blocked the bot.", counts.inactive
        ).format(count=counts.inactive),
        "",
        _("By language:"),
        *(f"{LANGUAGES[code]}: {count}" for code, count in counts.by_language.items()),
    ]
    await message.answer("\n".join(lines), reply_markup=back_to_menu_markup())


def create_router() -> Router:
    router = Router(name="admin")
    router.message.filter(F.chat.type == "private", IsAdmin())
    router.message.register(overview, Command("admin"))
    return router
