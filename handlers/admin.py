"""/admin for administrators: how many residents use the bot, by language. Others never see it."""

from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users
from bot.config import Settings
from bot.i18n import ngettext
from bot.languages import LANGUAGES
from bot.library import ContentStore
from handlers.common import reply
from handlers.guards import IsAdmin
from handlers.menu import back_to_menu_markup


class AdminCallback(CallbackData, prefix="adm"):
    action: str


def overview_markup() -> InlineKeyboardMarkup:
    reload = InlineKeyboardButton(text=_("🔄 Reload content"), callback_data=AdminCallback(action="reload").pack())
    return InlineKeyboardMarkup(inline_keyboard=[[reload], *back_to_menu_markup().inline_keyboard])


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
    await message.answer("\n".join(lines), reply_markup=overview_markup())


async def reload_content(callback: CallbackQuery, bot: Bot, content: ContentStore, settings: Settings,
                         i18n: I18n, session: AsyncSession) -> None:
    problem = content.reload()
    if problem is None:
        library = content.current
        await reply(callback, _("Content reloaded: {services} services and {faq} questions and answers.").format(
            services=len(library.services), faq=len(library.faq)))
        return
    # Every admin hears of it, in their own language: the bot keeps running on the last good content.
    languages = await users.languages_of(session, settings.admin_ids)
    for admin_id in settings.admin_ids:
        text = i18n.gettext("The content was NOT reloaded; the bot keeps using the last good version. "
                            "Problem:", locale=languages.get(admin_id, i18n.default_locale))
        with suppress(TelegramAPIError):
            await bot.send_message(admin_id, f"{text}\n<code>{escape(problem[:3000])}</code>")


def create_router() -> Router:
    router = Router(name="admin")
    router.message.filter(F.chat.type == "private", IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(overview, Command("admin"))
    router.callback_query.register(reload_content, AdminCallback.filter(F.action == "reload"))
    return router
