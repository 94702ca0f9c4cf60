"""Gettext catalogs compiled from the .po files at start-up, locale choice per update, Babel formatting."""

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import PROJECT_ROOT
from bot.languages import LANGUAGES, RIGHT_TO_LEFT, negotiate

LOCALES_DIR = PROJECT_ROOT / "locales"
T = TypeVar("T")
DOMAIN = "messages"


def compile_catalogs(source: Path, target: Path) -> None:
    """Compile every launch language's .po into .mo under `target`: no manual pybabel step needed."""
    for code in LANGUAGES:
        po_path = source / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.exists():
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=code)
        mo_path = target / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)


def create_i18n(default_locale: str = "sv", path: Path = LOCALES_DIR) -> I18n:
    # Compiled into a scratch folder, not beside the sources, so a read-only checkout works too;
    # I18n reads every catalog into memory at construction, after which the folder can go.
    with tempfile.TemporaryDirectory(prefix="locales-") as compiled:
        compile_catalogs(path, Path(compiled))
        return I18n(path=compiled, default_locale=default_locale, domain=DOMAIN)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware translation in the current update's language (CLDR rules from the catalog header)."""
    return I18n.get_current().gettext(singular, plural, n)


class UserLocaleMiddleware(I18nMiddleware):
    """The stored language of the user (put in `data` by UserMiddleware), else Telegram's hint."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return locale_for(data, self.i18n.default_locale)


def locale_for(data: dict[str, Any], default: str) -> str:
    # A plain string copied at load time: after a rollback the User row itself can no longer be read.
    if "user_language" in data:
        return data["user_language"]
    telegram_user: User | None = data.get("event_from_user")
    return negotiate(telegram_user.language_code if telegram_user else None, default)


# Babel's plain "en" is American ("Nov 30, 2026"); residents in Sweden read British order.
BABEL_LOCALES = {"en": "en_GB"}


def format_day(moment: datetime, locale: str, tz: ZoneInfo) -> str:
    """A local date spelt out in the reader's language: "29 mars 2026", "29 March 2026", "29 مارس 2026"."""
    return format_date(moment.astimezone(tz), format="long", locale=BABEL_LOCALES.get(locale, locale))


def is_rtl(locale: str) -> bool:
    return locale in RIGHT_TO_LEFT


def in_every_language(i18n: I18n, render: Callable[[str], T]) -> dict[str, T]:
    """render(code) for every launch language, with gettext in that language: the texts the scheduler makes
    for many people at once (reminders, poll invitations), outside any update."""
    made = {}
    for code in LANGUAGES:
        with i18n.context(), i18n.use_locale(code):
            made[code] = render(code)
    return made
