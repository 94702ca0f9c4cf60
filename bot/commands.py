"""The bot's command menu per audience and language, registered with setMyCommands."""

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.languages import LANGUAGES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandSpec:
    command: str
    description: LazyProxy


RESIDENT_COMMANDS = (
    CommandSpec("start", __("Start again and show the menu")),
    CommandSpec("services", __("Find a local service")),
    CommandSpec("help", __("What I can do")),
    CommandSpec("language", __("Change language")),
    CommandSpec("privacy", __("What I store about you")),
    CommandSpec("mydata", __("See everything stored about you")),
    CommandSpec("forget", __("Delete everything stored about you")),
)
ADMIN_COMMANDS = (CommandSpec("admin", __("Overview for administrators")),)


def translated(specs: tuple[CommandSpec, ...], i18n: I18n, locale: str) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(locale):
        return [BotCommand(command=spec.command, description=str(spec.description)) for spec in specs]


def menu_languages() -> list[str]:
    """Telegram accepts only two-letter codes here, so Sorani (ckb) speakers see the default menu."""
    return [code for code in LANGUAGES if len(code) == 2]


async def register_commands(bot: Bot, i18n: I18n) -> None:
    default = i18n.default_locale
    await bot.set_my_commands(translated(RESIDENT_COMMANDS, i18n, default), scope=BotCommandScopeDefault())
    for code in menu_languages():
        await bot.set_my_commands(
            translated(RESIDENT_COMMANDS, i18n, code), scope=BotCommandScopeDefault(), language_code=code
        )
    log.info("registered command menus for %d languages", len(menu_languages()))


async def register_admin_commands(bot: Bot, i18n: I18n, admin_id: int) -> None:
    """Called when an admin writes /start: Telegram accepts a chat scope only for a chat it has seen."""
    scope = BotCommandScopeChat(chat_id=admin_id)
    admin_menu = RESIDENT_COMMANDS + ADMIN_COMMANDS
    await bot.set_my_commands(translated(admin_menu, i18n, i18n.default_locale), scope=scope)
    for code in menu_languages():
        await bot.set_my_commands(translated(admin_menu, i18n, code), scope=scope, language_code=code)
