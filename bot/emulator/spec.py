"""Bot API method spec (trimmed copy in methods.json): required parameters and parameter types.

Parameters arrive as strings (query, form fields) or JSON values; ``validate_params`` turns them
into Python values the way the Bot API does: Integer/Float/Boolean parsed, arrays and objects
(reply_markup, commands, scope, entities, allowed_updates, ...) decoded from JSON strings.
"""

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.emulator.errors import ApiError, bad_request

SPEC_PATH = Path(__file__).with_name("methods.json")

# The methods the emulator implements; trim_spec.py keeps exactly these in methods.json.
IMPLEMENTED_METHODS = tuple(
    "getMe getUpdates deleteWebhook getWebhookInfo logOut close "
    "sendMessage editMessageText editMessageReplyMarkup editMessageCaption answerCallbackQuery "
    "deleteMessage sendPhoto sendDocument sendLocation sendVenue sendContact sendChatAction "
    "setMyCommands getMyCommands deleteMyCommands setChatMenuButton getFile".split()
)

# Telegram's own wording for some missing parameters; the rest get a generic text.
_MISSING = {"text": "message text is empty"}
# Telegram names some JSON parameters differently in its "can't parse" errors.
_JSON_LABELS = {"reply_markup": "reply keyboard markup"}
_INTEGER = re.compile(r"[+-]?\d+")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


@dataclass(frozen=True)
class UploadedFile:
    """A multipart part that carried a filename (an InputFile upload)."""

    filename: str
    content: bytes = field(repr=False)  # uploads can be megabytes; keep failure messages readable
    content_type: str | None = None


@functools.cache
def load_methods() -> dict[str, dict]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))["methods"]


@functools.cache
def _by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in load_methods()}


def canonical_method(name: str) -> str | None:
    """Bot API method names are case-insensitive: "SENDMESSAGE" -> "sendMessage"."""
    return _by_lower_name().get(name.lower())


def validate_params(method: str, raw: dict) -> dict:
    """Check and convert the parameters of ``method``; unknown parameters are kept as received."""
    params = dict(raw)
    for spec_field in load_methods()[method]["fields"]:
        name = spec_field["name"]
        value = raw.get(name)
        # The Bot API treats an empty string like an absent parameter.
        if value is None or value == "":
            params.pop(name, None)
            if spec_field["required"]:
                raise bad_request(_MISSING.get(name, f'parameter "{name}" is required'))
            continue
        params[name] = convert(name, spec_field["types"], value)
    return params


def convert(name: str, types: list[str], value: object) -> object:
    """Convert one parameter to the first of its spec types that accepts it."""
    for type_name in types:
        converted = _CONVERTERS.get(type_name, _convert_json)(type_name, value)
        if converted is not _REJECTED:
            return converted
    raise _type_error(name, types)


_REJECTED = object()


def _convert_integer(_type: str, value: object) -> object:
    if isinstance(value, bool):
        return _REJECTED
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return _REJECTED


def _convert_float(_type: str, value: object) -> object:
    if isinstance(value, bool):
        return _REJECTED
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return _REJECTED
    return number if number is not None and math.isfinite(number) else _REJECTED


def _convert_boolean(_type: str, value: object) -> object:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return _REJECTED


def _convert_string(_type: str, value: object) -> object:
    # JSON bodies may carry numbers where the spec says String; Telegram accepts them.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return _REJECTED


def _convert_input_file(_type: str, value: object) -> object:
    return value if isinstance(value, UploadedFile) else _REJECTED


def _convert_json(type_name: str, value: object) -> object:
    """Arrays and objects: JSON values, or JSON text inside a form field."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return _REJECTED
    wanted = list if type_name.startswith("Array of") else dict
    return value if isinstance(value, wanted) else _REJECTED


_CONVERTERS = {
    "Integer": _convert_integer,
    "Float": _convert_float,
    "Boolean": _convert_boolean,
    "String": _convert_string,
    "InputFile": _convert_input_file,
}


def _type_error(name: str, types: list[str]) -> ApiError:
    if all(type_name in _CONVERTERS for type_name in types):
        return bad_request(f'parameter "{name}" must be of type {" or ".join(types)}')
    label = _JSON_LABELS.get(name, name.replace("_", " "))
    return bad_request(f"can't parse {label} JSON object")
