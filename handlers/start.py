"""/start (also with an invite code from a deep link), the language choice (which is also the privacy consent),
/language and the main menu."""

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import invites, polls, roles, users
from bot.clock import Clock
from bot.commands import refresh_commands
from bot.config import Settings
from bot.languages import LANGUAGES
from bot.library import ContentStore
from bot.poll_links import parse_payload
from db.models import User
from handlers.common import remove_buttons, reply
from handlers.menu import MenuCallback, back_to_menu_markup, main_menu_markup, main_menu_text, stale_button
from handlers.polls import show_poll

POLL_PAYLOAD_PREFIX = "poll-"  # a poster's link to a poll (bot.poll_links), not an invite code


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


def language_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, own_name in LANGUAGES.items():
        builder.button(text=own_name, callback_data=LanguageCallback(code=code))
    builder.adjust(2)
    return builder.as_markup()


def privacy_notice() -> str:
    return _(
        "🔒 I store your Telegram user ID, your language and when you last wrote to me, "
        "so that I can answer you. Nothing is sold or used for advertising.\n"
        "Read more about your data and your rights: /privacy"
    )


async def start(message: Message, user: User, bot: Bot, i18n: I18n, settings: Settings,
                session: AsyncSession) -> None:
    if roles.is_admin(user.id, settings) or await roles.holds_any(session, user.id):
        await refresh_commands(bot, i18n, session, user.id, settings)
    if not users.is_onboarded(user):
        greeting = _(
            "Hello! I am the digital assistant of Norra Hisingen. "
            "I can tell you about local services and activities in your own language."
        )
        question = _("Which language do you want me to use?")
        await message.answer(f"{greeting}\n\n{question}",
                             reply_markup=language_markup())
        return
    welcome = _("Welcome back!")
    await message.answer(f"{welcome}\n\n{main_menu_text()}", reply_markup=main_menu_markup())


async def start_with_code(message: Message, command: CommandObject, user: User, bot: Bot, i18n: I18n,
                          settings: Settings, session: AsyncSession, clock: Clock, content: ContentStore,
                          state: FSMContext, poll_key: bytes) -> None:
    """/start <code>: a poll from a poster's link (poll-<id>[-<source>]), or an invite link: grant the role,
    say what it allows, then carry on like /start."""
    payload = command.args or ""
    if payload.startswith(POLL_PAYLOAD_PREFIX):
        await start_poll(message, payload, user, bot, i18n, settings, session, clock, content, state, poll_key)
        return
    name = invites.holder_name(message.from_user.full_name, message.from_user.username)
    redemption = await invites.redeem_invite(session, clock.now(), payload, user.id, name,
                                             roles.is_admin(user.id, settings))
    if redemption.outcome is not invites.Outcome.GRANTED:
        await message.answer(_invite_problem(redemption.outcome))
        await start(message, user, bot, i18n, settings, session)
        return
    if redemption.role == roles.STAFF:
        text = _("Welcome to the team! You are now staff in the Norra Hisingen assistant. "
                 "You can send announcements to residents with /announce.")
    else:
        group = invites.group_name(content.current.content, redemption.scope, i18n.current_locale)
        text = _("Welcome! You are now a member of the theme group <b>{group}</b>. When residents have answered "
                 "polls, you will be able to read the results here.").format(group=escape(group))
    if not users.is_onboarded(user):
        # The language question comes next; /start also shows the new commands.
        await message.answer(text)
        await start(message, user, bot, i18n, settings, session)
        return
    await message.answer(text, reply_markup=back_to_menu_markup())
    await refresh_commands(bot, i18n, session, user.id, settings)


async def start_poll(message: Message, payload: str, user: User, bot: Bot, i18n: I18n, settings: Settings,
                     session: AsyncSession, clock: Clock, content: ContentStore, state: FSMContext,
                     poll_key: bytes) -> None:
    parsed = parse_payload(payload)
    poll = await polls.get(session, parsed[0]) if parsed else None
    if parsed is None or poll is None:
        await message.answer(_("I could not find that poll. Here are the open ones: /polls"))
        await start(message, user, bot, i18n, settings, session)
        return
    if not users.is_onboarded(user):
        # The language (and the privacy notice) first; the poll follows the choice.
        await state.update_data(pending_poll=list(parsed))
        await start(message, user, bot, i18n, settings, session)
        return
    await show_poll(message, poll, user, session, settings, content, clock, poll_key, parsed[1] or polls.FROM_LINK)


def _invite_problem(outcome: invites.Outcome) -> str:
    if outcome is invites.Outcome.ADMIN:
        return _("You are an administrator, so you can already do everything this invite link allows. "
                 "I left it unused: it still works for the person it is meant for.")
    if outcome is invites.Outcome.ALREADY_HELD:
        return _("You already have the role this invite link gives, so I left it unused.")
    return _("This invite link is no longer valid. Ask the person who sent it for a new one.")


async def ask_language(message: Message) -> None:
    await message.answer(_("Which language do you want me to use?"), reply_markup=language_markup())


async def language_from_menu(callback: CallbackQuery) -> None:
    await reply(callback, _("Which language do you want me to use?"), language_markup())


async def language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageCallback,
    callback_answer: CallbackAnswer,
    user: User,
    i18n: I18n,
    clock: Clock,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    content: ContentStore,
    poll_key: bytes,
) -> None:
    if callback_data.code not in LANGUAGES:
        # Forged data: treat it like any stale button.
        await stale_button(callback, callback_answer)
        return
    if users.is_onboarded(user) and user.language == callback_data.code:
        # Nothing changes (a double tap, or the same language again): a quiet toast, no repeated messages.
        # The buttons are left alone: after a double tap the first press has already removed them.
        callback_answer.text = LANGUAGES[user.language]
        return
    first_time = await users.choose_language(user, callback_data.code, clock.now())
    # Everything from here on is in the newly chosen language.
    with i18n.use_locale(user.language):
        await remove_buttons(callback)
        confirmation = _("Done! From now on I will write to you in English.")
        if first_time:
            confirmation = f"{confirmation}\n\n{privacy_notice()}"
        await reply(callback, confirmation)
        pending = (await state.get_data()).get("pending_poll")
        poll = await polls.get(session, pending[0]) if first_time and pending else None
        if poll is not None:  # they came by a poster's link: the poll rather than the menu
            await state.update_data(pending_poll=None)
            await show_poll(callback, poll, user, session, settings, content, clock, poll_key,
                            pending[1] or polls.FROM_LINK)
        else:
            await reply(callback, main_menu_text(), main_menu_markup())
    callback_answer.text = LANGUAGES[user.language]


async def menu_pressed(callback: CallbackQuery) -> None:
    await reply(callback, main_menu_text(), main_menu_markup())


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    # An invite link's code first; a /start without one (or one from a reply keyboard) is the plain /start.
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(start, Command("polls"))  # reached only before the language choice (handlers/polls.py)
    router.message.register(ask_language, Command("language"))
    router.callback_query.register(language_chosen, LanguageCallback.filter())
    router.callback_query.register(language_from_menu, MenuCallback.filter(F.action == "language"))
    router.callback_query.register(menu_pressed, MenuCallback.filter(F.action == "menu"))
    return router
