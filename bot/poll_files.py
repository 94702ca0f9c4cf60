"""A poll from a YAML file (the template is docs/poll-template.yaml): the file is checked whole, then it is a
PollDraft or a list of every problem, each naming its field, in the staff member's language.

Read like the content files (bot.content): a safe loader that refuses a key written twice, unknown fields are
errors (a misspelt `live_result` is never silently ignored), and texts per language use the same Translations
type (Swedish required, language codes checked). Each field is checked on its own, so one reply lists every
problem of the file, not only the first. Times are local ("2026-12-01 18:00"); `opens: now` means "when the
staff member confirms". Nothing is stored here: the caller shows the preview and creates the poll on Confirm.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from bot.announcements import parse_local_time
from bot.audience import Audience
from bot.content import Content, Translations, _StrictLoader
from bot.languages import LANGUAGES
from bot.polls import KINDS, MAX_OPTIONS, MIN_OPTIONS, MULTIPLE, OPTION_LIMIT, QUESTION_LIMIT, SINGLE, PollDraft
from bot.programme import LOCAL_FORMAT

MAX_BYTES = 100_000  # a poll is a question and at most ten options in eight languages: a few KB
NOW = "now"

FIELDS = ("theme_group", "type", "question", "options", "comment", "audience", "opens", "closes", "public_results",
          "live_results", "remind")
REQUIRED = ("theme_group", "type", "question", "opens", "closes")

# What each problem says, after "Field closes:" (or alone, for the file as a whole).
PROBLEMS = {
    "encoding": __("The file is not saved as UTF-8 text. Please save it as UTF-8 and send it again."),
    "empty": __("The file is empty."),
    "yaml": __("Line {line}: this is not valid YAML ({problem}). Check the indentation and the colons against "
               "the template."),
    "not_mapping": __("The file must consist of “field: value” lines, like the template."),
    "unknown_field": __("this field is unknown. Check the spelling; the fields are: {fields}."),
    "required": __("this must be filled in."),
    "text": __("write a text."),
    "yes_no": __("write true or false."),
    "list": __("write a list in square brackets, like [backa, tuve]."),
    "languages": __("write one line per language below it, like “sv: …”."),
    "unknown_language": __("{codes} is not a language code. Use one of: {known}."),
    "empty_text": __("this text is empty."),
    "invalid": __("this value is not valid here."),
    "theme_group": __("“{value}” is not a theme group. Use one of: {choices}."),
    "type": __("“{value}” is not a poll type. Use one of: {choices}."),
    "too_long": __("this is too long: at most {limit} characters."),
    "option_count": __("a choice poll needs {low} to {high} options; the file has {count}."),
    "no_options": __("only single and multiple choice polls have options; leave this out."),
    "unknown_area": __("“{value}” is not an area. Use one of: {choices}."),
    "unknown_category": __("“{value}” is not a kind of activity. Use one of: {choices}."),
    "opens": __("write a local time like {example}, or now."),
    "time": __("write a local time like {example}."),
    "past": __("this time has already passed."),
    "close_order": __("the poll must close after it opens."),
    "remind_order": __("the reminder must be between the opening and the closing time."),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong; `field` is None when it is about the whole file (or a check without a field)."""

    code: str
    field: str | None = None
    values: dict[str, object] = dataclasses.field(default_factory=dict)

    def describe(self) -> str:
        problem = str(PROBLEMS[self.code]).format(**self.values) if self.code in PROBLEMS else str(
            self.values.get("text", ""))
        if self.field is None:
            return problem
        return _("Field {field}: {problem}").format(field=self.field, problem=problem)


@dataclass
class Parsed:
    draft: PollDraft | None = None
    opens_now: bool = False  # `opens: now`: the poll opens when confirmed, not at draft.opens_at
    problems: list[Problem] = dataclasses.field(default_factory=list)


class _AudienceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    areas: list[StrictStr] = []
    languages: list[StrictStr] = []
    categories: list[StrictStr] = []


_ADAPTERS: dict[str, TypeAdapter] = {
    "theme_group": TypeAdapter(StrictStr),
    "type": TypeAdapter(StrictStr),
    "question": TypeAdapter(Translations),
    "options": TypeAdapter(list[Translations]),
    "comment": TypeAdapter(StrictBool),
    "audience": TypeAdapter(_AudienceFile),
    "public_results": TypeAdapter(StrictBool),
    "live_results": TypeAdapter(StrictBool),
}

# pydantic's error types, said the way staff write the file.
_ERROR_CODES = {
    "missing": "required",
    "string_type": "text",
    "bool_type": "yes_no",
    "list_type": "list",
    "dict_type": "languages",
    "typed_dict_type": "languages",
    "model_type": "languages",
    "model_attributes_type": "languages",
    "unknown_language": "unknown_language",
    "string_too_short": "empty_text",
    "extra_forbidden": "unknown_field",
}


# --- the file -------------------------------------------------------------------------------------------------------


def parse(data: bytes, content: Content, tz: ZoneInfo, now: datetime) -> Parsed:
    """Check a whole file: a draft when there is no problem at all, else every problem."""
    try:
        text = data.decode("utf-8-sig")  # -sig: tolerate the byte-order mark some editors add
    except UnicodeDecodeError:
        return Parsed(problems=[Problem("encoding")])
    if not text.strip():
        return Parsed(problems=[Problem("empty")])
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return Parsed(problems=[Problem("yaml", values={"line": mark.line + 1 if mark else 1,
                                                        "problem": error.problem or error.context or ""})])
    except yaml.YAMLError as error:
        return Parsed(problems=[Problem("yaml", values={"line": 1, "problem": str(error)})])
    if raw is None:
        return Parsed(problems=[Problem("empty")])
    if not isinstance(raw, dict):
        return Parsed(problems=[Problem("not_mapping")])
    return _check(raw, content, tz, now)


def _check(raw: dict[Any, Any], content: Content, tz: ZoneInfo, now: datetime) -> Parsed:
    problems: list[Problem] = []
    for key in raw:
        if key not in FIELDS:
            problems.append(Problem("unknown_field", str(key), {"fields": ", ".join(FIELDS)}))
    given = {name: raw[name] for name in FIELDS if raw.get(name) is not None}  # an empty value is not given
    problems += [Problem("required", name) for name in REQUIRED if name not in given]
    values: dict[str, Any] = {}
    for name, adapter in _ADAPTERS.items():
        if name not in given:
            continue
        try:
            values[name] = adapter.validate_python(given[name])
        except ValidationError as error:
            problems += [_from_pydantic(name, detail) for detail in error.errors()]
    draft = PollDraft(questions=values.get("question", {}), options=values.get("options", []),
                      comment_step=values.get("comment", False), public_results=values.get("public_results", False),
                      live_results=values.get("live_results", False))
    problems += _check_kind_and_texts(values, draft, content, options_broken="options" in given and
                                      "options" not in values)
    problems += _check_audience(values.get("audience"), draft, content)
    opens_now = isinstance(given.get("opens"), str) and given["opens"].strip().lower() == NOW
    problems += _check_times(given, draft, opens_now, tz, now)
    if not problems:  # the service's own checks, in case it knows more than this file format does
        problems = [Problem("", values={"text": text}) for text in draft.problems(now)]
    return Parsed(draft=None if problems else draft, opens_now=opens_now, problems=problems)


def _from_pydantic(name: str, detail: ErrorDetails) -> Problem:
    where = ".".join([name, *(str(part + 1) if isinstance(part, int) else str(part) for part in detail["loc"])])
    code = _ERROR_CODES.get(detail["type"], "invalid")
    values: dict[str, object] = {}
    if code == "unknown_language":
        values = {"codes": detail.get("ctx", {}).get("codes", ""), "known": ", ".join(LANGUAGES)}
    elif code == "unknown_field":
        values = {"fields": ", ".join(_AudienceFile.model_fields)}
    return Problem(code, where, values)


def _check_kind_and_texts(values: dict[str, Any], draft: PollDraft, content: Content,
                          options_broken: bool) -> list[Problem]:
    problems = []
    group = values.get("theme_group")
    if group is not None and content.theme_group(group.strip()) is None:
        problems.append(Problem("theme_group", "theme_group",
                                {"value": group, "choices": ", ".join(g.id for g in content.theme_groups)}))
    draft.theme_group = (group or "").strip()
    kind = values.get("type")
    if kind is not None and kind.strip().lower() not in KINDS:
        problems.append(Problem("type", "type", {"value": kind, "choices": ", ".join(KINDS)}))
    draft.kind = (kind or "").strip().lower()
    for code, text in draft.questions.items():
        if len(text) > QUESTION_LIMIT:
            problems.append(Problem("too_long", f"question.{code}", {"limit": QUESTION_LIMIT}))
    if draft.kind in (SINGLE, MULTIPLE) and not options_broken:  # a missing options list counts as none
        count = len(draft.options)
        if not MIN_OPTIONS <= count <= MAX_OPTIONS:
            problems.append(Problem("option_count", "options", {"low": MIN_OPTIONS, "high": MAX_OPTIONS,
                                                                 "count": count}))
        for number, option in enumerate(draft.options, start=1):
            for code, text in option.items():
                if len(text) > OPTION_LIMIT:
                    problems.append(Problem("too_long", f"options.{number}.{code}", {"limit": OPTION_LIMIT}))
    elif draft.kind in KINDS and draft.options:
        problems.append(Problem("no_options", "options"))
    return problems


def _check_audience(audience: _AudienceFile | None, draft: PollDraft, content: Content) -> list[Problem]:
    if audience is None:
        return []
    problems = []
    areas = [area.id for area in content.areas]
    categories = [category.id for category in content.activity_categories]
    for value in audience.areas:
        if value not in areas:
            problems.append(Problem("unknown_area", "audience.areas", {"value": value, "choices": ", ".join(areas)}))
    for value in audience.languages:
        if value not in LANGUAGES:
            problems.append(Problem("unknown_language", "audience.languages",
                                    {"codes": value, "known": ", ".join(LANGUAGES)}))
    for value in audience.categories:
        if value not in categories:
            problems.append(Problem("unknown_category", "audience.categories",
                                    {"value": value, "choices": ", ".join(categories)}))
    draft.audience = Audience(frozenset(audience.areas), frozenset(audience.languages),
                              frozenset(audience.categories))
    return problems


def _check_times(given: dict[str, Any], draft: PollDraft, opens_now: bool, tz: ZoneInfo,
                 now: datetime) -> list[Problem]:
    problems = []
    example = {"example": (now.astimezone(tz) + timedelta(days=1)).replace(hour=18, minute=0).strftime(LOCAL_FORMAT)}
    if opens_now:
        draft.opens_at = now
    elif "opens" in given:
        draft.opens_at = local_time(given["opens"], tz)
        if draft.opens_at is None:
            problems.append(Problem("opens", "opens", example))
        elif draft.opens_at <= now:
            problems.append(Problem("past", "opens"))
    if "closes" in given:
        draft.closes_at = local_time(given["closes"], tz)
        if draft.closes_at is None:
            problems.append(Problem("time", "closes", example))
        elif draft.closes_at <= now:
            problems.append(Problem("past", "closes"))
        elif draft.opens_at is not None and draft.closes_at <= draft.opens_at:
            problems.append(Problem("close_order", "closes"))
    if "remind" in given:
        draft.remind_at = local_time(given["remind"], tz)
        if draft.remind_at is None:
            problems.append(Problem("time", "remind", example))
        elif draft.opens_at and draft.closes_at and not draft.opens_at < draft.remind_at < draft.closes_at:
            problems.append(Problem("remind_order", "remind"))
    return problems


def local_time(value: object, tz: ZoneInfo) -> datetime | None:
    """A local time as written in the file: "2026-12-01 18:00" (YAML reads one with seconds as a datetime)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value
    if isinstance(value, date) or not isinstance(value, str):  # a day alone has no time
        return None
    return parse_local_time(value, tz)
