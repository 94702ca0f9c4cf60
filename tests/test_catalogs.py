"""Catalog checks: complete, not fuzzy, every msgid in code present, placeholders and HTML intact."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot import PROJECT_ROOT
from bot.emulator import HtmlParseError, parse_html
from bot.i18n import LOCALES_DIR, create_i18n, ngettext
from bot.languages import LANGUAGES

PLACEHOLDER = re.compile(r"\{(\w*)\}")
KEYWORDS = {"_": None, "__": None, "gettext": None, "ngettext": (1, 2)}


def catalog(code: str):  # noqa: ANN201
    with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale=code)


def msgids_in_code() -> set[str]:
    found = set()
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(PROJECT_ROOT / folder, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(code: str) -> None:
    entries = [message for message in catalog(code) if message.id]
    assert entries
    untranslated = [m.id for m in entries if not m.string or (isinstance(m.string, tuple) and not all(m.string))]
    fuzzy = [m.id for m in entries if m.fuzzy]
    assert not untranslated, f"{code}: untranslated {untranslated}"
    assert not fuzzy, f"{code}: fuzzy {fuzzy}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_used_in_code_is_in_the_catalog(code: str) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(code) if m.id}
    missing = msgids_in_code() - ids
    assert not missing, f"{code} lacks {sorted(missing)}; run the update steps in the README"


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_placeholders_and_valid_telegram_html(code: str) -> None:
    for message in catalog(code):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        wanted = set(PLACEHOLDER.findall(source))
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            found = set(PLACEHOLDER.findall(form))
            plural = isinstance(message.id, tuple)
            # A plural form may leave out {count} ("one person"), but never invent or rename one.
            assert found <= wanted if plural else found == wanted, f"{code}: {form!r} breaks {sorted(wanted)}"
            filled = form.format(**{name: "1" for name in found})
            try:
                parse_html(filled)
            except HtmlParseError as error:
                pytest.fail(f"{code}: Telegram would reject {form!r}: {error}")


@pytest.mark.parametrize("code", LANGUAGES)
def test_plural_forms_follow_cldr(code: str) -> None:
    expected = get_plural(code).num_plurals
    for message in catalog(code):
        if isinstance(message.id, tuple):
            assert len(message.string) == expected, f"{code} needs {expected} forms for {message.id[0]!r}"


def test_arabic_has_six_distinct_plural_forms_chosen_by_number() -> None:
    i18n = create_i18n()
    forms = {}
    with i18n.context(), i18n.use_locale("ar"):
        for n in (0, 1, 2, 3, 11, 100, 103, 111, 200):
            forms[n] = ngettext("{count} person uses the bot.", "{count} people use the bot.", n)
    assert len({forms[n].replace(str(n), "#") for n in (0, 1, 2, 3, 11, 100)}) == 6, forms
    # CLDR: the form depends on n % 100 (103 is "few" like 3, 111 "many" like 11, 200 "other" like 100).
    for n, like in ((103, 3), (111, 11), (200, 100)):
        assert forms[n].replace(str(n), "#") == forms[like].replace(str(like), "#")


def test_catalogs_load_from_po_sources_without_a_compile_step(tmp_path: Path) -> None:
    # A fresh clone has only .po files: copying just those must give every language.
    for po_path in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"):
        target = tmp_path / po_path.relative_to(LOCALES_DIR)
        target.parent.mkdir(parents=True)
        target.write_bytes(po_path.read_bytes())
    i18n = create_i18n(path=tmp_path)
    assert set(i18n.available_locales) == set(LANGUAGES)
    assert i18n.gettext("Which language do you want me to use?", locale="sv") != (
        i18n.gettext("Which language do you want me to use?", locale="en")
    )


def test_no_translation_call_hides_inside_an_f_string() -> None:
    # Babel cannot see _("…") inside f"{…}" on Python 3.11, so such a text would never be translated.
    hidden = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for folder in ("bot", "handlers")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""f["'].*\{_\(""", line)
    ]
    assert not hidden, hidden
