"""Local Telegram Bot API emulator: run the real bot against it in tests and the terminal demo.

It speaks the Bot API over HTTP like api.telegram.org and enforces Telegram's rules (HTML,
lengths, callback_data, flood limits), so a request Telegram would refuse fails the same way
and is listed in ``TelegramEmulator.rejections``.
"""

from bot.emulator.html import HtmlParseError, parse_html
from bot.emulator.models import ApiCall, BotMessage
from bot.emulator.server import TelegramEmulator

__all__ = ["ApiCall", "BotMessage", "HtmlParseError", "TelegramEmulator", "parse_html"]
