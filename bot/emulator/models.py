"""What the emulator records: the bot's messages (current state) and every API call."""

from dataclasses import dataclass


@dataclass
class BotMessage:
    """A message the bot sent, as it is now (after edits and deletion)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None  # plain text after parsing; the caption for media
    html: str | None  # raw text/caption as sent
    parse_mode: str | None
    reply_markup: dict | None
    photo: bytes | str | None = None  # uploaded bytes, or the file_id/URL string sent
    document: bytes | str | None = None
    filename: str | None = None
    location: tuple[float, float] | None = None
    venue: dict | None = None
    contact: dict | None = None
    edited: bool = False
    deleted: bool = False
    date: int = 0
    edit_date: int = 0  # unix time of the last edit

    def inline_buttons(self) -> list[dict]:
        """All inline keyboard buttons, row by row; [] without an inline keyboard."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def is_media(self) -> bool:
        return self.photo is not None or self.document is not None


@dataclass
class ApiCall:
    """One Bot API request and the emulator's answer."""

    method: str
    params: dict  # typed (JSON decoded) when the parameters passed spec validation, else as received
    ok: bool
    status: int
    description: str | None
    result: object
    expected: bool = False  # a failure the test provoked (fail_next, block_bot) or a normal 409
