"""/help and /privacy: what the bot does and what it stores, each with a way back to the menu."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.cards import CONTACT_CENTRE
from bot.commands import RESIDENT_COMMANDS
from bot.config import Settings
from bot.i18n import format_day, ngettext
from db.models import User
from handlers.common import reply
from handlers.menu import MenuCallback, back_to_menu_markup


def help_text() -> str:
    commands = "\n".join(f"/{spec.command} – {spec.description}" for spec in RESIDENT_COMMANDS)
    return "\n\n".join(
        (
            _(
                "I am the digital assistant of Norra Hisingen: Backa, Brunnsbo, Kärra, Rödbo, Tuve, "
                "Säve and the areas around them."
            ),
            commands,
            _("You can also just write your question in your own words, in your own language."),
            _("In an emergency, call 112. For other questions, the city's contact centre can help: {phone}.")
            .format(phone=CONTACT_CENTRE),
        )
    )


def privacy_text(user: User, settings: Settings) -> str:
    since = format_day(user.first_seen, user.language, settings.tz)
    months = settings.retention_inactive_days * 12 // 365
    return "\n\n".join(
        (
            _("<b>Your data</b>"),
            _(
                "The district administration of Norra Hisingen, City of Gothenburg, is responsible for this "
                "service."
            ),
            _(
                "What I store about you: your Telegram user ID, the language you chose, your area and quiet hours "
                "if you set them, when you first and last wrote to me, and when you accepted this notice. "
                "I need this to answer you in your language and to send you only what you asked for."
            ),
            _("If you ask for reminders or follow a kind of activity, I store that until you stop it (/reminders)."),
            _(
                "When you answer a poll, your answer is stored under a code made from your user ID with a secret "
                "key, together with your area and language, and nothing else. Theme groups see only totals, and "
                "groups of fewer than 5 people are hidden. A comment is stored without any link to you. If you "
                "use /forget, your answers stay in the totals but can no longer be linked to you."
            ),
            _(
                "I do not keep the messages you write to me. When I cannot answer a question, I keep the question "
                "for {days} days without your name or user ID, with phone numbers, e-mail addresses, personal "
                "identity numbers and names hidden, so that staff can add answers."
            ).format(days=settings.retention_questions_days),
            _("Messages sent to you (announcements) are listed for {days} days, then deleted.").format(
                days=settings.retention_outbox_days),
            ngettext(
                "If you do not write to me for {count} month, everything about you is deleted automatically.",
                "If you do not write to me for {count} months, everything about you is deleted automatically.",
                months,
            ).format(count=months),
            _(
                "Who can see what: staff of the district see only how many people use the service, by language "
                "and area, never who you are. It is never sold and never used for advertising. If you hold a "
                "staff role, the name on your Telegram account is stored with it and what you publish is logged."
            ),
            _("You have used this service since {date}.").format(date=since),
            _("See everything stored about you: /mydata. Delete all of it at once: /forget."),
            _("Questions about your data? Call the city's contact centre: {phone}.").format(phone=CONTACT_CENTRE),
        )
    )


async def show_help(message: Message) -> None:
    await message.answer(help_text(), reply_markup=back_to_menu_markup())


async def help_from_menu(callback: CallbackQuery) -> None:
    await reply(callback, help_text(), back_to_menu_markup())


async def show_privacy(message: Message, user: User, settings: Settings) -> None:
    await message.answer(privacy_text(user, settings), reply_markup=back_to_menu_markup())


async def privacy_from_menu(callback: CallbackQuery, user: User, settings: Settings) -> None:
    await reply(callback, privacy_text(user, settings), back_to_menu_markup())


def create_router() -> Router:
    router = Router(name="help")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_help, Command("help"))
    router.message.register(show_privacy, Command("privacy"))
    router.callback_query.register(help_from_menu, MenuCallback.filter(F.action == "help"))
    router.callback_query.register(privacy_from_menu, MenuCallback.filter(F.action == "privacy"))
    return router
