"""Areas, service categories and theme groups: typed, validated data from the YAML files in content/."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, NotRequired, Required, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from typing_extensions import TypedDict  # pydantic needs this TypedDict on Python < 3.12

from bot import PROJECT_ROOT
from bot.languages import LANGUAGES

# Anything a resident might tap or read must say something: blank texts are errors, not gaps.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# Areas are a rough guide to distance; a centre outside Gothenburg is a typo (often lat and lon swapped).
GOTHENBURG_LAT = (57.5, 58.0)
GOTHENBURG_LON = (11.5, 12.3)


class ContentError(Exception):
    """Content that cannot be used. Each problem names the file, the entry (id or #number) and the field."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _known_language_codes(value: Any) -> Any:
    # Runs before the dict is validated, so a typo such as "se" for Swedish gets its own clear message.
    if isinstance(value, dict):
        unknown = [str(code) for code in value if code not in LANGUAGES]
        if unknown:
            raise PydanticCustomError(
                "unknown_language",
                "unknown language code {codes}; use {known}",
                {"codes": ", ".join(repr(code) for code in unknown), "known": ", ".join(LANGUAGES)},
            )
    return value


def _translations_dict() -> type:
    """A dict with one optional key per launch language and Swedish required, built from LANGUAGES.

    A typed dict (rather than a check after the fact) makes pydantic report a missing Swedish text at
    its own place, `name.sv: Field required`, which is what staff need to find it.
    """
    keys = {code: Required[Text] if code == "sv" else NotRequired[Text] for code in LANGUAGES}
    translations = TypedDict("Translations", keys)  # type: ignore[misc]  # keys come from LANGUAGES
    translations.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return translations


# A text in every language, keyed by language code (a plain dict at run time). Swedish is required;
# another missing language falls back to Swedish (see text_in) and is listed by `content check`.
Translations = Annotated[_translations_dict(), BeforeValidator(_known_language_codes)]
# Optional per-language values: keywords, or a place name in another script.
Keywords = Annotated[dict[str, list[Text]], BeforeValidator(_known_language_codes)]
LocalNames = Annotated[dict[str, Text], BeforeValidator(_known_language_codes)]


def _slug(value: str) -> str:
    # Ids end up in callback data (64 bytes) and in the database, so they stay short and ASCII.
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", value):
        raise PydanticCustomError(
            "slug", "use only a-z, 0-9 and '-', at most 40 characters, e.g. 'youth-centre' (got {value})",
            {"value": repr(value)},
        )
    return value


Slug = Annotated[str, AfterValidator(_slug)]


def text_in(translations: dict[str, str], locale: str) -> str:
    """The text in that language, else in Swedish (every text has Swedish)."""
    return translations.get(locale) or translations["sv"]


class Entry(BaseModel):
    """One entry of a content file. Unknown fields are errors: a misspelt field is never silently ignored."""

    model_config = ConfigDict(extra="forbid")
    translated: ClassVar[tuple[str, ...]] = ()  # the Translations fields, for the missing-language report

    id: Slug


class Centre(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


def _in_gothenburg(centre: Centre) -> Centre:
    if not (GOTHENBURG_LAT[0] <= centre.lat <= GOTHENBURG_LAT[1]
            and GOTHENBURG_LON[0] <= centre.lon <= GOTHENBURG_LON[1]):
        raise PydanticCustomError(
            "outside_gothenburg",
            "lat {lat}, lon {lon} is outside Gothenburg (lat 57.5-58.0, lon 11.5-12.3); "
            "are lat and lon swapped?",
            {"lat": centre.lat, "lon": centre.lon},
        )
    return centre


class Area(Entry):
    """A part of Norra Hisingen. Its Swedish name is used in every language."""

    name: Text
    names: LocalNames = {}
    centre: Annotated[Centre, AfterValidator(_in_gothenburg)]
    verified: bool = False

    def name_in(self, locale: str) -> str:
        return self.names.get(locale) or self.name


class Category(Entry):
    """A kind of service (library, health centre …); its name is a button label."""

    translated: ClassVar[tuple[str, ...]] = ("name",)

    emoji: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    name: Translations
    keywords: Keywords = {}

    def label(self, locale: str) -> str:
        return f"{self.emoji} {text_in(self.name, locale)}"


class ThemeGroup(Entry):
    """A theme group of Jämlikt Norra Hisingen and what it works for."""

    translated: ClassVar[tuple[str, ...]] = ("name", "purpose")

    name: Translations
    purpose: Translations


class Content(BaseModel):
    """Everything in areas.yaml, categories.yaml, theme_groups.yaml, activity_categories.yaml, in file order."""

    areas: list[Area] = []
    categories: list[Category] = []
    theme_groups: list[ThemeGroup] = []
    activity_categories: list[Category] = []

    def activity_category(self, category_id: str) -> Category | None:
        return next((category for category in self.activity_categories if category.id == category_id), None)

    def area(self, area_id: str) -> Area | None:
        return next((area for area in self.areas if area.id == area_id), None)

    def category(self, category_id: str) -> Category | None:
        return next((category for category in self.categories if category.id == category_id), None)

    def theme_group(self, group_id: str) -> ThemeGroup | None:
        return next((group for group in self.theme_groups if group.id == group_id), None)


@dataclass(frozen=True)
class ContentFile:
    attribute: str  # the list in Content
    filename: str
    model: type[Entry]


E = TypeVar("E", bound=Entry)

CONTENT_FILES = (
    ContentFile("areas", "areas.yaml", Area),
    ContentFile("categories", "categories.yaml", Category),
    ContentFile("theme_groups", "theme_groups.yaml", ThemeGroup),
    ContentFile("activity_categories", "activity_categories.yaml", Category),
)


def load_content(directory: Path = PROJECT_ROOT / "content") -> Content:
    """Read and validate the four files; a ContentError lists every problem in all of them at once."""
    loaded: dict[str, list[Entry]] = {}
    problems: list[str] = []
    for file in CONTENT_FILES:
        try:
            loaded[file.attribute] = read_entries(directory / file.filename, file.model)
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    return Content(**loaded)


def read_entries(path: Path, model: type[E]) -> list[E]:
    """The validated entries of one file; a ContentError lists every problem in it."""
    raw = _read_yaml(path)
    if raw is None:  # an empty file is an empty list, not an error
        return []
    if not isinstance(raw, list):
        raise ContentError(f"{path.name}: must be a list of entries, each starting with '- id:'")
    entries: list[E] = []
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    for number, item in enumerate(raw, start=1):
        where = f"{path.name}: {_entry_name(item, number)}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a set of 'field: value' lines, such as 'id: library'")
            continue
        entry_id = item.get("id")
        if isinstance(entry_id, str) and entry_id in first_seen:
            problems.append(f"{where}: field id: duplicate id, already used by entry #{first_seen[entry_id]}")
        elif isinstance(entry_id, str):
            first_seen[entry_id] = number
        try:
            entries.append(model.model_validate(item))
        except ValidationError as error:
            problems += [f"{where}: {_describe(detail, model)}" for detail in error.errors()]
    if problems:
        raise ContentError(problems)
    return entries


def missing_languages(entry: Entry) -> dict[str, list[str]]:
    """For each translated field of the entry, the launch languages it lacks (shown in Swedish instead)."""
    gaps = {field: [code for code in LANGUAGES if code not in getattr(entry, field)]
            for field in entry.translated}
    return {field: codes for field, codes in gaps.items() if codes}


def _entry_name(item: object, number: int) -> str:
    entry_id = item.get("id") if isinstance(item, dict) else None
    return f"entry '{entry_id}'" if isinstance(entry_id, str) and entry_id else f"entry #{number}"


# pydantic's wording for a wrong shape, said the way staff write the file.
_SHAPE_MESSAGES = {
    "dict_type": "must be one line per language below it, such as 'sv: Bibliotek'",
    "model_type": "must be a block of 'field: value' lines, such as {lat: 57.79, lon: 11.99}",
    "list_type": "must be a list in square brackets, such as [bibliotek, böcker]",
}


def _describe(detail: ErrorDetails, model: type[Entry]) -> str:
    location = ".".join(str(part) for part in detail["loc"])
    message = _SHAPE_MESSAGES.get(detail["type"], detail["msg"])
    if detail["type"] == "extra_forbidden":
        # pydantic says "Extra inputs are not permitted"; staff need to hear it is a misspelt field.
        known = ", ".join(model.model_fields) if len(detail["loc"]) == 1 else None
        message = f"unknown field; check the spelling (fields: {known})" if known else "unknown field"
    return f"field {location}: {message}" if location else message


# libyaml's parser when PyYAML has it (about ten times faster on the whole content folder).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    """A safe YAML loader that refuses a key written twice in one block, where the last would silently win."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key; the base class reports it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is written twice in the same block", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: tolerate the byte-order mark some editors add
    except FileNotFoundError:
        raise ContentError(f"{path.name}: file is missing (looked in {path.parent})") from None
    except UnicodeDecodeError:
        raise ContentError(f"{path.name}: is not UTF-8 text; save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = error.problem or str(error)
        context = f" ({error.context})" if error.context else ""
        raise ContentError(f"{path.name}:{where} not valid YAML: {problem}{context}") from None
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML: {error}") from None
