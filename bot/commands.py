"""The bot's command menu per audience and language, registered with setMyCommands."""

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from sqlalchemy.ext.asyncio import AsyncSession

from bot import roles
from bot.config import Settings
from bot.languages import LANGUAGES
from db import users as queries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandSpec:
    command: str
    description: LazyProxy


RESIDENT_COMMANDS = (
    CommandSpec("start", __("Start again and show the menu")),
    CommandSpec("services", __("Find a local service")),
    CommandSpec("activities", __("What is on near you")),
    CommandSpec("reminders", __("Your reminders")),
    CommandSpec("news", __("News from the district")),
    CommandSpec("polls", __("Open polls: tell us what you think")),
    CommandSpec("settings", __("Your area, reminders and quiet hours")),
    CommandSpec("help", __("What I can do")),
    CommandSpec("language", __("Change language")),
    CommandSpec("privacy", __("What I store about you")),
    CommandSpec("mydata", __("See everything stored about you")),
    CommandSpec("forget", __("Delete everything stored about you")),
)
STAFF_COMMANDS = (
    CommandSpec("announce", __("Send an announcement to residents")),
    CommandSpec("activity", __("Add or change an activity")),
    CommandSpec("poll", __("Create a feedback poll")),
)
THEME_GROUP_COMMANDS = (CommandSpec("results", __("Poll results of your theme group")),)
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


def menu_for(staff: bool, theme_group: bool, admin: bool) -> tuple[CommandSpec, ...]:
    """Residents' commands plus those of each role the person holds (admins can do what staff can)."""
    menu = RESIDENT_COMMANDS
    if staff or admin:
        menu += STAFF_COMMANDS
    if theme_group or admin:
        menu += THEME_GROUP_COMMANDS
    if admin:
        menu += ADMIN_COMMANDS
    return menu


async def register_personal_commands(bot: Bot, i18n: I18n, user_id: int, menu: tuple[CommandSpec, ...]) -> None:
    """A menu for one person's chat (Telegram accepts a chat scope only for a chat it has seen).

    A resident's own menu is removed instead, so they fall back to the default menu of their language.
    """
    scope = BotCommandScopeChat(chat_id=user_id)
    if menu == RESIDENT_COMMANDS:
        await bot.delete_my_commands(scope=scope)
        for code in menu_languages():
            await bot.delete_my_commands(scope=scope, language_code=code)
        return
    await bot.set_my_commands(translated(menu, i18n, i18n.default_locale), scope=scope)
    for code in menu_languages():
        await bot.set_my_commands(translated(menu, i18n, code), scope=scope, language_code=code)


async def refresh_commands(bot: Bot, i18n: I18n, session: AsyncSession, user_id: int, settings: Settings) -> None:
    """Show this person the commands of the roles they hold now (after /start, an invite or a revocation)."""
    held = {role for role, _ in await queries.roles_of(session, user_id)}
    menu = menu_for(staff=roles.STAFF in held, theme_group=roles.THEME_GROUP in held,
                    admin=roles.is_admin(user_id, settings))
    await register_personal_commands(bot, i18n, user_id, menu)
