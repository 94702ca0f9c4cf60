"""The least a bot can do for a button press: aiogram long-polling the emulator, answering each press at once.

No database, no middlewares, no translations: bench/polls.py times this bot under the same presses as the real
one, so the figures show what part of a vote's time is ours and what any aiogram bot on this machine pays.
Run by bench/polls.py as `python bench/floor_bot.py <emulator url> <token>`; a message gets one button back.
"""

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

BUTTON = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Ja", callback_data="pv:0:0")]])


async def main(url: str, token: str) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def offer(message: Message) -> None:
        await message.answer("Fråga", reply_markup=BUTTON)

    @dispatcher.callback_query()
    async def pressed(callback: CallbackQuery) -> None:
        await callback.answer("Tack!")

    await dispatcher.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
