"""Last in line: unknown commands, free text, stickers, photos and other messages, stale buttons."""

import logging

from aiogram import Bot, F, Router
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from db.models import User
from handlers.menu import main_menu_markup, stale_button
from handlers.start import start

log = logging.getLogger(__name__)


async def unknown_command(message: Message) -> None:
    await message.answer(_("I don't know that command. Here is what I can do: /help"),
                         reply_markup=main_menu_markup())


async def not_onboarded(message: Message, user: User, bot: Bot, i18n: I18n, settings: Settings,
                        session: AsyncSession) -> None:
    # Someone who writes before choosing a language gets the welcome and the language buttons;
    # once they have chosen, handlers/questions.py answers their text.
    await start(message, user, bot, i18n, settings, session)


async def not_text(message: Message) -> None:
    await message.answer(_("Thank you! I can only read text. Please write to me, or choose from the menu."),
                         reply_markup=main_menu_markup())


async def edited(message: Message) -> None:
    # Ignored on purpose: answering an edit again would look like a duplicate reply.
    log.debug("ignored an edited message in chat %s", message.chat.id)


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.filter(F.chat.type == "private")
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(not_onboarded, F.text)
    router.message.register(not_text)
    router.edited_message.register(edited)
    router.callback_query.register(stale_button)
    return router
