"""/mydata shows everything stored about the resident; /forget deletes it after one confirmation."""

import json
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import privacy
from db.models import User
from handlers.common import remove_buttons, reply
from handlers.menu import back_to_menu_markup


class ForgetCallback(CallbackData, prefix="forget"):
    confirm: bool


async def my_data(message: Message, user: User, session: AsyncSession, poll_key: bytes) -> None:
    data = await privacy.stored_about(session, user, poll_key)
    lines = [_("<b>Everything I store about you</b>")]
    lines += [f"{escape(key)}: {escape(json.dumps(value, ensure_ascii=False))}" for key, value in data.items()]
    lines.append(_("Delete all of it with /forget."))
    await message.answer("\n".join(lines), reply_markup=back_to_menu_markup())
    document = BufferedInputFile(json.dumps(data, ensure_ascii=False, indent=2).encode(), filename="my-data.json")
    await message.answer_document(document)


async def ask_to_forget(message: Message) -> None:
    buttons = [[
        InlineKeyboardButton(text=_("🗑 Yes, delete everything"), callback_data=ForgetCallback(confirm=True).pack()),
        InlineKeyboardButton(text=_("No, keep it"), callback_data=ForgetCallback(confirm=False).pack()),
    ]]
    await message.answer(_("Do you want me to delete everything I store about you? This cannot be undone."),
                         reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


async def forget_answered(callback: CallbackQuery, callback_data: ForgetCallback, session: AsyncSession,
                          state: FSMContext, poll_key: bytes) -> None:
    await remove_buttons(callback)
    if not callback_data.confirm:
        await reply(callback, _("Nothing was deleted."), back_to_menu_markup())
        return
    await privacy.forget(session, callback.from_user.id, poll_key)
    await state.clear()
    await reply(callback, _("Everything I stored about you is deleted. If you write /start, we begin from nothing."))


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(F.chat.type == "private")
    router.message.register(my_data, Command("mydata"))
    router.message.register(ask_to_forget, Command("forget"))
    router.callback_query.register(forget_answered, ForgetCallback.filter())
    return router
