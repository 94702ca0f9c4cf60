"""/news for residents: the latest announcements meant for them; and the "Swedish original" button."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import announcements
from bot.announcements import SOURCE, Draft, OriginalCallback
from bot.config import Settings
from db.models import User
from handlers.common import reply
from handlers.menu import MenuCallback, back_to_menu_markup


async def news_texts(session: AsyncSession, user: User, settings: Settings, i18n: I18n) -> list[str]:
    items = await announcements.news_for(session, user)
    if not items:
        return [_("No news yet. When the district sends news, you will find it here too.")]
    return announcements.news_messages(items, user.language, settings.tz, i18n)


async def show_news(message: Message, session: AsyncSession, user: User, settings: Settings, i18n: I18n) -> None:
    texts = await news_texts(session, user, settings, i18n)
    for number, text in enumerate(texts, start=1):
        await message.answer(text, reply_markup=back_to_menu_markup() if number == len(texts) else None)


async def news_from_menu(callback: CallbackQuery, session: AsyncSession, user: User, settings: Settings,
                         i18n: I18n) -> None:
    texts = await news_texts(session, user, settings, i18n)
    for number, text in enumerate(texts, start=1):
        await reply(callback, text, back_to_menu_markup() if number == len(texts) else None)


async def show_original(callback: CallbackQuery, callback_data: OriginalCallback, session: AsyncSession,
                        state: FSMContext, callback_answer: CallbackAnswer) -> None:
    if callback_data.announcement == 0:
        # A staff member's preview: the announcement is not stored yet, its draft is in their wizard.
        original = Draft.from_dict((await state.get_data()).get("draft")).texts.get(SOURCE)
    else:
        original = await announcements.sent_original(session, callback_data.announcement)
    if original is None:
        callback_answer.text = _("This message is no longer available.")
        return
    await reply(callback, original, back_to_menu_markup())


def create_router() -> Router:
    router = Router(name="news")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_news, Command("news"))
    router.callback_query.register(news_from_menu, MenuCallback.filter(F.action == "news"))
    router.callback_query.register(show_original, OriginalCallback.filter())
    return router
