"""Deep links and QR codes that open a poll in the bot, for posters at a library or a youth centre.

A link is https://t.me/<bot>?start=poll-<id>[-<source>]. The optional source tag says where the link was put up
("backa_bibliotek"), so a theme group can see which poster brought answers. Telegram passes a start payload of at
most 64 characters of A-Z a-z 0-9 _ -, so a source is folded to lower-case ASCII (å → a, ö → o, spaces → _) and
cut to 32 characters; payloads are parsed strictly and anything we would not have made is ignored.
"""

import io
import re

from bot.textnorm import normalise

PREFIX = "poll"
PAYLOAD_LIMIT = 64  # Telegram's limit for a start payload
SOURCE_LIMIT = 32
# Poll ids are a 32-bit INTEGER column on PostgreSQL: a larger id in a forged link must not reach a query.
MAX_POLL_ID = 2**31 - 1

_NOT_SOURCE = re.compile(r"[^a-z0-9_]")
_PAYLOAD = re.compile(rf"{PREFIX}-([1-9][0-9]{{0,9}})(?:-([a-z0-9_]{{1,{SOURCE_LIMIT}}}))?")


def normalise_source(text: str) -> str:
    """"Fritidsgård Tuve" → "fritidsgard_tuve"; letters without a Latin form (Arabic script) are dropped."""
    # normalise() folds case and diacritics (å ä ö é đ ø …) and turns punctuation and "_" into spaces.
    words = [_NOT_SOURCE.sub("", word) for word in normalise(text).split()]
    return "_".join(word for word in words if word)[:SOURCE_LIMIT].strip("_")


def start_payload(poll_id: int, source: str = "") -> str:
    """"poll-12" or "poll-12-backa_bibliotek"."""
    if not 0 < poll_id <= MAX_POLL_ID:
        raise ValueError(f"no poll id {poll_id}")
    tag = normalise_source(source)
    return f"{PREFIX}-{poll_id}-{tag}" if tag else f"{PREFIX}-{poll_id}"


def parse_payload(payload: str) -> tuple[int, str] | None:
    """(poll id, source tag) of a payload made by `start_payload`; None for anything else."""
    if not isinstance(payload, str) or len(payload) > PAYLOAD_LIMIT:
        return None
    match = _PAYLOAD.fullmatch(payload)
    if match is None:
        return None
    poll_id, tag = int(match.group(1)), match.group(2) or ""
    if poll_id > MAX_POLL_ID or tag != normalise_source(tag):  # "poll-1-__" is not a tag we make
        return None
    return poll_id, tag


def deep_link(bot_username: str, poll_id: int, source: str = "") -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={start_payload(poll_id, source)}"


def qr_png(url: str) -> bytes:
    """A QR code of `url` as PNG, large enough to print on an A4 poster and still scan from a step or two away.

    Error correction M survives a little dirt or a staple; the 4-module white border is the quiet zone that
    scanners need around the code."""
    import qrcode
    from qrcode.image.pil import PilImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4,
                         image_factory=PilImage)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
