"""One error handler: log the failure with its update id and apologise to the user in their language."""

import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n

from bot.i18n import locale_for

log = logging.getLogger(__name__)


async def apologise(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> None:
    update = event.update
    if isinstance(event.exception, TelegramForbiddenError):
        # They blocked the bot while we were answering; Telegram's my_chat_member update marks them inactive.
        log.info("update %s: the user has blocked the bot, nothing to say", update.update_id)
        return
    log.error("update %s failed", update.update_id, exc_info=event.exception)
    apology = i18n.gettext("Sorry, something went wrong on my side. Please try again in a moment.",
                           locale=locale_for(data, i18n.default_locale))
    # The apology itself must never raise: Telegram or the network may be the thing that failed.
    # Button presses were already answered by CallbackAnswerMiddleware, so the apology is a message.
    if update.callback_query:
        chat_id = update.callback_query.from_user.id
    elif update.message and update.message.chat.type == "private":
        chat_id = update.message.chat.id
    else:
        return
    try:
        await bot.send_message(chat_id, apology)
    except Exception:  # noqa: BLE001 - logged, and there is nobody left to tell
        log.warning("could not apologise for update %s", update.update_id, exc_info=True)


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(apologise)
    return router
