"""The user side of the emulator: people writing to the bot, pressing buttons, blocking it."""

import itertools
import time

from bot.emulator.state import EmulatorState

_query_ids = itertools.count(4_000_000_000_000_000_001)


def _extension(file_name: str) -> str:
    suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else ""
    return f".{suffix}" if suffix.isalnum() else ""


def _utf16_length(text: str) -> int:
    # Telegram measures entity offsets and lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[dict]:
    """The bot_command entity Telegram adds when a message starts with "/command"."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": _utf16_length(command)}]


class UserActions(EmulatorState):
    """Queues the updates Telegram would send the bot when users act."""

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "sv",
        username: str | None = None,
        last_name: str | None = None,
    ) -> dict:
        """The Telegram User; adding a user who already exists returns the existing one."""
        if user_id not in self._users:
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            optional = {"last_name": last_name, "username": username, "language_code": language_code}
            user.update({key: value for key, value in optional.items() if value is not None})
            self._users[user_id] = user
        return self._users[user_id]

    def add_file(self, data: bytes, file_name: str, mime_type: str = "text/csv") -> dict:
        """A file a user is about to send: the Document to pass as ``send_message(user, document=...)``.

        The bot can then fetch it with getFile and download it from /file/bot<token>/<file_path>.
        """
        number = len(self._files) + 1
        file_id = f"emu-upload-{number}"
        self._files[file_id] = (data, f"documents/file_{number}{_extension(file_name)}")
        return {"file_id": file_id, "file_unique_id": f"uupload{number}", "file_name": file_name,
                "mime_type": mime_type, "file_size": len(data)}

    def push_update(self, update: dict) -> int:
        """Queue a raw update; update_id is assigned when missing."""
        return self._updates.push(update)

    def send_text(self, user_id: int, text: str, entities: list | None = None) -> dict:
        """The user writes ``text`` in their private chat with the bot; returns the Message."""
        entities = _command_entities(text) if entities is None else entities
        content: dict = {"text": text}
        if entities:
            content["entities"] = entities
        return self.send_message(user_id, **content)

    def send_message(self, user_id: int, **content: object) -> dict:
        """The user sends any content (sticker=..., photo=[...], location=..., contact=..., ...)."""
        user = self.add_user(user_id)
        chat = self._chat(user_id)
        message = {
            "message_id": self._next_message_id(user_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        self._user_messages[(user_id, message["message_id"])] = message
        self.push_update({"message": message})
        return message

    def edit_user_message(self, user_id: int, message_id: int, text: str) -> dict:
        """The user edits one of their text messages; queues an ``edited_message`` update."""
        key = (user_id, message_id)
        if key not in self._user_messages:
            raise LookupError(f"user {user_id} has no message {message_id}")
        message = self._user_messages[key] | {"text": text, "edit_date": int(time.time())}
        message.pop("entities", None)
        if entities := _command_entities(text):
            message["entities"] = entities
        self._user_messages[key] = message
        self.push_update({"edited_message": message})
        return message

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user presses an inline button with ``callback_data`` under a bot message.

        The data is not checked against the keyboard, so tests can forge it. Returns the query id.
        """
        user = self.add_user(user_id)
        bot_message = next((m for m in self._bot_messages.get(user_id, ()) if m.message_id == message_id), None)
        if bot_message is None:
            raise LookupError(f"the bot has no message {message_id} in chat {user_id}")
        query_id = str(next(_query_ids))
        query = {
            "id": query_id,
            "from": user,
            "message": self.message_dict(bot_message),
            "chat_instance": str(user_id * 7919 % 1_000_000_007),
            "data": callback_data,
        }
        self._open_queries[query_id] = query
        self.push_update({"callback_query": query})
        return query_id

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: later sends get 403, and the bot is told via my_chat_member."""
        self._blocked.add(user_id)
        self._push_membership(user_id, old="member", new="kicked")

    def unblock_bot(self, user_id: int) -> None:
        self._blocked.discard(user_id)
        self._push_membership(user_id, old="kicked", new="member")

    def _push_membership(self, user_id: int, *, old: str, new: str) -> None:
        user = self.add_user(user_id)
        self.push_update(
            {
                "my_chat_member": {
                    "chat": self._chat(user_id),
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": self._member(old),
                    "new_chat_member": self._member(new),
                }
            }
        )

    def _member(self, status: str) -> dict:
        member = {"status": status, "user": self.bot_user}
        if status == "kicked":
            member["until_date"] = 0  # forever
        return member
