"""The Bot API methods the emulator implements, with Telegram's checks and error texts.

Handlers get parameters already checked against the spec (spec.py) and return the ``result``.
Content is checked before the chat, as the real server does, so bad HTML to an unknown or
blocked chat is still reported as bad HTML.
"""

import posixpath
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from bot.emulator import rules
from bot.emulator.errors import bad_request
from bot.emulator.models import BotMessage
from bot.emulator.spec import UploadedFile
from bot.emulator.state import EmulatorState

Handler = Callable[[EmulatorState, dict], Awaitable[object]]
HANDLERS: dict[str, Handler] = {}

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bots may download files of up to 20 MB
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


def handles(method: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[method] = handler
        return handler

    return register


def _mode(parse_mode: str | None) -> str:
    return (parse_mode or "").lower()


class ApiMethods(EmulatorState):
    """Bot API handlers; registered in HANDLERS by method name."""

    # --- bot and updates ---------------------------------------------------------------------

    @handles("getMe")
    async def _get_me(self, p: dict) -> dict:
        return self.bot_user

    @handles("getUpdates")
    async def _get_updates(self, p: dict) -> list[dict]:
        return await self._updates.get(
            offset=p.get("offset", 0),
            limit=p.get("limit", 100),
            timeout=p.get("timeout", 0),
            allowed_updates=p.get("allowed_updates"),
        )

    @handles("deleteWebhook")
    async def _delete_webhook(self, p: dict) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    @handles("getWebhookInfo")
    async def _get_webhook_info(self, p: dict) -> dict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    @handles("logOut")
    @handles("close")
    async def _ok(self, p: dict) -> bool:
        return True

    # --- sending -----------------------------------------------------------------------------

    def _reply_markup(self, p: dict, *, inline_only: bool = False) -> dict | None:
        markup = p.get("reply_markup")
        return None if markup is None else rules.check_reply_markup(markup, inline_only=inline_only)

    def _caption(self, p: dict) -> str | None:
        if "caption" not in p:
            return None
        plain = rules.render(p["caption"], p.get("parse_mode"))
        rules.check_caption(plain)
        return plain

    def _new_message(self, p: dict, method: str, **content: object) -> dict:
        """Deliver a bot message to ``p["chat_id"]`` after the chat, block and flood checks."""
        chat_id = self._chat(p["chat_id"])["id"]
        self._check_not_blocked(chat_id)
        self._throttle(chat_id)
        message = BotMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            method=method,
            parse_mode=p.get("parse_mode"),
            date=int(time.time()),
            **content,
        )
        return self._publish(message, new=True)

    @handles("sendMessage")
    async def _send_message(self, p: dict) -> dict:
        plain = rules.render(p["text"], p.get("parse_mode"))
        rules.check_text(plain)
        markup = self._reply_markup(p)
        return self._new_message(p, "sendMessage", text=plain, html=p["text"], reply_markup=markup)

    @handles("sendPhoto")
    async def _send_photo(self, p: dict) -> dict:
        return self._send_file(p, "sendPhoto", "photo")

    @handles("sendDocument")
    async def _send_document(self, p: dict) -> dict:
        return self._send_file(p, "sendDocument", "document")

    def _send_file(self, p: dict, method: str, kind: str) -> dict:
        caption = self._caption(p)
        markup = self._reply_markup(p)
        content, filename = _file_content(p[kind], kind)
        return self._new_message(
            p,
            method,
            text=caption,
            html=p.get("caption"),
            reply_markup=markup,
            filename=filename,
            **{kind: content},
        )

    @handles("sendLocation")
    async def _send_location(self, p: dict) -> dict:
        rules.check_coordinates(p["latitude"], p["longitude"])
        markup = self._reply_markup(p)
        location = (p["latitude"], p["longitude"])
        return self._new_message(p, "sendLocation", text=None, html=None, reply_markup=markup, location=location)

    @handles("sendVenue")
    async def _send_venue(self, p: dict) -> dict:
        rules.check_coordinates(p["latitude"], p["longitude"])
        markup = self._reply_markup(p)
        venue = {
            "location": {"latitude": p["latitude"], "longitude": p["longitude"]},
            "title": p["title"],
            "address": p["address"],
        }
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if key in p:
                venue[key] = p[key]
        location = (p["latitude"], p["longitude"])
        return self._new_message(
            p, "sendVenue", text=None, html=None, reply_markup=markup, location=location, venue=venue
        )

    @handles("sendContact")
    async def _send_contact(self, p: dict) -> dict:
        contact = {"phone_number": p["phone_number"], "first_name": p["first_name"]}
        if "last_name" in p:
            contact["last_name"] = p["last_name"]
        markup = self._reply_markup(p)
        return self._new_message(p, "sendContact", text=None, html=None, reply_markup=markup, contact=contact)

    @handles("sendChatAction")
    async def _send_chat_action(self, p: dict) -> bool:
        # A chat action is not a message, so it is not flood-limited.
        rules.check_chat_action(p["action"])
        chat_id = self._chat(p["chat_id"])["id"]
        self._check_not_blocked(chat_id)
        return True

    # --- editing and deleting ----------------------------------------------------------------

    def _message_to_edit(self, p: dict) -> BotMessage:
        if "chat_id" not in p or "message_id" not in p:
            # inline_message_id (inline mode) is not emulated.
            raise bad_request("message to edit not found")
        chat_id = self._chat(p["chat_id"])["id"]
        message = self._find_bot_message(chat_id, p["message_id"])
        if message is not None:
            return message
        if (chat_id, p["message_id"]) in self._user_messages:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")

    def _apply_edit(self, message: BotMessage, **changes: object) -> dict:
        self._throttle(message.chat_id)
        for name, value in changes.items():
            setattr(message, name, value)
        message.edited = True
        message.edit_date = int(time.time())
        return self._publish(message, new=False)

    @handles("editMessageText")
    async def _edit_message_text(self, p: dict) -> dict:
        text = p.get("text")
        if not text:
            raise bad_request("message text is empty")
        plain = rules.render(text, p.get("parse_mode"))
        rules.check_text(plain)
        markup = self._reply_markup(p, inline_only=True)
        message = self._message_to_edit(p)
        if message.text is None or message.is_media:
            raise bad_request("there is no text in the message to edit")
        _check_modified(message, text, p.get("parse_mode"), markup)
        return self._apply_edit(message, text=plain, html=text, parse_mode=p.get("parse_mode"), reply_markup=markup)

    @handles("editMessageCaption")
    async def _edit_message_caption(self, p: dict) -> dict:
        caption = self._caption(p)
        markup = self._reply_markup(p, inline_only=True)
        message = self._message_to_edit(p)
        if not message.is_media:
            raise bad_request("there is no caption in the message to edit")
        _check_modified(message, p.get("caption"), p.get("parse_mode"), markup)
        return self._apply_edit(
            message, text=caption, html=p.get("caption"), parse_mode=p.get("parse_mode"), reply_markup=markup
        )

    @handles("editMessageReplyMarkup")
    async def _edit_message_reply_markup(self, p: dict) -> dict:
        markup = self._reply_markup(p, inline_only=True)
        message = self._message_to_edit(p)
        _check_modified(message, message.html, message.parse_mode, markup)
        return self._apply_edit(message, reply_markup=markup)

    @handles("deleteMessage")
    async def _delete_message(self, p: dict) -> bool:
        chat_id = self._chat(p["chat_id"])["id"]
        message = self._find_bot_message(chat_id, p["message_id"])
        if message is not None:
            message.deleted = True
            self._signal.fire()  # listeners are not told: a demo would print the message again
            return True
        # In a private chat the bot may also delete the user's messages.
        if self._user_messages.pop((chat_id, p["message_id"]), None) is not None:
            return True
        raise bad_request("message to delete not found")

    # --- callback queries --------------------------------------------------------------------

    @handles("answerCallbackQuery")
    async def _answer_callback_query(self, p: dict) -> bool:
        query_id = p["callback_query_id"]
        if query_id not in self._open_queries:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(p.get("text", "")) > rules.MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._open_queries[query_id]
        self.callback_answers[query_id] = p
        self._signal.fire()
        return True

    # --- commands and menu -------------------------------------------------------------------

    def _commands_key(self, p: dict) -> tuple[str, str]:
        language = rules.check_language_code(p.get("language_code"))
        return rules.scope_key(p.get("scope")), language

    @handles("getFile")
    async def _get_file(self, p: dict) -> dict:
        if p["file_id"] not in self._files:
            raise bad_request("invalid file_id")
        content, path = self._files[p["file_id"]]
        if len(content) > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {"file_id": p["file_id"], "file_unique_id": f"u{p['file_id']}", "file_size": len(content),
                "file_path": path}

    def file_content(self, path: str) -> bytes | None:
        """The bytes behind a file_path that getFile gave out (served by the /file/ route)."""
        return next((content for content, known in self._files.values() if known == path), None)

    @handles("setMyCommands")
    async def _set_my_commands(self, p: dict) -> bool:
        key = self._commands_key(p)
        commands = rules.check_commands(p["commands"])
        if commands:
            self.commands[key] = commands
        else:
            self.commands.pop(key, None)  # an empty list clears, like deleteMyCommands
        return True

    @handles("getMyCommands")
    async def _get_my_commands(self, p: dict) -> list[dict]:
        return self.commands.get(self._commands_key(p), [])

    @handles("deleteMyCommands")
    async def _delete_my_commands(self, p: dict) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    @handles("setChatMenuButton")
    async def _set_chat_menu_button(self, p: dict) -> bool:
        chat_id = self._chat(p["chat_id"])["id"] if "chat_id" in p else None
        button = p.get("menu_button", {"type": "default"})
        if button.get("type") not in ("commands", "web_app", "default"):
            raise bad_request("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True


def _check_modified(message: BotMessage, html: str | None, parse_mode: str | None, markup: dict | None) -> None:
    current_markup = message.reply_markup if rules.is_inline(message.reply_markup) else None
    same_content = message.html == html and _mode(message.parse_mode) == _mode(parse_mode)
    if same_content and current_markup == markup:
        raise bad_request(NOT_MODIFIED)


def _file_content(value: UploadedFile | str, kind: str) -> tuple[bytes | str, str | None]:
    """(bytes or file_id/URL, filename) for a photo or document parameter."""
    if isinstance(value, UploadedFile):
        if not value.content:
            raise bad_request("file must be non-empty")
        return value.content, value.filename
    if "://" in value:
        if not value.lower().startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        name = posixpath.basename(urlparse(value).path)
        return value, (name or None) if kind == "document" else None
    return value, None
