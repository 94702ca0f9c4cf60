"""Last in line: unknown commands, free text, stickers, photos and other messages, stale buttons."""

import logging

from aiogram import Bot, F, Router
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import users
from bot.config import Settings
from db.models import User
from handlers.help import CONTACT_CENTRE
from handlers.menu import back_to_menu_markup, main_menu_markup, stale_button
from handlers.start import start

log = logging.getLogger(__name__)

# Telegram allows 4096 characters; a question longer than this is almost never one question.
LONG_MESSAGE = 1000


async def unknown_command(message: Message) -> None:
    await message.answer(_("I don't know that command. Here is what I can do: /help"),
                         reply_markup=main_menu_markup())


async def free_text(message: Message, user: User, bot: Bot, i18n: I18n, settings: Settings) -> None:
    if not users.is_onboarded(user):
        # Someone who writes before choosing a language gets the welcome and the language buttons.
        await start(message, user, bot, i18n, settings)
        return
    if len(message.text) > LONG_MESSAGE:
        await message.answer(_("That is a long message. Please ask one short question at a time."),
                             reply_markup=back_to_menu_markup())
        return
    await message.answer(
        _(
            "Sorry, I cannot answer questions in your own words yet. Choose a topic in the menu, or call "
            "the city's contact centre: {phone}. In an emergency, call 112."
        ).format(phone=CONTACT_CENTRE),
        reply_markup=main_menu_markup(),
    )


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
    router.message.register(free_text, F.text)
    router.message.register(not_text)
    router.edited_message.register(edited)
    router.callback_query.register(stale_button)
    return router
