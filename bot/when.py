"""Time words in a question ("now", "tomorrow", "on Saturday", "lördag", "السبت") → the day it is about."""

from datetime import date, timedelta
from functools import lru_cache

from babel import Locale

from bot.languages import LANGUAGES
from bot.textnorm import words

_TODAY = "idag nu today now tonight maanta hadda danas sada tanaan nyt اليوم الان امروز الان ئیستا ئەمڕۆ ایستا"
_TOMORROW = "imorgon morgon tomorrow berri sutra huomenna غدا فردا سبەی سبهی بکره"


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], frozenset[str], tuple[tuple[str, int], ...]]:
    today = frozenset(words(_TODAY))
    tomorrow = frozenset(words(_TOMORROW))
    weekdays: set[tuple[str, int]] = set()
    for code in LANGUAGES:
        days = Locale.parse(code).days["format"]
        for width in ("wide", "abbreviated"):
            for index, name in days[width].items():
                normalised = " ".join(words(name))
                if len(normalised) >= 3:
                    weekdays.add((normalised, index))
    # Longest first so "sunnuntai" wins over a shorter name that it starts with.
    return today, tomorrow, tuple(sorted(weekdays, key=lambda item: -len(item[0])))


def day_asked_about(question: str, today: date) -> date | None:
    """The day a question refers to, or None when it names none (then "now" is meant)."""
    today_words, tomorrow_words, weekdays = _vocabulary()
    tokens = words(question)
    if any(token in tomorrow_words for token in tokens):
        return today + timedelta(days=1)
    for token in tokens:
        for name, index in weekdays:
            # Inflected forms share the name's stem: "lauantaina", "lördagar", "subotu" (names of 5+ letters).
            if token == name or (len(name) >= 5 and token.startswith(name[:-1])):
                return today + timedelta(days=(index - today.weekday()) % 7)
    if any(token in today_words for token in tokens):
        return today
    return None
