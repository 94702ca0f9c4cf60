"""Poll results for theme groups: counts from SQL aggregates, small cells hidden so that they cannot be worked out,
and the same numbers as a Telegram card, a resident's summary, chart bars and a CSV for Excel.

Counting. Two aggregate queries over the poll's answers and one over its invitations, whatever the number of
answers: a histogram of the answers' bit masks (`GROUP BY choices`: at most 2^10 rows), from which Python counts
every option (a multiple choice counts options, not combinations, and no bit operator has to agree between SQLite
and PostgreSQL); one `GROUP BY area, language, source`, folded into the three breakdowns; and the sent invitations
by language and area. Nothing here ever reads a single answer. `Results` holds only what may be shown: the
suppressed values, never the raw counts, so no renderer (or handler) can leak a small cell by accident.

Suppression (`suppress`). A cell under 5, 0 included, shows "<5". Where the cells of one table add up to a shown
number (the options of a single choice, rating or yes/no, and each breakdown, add up to the responses), more cells
are hidden ("*"), smallest first, until the shown numbers cannot pin a small cell down: a reader who knows the
total, every shown cell, which cells are "<5", and that a "*" is at least 5 and no larger than the shown cells it
was hidden before, still finds at least three values possible for every "<5" cell and two for every "*"; and the
hidden cells together hold at least 5 people. Two possible values would not be enough against a reader who also
knows this rule: the fact that a "*" was needed, or which cell it went to, then pins a "<5" down in some tables.
With three, tests/test_poll_results.py's brute-force reader, who knows the rule and tries every table that gives
what is shown, never pins one down. When every cell of a table ends hidden, all show "*", so that "all hidden"
does not tell which of them were small.

The options of a multiple choice do not add up to the respondents, but they still bound each other: everybody
chose at least one option, so the counts add up to at least the respondents. With two options, 24 respondents and
20 for the first, the second is at least 4; shown as "<5" it would be exactly 4. The same rule therefore runs with
"at least the respondents" in place of "exactly the total".

Breakdowns list only groups someone answered from: a row "<5" for every area nobody answered from would cost a
larger cell being hidden, typically the very group whose reach matters. A reader therefore knows that a listed
group has at least one answer, and the rule counts with that (`floor`). Reach shows a group the poll was sent to
but nobody answered from as "<5" too (its absence from the breakdown already says so). Percentages are shown only
for shown cells, response rates only where the responses are shown, and the under-represented flag ⚠️ on a hidden
group only when even its largest possible value is under the threshold, so the flag depends on shown numbers only.

No mean rating is shown when a rating option is hidden (the mean and the shown cells would give the hidden ones
away). `live_results` lets a member watch the card change while the poll is open; someone who knows who just
answered could then attribute that one answer. That is inherent in live results, not in this module.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal, format_percent
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import polls
from bot.announcements import format_moment
from bot.content import Content
from bot.i18n import BABEL_LOCALES, ngettext
from bot.languages import LANGUAGES
from db import outbox
from db.models import OutboxMessage, Poll, PollAnswer, PollComment, PollReach, User

MIN_CELL = 5  # a cell under this is hidden
SMALL_SPREAD = 3  # values still possible for a hidden small cell, whatever else is shown (see suppress)
SMALL = "<5"  # shown for a cell under MIN_CELL
HIDDEN = "*"  # shown for a cell hidden so that the small ones cannot be worked out (or for all, see above)
COMMENTS_FROM = 10  # comments are shown from this many respondents on
COMMENT_FETCH = 200  # at most this many comment texts are read; the card shows what fits
COMMENT_LENGTH = 400  # a comment longer than this is shortened on the card
UNDER_SHARE = 0.5  # a group answering at under half the overall rate is under-represented …
FLAG_FROM_SENT = 10  # … if the poll was sent to at least this many of them
CARD_LIMIT = 4096  # Telegram's limit for a text message
COMMENT_RESERVE = 200  # room kept for the comments' heading and first line when the tables are long
SOURCE_LINES = 12  # poster tags shown on the card; the CSV has them all
BOM = b"\xef\xbb\xbf"
CSV_DELIMITER = ";"  # Excel with Swedish (and Finnish, Bosnian) settings splits on ";" (the decimal mark is ",")

Shown = int | str  # a count, or SMALL / HIDDEN


# --- suppression -------------------------------------------------------------------------------------------------


def suppress(cells: Mapping[str, int], total: int | None = None, *, covering: bool = False,
             floor: int = 0) -> dict[str, Shown]:
    """What may be shown of each cell: its count, SMALL or HIDDEN (see the module docstring).

    `cells` in their listed order (it breaks ties between equal cells). With `total` None only small cells are
    hidden. Otherwise the cells add up to `total`, or, with `covering`, everyone in `total` is in at least one
    cell (a multiple choice: the cells add up to at least `total`, none is above it). `floor` is the least count a
    listed cell can have: 1 when only groups with someone in them are listed."""
    keys = list(cells)
    values = [cells[key] for key in keys]
    small = {index for index, value in enumerate(values) if value < MIN_CELL}
    more: set[int] = set()
    if total is not None:
        while _exposed(values, small, more, total, covering, floor):
            rest = [index for index in range(len(values)) if index not in small | more]
            if not rest:
                break
            more.add(min(rest, key=lambda index: (values[index], index)))
        if small | more and len(small | more) == len(values):
            return {key: HIDDEN for key in keys}
    return {key: SMALL if index in small else HIDDEN if index in more else values[index]
            for index, key in enumerate(keys)}


def _exposed(values: list[int], small: set[int], more: set[int], total: int, covering: bool, floor: int) -> bool:
    """Whether a reader could learn more about a hidden cell than its mark says.

    Each hidden cell has bounds the reader knows: [floor, 4] for "<5"; for "*" at least 5 and at most the shown
    cells it was preferred to (the smallest is hidden first; on a tie, the one listed first). The total (or, for a
    covering, its lower bound) narrows those bounds; a "<5" must keep SMALL_SPREAD values, a "*" two."""
    hidden = small | more
    if not hidden:
        return False
    shown = [index for index in range(len(values)) if index not in hidden]
    bounds = {}
    for index in hidden:
        if index in small:
            bounds[index] = (floor, min(MIN_CELL - 1, total))
        else:
            upper = total
            for other in shown:
                upper = min(upper, values[other] if index < other else values[other] - 1)
            bounds[index] = (MIN_CELL, upper)
    low_sum = sum(low for low, _high in bounds.values())
    high_sum = sum(high for _low, high in bounds.values())
    if covering:
        need = total - sum(values[index] for index in shown)  # the hidden cells hold at least this many
    else:
        need = sum(values[index] for index in hidden)  # exactly this many
        if need < MIN_CELL:
            return True
    for index, (low, high) in bounds.items():
        others_low, others_high = low_sum - low, high_sum - high
        least = max(low, need - others_high)
        most = high if covering else min(high, need - others_low)
        if index in small and most - least + 1 < SMALL_SPREAD:
            return True
        if index in more and most <= least:
            return True
    return False


# --- the numbers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    key: str  # the option's index, an area id ("" = not given), a language code or a source tag
    value: Shown
    share: float | None  # of the responses (of the respondents for a multiple choice); None when hidden

    @property
    def count(self) -> int | None:
        return self.value if isinstance(self.value, int) else None


@dataclass(frozen=True)
class ReachRow:
    key: str  # a language code or an area id ("" = no area)
    sent: int
    answered: Shown
    rate: float | None  # answered / sent, None when the answers are hidden
    under: bool  # answered at under UNDER_SHARE of the overall rate, whatever a hidden count is


@dataclass(frozen=True)
class Results:
    """What may be shown of one poll's results. With fewer than MIN_CELL responses only that (and the number of
    invitations) is known here: `responses` is None and the tables are empty."""

    responses: int | None
    options: tuple[Cell, ...] = ()
    areas: tuple[Cell, ...] = ()
    languages: tuple[Cell, ...] = ()
    sources: tuple[Cell, ...] = ()
    average: float | None = None  # mean rating, only when no rating option is hidden
    sent: int | None = None  # invitations delivered; None when none went out
    overall_rate: float | None = None
    reach_languages: tuple[ReachRow, ...] = ()
    reach_areas: tuple[ReachRow, ...] = ()
    comments: tuple[str, ...] | None = None  # None below COMMENTS_FROM respondents
    comment_count: int = 0

    @property
    def too_few(self) -> bool:
        return self.responses is None

    @property
    def any_hidden(self) -> bool:
        tables = (self.options, self.areas, self.languages, self.sources)
        return any(isinstance(cell.value, str) for table in tables for cell in table) or any(
            isinstance(row.answered, str) for row in (*self.reach_languages, *self.reach_areas))


def _cells(shown: dict[str, Shown], base: int) -> tuple[Cell, ...]:
    return tuple(Cell(key, value, value / base if isinstance(value, int) and base else None)
                 for key, value in shown.items())


def _ordered(counts: dict[str, int], first: Iterable[str], last: Iterable[str] = ()) -> dict[str, int]:
    """Counts in a fixed listing order (it breaks suppression ties): known keys first, then others sorted."""
    first, last = list(first), list(last)
    rest = sorted(key for key in counts if key not in first and key not in last)
    return {key: counts[key] for key in [*first, *rest, *last] if key in counts}


async def compute(session: AsyncSession, poll: Poll, content: Content) -> Results:
    """The poll's results, suppressed, from three aggregate queries (see the module docstring)."""
    histogram = (await session.execute(
        select(PollAnswer.choices, func.count()).where(PollAnswer.poll_id == poll.id)
        .group_by(PollAnswer.choices))).all()
    responses = sum(count for _choices, count in histogram)
    sent_by = await _sent(session, poll)
    sent = sum(sent_by.values()) if poll.invited_delivery_id is not None else None
    if responses < MIN_CELL:
        return Results(responses=None, sent=sent)

    option_total = polls.option_count(poll)
    counts = [0] * option_total
    for choices, count in histogram:
        for index in polls.chosen(choices, option_total):
            counts[index] += count
    # One option per answer, unless the kind allows several (or a stored row does: then it is counted as such).
    covering = poll.kind == polls.MULTIPLE or sum(counts) != responses
    options = suppress({str(index): count for index, count in enumerate(counts)}, responses, covering=covering)
    average = None
    if poll.kind == polls.RATING and all(isinstance(value, int) for value in options.values()):
        average = sum((index + 1) * count for index, count in enumerate(counts)) / responses

    areas: dict[str, int] = {}
    languages: dict[str, int] = {}
    sources: dict[str, int] = {}
    groups = await session.execute(
        select(PollAnswer.area, PollAnswer.language, PollAnswer.source, func.count())
        .where(PollAnswer.poll_id == poll.id).group_by(PollAnswer.area, PollAnswer.language, PollAnswer.source))
    for area, language, source, count in groups:
        areas[area] = areas.get(area, 0) + count
        languages[language] = languages.get(language, 0) + count
        sources[source] = sources.get(source, 0) + count
    by_area = suppress(_ordered(areas, [area.id for area in content.areas], [""]), responses, floor=1)
    by_language = suppress(_ordered(languages, LANGUAGES), responses, floor=1)
    by_source = suppress(_ordered(sources, [polls.FROM_INVITATION, polls.FROM_LIST, polls.FROM_LINK]), responses,
                         floor=1)

    overall = responses / sent if sent else None
    reach_languages = _reach(sent_by, 0, by_language, responses, overall)
    reach_areas = _reach(sent_by, 1, by_area, responses, overall)

    comments, comment_count = None, 0
    if responses >= COMMENTS_FROM:
        comment_count = await session.scalar(
            select(func.count()).select_from(PollComment).where(PollComment.poll_id == poll.id)) or 0
        # The ids are random, so this order says nothing about who wrote when.
        comments = tuple(await session.scalars(select(PollComment.text).where(PollComment.poll_id == poll.id)
                                               .order_by(PollComment.id).limit(COMMENT_FETCH)))
    return Results(responses=responses, options=_cells(options, responses), areas=_cells(by_area, responses),
                   languages=_cells(by_language, responses), sources=_cells(by_source, responses),
                   average=average, sent=sent, overall_rate=overall, reach_languages=reach_languages,
                   reach_areas=reach_areas, comments=comments, comment_count=comment_count)


async def _sent(session: AsyncSession, poll: Poll) -> dict[tuple[str, str], int]:
    """Delivered invitations by (language they went out in, the resident's area; "" = none): counted once when
    the invitations have all gone out (bot.poll_delivery), until then from the outbox."""
    if poll.invited_delivery_id is None:
        return {}
    counted = (await session.execute(select(PollReach.language, PollReach.area, PollReach.sent)
                                     .where(PollReach.poll_id == poll.id))).all()
    if counted:  # (a single row with 0 marks a poll that reached nobody)
        return {(language, area_id): sent for language, area_id, sent in counted if sent}
    return await sent_now(session, poll.invited_delivery_id)


async def sent_now(session: AsyncSession, delivery_id: int) -> dict[tuple[str, str], int]:
    """Delivered invitations of this delivery by (language, the resident's area now), from the outbox."""
    area = func.coalesce(User.area, "")
    rows = await session.execute(
        select(OutboxMessage.language, area, func.count()).join(User, User.id == OutboxMessage.user_id)
        .where(OutboxMessage.delivery_id == delivery_id, OutboxMessage.status == outbox.SENT)
        .group_by(OutboxMessage.language, area))
    return {(language, area_id): count for language, area_id, count in rows}


def _reach(sent_by: dict[tuple[str, str], int], part: int, answered: dict[str, Shown], responses: int,
           overall: float | None) -> tuple[ReachRow, ...]:
    """Sent and answered per language (part 0) or area (part 1), for the groups the poll was sent to."""
    sent: dict[str, int] = {}
    for key, count in sent_by.items():
        sent[key[part]] = sent.get(key[part], 0) + count
    # What a reader can tell about the hidden answers of this breakdown together: an upper bound for a "*".
    hidden_at_most = responses - sum(value for value in answered.values() if isinstance(value, int))
    rows = []
    for key, count in sorted(sent.items(), key=lambda item: (-item[1], item[0])):
        value = answered.get(key, SMALL)  # nobody answered from a group the poll was sent to: "<5"
        rate = value / count if isinstance(value, int) else None
        under = False
        if overall and count >= FLAG_FROM_SENT:
            threshold = overall * UNDER_SHARE
            if rate is not None:
                under = rate < threshold
            else:
                most = MIN_CELL - 1 if value == SMALL else hidden_at_most
                under = most / count < threshold
        rows.append(ReachRow(key, count, value, rate, under))
    return tuple(rows)


# --- labels and numbers --------------------------------------------------------------------------------------------


def _babel(locale: str) -> str:
    return BABEL_LOCALES.get(locale, locale)


def _number(value: int, locale: str) -> str:
    return format_decimal(value, locale=_babel(locale))


def _percent(share: float, locale: str) -> str:
    return format_percent(share, locale=_babel(locale))


def _mark(value: Shown, locale: str) -> str:
    """A cell as plain text: its count, or its mark."""
    return _number(value, locale) if isinstance(value, int) else value


def area_label(content: Content, key: str, locale: str) -> str:
    if not key:
        return _("No area given")
    area = content.area(key)
    return area.name_in(locale) if area is not None else key


def language_label(code: str) -> str:
    return LANGUAGES.get(code, code)


def source_label(tag: str) -> str:
    """Where answers came from: the invitation, the /polls list, a poster link without a place, or a place tag."""
    labels = {polls.FROM_INVITATION: _("Invitation message"), polls.FROM_LIST: _("The /polls list"),
              polls.FROM_LINK: _("Poster link without a place"), "": _("Not given")}
    return labels.get(tag, tag)


def _several_note() -> str:
    return _("One person can choose several answers: the percentages are of everyone who answered.")


def _footnote() -> str:
    # The marks are placeholders: a literal "<" in a catalog entry is not valid Telegram HTML.
    return _("{small} = fewer than 5 · {hidden} = hidden so that the small numbers cannot be worked out. "
             "This protects who answered.").format(small=SMALL, hidden=HIDDEN)


def _responses_line(results: Results, locale: str) -> str:
    if results.responses is None:
        return _("👥 Fewer than 5 responses. Results are shown from 5 responses on, to protect who answered.")
    return "👥 " + ngettext("{count} response", "{count} responses", results.responses).format(
        count=_number(results.responses, locale))


def _status(poll: Poll, locale: str, tz: ZoneInfo, now: datetime | None) -> str:
    if poll.cancelled:
        return _("✖️ Cancelled")
    if now is None:
        return _("🗓 {start} – {end}").format(start=format_moment(poll.opens_at, locale, tz),
                                              end=format_moment(poll.closes_at, locale, tz))
    if now < poll.opens_at:
        return _("⏳ Opens {moment}").format(moment=format_moment(poll.opens_at, locale, tz))
    if polls.is_open(poll, now):
        return _("🟢 Open until {moment}").format(moment=format_moment(poll.closes_at, locale, tz))
    return _("🔒 Closed {moment}").format(moment=format_moment(poll.closes_at, locale, tz))


def _average_text(average: float, locale: str) -> str:
    return _("Average rating: {value} of 5").format(
        value=format_decimal(average, format="0.0", locale=_babel(locale)))


# --- the card for the theme group ------------------------------------------------------------------------------------


def _cell_html(cell: Cell, locale: str) -> str:
    if cell.count is None:
        return escape(str(cell.value))
    text = f"<b>{_number(cell.count, locale)}</b>"
    return text + f" ({_percent(cell.share, locale)})" if cell.share is not None else text


def _table_lines(cells: tuple[Cell, ...], label: Callable[[str], str], locale: str,
                 limit: int | None = None) -> list[str]:
    """A breakdown on a phone: shown groups largest first, one a line; hidden groups named on one line per mark."""
    shown = sorted((cell for cell in cells if cell.count is not None), key=lambda cell: -(cell.count or 0))
    lines = [f"• {escape(label(cell.key))}: {_cell_html(cell, locale)}" for cell in shown]
    if limit is not None and len(lines) > limit:
        more = len(lines) - limit
        lines = [*lines[:limit], ngettext("… and {count} more in the CSV", "… and {count} more in the CSV",
                                          more).format(count=more)]
    for mark in (SMALL, HIDDEN):
        names = [label(cell.key) for cell in cells if cell.value == mark]
        if names:
            if limit is not None and len(names) > limit:
                names = [*names[:limit], "…"]
            lines.append(f"• {escape(mark)}: {escape(', '.join(names))}")
    return lines


def _reach_lines(rows: tuple[ReachRow, ...], label: Callable[[str], str], locale: str) -> list[str]:
    lines = []
    for row in rows:
        line = "• " + _("{group}: {answered} of {sent}").format(
            group=escape(label(row.key)), answered=escape(_mark(row.answered, locale)),
            sent=_number(row.sent, locale))
        if row.rate is not None:
            line += f" ({_percent(row.rate, locale)})"
        if row.under:
            line += " ⚠️"
        lines.append(line)
    return lines


def card_text(results: Results, poll: Poll, content: Content, locale: str, tz: ZoneInfo,
              now: datetime | None = None) -> str:
    """The results card (HTML, at most 4096 characters) in the reader's language; gettext must be in that language.

    With `now` the status says open, closed or not yet open; without it the card gives the open period. Should the
    tables not fit (ten long options and many poster tags), the sources, then reach, then the areas give way to a
    pointer to the CSV; then the comments take what room is left."""
    head = [f"📊 <b>{escape(polls.question_in(poll, locale))}</b>", _status(poll, locale, tz, now),
            _responses_line(results, locale)]
    delivered = _("📨 Invitations delivered: {sent}").format(sent=_number(results.sent or 0, locale))
    if results.too_few:
        return "\n".join([*head, delivered] if results.sent is not None else head)
    if results.average is not None:
        head.append(_average_text(results.average, locale))

    labels = polls.option_labels(poll, locale)
    answers = [f"• {escape(labels[int(cell.key)])}: {_cell_html(cell, locale)}" for cell in results.options]
    if poll.kind == polls.MULTIPLE:
        answers.append("<i>" + escape(_several_note()) + "</i>")
    area = lambda key: area_label(content, key, locale)  # noqa: E731 - a label function, used three times
    sections = {"answers": (_("Answers"), answers),
                "areas": (_("By area"), _table_lines(results.areas, area, locale)),
                "languages": (_("By language"), _table_lines(results.languages, language_label, locale)),
                "sources": (_("By source"), _table_lines(results.sources, source_label, locale, SOURCE_LINES))}
    if results.sent is not None:
        reach = [delivered]
        if results.overall_rate is not None:
            reach.append(_("Response rate: {rate} (responses per invitation delivered)").format(
                rate=_percent(results.overall_rate, locale)))
        if results.reach_languages:
            reach += [escape(_("By language: responses of invitations delivered")),
                      *_reach_lines(results.reach_languages, language_label, locale)]
        if results.reach_areas:
            reach += [escape(_("By area: responses of invitations delivered")),
                      *_reach_lines(results.reach_areas, area, locale)]
        if any(row.under for row in (*results.reach_languages, *results.reach_areas)):
            reach.append(escape(_("⚠️ = under half the overall response rate")))
        sections["reach"] = (_("Reach"), reach)
    footnote = "\n\n<i>" + escape(_footnote()) + "</i>" if results.any_hidden else ""

    def assemble() -> str:
        blocks = ["\n".join(head)]
        blocks += ["<b>" + escape(heading) + "</b>\n" + "\n".join(lines) for heading, lines in sections.values()]
        return "\n\n".join(blocks) + footnote

    text = assemble()
    for name in ("sources", "reach", "areas", "languages"):
        if _length(text) <= CARD_LIMIT - COMMENT_RESERVE or name not in sections:
            continue
        sections[name] = (sections[name][0], [escape(_("Too long for this message: see the CSV."))])
        text = assemble()
    return _with_comments(text, results)


def _length(text: str) -> int:
    """Telegram counts UTF-16 code units; markup only makes the raw text longer than what is counted."""
    return len(text.encode("utf-16-le")) // 2


def _more(count: int) -> str:
    return "\n" + escape(ngettext("… and {count} more", "… and {count} more", count).format(count=count))


def _with_comments(text: str, results: Results) -> str:
    if not results.comments:
        return text
    text += "\n\n<b>" + escape(_("Comments")) + f"</b> ({results.comment_count})"
    reserve = 80  # room for the "… and N more" line
    for shown, comment in enumerate(results.comments):
        if len(comment) > COMMENT_LENGTH:
            comment = comment[:COMMENT_LENGTH - 1] + "…"
        line = "\n💬 " + escape(comment)
        if _length(text + line) > CARD_LIMIT - reserve:
            return text + _more(results.comment_count - shown)
        text += line
    if results.comment_count > len(results.comments):
        text += _more(results.comment_count - len(results.comments))
    return text


# --- what residents get, the chart and the CSV -----------------------------------------------------------------------


def resident_summary(results: Results, poll: Poll, locale: str) -> str:
    """The short results message to residents who answered, after closing: percentages only, no breakdowns and no
    comments, small cells hidden as on the card. gettext must be in the reader's language."""
    lines = [_("📊 The results of the poll “{question}”").format(question=escape(polls.question_in(poll, locale)))]
    if results.too_few:
        lines.append(_("Fewer than 5 people answered, so no results are shown: with so few, answers could be "
                       "traced to the people who gave them."))
    else:
        lines.append("")
        labels = polls.option_labels(poll, locale)
        for cell in results.options:
            value = _percent(cell.share, locale) if cell.share is not None else escape(str(cell.value))
            lines.append(f"• {escape(labels[int(cell.key)])}: <b>{value}</b>")
        if poll.kind == polls.MULTIPLE:
            lines.append("<i>" + escape(_several_note()) + "</i>")
        if results.average is not None:
            lines.append(_average_text(results.average, locale))
        lines.append(_responses_line(results, locale))
        if any(cell.count is None for cell in results.options):
            lines.append("<i>" + escape(_footnote()) + "</i>")
    lines += ["", _("Thank you for answering!")]
    return "\n".join(lines)


def chart_bars(results: Results, poll: Poll, locale: str) -> list[tuple[str, int | str | None, float | None]]:
    """(option label, count or the mark of a hidden cell, share in percent or None) for bot.poll_chart."""
    labels = polls.option_labels(poll, locale)
    if results.too_few:
        return [(label, None, None) for label in labels]
    return [(labels[int(cell.key)], cell.value, cell.share * 100 if cell.share is not None else None)
            for cell in results.options]


def chart_note(results: Results, locale: str) -> str:
    """The line under the chart: how many answered, and what the hidden bars mean."""
    if results.too_few:
        return _("Fewer than 5 responses: no numbers are shown, to protect who answered.")
    note = ngettext("{count} response", "{count} responses", results.responses or 0).format(
        count=_number(results.responses or 0, locale))
    if any(cell.count is None for cell in results.options):
        note += " · " + _("{small} and {hidden} = hidden to protect who answered").format(small=SMALL, hidden=HIDDEN)
    return note


_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _csv_text(text: str) -> str:
    """Staff-written texts go into a spreadsheet: a leading = + - @ would make Excel run them as a formula."""
    return "'" + text if _FORMULA.match(text) else text


def _csv_share(share: float | None) -> str:
    return str(round(share * 100)) if share is not None else ""


def csv_bytes(results: Results, poll: Poll, content: Content, locale: str) -> bytes:
    """The results as a CSV for Excel: UTF-8 with a byte-order mark (else Excel reads it as ANSI) and ";" between
    cells, as Excel with Swedish settings expects. Numbers are whole (counts, percent), so no decimal mark is
    involved; hidden cells are "<5" or "*" as on the card. Headers in the reader's language (gettext)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    writer.writerow([_("Question"), _csv_text(polls.question_in(poll, locale))])
    writer.writerow([_("Responses"), results.responses if results.responses is not None else SMALL])
    if results.sent is not None:
        writer.writerow([_("Invitations delivered"), results.sent])
    if results.average is not None:
        writer.writerow([_("Average rating"), format_decimal(results.average, format="0.0",
                                                             locale=_babel(locale))])
    if not results.too_few:
        labels = polls.option_labels(poll, locale)
        tables = ((_("Answer"), results.options, lambda key: labels[int(key)]),
                  (_("Area"), results.areas, lambda key: area_label(content, key, locale)),
                  (_("Language"), results.languages, language_label),
                  (_("Source"), results.sources, source_label))
        for heading, cells, label in tables:
            writer.writerow([])
            writer.writerow([heading, _("Count"), _("Percent")])
            for cell in cells:
                writer.writerow([_csv_text(label(cell.key)), cell.value, _csv_share(cell.share)])
        reach = ((_("Reach by language"), results.reach_languages, language_label),
                 (_("Reach by area"), results.reach_areas, lambda key: area_label(content, key, locale)))
        for heading, rows, label in reach:
            if not rows:
                continue
            writer.writerow([])
            writer.writerow([heading, _("Invitations delivered"), _("Responses"), _("Response rate (percent)"),
                             _("Under-represented")])
            for row in rows:
                writer.writerow([_csv_text(label(row.key)), row.sent, row.answered, _csv_share(row.rate),
                                 _("yes") if row.under else ""])
    writer.writerow([])
    writer.writerow([_("Note"), _footnote()])
    return BOM + buffer.getvalue().encode("utf-8")
