"""Telegram's content rules: text and caption limits, parse modes, reply markup, bot commands, coordinates."""

import re

from bot.emulator.errors import bad_request
from bot.emulator.html import HtmlParseError, parse_html

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_COMMANDS = 100
MAX_CALLBACK_ANSWER = 200

# A button needs exactly one of these.
INLINE_ACTIONS = tuple(
    "url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat "
    "switch_inline_query_chosen_chat copy_text callback_game pay".split()
)
URL_SCHEMES = ("http://", "https://", "tg://")
CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_BAD_MARKUP = "can't parse reply keyboard markup JSON object"


def render(text: str, parse_mode: str | None) -> str:
    """The plain text Telegram would show.

    Only HTML is parsed. "Markdown"/"MarkdownV2" are accepted but treated as plain text: the
    bot uses HTML, and a half-right Markdown parser would report errors Telegram does not.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            return parse_html(text)
        except HtmlParseError as error:
            raise bad_request(error.description.removeprefix("Bad Request: ")) from error
    if mode in ("", "markdown", "markdownv2"):
        return text
    raise bad_request("unsupported parse_mode")


def check_text(plain: str) -> None:
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")


def check_caption(plain: str) -> None:
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")


def is_inline(markup: dict | None) -> bool:
    return isinstance(markup, dict) and "inline_keyboard" in markup


def check_reply_markup(markup: dict, *, inline_only: bool = False) -> dict:
    """Validate one of the four reply markup kinds; edits accept only inline keyboards."""
    if is_inline(markup):
        _check_inline_keyboard(markup["inline_keyboard"])
    elif inline_only:
        raise bad_request(_BAD_MARKUP)
    elif "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
    elif markup.get("remove_keyboard") is not True and markup.get("force_reply") is not True:
        raise bad_request(_BAD_MARKUP)
    return markup


def _rows(keyboard: object) -> list[list]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(_BAD_MARKUP)
    return keyboard


def _check_inline_keyboard(keyboard: object) -> None:
    buttons = [button for row in _rows(keyboard) for button in row]
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        _check_inline_button(button)


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict):
        raise bad_request(_BAD_MARKUP)
    if not isinstance(button.get("text"), str) or not button["text"]:
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be a non-empty String')
    actions = [name for name in INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(f"can't parse inline keyboard button: only one of {', '.join(actions)} may be used")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.lower().startswith(URL_SCHEMES):
            raise bad_request("BUTTON_URL_INVALID")


def _check_reply_keyboard(keyboard: object) -> None:
    for button in (button for row in _rows(keyboard) for button in row):
        text = button.get("text") if isinstance(button, dict) else button
        if not isinstance(text, str) or not text:
            raise bad_request(_BAD_MARKUP)


def check_coordinates(latitude: float, longitude: float) -> None:
    if not -90 <= latitude <= 90:
        raise bad_request("wrong latitude")
    if not -180 <= longitude <= 180:
        raise bad_request("wrong longitude")


def check_commands(commands: list) -> list[dict]:
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse commands JSON object")
        if not isinstance(command.get("command"), str) or not _COMMAND.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": c["command"], "description": c["description"]} for c in commands]


def check_language_code(code: str | None) -> str:
    if code and not _LANGUAGE_CODE.fullmatch(code):
        raise bad_request("invalid language code specified")
    return code or ""


def scope_key(scope: dict | None) -> str:
    """A BotCommandScope as a short key: "default", "chat:<id>", "chat_member:<chat>:<user>", ..."""
    scope = scope or {"type": "default"}
    kind = scope.get("type")
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return kind
    if kind in ("chat", "chat_administrators") and "chat_id" in scope:
        return f"{kind}:{scope['chat_id']}"
    if kind == "chat_member" and "chat_id" in scope and "user_id" in scope:
        return f"chat_member:{scope['chat_id']}:{scope['user_id']}"
    raise bad_request("can't parse BotCommandScope JSON object")


def check_chat_action(action: str) -> None:
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
