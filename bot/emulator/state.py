"""The emulated Telegram world (users, chats, messages, updates) and the Telegram objects built from it."""

import logging
import mimetypes
from collections import defaultdict, deque
from collections.abc import Callable

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.models import ApiCall, BotMessage
from bot.emulator.ratelimit import RateLimiter
from bot.emulator.rules import is_inline
from bot.emulator.updates import ChangeSignal, UpdateQueue

log = logging.getLogger(__name__)

PHOTO_SIZE = (800, 600)  # uploads are not decoded; every photo reports this size


class EmulatorState:
    """State shared by the Bot API side (methods.py) and the user side (users.py)."""

    def __init__(
        self,
        *,
        token: str,
        bot_id: int,
        bot_username: str,
        chat_rate: float | None,
        chat_burst: int,
        global_rate: float | None,
        global_burst: int,
        monotonic: Callable[[], float],
    ) -> None:
        self.token = token
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Norra Hisingen",
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, dict] = {}
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.menu_buttons: dict[int | None, dict] = {}  # None = the default for all chats
        self._users: dict[int, dict] = {}
        self._blocked: set[int] = set()
        self._last_message_id: dict[int, int] = defaultdict(int)
        self._bot_messages: dict[int, list[BotMessage]] = defaultdict(list)
        self._user_messages: dict[tuple[int, int], dict] = {}
        self._open_queries: dict[str, dict] = {}  # callback queries not answered yet
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)  # answer late, after doing the work
        self._files: dict[str, tuple[bytes, str]] = {}  # file_id → (content, file_path), sent by users
        self._listeners: list[Callable[[BotMessage], None]] = []
        self._signal = ChangeSignal()
        self._updates = UpdateQueue(self._signal)
        self._limiter = RateLimiter(
            chat_rate=chat_rate,
            chat_burst=chat_burst,
            global_rate=global_rate,
            global_burst=global_burst,
            monotonic=monotonic,
        )

    # --- chats -------------------------------------------------------------------------------

    def _chat(self, chat_id: object) -> dict:
        """The private chat with a known user; only those exist in the emulator."""
        if not isinstance(chat_id, int) or chat_id not in self._users:
            raise bad_request("chat not found")
        user = self._users[chat_id]
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def _check_not_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", expected=True)

    def _throttle(self, chat_id: int) -> None:
        retry_after = self._limiter.acquire(chat_id)
        if retry_after:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def _next_message_id(self, chat_id: int) -> int:
        # One sequence per chat, shared by the user's and the bot's messages, like Telegram.
        self._last_message_id[chat_id] += 1
        return self._last_message_id[chat_id]

    # --- bot messages ------------------------------------------------------------------------

    def _publish(self, message: BotMessage, *, new: bool) -> dict:
        if new:
            self._bot_messages[message.chat_id].append(message)
        for listener in self._listeners:
            try:
                listener(message)
            except Exception:  # a broken demo printer must not fail the bot's API call
                log.exception("bot message listener failed")
        self._signal.fire()
        return self.message_dict(message)

    def _find_bot_message(self, chat_id: int, message_id: int) -> BotMessage | None:
        for message in self._bot_messages.get(chat_id, ()):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def message_dict(self, message: BotMessage) -> dict:
        """The Telegram Message object for a bot message, in its current state."""
        result: dict = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self._chat(message.chat_id),
            "date": message.date,
        }
        if message.edited:
            result["edit_date"] = message.edit_date
        if message.photo is not None:
            result["photo"] = [self._photo_size(message)]
        if message.document is not None:
            result["document"] = self._document(message)
        if message.venue is not None:
            result["venue"] = message.venue
        if message.contact is not None:
            result["contact"] = message.contact
        if message.location is not None:
            result["location"] = {"latitude": message.location[0], "longitude": message.location[1]}
        if message.text is not None:
            result["caption" if message.is_media else "text"] = message.text
        if is_inline(message.reply_markup):
            result["reply_markup"] = message.reply_markup
        return result

    @staticmethod
    def _file_ids(message: BotMessage, kind: str) -> dict:
        return {
            "file_id": f"emu-{kind}-{message.chat_id}-{message.message_id}",
            "file_unique_id": f"u{kind}{message.chat_id}x{message.message_id}",
        }

    def _photo_size(self, message: BotMessage) -> dict:
        size = self._file_ids(message, "photo") | {"width": PHOTO_SIZE[0], "height": PHOTO_SIZE[1]}
        if isinstance(message.photo, bytes):
            size["file_size"] = len(message.photo)
        return size

    def _document(self, message: BotMessage) -> dict:
        document = self._file_ids(message, "document")
        if message.filename:
            document["file_name"] = message.filename
            document["mime_type"] = mimetypes.guess_type(message.filename)[0] or "application/octet-stream"
        if isinstance(message.document, bytes):
            document["file_size"] = len(message.document)
        return document
