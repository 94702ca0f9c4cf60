"""The launch languages, their own names and writing direction; the one list every part uses."""

# Order is the order of the language buttons and of fallback (PRODUCT.md).
LANGUAGES: dict[str, str] = {
    "sv": "Svenska",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "fa": "فارسی",
    "bs": "Bosanski / Hrvatski / Srpski",
    "ckb": "کوردی (سۆرانی)",
    "fi": "Suomi",
}
RIGHT_TO_LEFT = frozenset({"ar", "fa", "ckb"})

# Telegram reports the client's interface language; a few codes mean one of ours.
_ALIASES = {"hr": "bs", "sr": "bs", "sh": "bs", "cnr": "bs", "nb": "sv", "no": "sv", "nn": "sv", "prs": "fa"}


def negotiate(language_code: str | None, default: str = "sv") -> str:
    """Pick our language for a Telegram `language_code` such as "ar", "en-GB" or "sr-Latn"."""
    if not language_code:
        return default
    code = language_code.strip().lower().replace("_", "-")
    if code in LANGUAGES:
        return code
    primary = code.split("-", 1)[0]
    if primary in LANGUAGES:
        return primary
    return _ALIASES.get(primary, default)
