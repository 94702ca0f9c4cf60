"""Many activities at once from a CSV file (the template is docs/activities-template.csv).

Every row is checked before anything is saved, and either all rows become activities or none does: a file
with one mistake is sent back with every problem listed by row and column, so staff fix the file and send it
again, and nothing is half-imported. Rows are counted as a spreadsheet shows them (the column names are row 1).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.activity_admin import (
    BIWEEKLY,
    MONTHLY,
    NONE,
    WEEKLY,
    ActivityDraft,
    create,
    in_gothenburg,
    is_link,
    parse_day,
    parse_local,
    rule_for,
)
from bot.languages import LANGUAGES
from bot.library import Library
from bot.programme import LOCAL_FORMAT, RRule, planned_starts
from db.models import Activity

MAX_BYTES = 1_000_000  # a thousand activities with long descriptions fit easily
MAX_ROWS = 1_000
MAX_SHOWN = 25  # problems listed in the reply; a Telegram message holds about this many
DETAIL = "csv"  # the audit detail of an imported activity

TEXT_COLUMNS = tuple(f"{kind}_{code}" for kind in ("title", "description") for code in LANGUAGES)
COLUMNS = (*TEXT_COLUMNS, "category", "area", "venue_service", "address", "lat", "lon", "start", "duration",
           "repeat", "until", "free", "age_min", "age_max", "registration", "organiser")
REQUIRED = ("title_sv", "description_sv", "category", "start", "duration", "organiser")
LIMITS = {"title": 120, "description": 2000, "address": 200, "organiser": 200, "registration": 300, "repeat": 250}
YES = {"yes", "ja", "true", "1", "y", "j", "x", ""}
NO = {"no", "nej", "false", "0", "n"}
SHORTHAND = {"weekly": WEEKLY, "biweekly": BIWEEKLY, "monthly": MONTHLY, "none": NONE, "": NONE}

_RULE = TypeAdapter(RRule)

# What each problem says, after "Row 4, column start:" (or alone, for the file as a whole).
PROBLEMS = {
    "encoding": __("The file is not saved as UTF-8. In Excel choose “CSV UTF-8” when you save; in LibreOffice "
                   "choose the character set “Unicode (UTF-8)”."),
    "empty": __("The file is empty."),
    "not_csv": __("This does not look like the template: I cannot find its column names in the first line."),
    "no_rows": __("The file has the column names but no activities below them."),
    "too_many_rows": __("The file has {count} activities, and at most {limit} fit in one file. Please split it."),
    "missing_column": __("this column is missing, and it is needed."),
    "unknown_column": __("this column is unknown. Check the spelling against the template."),
    "duplicate_column": __("this column is there twice."),
    "row_length": __("this row has more values than there are columns. A text with a comma or semicolon in it "
                     "needs quotation marks around it."),
    "required": __("this must be filled in."),
    "too_long": __("this is too long: at most {limit} characters."),
    "unknown_category": __("“{value}” is not a kind of activity. Use one of: {choices}."),
    "unknown_area": __("“{value}” is not an area. Use one of: {choices}."),
    "unknown_service": __("“{value}” is not a service id (the ids are the file names in content/services/ and "
                          "the id: lines in them)."),
    "venue": __("give either venue_service, or address together with lat and lon."),
    "number": __("write a number with a dot, like 57.7801."),
    "outside": __("lat {lat}, lon {lon} is outside Gothenburg. Are lat and lon swapped?"),
    "start": __("write a date like 2026-12-01 16:00."),
    "past": __("this time has already passed."),
    "duration": __("write the length in minutes, from 5 to 1440, like 90."),
    "repeat": __("write weekly, biweekly or monthly, or a rule like FREQ=WEEKLY;BYDAY=TU (or leave it empty for "
                 "one time only)."),
    "until": __("write the last day like 2027-06-30."),
    "until_before_start": __("the last day is before the start."),
    "until_twice": __("the end is given both in repeat (UNTIL or COUNT) and in until; keep one of them."),
    "until_alone": __("until needs repeat: an activity that happens once has no last day."),
    "free": __("write yes or no."),
    "age": __("write an age from 0 to 120."),
    "ages_order": __("age_min is higher than age_max."),
    "link": __("write a web address that starts with https://."),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong; `row` and `column` are None when it is about the whole file."""

    code: str
    row: int | None = None
    column: str | None = None
    values: dict[str, object] = field(default_factory=dict)

    def describe(self) -> str:
        problem = str(PROBLEMS[self.code]).format(**self.values)
        if self.row is not None and self.column is not None:
            return _("Row {row}, column {column}: {problem}").format(row=self.row, column=self.column,
                                                                     problem=problem)
        if self.row is not None:
            return _("Row {row}: {problem}").format(row=self.row, problem=problem)
        if self.column is not None:
            return _("Column {column}: {problem}").format(column=self.column, problem=problem)
        return problem


@dataclass
class Parsed:
    drafts: list[ActivityDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- the file -------------------------------------------------------------------------------------------------------


def decode(data: bytes) -> str | None:
    """UTF-8 with or without the byte-order mark Excel writes; None for anything else."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def delimiter_of(header_line: str) -> str:
    """Comma, or semicolon (what Excel writes where the decimal sign is a comma, as in Sweden)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def parse(data: bytes, library: Library, tz: ZoneInfo, now: datetime) -> Parsed:
    """Check a whole file; drafts only when there is no problem at all."""
    text = decode(data)
    if text is None:
        return Parsed(problems=[Problem("encoding")])
    if not text.strip():
        return Parsed(problems=[Problem("empty")])
    lines = text.lstrip("\r\n").splitlines()
    reader = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=delimiter_of(lines[0]))
    try:
        records = list(reader)
    except csv.Error:  # e.g. a NUL byte: not a text file at all
        return Parsed(problems=[Problem("not_csv")])
    header = [name.strip().lower() for name in records[0]]
    problems = header_problems(header)
    if problems:
        return Parsed(problems=problems)
    rows = [(number, record) for number, record in enumerate(records[1:], start=2)
            if any(value.strip() for value in record)]  # spreadsheets leave empty lines at the end
    if not rows:
        return Parsed(problems=[Problem("no_rows")])
    if len(rows) > MAX_ROWS:
        return Parsed(problems=[Problem("too_many_rows", values={"count": len(rows), "limit": MAX_ROWS})])
    parsed = Parsed()
    for number, record in rows:
        if len(record) > len(header) and any(value.strip() for value in record[len(header):]):
            parsed.problems.append(Problem("row_length", number))
            continue
        values = {name: value.strip() for name, value in zip(header, record, strict=False) if name}
        draft, row_problems = check_row(number, values, library, tz, now)
        parsed.problems += row_problems
        if draft is not None:
            parsed.drafts.append(draft)
    if parsed.problems:
        parsed.drafts = []
    return parsed


def header_problems(header: list[str]) -> list[Problem]:
    named = [name for name in header if name]
    if not set(named) & set(COLUMNS):
        return [Problem("not_csv")]
    problems = [Problem("unknown_column", column=name) for name in dict.fromkeys(named) if name not in COLUMNS]
    problems += [Problem("duplicate_column", column=name) for name in dict.fromkeys(named) if named.count(name) > 1]
    problems += [Problem("missing_column", column=name) for name in REQUIRED if name not in named]
    return problems


# --- one row --------------------------------------------------------------------------------------------------------


def check_row(number: int, row: dict[str, str], library: Library, tz: ZoneInfo,
              now: datetime) -> tuple[ActivityDraft | None, list[Problem]]:
    """A draft for one row, or every problem in it."""
    problems: list[Problem] = []

    def problem(code: str, column: str | None = None, **values: object) -> None:
        problems.append(Problem(code, number, column, values))

    for column in REQUIRED:
        if not row.get(column):
            problem("required", column)
    for column, value in row.items():
        limit = LIMITS.get(column.split("_")[0]) or LIMITS.get(column)
        if limit and len(value) > limit:
            problem("too_long", column, limit=limit)
    draft = ActivityDraft(
        titles={code: row[f"title_{code}"] for code in LANGUAGES if row.get(f"title_{code}")},
        descriptions={code: row[f"description_{code}"] for code in LANGUAGES if row.get(f"description_{code}")},
        organiser=row.get("organiser") or None,
    )
    check_kind_and_place(row, draft, library, problem)
    check_time(row, draft, tz, now, problem)
    check_details(row, draft, problem)
    return (None if problems else draft), problems


def check_kind_and_place(row: dict[str, str], draft: ActivityDraft, library: Library, problem) -> None:  # noqa: ANN001
    content = library.content
    category = row.get("category", "")
    if category and content.activity_category(category) is None:
        problem("unknown_category", "category", value=category,
                choices=", ".join(c.id for c in content.activity_categories))
    draft.category = category
    area = row.get("area", "")
    if area and content.area(area) is None:
        problem("unknown_area", "area", value=area, choices=", ".join(a.id for a in content.areas))
    draft.area = area or None
    service = row.get("venue_service", "")
    if service:
        if service not in library.services:
            problem("unknown_service", "venue_service", value=service)
        draft.venue_service = service
        if draft.area is None and service in library.services:  # the service's own area, unless given
            draft.area = library.services[service].area
    address, lat, lon = row.get("address", ""), row.get("lat", ""), row.get("lon", "")
    if not service and not (address and lat and lon):
        problem("venue")
    if address:
        draft.address = address
    coordinates = []
    for column, value in (("lat", lat), ("lon", lon)):
        try:
            coordinates.append(float(value) if value else None)
        except ValueError:
            problem("number", column)
            coordinates.append(None)
    if None not in coordinates:
        draft.lat, draft.lon = coordinates
        if not in_gothenburg(*coordinates):
            problem("outside", lat=lat, lon=lon)


def check_time(row: dict[str, str], draft: ActivityDraft, tz: ZoneInfo, now: datetime, problem) -> None:  # noqa: ANN001
    start = parse_local(row.get("start", "")) if row.get("start") else None
    if row.get("start") and start is None:
        problem("start", "start")
    duration = row.get("duration", "")
    if duration and not (duration.isdigit() and 5 <= int(duration) <= 24 * 60):
        problem("duration", "duration")
    elif duration:
        draft.duration = int(duration)
    until_text = row.get("until", "")
    until = parse_day(until_text) if until_text else None
    if until_text and until is None:
        problem("until", "until")
    rule = repeat_rule(row.get("repeat", ""), start, until, problem)
    if start is None:
        return
    draft.start = start.strftime(LOCAL_FORMAT)
    draft.custom_rule = rule
    if until is not None and until < start.date():
        problem("until_before_start", "until")
    local_now = now.astimezone(tz).replace(tzinfo=None)
    if rule is None and start < local_now:
        problem("past", "start")
    elif rule is not None and next(iter(planned_starts(start, rule, local_now, local_now + timedelta(days=3660))),
                                   None) is None:
        problem("past", "until" if until else "repeat")


def repeat_rule(text: str, start: datetime | None, until: date | None, problem) -> str | None:  # noqa: ANN001
    """The RRULE of the repeat column: a shorthand (on the start's weekday) or a rule checked like content's."""
    kind = SHORTHAND.get(text.lower())
    if kind == NONE:
        if until is not None:
            problem("until_alone", "until")
        return None
    if kind is not None:
        return rule_for(kind, start, until) if start else None
    try:
        rule = _RULE.validate_python(text)
    except ValidationError:
        problem("repeat", "repeat")
        return None
    if until is not None:
        if "UNTIL=" in rule.upper() or "COUNT=" in rule.upper():
            problem("until_twice", "until")
            return None
        rule = f"{rule};UNTIL={until:%Y%m%d}T235959"
    if start is not None:
        try:  # a rule can be valid on its own and still not fit a start without a time zone (UNTIL=…Z)
            next(iter(planned_starts(start, rule, start, start + timedelta(days=400))), None)
        except (ValueError, TypeError):
            problem("repeat", "repeat")
            return None
    return rule


def check_details(row: dict[str, str], draft: ActivityDraft, problem) -> None:  # noqa: ANN001
    free = row.get("free", "").lower()
    if free in YES:
        draft.free = True
    elif free in NO:
        draft.free = False
    else:
        problem("free", "free")
    ages = {}
    for column in ("age_min", "age_max"):
        value = row.get(column, "")
        if value and not (value.isdigit() and int(value) <= 120):
            problem("age", column)
        elif value:
            ages[column] = int(value)
    if ages:
        draft.age_min, draft.age_max = ages.get("age_min", 0), ages.get("age_max", 120)
        if draft.age_min > draft.age_max:
            problem("ages_order", "age_max")
    link = row.get("registration", "")
    if link and not is_link(link):
        problem("link", "registration")
    draft.registration = link or None


# --- saving ---------------------------------------------------------------------------------------------------------


async def import_all(session: AsyncSession, drafts: list[ActivityDraft], actor_id: int, now: datetime) -> list[
        Activity]:
    """All rows as activities in the caller's one transaction (an error rolls every one of them back)."""
    return await create(session, drafts, actor_id, now, detail=DETAIL)
