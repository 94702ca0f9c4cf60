"""Activities from a CSV file: every row checked first, then all rows imported or none, with the problems listed
by row and column; broken files get a clear answer, never a crash."""

import csv
import io
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import activity_import
from bot.activities import happenings
from bot.config import Settings
from bot.library import CONTENT_DIR, ContentStore
from bot.roles import STAFF
from db import users as queries
from db.models import Activity, AuditEntry
from tests.support import Resident, eventually, onboarded
from tests.test_first_conversation import i18n, t

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HEADER = ["title_sv", "title_en", "description_sv", "category", "area", "venue_service", "address", "lat", "lon",
          "start", "duration", "repeat", "until", "free", "age_min", "age_max", "registration", "organiser"]
GOOD = [
    ["Språkcafé", "Language café", "Öva svenska, med fika.", "language-cafe", "backa", "library-backa", "", "", "",
     "2026-12-01 16:00", "90", "weekly", "2027-06-15", "ja", "", "", "", "Backa bibliotek"],
    ["Trygghetsvandring", "", "Vi går tillsammans, med ficklampa.", "safety-walks", "karra", "", "Kärra centrum",
     "57.792", "11.990", "2026-12-09 18:00", "60", "", "", "yes", "", "", "https://example.org/anmalan",
     "Trygghetsgruppen"],
    ["Fotboll för tjejer", "", "Träning, skor\nlånas ut.", "sport", "", "sports-hall-karra", "", "", "",
     "2026-12-05 10:00", "120", "FREQ=MONTHLY;BYDAY=1SA;COUNT=6", "", "nej", "10", "15", "", "IFK Kärra"],
]


def rows_to_csv(rows: list[list[str]], delimiter: str = ",", bom: bool = False, header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> ContentStore:  # noqa: ANN001
    """The shipped content without the seed programme, so that these tests see only their own activities."""
    directory = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(CONTENT_DIR, directory, ignore=shutil.ignore_patterns("activities"))
    return ContentStore(directory)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"flood_limit": 1000})


@pytest.fixture
def english():  # noqa: ANN201
    """Problems described in English, as the bot does for an English-speaking staff member."""
    with i18n.context(), i18n.use_locale("en"):
        yield


def parse(data: bytes, content: ContentStore, settings: Settings) -> activity_import.Parsed:
    return activity_import.parse(data, content.current, settings.tz, NOW)


# --- checking a file (no Telegram needed) ------------------------------------------------------------------------


def test_three_good_rows(content, settings, english) -> None:  # noqa: ANN001
    parsed = parse(rows_to_csv(GOOD), content, settings)
    assert parsed.problems == []
    language_cafe, walk, football = parsed.drafts
    assert (language_cafe.titles, language_cafe.rrule(), language_cafe.free) == (
        {"sv": "Språkcafé", "en": "Language café"}, "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270615T235959", True)
    assert (walk.address, walk.lat, walk.lon, walk.registration, walk.rrule()) == (
        "Kärra centrum", 57.792, 11.99, "https://example.org/anmalan", None)
    # The area comes from the service when the row leaves it empty; a text may span lines in quotes.
    assert (football.area, football.free, football.age_min, football.age_max, football.descriptions["sv"],
            football.rrule()) == ("karra", False, 10, 15, "Träning, skor\nlånas ut.", "FREQ=MONTHLY;BYDAY=1SA;COUNT=6")


def test_semicolons_and_the_excel_byte_order_mark(content, settings, english) -> None:  # noqa: ANN001
    parsed = parse(rows_to_csv(GOOD, delimiter=";", bom=True), content, settings)
    assert parsed.problems == [] and len(parsed.drafts) == 3


def test_one_bad_row_among_good_ones_imports_nothing(content, settings, english) -> None:  # noqa: ANN001
    bad = list(GOOD[1])
    bad[HEADER.index("start")] = "9 december 18.00"
    bad[HEADER.index("category")] = "walks"
    parsed = parse(rows_to_csv([GOOD[0], GOOD[2], bad]), content, settings)
    assert parsed.drafts == []
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(4, "category", "unknown_category"),
                                                                    (4, "start", "start")]
    # Row 3 spans two lines of the file (a quoted line break) and is still counted as one row.
    assert parsed.problems[1].describe() == "Row 4, column start: write a date like 2026-12-01 16:00."
    assert parsed.problems[0].describe().startswith("Row 4, column category: “walks” is not a kind of activity.")


def test_every_kind_of_row_problem(content, settings, english) -> None:  # noqa: ANN001
    def row(**changes: str) -> list[str]:
        values = dict(zip(HEADER, GOOD[0], strict=True)) | changes
        return [values[name] for name in HEADER]

    rows = [
        row(title_sv="", organiser=""),
        row(venue_service="no-such-place", area="atlantis"),
        row(venue_service="", address="Torget 1", lat="11.99", lon="57.79"),
        row(venue_service="", address="Torget 1", lat="57,79", lon="11.99"),
        row(duration="1,5 h"),
        row(repeat="every tuesday"),
        row(repeat="FREQ=WEEKLY;COUNT=3", until="2027-01-01"),
        row(repeat="", until="2027-01-01"),
        row(until="2026-11-01"),
        row(repeat="", until="", start="2026-11-01 10:00"),
        row(free="maybe", age_min="12", age_max="6"),
        row(age_min="200", registration="www.example.org"),
        row(title_sv="x" * 121),
    ]
    problems = parse(rows_to_csv(rows), content, settings).problems
    assert [(p.row, p.column, p.code) for p in problems] == [
        (2, "title_sv", "required"), (2, "organiser", "required"),
        (3, "area", "unknown_area"), (3, "venue_service", "unknown_service"),
        (4, None, "outside"),
        (5, "lat", "number"),
        (6, "duration", "duration"),
        (7, "repeat", "repeat"),
        (8, "until", "until_twice"),
        (9, "until", "until_alone"),
        (10, "until", "until_before_start"), (10, "until", "past"),
        (11, "start", "past"),
        (12, "free", "free"), (12, "age_max", "ages_order"),
        (13, "age_min", "age"), (13, "registration", "link"),
        (14, "title_sv", "too_long"),
    ]
    for problem in problems:  # every one reads as a sentence, with its values filled in
        assert "{" not in problem.describe() and problem.describe().startswith(f"Row {problem.row}")


@pytest.mark.parametrize(("data", "code"), [
    ("Språkcafé".encode("latin-1") + b",x\n", "encoding"),
    (b"", "empty"),
    (b"\r\n \r\n", "empty"),
    (b"%PDF-1.4 binary\x00stuff", "not_csv"),
    (b"hello world\nthis is a letter, not a table\n", "not_csv"),
    (rows_to_csv([]), "no_rows"),
])
def test_broken_files_get_one_clear_problem(content, settings, english, data: bytes, code: str) -> None:  # noqa: ANN001
    problems = parse(data, content, settings).problems
    assert [problem.code for problem in problems] == [code]
    assert problems[0].describe()


def test_too_many_rows(content, settings, english) -> None:  # noqa: ANN001
    problems = parse(rows_to_csv([GOOD[0]] * 5000), content, settings).problems
    assert [(p.code, p.values) for p in problems] == [("too_many_rows", {"count": 5000, "limit": 1000})]
    assert problems[0].describe() == "The file has 5000 activities, and at most 1000 fit in one file. Please split it."


def test_columns_are_checked_before_rows(content, settings, english) -> None:  # noqa: ANN001
    header = [name if name != "title_sv" else "titel_sv" for name in HEADER] + ["title_sv", "duration"]
    problems = parse(rows_to_csv([GOOD[0] + ["x", "90"]], header=header), content, settings).problems
    assert [(p.column, p.code) for p in problems] == [("titel_sv", "unknown_column"),
                                                      ("duration", "duplicate_column")]
    header = [name for name in HEADER if name != "organiser"]
    problems = parse(rows_to_csv([GOOD[0][:-1]], header=header), content, settings).problems
    assert [(p.column, p.code) for p in problems] == [("organiser", "missing_column")]
    assert problems[0].describe() == "Column organiser: this column is missing, and it is needed."


def test_the_template_itself_is_valid(content, settings, english) -> None:  # noqa: ANN001
    template = (CONTENT_DIR.parent / "docs" / "activities-template.csv").read_bytes()
    parsed = parse(template, content, settings)
    assert parsed.problems == [] and len(parsed.drafts) == 2


# --- over Telegram ------------------------------------------------------------------------------------------------


async def staff_member(resident_factory, db, clock, user_id: int = 711) -> Resident:  # noqa: ANN001
    member = await onboarded(resident_factory, user_id, "en", "English")
    await queries.grant_role(db, user_id, STAFF, clock.now())
    await db.commit()
    return member


async def to_upload(staff: Resident) -> None:
    staff.send("/activity")
    await staff.expect()
    await staff.press(t("📄 Import from a CSV file", "en"))


def document(name: str, size: int, mime: str = "text/csv") -> dict:
    return {"file_id": f"file-{name}", "file_unique_id": f"u-{name}", "file_name": name, "mime_type": mime,
            "file_size": size}


async def test_the_template_is_sent_and_wrong_files_are_explained(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    await to_upload(staff)
    template = await staff.expect()
    assert template.method == "sendDocument" and template.filename == "activities-template.csv"
    assert template.document == (CONTENT_DIR.parent / "docs" / "activities-template.csv").read_bytes()
    await staff.expect(t("Start from the template below: one activity per row, and keep the first row (the column "
                         "names) as it is. Save it as “CSV UTF-8” and send the file here.", "en"), "homework-help")
    staff.send_content(document=document("programme.xlsx", 9000, "application/vnd.ms-excel"))
    await staff.expect(t("This is a spreadsheet file. Please save it as “CSV UTF-8” (File → Save as) and send that "
                         "file.", "en"))
    staff.send_content(document=document("big.csv", 5_000_000))
    await staff.expect(t("The file is too big: at most {limit} KB. Please split it.", "en").format(limit=1000))
    staff.send_content(document=document("photo.jpg", 100, "image/jpeg"))
    await staff.expect(t("Please send a CSV file (a name ending in .csv).", "en"))
    staff.send("hello")
    await staff.expect(t("Please use the buttons above, or Cancel.", "en"))
    await staff.press(t("✖️ Cancel", "en"))
    await staff.expect()
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(Activity)) == 0


async def test_importing_rows_in_one_transaction(app, db, clock, settings) -> None:  # noqa: ANN001
    """What the bot does with a checked file: every activity and its audit entry, in the caller's transaction."""
    with i18n.context(), i18n.use_locale("en"):
        parsed = parse(rows_to_csv(GOOD), app.content, settings)
    created = await activity_import.import_all(db, parsed.drafts, 711, clock.now())
    await db.commit()
    assert [a.slug for a in created] == ["staff-1", "staff-2", "staff-3"]
    assert await db.scalar(select(func.count()).where(AuditEntry.action == "activity.created",
                                                      AuditEntry.detail == "csv")) == 3
    week = await happenings(db, settings.tz, clock.now(), clock.now() + timedelta(days=7))
    assert [(h.activity.slug, h.occurrence.start) for h in week] == [
        ("staff-1", datetime(2026, 12, 1, 15, 0, tzinfo=UTC)), ("staff-3", datetime(2026, 12, 5, 9, 0, tzinfo=UTC))]




async def test_csv_sent_to_the_bot_imports_all_rows(app, db, clock, resident_factory, emulator) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    await to_upload(staff)
    await staff.expect()
    await staff.expect()
    staff.send_content(document=emulator.add_file(rows_to_csv(GOOD, delimiter=";", bom=True), "december.csv"))
    await staff.expect(i18n.gettext("✅ Imported {count} activity. Residents find it in /activities now.",
                                    "✅ Imported {count} activities. Residents find them in /activities now.", n=3,
                                    locale="en").format(count=3))

    async def imported() -> int:
        await db.rollback()
        return await db.scalar(select(func.count()).select_from(Activity))

    await eventually(imported, 3)


async def test_csv_with_a_bad_row_imports_nothing(app, db, clock, resident_factory, emulator) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    await to_upload(staff)
    await staff.expect()
    await staff.expect()
    bad = list(GOOD[1])
    bad[HEADER.index("start")] = "tomorrow"
    staff.send_content(document=emulator.add_file(rows_to_csv([GOOD[0], bad, GOOD[2]]), "december.csv"))
    nothing = t("<b>Nothing was imported.</b> Please fix this and send the file again:", "en")
    await staff.expect(nothing.replace("<b>", "").replace("</b>", ""),
                       "Row 3, column start: write a date like 2026-12-01 16:00.")
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(Activity)) == 0
