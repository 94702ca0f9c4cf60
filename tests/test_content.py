"""The content files: the shipped areas, categories and theme groups load; broken copies say what is wrong."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.content import ContentError, load_content, missing_languages, text_in
from bot.content_check import BUTTON_LABEL_LIMIT, check
from bot.languages import LANGUAGES

SHIPPED = PROJECT_ROOT / "content"
CATEGORIES = {
    "preschool", "school", "youth-centre", "library", "elderly-care", "social-services", "family-centre",
    "health-centre", "adult-education", "work-and-study", "leisure-sport", "associations", "safety",
}
THEME_GROUPS = {"child-poverty", "young-people", "safe-and-lively", "co-creation"}
# The primary areas of the former district Norra Hisingen (Göteborgs Stad).
PRIMARY_AREAS = {"backa", "brunnsbo", "karra", "rodbo", "skogome", "skalltorp", "save", "tuve"}
ELSEWHERE_ON_HISINGEN = {"kvillebacken", "backaplan", "lundby", "biskopsgarden", "torslanda"}
Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the four shipped files, for a test to break."""
    for name in ("areas.yaml", "categories.yaml", "theme_groups.yaml", "activity_categories.yaml"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change: Callable[[list[dict]], None]) -> None:
    """Change a content file the way a staff member would: load it, change an entry, save it."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(entries)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")


def entry(entries: list[dict], entry_id: str) -> dict:
    return next(item for item in entries if item["id"] == entry_id)


# --- the shipped content ---------------------------------------------------------------------------

def test_the_shipped_content_has_all_thirteen_categories_and_four_theme_groups_in_every_language() -> None:
    content = load_content()
    assert {category.id for category in content.categories} == CATEGORIES
    assert {group.id for group in content.theme_groups} == THEME_GROUPS
    assert {category.id for category in content.activity_categories} == {
        "children", "youth", "families", "seniors", "culture", "sport", "language-cafe", "homework-help",
        "parent-support", "jobs-studies", "safety-walks"}
    for item in [*content.categories, *content.theme_groups, *content.activity_categories]:
        assert missing_languages(item) == {}, item.id
        for field in item.translated:
            assert set(getattr(item, field)) == set(LANGUAGES), (item.id, field)


def test_the_areas_are_in_norra_hisingen_and_nowhere_else() -> None:
    areas = load_content().areas
    ids = {area.id for area in areas}
    assert PRIMARY_AREAS <= ids
    assert not ids & ELSEWHERE_ON_HISINGEN
    for area in areas:  # the north of Hisingen: north of Backaplan, south of the Nordre älv
        assert 57.73 <= area.centre.lat <= 57.87 and 11.80 <= area.centre.lon <= 12.05, area.id


def test_every_category_name_fits_a_button_in_every_language() -> None:
    for category in load_content().categories:
        for code, name in category.name.items():
            assert len(name) <= BUTTON_LABEL_LIMIT, (category.id, code, name)


def test_lookup_by_id_and_labels_in_the_residents_language() -> None:
    content = load_content()
    assert content.category("library").label("ar") == "📚 المكتبة"
    assert content.area("karra").name == "Kärra"
    assert content.area("backa").name_in("fi") == "Backa"  # no Finnish spelling: the Swedish name
    assert content.theme_group("young-people").name["en"] == "Young people 15–24"
    assert content.category("no-such-thing") is None


def test_a_missing_language_falls_back_to_swedish() -> None:
    assert text_in({"sv": "Bibliotek", "fi": "Kirjasto"}, "fi") == "Kirjasto"
    assert text_in({"sv": "Bibliotek"}, "so") == "Bibliotek"


def test_check_passes_on_the_shipped_content_and_prints_the_counts(capsys: Capsys) -> None:
    areas = len(load_content().areas)
    assert check() == 0
    report = capsys.readouterr().out
    assert f"areas.yaml: {areas} entries" in report
    assert "categories.yaml: 13 entries" in report
    assert "theme_groups.yaml: 4 entries" in report
    assert "Errors" not in report
    assert "OK: 0 errors" in report


# --- gaps that are warnings, not errors ------------------------------------------------------------

def test_a_missing_translation_loads_in_swedish_and_the_check_names_entry_and_languages(
    content_copy: Path, capsys: Capsys
) -> None:
    def drop_finnish_and_somali(entries: list[dict]) -> None:
        del entry(entries, "library")["name"]["fi"]
        del entry(entries, "library")["name"]["so"]

    edit(content_copy / "categories.yaml", drop_finnish_and_somali)
    library = load_content(content_copy).category("library")
    assert text_in(library.name, "fi") == "Bibliotek"
    assert check(content_copy) == 0
    assert "categories.yaml: entry 'library': name lacks so, fi" in capsys.readouterr().out


def test_the_check_lists_unverified_areas_only(content_copy: Path, capsys: Capsys) -> None:
    def verify_tuve_only(entries: list[dict]) -> None:
        for area in entries:
            area["verified"] = area["id"] == "tuve"

    edit(content_copy / "areas.yaml", verify_tuve_only)
    assert check(content_copy) == 0
    report = capsys.readouterr().out
    assert "areas.yaml: entry 'karra': verified is false" in report
    assert "entry 'tuve': verified" not in report


def test_a_long_button_label_is_a_warning(content_copy: Path, capsys: Capsys) -> None:
    long_name = "School, preschool class and after-school club"
    edit(content_copy / "categories.yaml", lambda items: entry(items, "school")["name"].update(en=long_name))
    assert check(content_copy) == 0
    assert "categories.yaml: entry 'school': name.en is 45 characters" in capsys.readouterr().out


# --- broken content: an error that names the file, the entry and the field -------------------------

def _without_swedish_name(entries: list[dict]) -> None:
    del entry(entries, "library")["name"]["sv"]


def _impossible_latitude(entries: list[dict]) -> None:
    entry(entries, "karra")["centre"]["lat"] = 957.9


def _swapped_coordinates(entries: list[dict]) -> None:
    entry(entries, "tuve")["centre"] = {"lat": 11.925, "lon": 57.757}


def _duplicate_id(entries: list[dict]) -> None:
    entries.append(dict(entry(entries, "child-poverty")))


def _unknown_language(entries: list[dict]) -> None:
    entry(entries, "library")["name"]["se"] = "Bibliotek"


def _misspelt_field(entries: list[dict]) -> None:
    entry(entries, "safety")["keyword"] = entry(entries, "safety").pop("keywords")


def _blank_text(entries: list[dict]) -> None:
    entry(entries, "co-creation")["purpose"]["en"] = "  "


def _bad_id(entries: list[dict]) -> None:
    entry(entries, "rodbo")["id"] = "Rödbo"


# name: (file, the staff member's slip, the start of the error they must see)
BROKEN = {
    "missing Swedish name": (
        "categories.yaml", _without_swedish_name,
        "categories.yaml: entry 'library': field name.sv: Field required",
    ),
    "impossible latitude": (
        "areas.yaml", _impossible_latitude,
        "areas.yaml: entry 'karra': field centre.lat: Input should be less than or equal to 90",
    ),
    "lat and lon swapped": (
        "areas.yaml", _swapped_coordinates,
        "areas.yaml: entry 'tuve': field centre: lat 11.925, lon 57.757 is outside",
    ),
    "duplicate id": (
        "theme_groups.yaml", _duplicate_id,
        "theme_groups.yaml: entry 'child-poverty': field id: duplicate id, already used by entry #1",
    ),
    "unknown language code": (
        "categories.yaml", _unknown_language,
        "categories.yaml: entry 'library': field name: unknown language code 'se'",
    ),
    "misspelt field": (
        "categories.yaml", _misspelt_field,
        "categories.yaml: entry 'safety': field keyword: unknown field",
    ),
    "blank text": (
        "theme_groups.yaml", _blank_text,
        "theme_groups.yaml: entry 'co-creation': field purpose.en: String should have at least 1 character",
    ),
    "id that is not a slug": (
        "areas.yaml", _bad_id,
        "areas.yaml: entry 'Rödbo': field id: use only a-z, 0-9 and '-'",
    ),
}


@pytest.mark.parametrize("filename, change, message", BROKEN.values(), ids=BROKEN.keys())
def test_broken_content_is_an_error_naming_file_entry_and_field(
    content_copy: Path, filename: str, change: Callable[[list[dict]], None], message: str
) -> None:
    edit(content_copy / filename, change)
    with pytest.raises(ContentError) as raised:
        load_content(content_copy)
    assert message in str(raised.value)


@pytest.mark.parametrize("filename, change, message", BROKEN.values(), ids=BROKEN.keys())
def test_the_check_fails_on_broken_content_and_prints_the_error(
    content_copy: Path, capsys: Capsys, filename: str, change: Callable[[list[dict]], None], message: str
) -> None:
    edit(content_copy / filename, change)
    assert check(content_copy) == 1
    report = capsys.readouterr().out
    assert f"{filename}: has errors" in report
    assert f"  - {message}" in report
    assert "NOT OK: 1 error" in report


def test_a_yaml_syntax_error_names_the_file_and_line(content_copy: Path, capsys: Capsys) -> None:
    # A colon followed by a space inside an unquoted text is the classic slip.
    broken = "- id: child-poverty\n  name:\n    sv: Barn: fattigdom\n  purpose:\n    sv: Något.\n"
    (content_copy / "theme_groups.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ContentError, match=r"^theme_groups\.yaml: line 3, column \d+: not valid YAML: "):
        load_content(content_copy)
    assert check(content_copy) == 1
    assert "theme_groups.yaml: line 3" in capsys.readouterr().out


def test_a_key_written_twice_is_an_error_not_a_silent_overwrite(content_copy: Path) -> None:
    (content_copy / "areas.yaml").write_text(
        "- id: tuve\n  name: Tuve\n  centre: {lat: 57.757, lon: 11.925}\n  name: Säve\n", encoding="utf-8"
    )
    expected = r"areas\.yaml: line 4, column 3: not valid YAML: 'name' is written twice"
    with pytest.raises(ContentError, match=expected):
        load_content(content_copy)


def test_every_problem_in_every_file_is_reported_at_once(content_copy: Path) -> None:
    edit(content_copy / "categories.yaml", _without_swedish_name)
    edit(content_copy / "areas.yaml", _impossible_latitude)
    (content_copy / "theme_groups.yaml").unlink()
    with pytest.raises(ContentError) as raised:
        load_content(content_copy)
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "areas.yaml", "categories.yaml", "theme_groups.yaml"
    ]
    assert "theme_groups.yaml: file is missing" in str(raised.value)


def test_an_entry_without_an_id_is_named_by_its_number(content_copy: Path) -> None:
    edit(content_copy / "categories.yaml", lambda entries: entries[1].pop("id"))
    with pytest.raises(ContentError, match=r"categories\.yaml: entry #2: field id: Field required"):
        load_content(content_copy)


def test_content_check_also_reports_a_broken_service_file(tmp_path, capsys) -> None:  # noqa: ANN001
    folder = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    path = folder / "services" / "library.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lat: 57.", "lat: nine", 1), encoding="utf-8")
    assert check(folder) == 1
    output = capsys.readouterr().out
    assert "services/library.yaml: entry 'library-backa': field location.lat" in output
