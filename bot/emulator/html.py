"""Telegram's HTML parse mode: validates markup the way the Bot API does and returns the plain text.

The rules follow https://core.telegram.org/bots/api#html-style and the official parser
(tdlib, td/telegram/MessageEntity.cpp, ``parse_html``), with two deliberate differences that
make the emulator stricter than the real server, so bot bugs show up in tests:

* In text, a ``&`` that does not start ``&lt; &gt; &amp; &quot; &#NNN; &#xHH;`` and a bare ``>``
  are errors. The documentation says they "must be replaced", but the real server silently keeps
  them as text; in a bot they almost always mean user input that was not escaped.
* ``<a>`` needs ``href`` and ``<tg-emoji>`` needs ``emoji-id``.

Inside quoted attribute values a lone ``&`` is kept as text, like the real server does, because
aiogram's ``html.link()`` puts URLs (with their ``&``) into ``href`` unescaped.
"""

import re

ALLOWED_TAGS = frozenset(
    "b strong i em u ins s strike del a code pre blockquote tg-spoiler span tg-emoji tg-time".split()
)
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Attributes that may appear without "=value" (HTML "flags").
VALUELESS_ATTRIBUTES = {"blockquote": {"expandable"}}

_PLAIN_RUN = re.compile(r"[^<>&]+")
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z]{1,10}));")
_TAG_NAME = re.compile(r"[^\s>]*")
_ATTRIBUTE_NAME = re.compile(r"[^\s=>]*")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_SPACES = re.compile(r"\s*")


class HtmlParseError(ValueError):
    """Markup Telegram would refuse; ``description`` is the Bot API error text."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.description = f"Bad Request: can't parse entities: {reason}"
        super().__init__(self.description)


def parse_html(source: str) -> str:
    """Return the text Telegram would show for ``source`` in HTML parse mode, or raise HtmlParseError."""
    return _Parser(source).run()


def decode_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at ``source[pos] == "&"``: (character, end index) or None."""
    match = _ENTITY.match(source, pos)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = NAMED_ENTITIES.get(name)
        return (char, match.end()) if char is not None else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    # Zero, surrogates and values beyond Unicode are not characters.
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return None
    return chr(code), match.end()


class _Parser:
    """One pass over the markup; ``open_tags`` is the stack of (name, index) not closed yet."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.open_tags: list[tuple[str, int]] = []

    def run(self) -> str:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "<":
                self._tag()
            elif char == "&":
                self._entity()
            elif char == ">":
                raise self._error('Unescaped ">" (use "&gt;")', self.pos)
            else:
                run = _PLAIN_RUN.match(self.src, self.pos)
                self.out.append(run.group())
                self.pos = run.end()
        if self.open_tags:
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{self.open_tags[-1][0]}"')
        return "".join(self.out)

    def _byte_offset(self, index: int) -> int:
        # Telegram reports positions in UTF-8 bytes, not characters.
        return len(self.src[:index].encode("utf-8"))

    def _error(self, reason: str, index: int) -> HtmlParseError:
        return HtmlParseError(f"{reason} at byte offset {self._byte_offset(index)}")

    def _entity(self) -> None:
        decoded = decode_entity(self.src, self.pos)
        if decoded is None:
            known_shape = _ENTITY.match(self.src, self.pos)
            if known_shape:
                raise self._error(f'Unsupported HTML entity "{known_shape.group()}"', self.pos)
            raise self._error("Can't find end of the entity starting", self.pos)
        char, self.pos = decoded
        self.out.append(char)

    def _tag(self) -> None:
        if self.src.startswith("</", self.pos):
            self._end_tag()
        else:
            self._start_tag()

    def _skip_spaces(self) -> None:
        self.pos = _SPACES.match(self.src, self.pos).end()

    def _start_tag(self) -> None:
        begin = self.pos
        name_match = _TAG_NAME.match(self.src, begin + 1)
        self.pos = name_match.end()
        if self.pos >= len(self.src):
            raise self._error("Unclosed start tag", begin)
        name = name_match.group().lower()
        if name not in ALLOWED_TAGS:
            raise self._error(f'Unsupported start tag "{name}"', begin)
        attributes = self._attributes(name, begin)
        self._check_attributes(name, attributes, begin)
        self.open_tags.append((name, begin))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        attributes: dict[str, str] = {}
        while True:
            self._skip_spaces()
            if self.pos >= len(self.src):
                raise self._error("Unclosed start tag", begin)
            if self.src[self.pos] == ">":
                self.pos += 1
                return attributes
            name_match = _ATTRIBUTE_NAME.match(self.src, self.pos)
            name = name_match.group().lower()
            if not name:
                raise self._error(f'Empty attribute name in the tag "{tag}"', begin)
            self.pos = name_match.end()
            self._skip_spaces()
            if self.pos < len(self.src) and self.src[self.pos] == "=":
                self.pos += 1
                attributes[name] = self._attribute_value(tag, begin)
            elif name in VALUELESS_ATTRIBUTES.get(tag, ()):
                attributes[name] = ""
            else:
                raise self._error(f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin)

    def _attribute_value(self, tag: str, begin: int) -> str:
        self._skip_spaces()
        if self.pos >= len(self.src):
            raise self._error(f'Unclosed start tag "{tag}"', begin)
        quote = self.src[self.pos]
        if quote not in "'\"":
            # An unquoted name token; Telegram lower-cases these.
            token = _NAME_TOKEN.match(self.src, self.pos)
            self.pos = token.end()
            if self.pos >= len(self.src) or not (self.src[self.pos].isspace() or self.src[self.pos] == ">"):
                raise self._error("Unexpected end of name token", token.start())
            return token.group().lower()
        end = self.src.find(quote, self.pos + 1)
        if end < 0:
            raise self._error("Unclosed start tag", begin)
        raw = self.src[self.pos + 1 : end]
        self.pos = end + 1
        return _decode_attribute(raw)

    def _check_attributes(self, tag: str, attributes: dict[str, str], begin: int) -> None:
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise self._error('Tag "span" must have class "tg-spoiler"', begin)
        if tag == "a" and not attributes.get("href"):
            raise self._error('Tag "a" must have a non-empty attribute "href"', begin)
        if tag == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise self._error('Tag "tg-emoji" must have a numeric attribute "emoji-id"', begin)
        if tag == "tg-time" and "unix" in attributes and not attributes["unix"].isdigit():
            raise self._error('Tag "tg-time" must have a numeric attribute "unix"', begin)

    def _end_tag(self) -> None:
        begin = self.pos
        if not self.open_tags:
            raise self._error("Unexpected end tag", begin)
        name_match = _TAG_NAME.match(self.src, begin + 2)
        self.pos = name_match.end()
        self._skip_spaces()
        if self.pos >= len(self.src) or self.src[self.pos] != ">":
            raise self._error("Unclosed end tag", begin)
        self.pos += 1
        name = name_match.group().lower()
        expected = self.open_tags[-1][0]
        # Like Telegram, "</>" closes whatever is open.
        if name and name != expected:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, "
                f'expected "</{expected}>", found "</{name}>"'
            )
        self.open_tags.pop()


def _decode_attribute(raw: str) -> str:
    """Decode entities in a quoted attribute value; a lone "&" stays as text (see module docstring)."""
    parts: list[str] = []
    pos = 0
    while (amp := raw.find("&", pos)) >= 0:
        parts.append(raw[pos:amp])
        decoded = decode_entity(raw, amp)
        if decoded is None:
            parts.append("&")
            pos = amp + 1
        else:
            parts.append(decoded[0])
            pos = decoded[1]
    parts.append(raw[pos:])
    return "".join(parts)
