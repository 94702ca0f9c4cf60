"""`python -m bot content check`: a short report for staff on the content files: counts, errors, gaps."""

from pathlib import Path

from bot import PROJECT_ROOT
from bot.content import CONTENT_FILES, Area, Category, ContentError, Entry, missing_languages, read_entries
from bot.directory import FaqEntry, Service
from bot.library import load_library
from bot.programme import ActivityEntry

# Telegram cuts or wraps long button labels; two buttons a row need about this many characters at most.
BUTTON_LABEL_LIMIT = 30


def check(directory: Path = PROJECT_ROOT / "content") -> int:
    """Print the report; 0 when the content can be used (warnings allowed), 1 when there are errors."""
    print(f"Checking the content files in {directory}")
    errors: list[str] = []
    warnings: list[str] = []
    for file in CONTENT_FILES:
        try:
            entries = read_entries(directory / file.filename, file.model)
        except ContentError as error:
            print(f"  {file.filename}: has errors (see below)")
            errors += error.problems
            continue
        print(f"  {file.filename}: {_count(len(entries), 'entry', 'entries')}")
        warnings += _warnings(file.filename, entries)
    for folder, model in (("services", Service), ("faq", FaqEntry), ("activities", ActivityEntry)):
        for path in sorted((directory / folder).glob("*.yaml")):
            try:
                entries = read_entries(path, model)
            except ContentError as error:
                print(f"  {folder}/{path.name}: has errors (see below)")
                errors += [f"{folder}/{problem}" for problem in error.problems]
                continue
            print(f"  {folder}/{path.name}: {_count(len(entries), 'entry', 'entries')}")
            warnings += _directory_warnings(f"{folder}/{path.name}", entries)
    if not errors:
        try:
            load_library(directory)  # references between files: categories, areas, linked services
        except ContentError as error:
            errors += error.problems
    _section("Errors: fix these, the bot cannot use the content until then", errors)
    _section("Warnings: the bot works, but residents may miss something", warnings)
    verdict = "NOT OK" if errors else "OK"
    totals = f"{_count(len(errors), 'error', 'errors')}, {_count(len(warnings), 'warning', 'warnings')}"
    print(f"\n{verdict}: {totals}.")
    return 1 if errors else 0


def _warnings(filename: str, entries: list[Entry]) -> list[str]:
    warnings = [f"{filename}: the file has no entries"] if not entries else []
    for entry in entries:
        where = f"{filename}: entry '{entry.id}'"
        for field, codes in missing_languages(entry).items():
            warnings.append(f"{where}: {field} lacks {', '.join(codes)} (Swedish is shown instead)")
        if isinstance(entry, Category):
            warnings += [
                f"{where}: name.{code} is {len(text)} characters; a button label should be at most "
                f"{BUTTON_LABEL_LIMIT}"
                for code, text in entry.name.items()
                if len(text) > BUTTON_LABEL_LIMIT
            ]
        if isinstance(entry, Area) and not entry.verified:
            warnings.append(f"{where}: verified is false; check its centre on a map, then set verified: true")
    return warnings


def _directory_warnings(filename: str, entries: list[Service | FaqEntry | ActivityEntry]) -> list[str]:
    warnings = []
    for entry in entries:
        for field, codes in missing_languages(entry).items():
            warnings.append(f"{filename}: entry '{entry.id}': {field} lacks {', '.join(codes)} (Swedish is shown)")
    unverified = [entry.id for entry in entries if not entry.verified]
    if unverified:
        warnings.append(f"{filename}: not verified yet (residents are asked to check with the contact centre): "
                        f"{', '.join(unverified)}")
    return warnings


def _section(title: str, lines: list[str]) -> None:
    if not lines:
        return
    print(f"\n{title}:")
    for line in lines:
        print(f"  - {line}")


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
