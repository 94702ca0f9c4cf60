"""Poll results: counts per option (a multiple choice counts options), breakdowns, reach with the under-represented
flag, comments from 10 respondents, the card, the residents' summary, chart bars and the CSV, on a real database.

Small cells: a brute-force reader tries every table that would show what the card shows and checks that no hidden
small number is pinned down, both the reader of the issue (total, shown cells, "<5", sums) and a sharper one who
also knows the suppression rule itself. The same reader does pin cells down in naively suppressed tables, and in
tables suppressed with a weaker rule, so it can fail."""

import csv
import io
import itertools
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot import poll_results, polls
from bot.i18n import create_i18n
from bot.library import ContentStore
from bot.poll_results import HIDDEN, MIN_CELL, SMALL, Results, Shown, suppress
from db.migrate import upgrade
from db.models import Delivery, OutboxMessage, Poll, PollAnswer, PollComment, User
from db.session import create_engine, create_sessionmaker
from tests.conftest import POLL_SECRET

KEY = POLL_SECRET.encode()
TZ = ZoneInfo("Europe/Stockholm")
OPENS = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=2)
QUESTION = {"sv": "Vad vill du göra på fritidsgården?", "en": "What do you want to do at the youth centre?",
            "ar": "ماذا تريد أن تفعل في مركز الشباب؟"}
OPTIONS = [{"sv": "Spela musik", "en": "Play music", "ar": "العزف"}, {"sv": "Laga mat", "en": "Cook", "ar": "الطبخ"},
           {"sv": "Läxhjälp", "en": "Homework help", "ar": "مساعدة في الواجبات"}]

i18n = create_i18n()
_people = itertools.count(700_000)


def t(message: str, locale: str) -> str:
    return i18n.gettext(message, locale=locale)


def tn(singular: str, plural: str, count: int, locale: str) -> str:
    return i18n.gettext(singular, plural, count, locale=locale).format(count=count)


# --- the brute-force reader -----------------------------------------------------------------------------------------


def _sums(ranges: list[range], total: int) -> Iterator[tuple[int, ...]]:
    """Every choice of one value from each range that adds up to `total`."""
    if not ranges:
        if total == 0:
            yield ()
        return
    rest_low = sum(r.start for r in ranges[1:])
    rest_high = sum(r.stop - 1 for r in ranges[1:])
    for value in ranges[0]:
        if rest_low <= total - value <= rest_high:
            for tail in _sums(ranges[1:], total - value):
                yield (value, *tail)


def readings(shown: dict[str, Shown], total: int, *, covering: bool = False, floor: int = 0,
             knows_rule: bool = False) -> dict[str, set[int]]:
    """What a reader can tell about each hidden cell: the set of values it can have, given the total, the shown
    cells, that "<5" is under 5 (and at least `floor`), that the cells add up to the total (for a covering: to at
    least the total, none above it). The reader of the issue also takes a "*" beside a "<5" to be 5 or more; the
    reader who knows the rule instead keeps only the tables that `suppress` turns into exactly what is shown."""
    keys = list(shown)
    hidden = [key for key in keys if isinstance(shown[key], str)]
    shown_sum = sum(value for value in shown.values() if isinstance(value, int))
    beside_small = any(value == SMALL for value in shown.values())

    def domain(key: str) -> range:
        if shown[key] == SMALL:
            return range(floor, min(MIN_CELL, total + 1))
        if beside_small and not knows_rule:
            return range(MIN_CELL, total + 1)
        return range(floor, total + 1)

    domains = [domain(key) for key in hidden]
    if covering:
        tables = (values for values in itertools.product(*domains) if shown_sum + sum(values) >= total)
    else:
        tables = _sums(domains, total - shown_sum)
    possible: dict[str, set[int]] = {key: set() for key in hidden}
    for values in tables:
        if knows_rule:
            table = {key: shown[key] for key in keys} | dict(zip(hidden, values, strict=True))
            if suppress(table, total, covering=covering, floor=floor) != shown:  # type: ignore[arg-type]
                continue
        for key, value in zip(hidden, values, strict=True):
            possible[key].add(value)
    return possible


def pinned(cells: dict[str, int], shown: dict[str, Shown], total: int, *, covering: bool = False,
           floor: int = 0, knows_rule: bool = False) -> list[str]:
    """Hidden cells the reader narrows to one value (with the rule known: the small ones, since a "*" that is
    worked out is a number of 5 or more, which the card could have shown anyway)."""
    possible = readings(shown, total, covering=covering, floor=floor, knows_rule=knows_rule)
    for key, values in possible.items():
        assert cells[key] in values, f"the reader lost the true value of {key}: {cells} → {shown}"
    return [key for key, values in possible.items()
            if len(values) <= 1 and (not knows_rule or cells[key] < MIN_CELL)]


def narrowed(cells: dict[str, int], shown: dict[str, Shown], total: int, *, covering: bool = False,
             floor: int = 0) -> list[str]:
    """Small cells the issue's reader narrows to fewer than three values (0 or 1, say, is all but given away)."""
    possible = readings(shown, total, covering=covering, floor=floor)
    return [key for key, values in possible.items() if cells[key] < MIN_CELL and len(values) < 3]


def primary_only(cells: dict[str, int]) -> dict[str, Shown]:
    """Naive suppression: small cells hidden, nothing else."""
    return suppress(cells)


def letters(values: list[int]) -> dict[str, int]:
    return {chr(ord("a") + index): value for index, value in enumerate(values)}


# --- suppression, pure -----------------------------------------------------------------------------------------------


def test_cells_under_five_show_lt5_zero_included_and_the_rest_their_count() -> None:
    assert suppress({"a": 12, "b": 4, "c": 0, "d": 5, "e": 1}) == {"a": 12, "b": SMALL, "c": SMALL, "d": 5,
                                                                   "e": SMALL}


@pytest.mark.parametrize(("values", "covering", "total", "what"), [
    ([20, 3], False, 23, "one small cell: the total minus the other"),
    ([30, 0, 0], False, 30, "two small cells adding up to 0"),
    ([30, 12, 1, 0], False, 43, "two small cells adding up to 1: each is 0 or 1"),
    ([40, 4, 4], False, 48, "two small cells that can only be 4 and 4"),
    ([20, 4], True, 24, "a multiple choice: everyone chose one, so the second is at least 24 − 20"),
])
def test_subtraction_reveals_naively_hidden_cells_but_not_ours(values: list[int], covering: bool, total: int,
                                                               what: str) -> None:
    cells = letters(values)
    naive = primary_only(cells)
    assert narrowed(cells, naive, total, covering=covering), f"naive suppression should leak: {what}"
    ours = suppress(cells, total, covering=covering)
    assert not any(isinstance(ours[key], int) and value < MIN_CELL for key, value in cells.items())
    assert not narrowed(cells, ours, total, covering=covering)
    assert not pinned(cells, ours, total, covering=covering)
    assert not pinned(cells, ours, total, covering=covering, knows_rule=True)


def test_a_hidden_five_beside_a_zero_would_give_both_away_so_more_is_hidden() -> None:
    """The issue's "hide until the hidden cells hold 5" alone: 0 and 5 hidden, 30 shown, total 35. A "*" is at
    least 5, so the reader gets 0 and 5 back."""
    cells = {"a": 30, "b": 5, "c": 0}
    sum_rule_only = {"a": 30, "b": HIDDEN, "c": SMALL}
    assert pinned(cells, sum_rule_only, 35) == ["b", "c"]
    ours = suppress(cells, 35)
    assert ours == {"a": HIDDEN, "b": HIDDEN, "c": HIDDEN}  # all hidden: nothing says which was small
    assert not pinned(cells, ours, 35, knows_rule=True)


def test_the_usual_case_keeps_the_big_answer_and_hides_one_more() -> None:
    # 20 answers: 10, 6 and 4. "<5" alone would give 4 away (20 − 10 − 6); hiding the 6 too is enough.
    shown = suppress({"music": 10, "cook": 6, "homework": 4}, 20)
    assert shown == {"music": 10, "cook": HIDDEN, "homework": SMALL}
    assert not pinned({"music": 10, "cook": 6, "homework": 4}, shown, 20, knows_rule=True)
    # Nothing small: nothing hidden, whatever the total.
    assert suppress({"a": 5, "b": 9, "c": 30}, 44) == {"a": 5, "b": 9, "c": 30}


def test_a_reader_who_knows_the_rule_pins_cells_when_two_possible_values_are_deemed_enough(monkeypatch) -> None:  # noqa: ANN001
    """Why a "<5" must keep three possible values: with two, the rule itself gives cells away (the reader then
    knows that the hidden 17 is no larger than the shown 21, and that hiding the 18 was needed), so this test's
    reader can fail."""
    monkeypatch.setattr(poll_results, "SMALL_SPREAD", 2)
    cells = letters([21, 18, 17, 4])
    shown = suppress(cells, 60)
    assert shown == {"a": 21, "b": HIDDEN, "c": HIDDEN, "d": SMALL}
    assert not pinned(cells, shown, 60)  # the reader finds nothing …
    assert pinned(cells, shown, 60, knows_rule=True) == ["d"]  # … but the rule gives the 4 away
    choice = letters([21, 4, 15])
    assert pinned(choice, suppress(choice, 40, covering=True), 40, covering=True, knows_rule=True) == ["b"]
    monkeypatch.undo()
    for table, total, covering in ((cells, 60, False), (choice, 40, True)):
        assert not pinned(table, suppress(table, total, covering=covering), total, covering=covering,
                          knows_rule=True)


@pytest.mark.parametrize(("covering", "floor", "cases"), [(False, 0, 400), (False, 1, 300), (True, 0, 250)])
def test_no_reader_pins_a_small_cell_in_many_random_tables(covering: bool, floor: int, cases: int) -> None:
    rng = random.Random(20261130 + floor + 10 * covering)
    pool = [0, 1, 2, 3, 4, 4, 4, 5, 5, 6, 7, 9, 12, 20]
    hidden_some = 0
    for _ in range(cases):
        values = [max(floor, rng.choice(pool)) for _ in range(rng.randint(2, 4))]
        if covering:
            total = rng.randint(max(values), max(values) + max(0, sum(values) - max(values)))
        else:
            total = sum(values)
        if total < MIN_CELL:
            continue
        cells = letters(values)
        shown = suppress(cells, total, covering=covering, floor=floor)
        assert all(shown[key] == value for key, value in cells.items() if isinstance(shown[key], int))
        assert not any(isinstance(shown[key], int) and value < MIN_CELL for key, value in cells.items())
        hidden = [key for key in cells if isinstance(shown[key], str)]
        hidden_some += bool(hidden)
        if not covering and hidden:
            assert sum(cells[key] for key in hidden) >= MIN_CELL, (cells, shown)
        assert not pinned(cells, shown, total, covering=covering, floor=floor), (cells, total, shown)
        assert not narrowed(cells, shown, total, covering=covering, floor=floor), (cells, total, shown)
        assert not pinned(cells, shown, total, covering=covering, floor=floor, knows_rule=True), (cells, total, shown)
    assert hidden_some > cases // 3  # the tables did exercise the rule


# --- on a database ---------------------------------------------------------------------------------------------------


@pytest.fixture
async def session(clean_database: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(clean_database)
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
def library(content: ContentStore):  # noqa: ANN201
    return content.current.content


async def add_poll(session: AsyncSession, kind: str = polls.SINGLE, options: list[dict] | None = None,
                   invited: int | None = None, questions: dict | None = None) -> Poll:
    poll = Poll(theme_group="young-people", kind=kind, questions=questions or QUESTION,
                options=(options if options is not None else OPTIONS) if kind in (polls.SINGLE, polls.MULTIPLE)
                else [], comment_step=True, audience={}, opens_at=OPENS, closes_at=CLOSES, created_by=1,
                created_at=OPENS, invited_delivery_id=invited)
    session.add(poll)
    await session.flush()
    return poll


async def answer(session: AsyncSession, poll: Poll, choices: int, count: int = 1, *, area: str = "backa",
                 language: str = "sv", source: str = polls.FROM_INVITATION) -> None:
    session.add_all(PollAnswer(poll_id=poll.id, pseudonym=polls.pseudonym(KEY, poll.id, next(_people)),
                               choices=choices, area=area, language=language, source=source)
                    for _ in range(count))
    await session.flush()


async def invite(session: AsyncSession, groups: list[tuple[str, str | None, int, str]]) -> int:
    """A poll invitation delivery: (language, area, how many, outbox status) per group of residents."""
    delivery = Delivery(kind="poll", created_at=OPENS)
    session.add(delivery)
    await session.flush()
    rows = []
    for language, area, count, status in groups:
        for _ in range(count):
            person = next(_people)
            session.add(User(id=person, language=language, area=area, consent_at=OPENS, first_seen=OPENS,
                             last_seen=OPENS))
            rows.append(OutboxMessage(delivery_id=delivery.id, user_id=person, language=language, not_before=OPENS,
                                      status=status))
    await session.flush()
    session.add_all(rows)
    await session.flush()
    return delivery.id


def values(cells: tuple[poll_results.Cell, ...]) -> dict[str, Shown]:
    return {cell.key: cell.value for cell in cells}


def render(locale: str, function, *args, **kwargs) -> str:  # noqa: ANN001
    with i18n.context(), i18n.use_locale(locale):
        return function(*args, **kwargs)


async def test_single_choice_counts_percentages_and_breakdowns(session, library) -> None:  # noqa: ANN001
    poll = await add_poll(session)
    await answer(session, poll, 0b001, 14, area="backa", language="sv", source=polls.FROM_INVITATION)
    await answer(session, poll, 0b001, 6, area="tuve", language="ar", source=polls.FROM_LIST)
    await answer(session, poll, 0b010, 12, area="tuve", language="sv", source="backa-bibliotek")
    await answer(session, poll, 0b100, 8, area="", language="en", source=polls.FROM_INVITATION)
    results = await poll_results.compute(session, poll, library)

    assert results.responses == 40
    assert values(results.options) == {"0": 20, "1": 12, "2": 8}
    assert [cell.share for cell in results.options] == [0.5, 0.3, 0.2]
    assert values(results.areas) == {"backa": 14, "tuve": 18, "": 8}  # in content order, "no area" last
    assert values(results.languages) == {"sv": 26, "en": 8, "ar": 6}
    assert values(results.sources) == {polls.FROM_INVITATION: 22, polls.FROM_LIST: 6, "backa-bibliotek": 12}
    assert results.sent is None and results.reach_languages == () and results.comments == ()  # none written

    card = render("en", poll_results.card_text, results, poll, library, "en", TZ, CLOSES + timedelta(hours=1))
    assert "What do you want to do at the youth centre?" in card
    assert "• Play music: <b>20</b> (50%)" in card and "• Cook: <b>12</b> (30%)" in card
    assert "• Tuve: <b>18</b> (45%)" in card
    assert f"• {t('No area given', 'en')}: <b>8</b> (20%)" in card
    assert "• العربية: <b>6</b> (15%)" in card
    assert f"• {t('The /polls list', 'en')}: <b>6</b> (15%)" in card and "• backa-bibliotek: <b>12</b>" in card
    assert t("🔒 Closed {moment}", "en").split("{")[0] in card and "2 December 2026" in card
    assert "&lt;5" not in card  # nothing hidden, so no footnote either


async def test_multiple_choice_counts_options_not_combinations(session, library) -> None:  # noqa: ANN001
    poll = await add_poll(session, kind=polls.MULTIPLE)
    await answer(session, poll, 0b011, 6)  # music and cooking
    await answer(session, poll, 0b001, 4)  # music only
    await answer(session, poll, 0b110, 2)  # cooking and homework
    results = await poll_results.compute(session, poll, library)
    assert results.responses == 12  # people, not ticks (18)
    assert values(results.options) == {"0": 10, "1": 8, "2": SMALL}
    # Shares of the respondents who chose each: they add up to more than 100 %.
    assert [cell.share for cell in results.options[:2]] == [10 / 12, 8 / 12]
    card = render("en", poll_results.card_text, results, poll, library, "en", TZ)
    assert "• Play music: <b>10</b> (83%)" in card and "• Homework help: &lt;5" in card
    assert t("One person can choose several answers: the percentages are of everyone who answered.", "en") in card


async def test_a_multiple_choice_hides_a_cell_the_respondent_count_would_pin(session, library) -> None:  # noqa: ANN001
    # 24 people, each chose one of two: 20 and 4. "<5" next to 20 of 24 would be exactly 4.
    poll = await add_poll(session, kind=polls.MULTIPLE, options=OPTIONS[:2])
    await answer(session, poll, 0b01, 20)
    await answer(session, poll, 0b10, 4)
    results = await poll_results.compute(session, poll, library)
    assert values(results.options) == {"0": HIDDEN, "1": HIDDEN}
    assert all(cell.share is None for cell in results.options)


async def test_yes_no_and_rating_partition_the_responses_so_a_complement_is_hidden(session, library) -> None:  # noqa: ANN001
    yesno = await add_poll(session, kind=polls.YESNO)
    await answer(session, yesno, 0b01, 20)
    await answer(session, yesno, 0b10, 3)
    results = await poll_results.compute(session, yesno, library)
    assert values(results.options) == {"0": HIDDEN, "1": HIDDEN}  # "yes 20 of 23" would say "no 3"
    card = render("sv", poll_results.card_text, results, yesno, library, "sv", TZ)
    options = card.split(t("Answers", "sv"))[1].split("\n\n")[0]
    assert "20" not in options and "3" not in options and "87" not in options

    rating = await add_poll(session, kind=polls.RATING)
    for stars, count in ((1, 0), (2, 1), (3, 6), (4, 15), (5, 20)):
        await answer(session, rating, 1 << (stars - 1), count)
    results = await poll_results.compute(session, rating, library)
    assert values(results.options) == {"0": SMALL, "1": SMALL, "2": HIDDEN, "3": 15, "4": 20}
    assert results.average is None  # a mean with the shown cells would give the hidden ones away
    assert not pinned({"0": 0, "1": 1, "2": 6, "3": 15, "4": 20}, values(results.options), 42, knows_rule=True)

    clear = await add_poll(session, kind=polls.RATING)
    for stars, count in ((1, 5), (2, 5), (3, 10), (4, 10), (5, 10)):
        await answer(session, clear, 1 << (stars - 1), count)
    results = await poll_results.compute(session, clear, library)
    assert results.average == pytest.approx((5 + 10 + 30 + 40 + 50) / 40)
    assert render("en", poll_results.card_text, results, clear, library, "en", TZ).count("⭐⭐⭐⭐⭐: <b>10</b>") == 1


async def test_breakdowns_hide_small_groups_so_that_totals_do_not_give_them_away(session, library) -> None:  # noqa: ANN001
    poll = await add_poll(session)
    await answer(session, poll, 0b001, 20, area="backa", language="sv")
    await answer(session, poll, 0b010, 8, area="tuve", language="en")
    await answer(session, poll, 0b100, 2, area="save", language="so")
    await answer(session, poll, 0b100, 10, area="", language="sv")
    results = await poll_results.compute(session, poll, library)
    assert results.responses == 40
    # Säve (2) alone would be 40 − 20 − 8 − 10; Tuve (8, the smallest other) goes too.
    assert values(results.areas) == {"backa": 20, "tuve": HIDDEN, "save": SMALL, "": 10}
    assert values(results.languages) == {"sv": 30, "en": HIDDEN, "so": SMALL}
    for table, cells in ((results.areas, {"backa": 20, "tuve": 8, "save": 2, "": 10}),
                         (results.languages, {"sv": 30, "en": 8, "so": 2})):
        shown = values(table)
        assert not pinned(cells, shown, 40, floor=1)
        assert not pinned(cells, shown, 40, floor=1, knows_rule=True)
    card = render("en", poll_results.card_text, results, poll, library, "en", TZ)
    by_area = card.split(t("By area", "en"))[1].split("\n\n")[0]
    assert "• &lt;5: Säve" in by_area and "• *: Tuve" in by_area
    assert [line for line in by_area.splitlines() if "Säve" in line or "Tuve" in line] == ["• &lt;5: Säve", "• *: Tuve"]
    assert t("{small} = fewer than 5 · {hidden} = hidden so that the small numbers cannot be worked out. This "
             "protects who answered.", "en").format(small="&lt;5", hidden="*") in card


async def test_fewer_than_five_responses_show_nothing_but_that(session, library) -> None:  # noqa: ANN001
    poll = await add_poll(session)
    await answer(session, poll, 0b001, 3)
    await answer(session, poll, 0b010, 1)
    session.add(PollComment(id="c1", poll_id=poll.id, language="sv", text="Mer musik!"))
    await session.flush()
    results = await poll_results.compute(session, poll, library)
    assert results.too_few and results.responses is None and results.options == () and results.comments is None
    for locale in ("sv", "ar"):
        card = render(locale, poll_results.card_text, results, poll, library, locale, TZ)
        assert t("👥 Fewer than 5 responses. Results are shown from 5 responses on, to protect who answered.",
                 locale) in card
        assert "Spela musik" not in card and "Mer musik" not in card and "3" not in card.split("\n", 2)[2]
        summary = render(locale, poll_results.resident_summary, results, poll, locale)
        assert t("Fewer than 5 people answered, so no results are shown: with so few, answers could be traced to "
                 "the people who gave them.", locale) in summary
    data = render("en", poll_results.csv_bytes, results, poll, library, "en")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [t("Responses", "en"), SMALL] in rows and not any("Play music" in cell for row in rows for cell in row)
    assert render("en", poll_results.chart_bars, results, poll, "en") == [
        ("Play music", None, None), ("Cook", None, None), ("Homework help", None, None)]


async def test_comments_are_shown_from_ten_respondents(session, library) -> None:  # noqa: ANN001
    poll = await add_poll(session)
    await answer(session, poll, 0b001, 9)
    session.add_all(PollComment(id=f"c{n}", poll_id=poll.id, language="sv", text=f"Kommentar {n} <b>")
                    for n in range(3))
    await session.flush()
    results = await poll_results.compute(session, poll, library)
    assert results.responses == 9 and results.comments is None
    assert "Kommentar" not in render("en", poll_results.card_text, results, poll, library, "en", TZ)

    await answer(session, poll, 0b010, 1)
    results = await poll_results.compute(session, poll, library)
    assert results.responses == 10 and results.comment_count == 3
    assert sorted(results.comments or ()) == ["Kommentar 0 <b>", "Kommentar 1 <b>", "Kommentar 2 <b>"]
    card = render("en", poll_results.card_text, results, poll, library, "en", TZ)
    assert "💬 Kommentar 1 &lt;b&gt;" in card and f"<b>{t('Comments', 'en')}</b> (3)" in card
    summary = render("en", poll_results.resident_summary, results, poll, "en")
    assert "Kommentar" not in summary and t("By area", "en") not in summary


async def test_reach_sets_responses_beside_invitations_and_flags_groups_left_behind(session, library) -> None:  # noqa: ANN001
    delivery = await invite(session, [
        ("sv", "backa", 60, "sent"), ("sv", "tuve", 40, "sent"), ("sv", "tuve", 25, "blocked"),
        ("en", "backa", 30, "sent"), ("ar", "tuve", 40, "sent"), ("fi", None, 50, "sent"), ("so", "save", 6, "sent")])
    poll = await add_poll(session, invited=delivery)
    await answer(session, poll, 0b001, 25, area="backa", language="sv")
    await answer(session, poll, 0b010, 15, area="tuve", language="sv")
    await answer(session, poll, 0b100, 12, area="backa", language="en")
    await answer(session, poll, 0b001, 3, area="tuve", language="ar")
    results = await poll_results.compute(session, poll, library)

    assert results.sent == 226  # the blocked ones were not reached
    assert results.responses == 55 and results.overall_rate == pytest.approx(55 / 226)
    languages = {row.key: row for row in results.reach_languages}
    assert [row.key for row in results.reach_languages] == ["sv", "fi", "ar", "en", "so"]  # most invited first
    assert (languages["sv"].sent, languages["sv"].answered, languages["sv"].rate) == (100, 40, 0.4)
    assert not languages["sv"].under
    # Arabic: 3 of 40 is hidden, but even 4 of 40 is under half the overall rate (24 %): flagged.
    assert (languages["ar"].answered, languages["ar"].rate, languages["ar"].under) == (SMALL, None, True)
    # Finnish: invited, nobody answered: "<5" and flagged.
    assert (languages["fi"].answered, languages["fi"].under) == (SMALL, True)
    # English 12 is hidden beside Arabic ("*"): up to 15 of 30 is possible, so no flag can be given.
    assert (languages["en"].answered, languages["en"].under) == (HIDDEN, False)
    # Somali: 6 invited is too few to flag.
    assert (languages["so"].sent, languages["so"].under) == (6, False)
    areas = {row.key: row for row in results.reach_areas}
    assert (areas["backa"].sent, areas["backa"].answered) == (90, 37)
    assert (areas["tuve"].sent, areas["tuve"].answered) == (80, 18)  # the area the residents have now
    assert (areas[""].sent, areas[""].answered, areas[""].under) == (50, SMALL, True)

    card = render("en", poll_results.card_text, results, poll, library, "en", TZ)

    def line(group: str, answered: str, sent: int) -> str:
        return "• " + t("{group}: {answered} of {sent}", "en").format(group=group, answered=answered, sent=sent)

    assert line("Svenska", "40", 100) + " (40%)\n" in card
    assert line("العربية", "&lt;5", 40) + " ⚠️\n" in card and line("Suomi", "&lt;5", 50) + " ⚠️\n" in card
    assert line("English", "*", 30) + "\n" in card
    assert t("⚠️ = under half the overall response rate", "en") in card


async def test_csv_has_a_bom_parses_back_and_hides_the_same_cells(session, library) -> None:  # noqa: ANN001
    delivery = await invite(session, [("sv", "backa", 30, "sent"), ("en", "tuve", 12, "sent")])
    options = [{"sv": "=HYPERLINK(\"http://x\")"}, *OPTIONS[1:]]
    poll = await add_poll(session, options=options, invited=delivery)
    await answer(session, poll, 0b001, 10, language="sv")
    await answer(session, poll, 0b010, 6, language="sv")
    await answer(session, poll, 0b100, 4, language="en")
    await answer(session, poll, 0b001, 7, language="ar")
    results = await poll_results.compute(session, poll, library)
    assert values(results.options) == {"0": 17, "1": HIDDEN, "2": SMALL}
    assert values(results.languages) == {"sv": 16, "en": SMALL, "ar": HIDDEN}

    for locale in ("sv", "en"):
        data = render(locale, poll_results.csv_bytes, results, poll, library, locale)
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == [t("Question", locale), QUESTION[locale]]
        assert [t("Responses", locale), "27"] in rows
        header = rows.index([t("Answer", locale), t("Count", locale), t("Percent", locale)])
        # A cell starting with "=" would run as a formula in Excel; the hidden ones are marked as on the card.
        assert rows[header + 1:header + 4] == [["'=HYPERLINK(\"http://x\")", "17", "63"],
                                               [OPTIONS[1][locale], HIDDEN, ""], [OPTIONS[2][locale], SMALL, ""]]
        header = rows.index([t("Language", locale), t("Count", locale), t("Percent", locale)])
        assert rows[header + 1:header + 4] == [["Svenska", "16", "59"], ["English", SMALL, ""],
                                               ["العربية", HIDDEN, ""]]
        header = rows.index([t("Reach by language", locale), t("Invitations delivered", locale),
                             t("Responses", locale), t("Response rate (percent)", locale),
                             t("Under-represented", locale)])
        assert rows[header + 1:header + 3] == [["Svenska", "30", "16", "53", ""], ["English", "12", SMALL, "", ""]]
        assert rows[-1][0] == t("Note", locale) and SMALL in rows[-1][1]


async def test_card_fits_telegram_in_swedish_and_arabic_with_many_comments(session, library) -> None:  # noqa: ANN001
    delivery = await invite(session, [("sv", "backa", 40, "sent"), ("ar", "tuve", 40, "sent")])
    poll = await add_poll(session, invited=delivery)
    await answer(session, poll, 0b001, 30, language="sv")
    await answer(session, poll, 0b010, 12, language="ar", area="tuve")
    for number in range(14):
        await answer(session, poll, 0b100, 5, language="sv", source=f"affisch-{number}")
    session.add_all(PollComment(id=f"c{n:03}", poll_id=poll.id, language="sv", text=f"{n} " + "Bra idé! " * 60)
                    for n in range(40))
    await session.flush()
    results = await poll_results.compute(session, poll, library)
    assert results.responses == 112 and results.comment_count == 40

    for locale in ("sv", "ar"):
        card = render(locale, poll_results.card_text, results, poll, library, locale, TZ, CLOSES)
        assert len(card.encode("utf-16-le")) // 2 <= 4096
        assert QUESTION[locale] in card and OPTIONS[0][locale] in card
        assert all(library.area(area).name_in(locale) in card for area in ("backa", "tuve"))
        shown = card.count("💬")
        assert 0 < shown < 40
        assert card.endswith(tn("… and {count} more", "… and {count} more", 40 - shown, locale))
        assert tn("… and {count} more in the CSV", "… and {count} more in the CSV", 3, locale) in card  # 15 sources
    summary = render("ar", poll_results.resident_summary, results, poll, "ar")
    assert QUESTION["ar"] in summary and "العزف" in summary and "27%" in summary and "💬" not in summary
    assert t("By language", "ar") not in summary
    bars = render("sv", poll_results.chart_bars, results, poll, "sv")
    assert bars[0] == ("Spela musik", 30, pytest.approx(30 / 112 * 100))
    assert render("sv", poll_results.chart_note, results, "sv").startswith("112")


async def test_results_hold_no_raw_counts_of_hidden_cells(session, library) -> None:  # noqa: ANN001
    poll = await add_poll(session)
    await answer(session, poll, 0b001, 9)
    await answer(session, poll, 0b010, 3)
    results = await poll_results.compute(session, poll, library)
    # 12 answers: 9 and 3 and 0. Hiding "<5" alone lets 12 − 9 give 3 away, so everything is hidden.
    assert values(results.options) == {"0": HIDDEN, "1": HIDDEN, "2": HIDDEN}
    assert isinstance(results, Results) and "3" not in repr(results.options)
    for locale in ("en", "ar"):
        bars = render(locale, poll_results.chart_bars, results, poll, locale)
        assert [count for _label, count, _share in bars] == [HIDDEN, HIDDEN, HIDDEN]  # the chart shows the mark
        summary = render(locale, poll_results.resident_summary, results, poll, locale)
        assert "75" not in summary and "25" not in summary


async def test_the_longest_card_still_fits_and_keeps_every_answer(session, library) -> None:  # noqa: ANN001
    question = {"sv": "Fråga " + "lång " * 58, "ar": "سؤال " + "طويل " * 58}
    options = [{"sv": f"{n} Alternativ " + "x" * 45, "ar": f"{n} خيار " + "ط" * 50} for n in range(10)]
    groups = [(language, area.id, 12, "sent") for language in ("sv", "en", "ar", "so", "fa", "bs", "ckb", "fi")
              for area in library.areas]
    poll = await add_poll(session, options=options, questions=question, invited=await invite(session, groups))
    for number in range(40):
        await answer(session, poll, 1 << (number % 10), 6, area=library.areas[number % 9].id,
                     language=list(polls.LANGUAGES)[number % 8], source=f"affisch-nummer-{number:02}-" + "x" * 12)
    session.add_all(PollComment(id=f"c{n:03}", poll_id=poll.id, language="sv", text="Bra! " * 200)
                    for n in range(5))
    await session.flush()
    results = await poll_results.compute(session, poll, library)
    for locale in ("sv", "ar"):
        card = render(locale, poll_results.card_text, results, poll, library, locale, TZ)
        assert len(card.encode("utf-16-le")) // 2 <= 4096
        assert all(option[locale] in card for option in options)
        assert "💬" in card
    # Were the limit lower, the sources and reach would give way to the CSV before any answer does.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(poll_results, "CARD_LIMIT", 2000)
        card = render("sv", poll_results.card_text, results, poll, library, "sv", TZ)
    assert len(card) <= 2000 and all(option["sv"] in card for option in options)
    assert card.count(t("Too long for this message: see the CSV.", "sv")) >= 2
    assert "affisch-nummer-00" not in card and t("Answers", "sv") in card
