"""Small helpers shared by handlers: replying to a button press and removing spent buttons safely."""

from collections import OrderedDict
from contextlib import suppress

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def reply(callback: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message:
    """Answer a button press with a new message in the presser's private chat.

    The pressed message may be too old for Telegram to show us (InaccessibleMessage), so the
    chat is taken from the presser, which is the same chat in a private conversation.
    """
    return await callback.bot.send_message(callback.from_user.id, text, reply_markup=reply_markup)


# Keyboards already taken off, newest last. A double tap carries the old keyboard in its snapshot of the
# message, and editing it again would be refused ("message is not modified"); one process polls, so a
# bounded in-memory record is enough.
_REMOVED: OrderedDict[tuple[int, int], None] = OrderedDict()
_REMEMBER = 10_000


async def remove_buttons(callback: CallbackQuery) -> None:
    """Take the keyboard off a message whose choice is made; a double tap finds it already gone."""
    if not isinstance(callback.message, Message) or callback.message.reply_markup is None:
        return
    key = (callback.message.chat.id, callback.message.message_id)
    if key in _REMOVED:
        return
    _REMOVED[key] = None
    if len(_REMOVED) > _REMEMBER:
        _REMOVED.popitem(last=False)
    with suppress(TelegramBadRequest):  # removed by another instance, or the message is too old to edit
        await callback.message.edit_reply_markup(reply_markup=None)
