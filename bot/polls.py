"""Feedback polls: what a poll is, answering it under a pseudonym, and who may see what.

Privacy by construction:
* An answer is stored under a keyed pseudonym, HMAC-SHA256(key, "<poll>:<telegram id>"), with the key from
  configuration (`POLL_SECRET`, never in the database). The pseudonym differs per poll, so answers to two polls
  cannot be linked to each other either. Besides the chosen options the row holds only the area and language the
  resident had when answering, and the source tag of the link they came by: no time, no surrogate id.
* Comments are masked (bot.masking) and stored with a random id and no pseudonym.
* Only the bot, holding the key, can tell whether a given person answered (to change their answer, show their
  own answers in /mydata, remind those who have not answered, and send "you said, we did" to those who did).
  No screen lists who answered what.

One answer per person per poll is the table's primary key (poll, pseudonym): double taps and concurrent taps,
even from two processes, end as one row. An answer can be changed until the poll closes.

Options are kept as a bit mask (option i ↔ bit i): a single choice, a rating (1–5 ↔ bits 0–4) and yes/no
(yes ↔ bit 0, no ↔ bit 1) set one bit, a multiple choice several.
"""

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from aiogram.utils.i18n import gettext as _
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.audience import Audience
from bot.content import text_in
from bot.languages import LANGUAGES
from bot.masking import mask
from db.models import Poll, PollAnswer, PollComment, Subscription, User
from db.session import upsert_insert

log = logging.getLogger(__name__)

SINGLE, MULTIPLE, RATING, YESNO = "single", "multiple", "rating", "yesno"
KINDS = (SINGLE, MULTIPLE, RATING, YESNO)
SOURCE_LANGUAGE = "sv"  # every poll is written in Swedish first; other languages fall back to it
MIN_OPTIONS, MAX_OPTIONS = 2, 10
QUESTION_LIMIT = 300  # shown above the buttons and on the chart; short questions get answers
OPTION_LIMIT = 60  # a button label
COMMENT_LIMIT = 1000

# Source tags of answers that did not come by a tagged poster link.
FROM_INVITATION, FROM_LIST, FROM_LINK = "invitation", "list", "link"

CREATED_ACTION, CANCELLED_ACTION, FOLLOWUP_ACTION = "poll.created", "poll.cancelled", "poll.followup"


# --- the key ---------------------------------------------------------------------------------------------------


def load_key(secret: str | None, key_file: Path) -> bytes:
    """POLL_SECRET, or else a random key kept in a file beside the data (made on first use, readable only by
    the bot's user). The key file is a convenience for the demo and a pilot: with it, pseudonyms change if the
    file is lost, so production sets POLL_SECRET."""
    if secret:
        return secret.encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    log.warning("POLL_SECRET is not set: made a poll key in %s (set POLL_SECRET in production)", key_file)
    return key


def pseudonym(key: bytes, poll_id: int, user_id: int) -> str:
    return hmac.new(key, f"{poll_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


# --- what a poll is ------------------------------------------------------------------------------------------


@dataclass
class PollDraft:
    """What the /poll wizard or a YAML file collects; `problems` says what is missing, in the staff's language."""

    theme_group: str = ""
    kind: str = SINGLE
    questions: dict[str, str] = field(default_factory=dict)
    options: list[dict[str, str]] = field(default_factory=list)
    comment_step: bool = False
    audience: Audience = field(default_factory=Audience)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    public_results: bool = False
    live_results: bool = False
    remind_at: datetime | None = None

    def problems(self, now: datetime) -> list[str]:
        found = []
        if not self.theme_group:
            found.append(_("Choose the theme group the poll belongs to."))
        if self.kind not in KINDS:
            found.append(_("Unknown poll type: {kind}.").format(kind=self.kind))
        if not self.questions.get(SOURCE_LANGUAGE):
            found.append(_("The question in Swedish is missing."))
        for code, text in self.questions.items():
            if len(text) > QUESTION_LIMIT:
                found.append(_("The question ({language}) is {length} characters; at most {limit}.").format(
                    language=code, length=len(text), limit=QUESTION_LIMIT))
        if self.kind in (SINGLE, MULTIPLE):
            if not MIN_OPTIONS <= len(self.options) <= MAX_OPTIONS:
                found.append(_("A choice poll needs {low} to {high} options.").format(
                    low=MIN_OPTIONS, high=MAX_OPTIONS))
            for number, option in enumerate(self.options, 1):
                if not option.get(SOURCE_LANGUAGE):
                    found.append(_("Option {number} has no Swedish text.").format(number=number))
                for code, text in option.items():
                    if len(text) > OPTION_LIMIT:
                        found.append(_("Option {number} ({language}) is longer than {limit} characters.").format(
                            number=number, language=code, limit=OPTION_LIMIT))
        if self.opens_at is None or self.closes_at is None:
            found.append(_("The poll needs an opening and a closing time."))
        elif self.closes_at <= self.opens_at:
            found.append(_("The poll must close after it opens."))
        elif self.closes_at <= now:
            found.append(_("The closing time has already passed."))
        if self.remind_at is not None and self.opens_at and self.closes_at and not (
                self.opens_at < self.remind_at < self.closes_at):
            found.append(_("The reminder must be between the opening and the closing time."))
        return found

    def missing_languages(self) -> list[str]:
        """Launch languages that will see the Swedish question or an option in Swedish."""
        texts = [self.questions, *(self.options if self.kind in (SINGLE, MULTIPLE) else [])]
        return [code for code in LANGUAGES if code != SOURCE_LANGUAGE and any(not t.get(code) for t in texts)]


def question_in(poll: Poll, locale: str) -> str:
    return text_in(poll.questions, locale)


def option_count(poll: Poll) -> int:
    return {RATING: 5, YESNO: 2}.get(poll.kind, len(poll.options))


def option_labels(poll: Poll, locale: str | None = None) -> list[str]:
    """Option texts in the reader's language (in the current gettext language for yes/no)."""
    if poll.kind == RATING:
        return ["⭐" * value for value in range(1, 6)]
    if poll.kind == YESNO:
        return [_("Yes"), _("No")]
    return [text_in(option, locale or SOURCE_LANGUAGE) for option in poll.options]


def chosen(mask_value: int, count: int) -> list[int]:
    return [index for index in range(count) if mask_value >> index & 1]


def is_open(poll: Poll, now: datetime) -> bool:
    return not poll.cancelled and poll.opens_at <= now < poll.closes_at


def is_closed(poll: Poll, now: datetime) -> bool:
    return poll.cancelled or now >= poll.closes_at


def results_visible(poll: Poll, now: datetime) -> bool:
    """Theme-group members see results after closing, or while open if the poll says so."""
    return is_closed(poll, now) or (poll.live_results and now >= poll.opens_at)


async def create(session: AsyncSession, draft: PollDraft, author_id: int, now: datetime) -> Poll:
    """Store a checked draft; the scheduler sends the invitations when it opens."""
    assert draft.opens_at is not None and draft.closes_at is not None
    options = draft.options if draft.kind in (SINGLE, MULTIPLE) else []
    poll = Poll(theme_group=draft.theme_group, kind=draft.kind, questions=draft.questions, options=options,
                comment_step=draft.comment_step, audience=draft.audience.to_json(), opens_at=draft.opens_at,
                closes_at=draft.closes_at, public_results=draft.public_results, live_results=draft.live_results,
                remind_at=draft.remind_at, created_by=author_id, created_at=now)
    session.add(poll)
    await session.flush()
    await audit.record(session, now, author_id, CREATED_ACTION, str(poll.id),
                       f"theme group {poll.theme_group}; {poll.kind}; opens {poll.opens_at.isoformat()}; "
                       f"closes {poll.closes_at.isoformat()}")
    return poll


# --- answering -----------------------------------------------------------------------------------------------


NEW, CHANGED, SAME, CLOSED, NOT_OPEN = "new", "changed", "same", "closed", "not_open"


async def answer_of(session: AsyncSession, poll_id: int, name: str) -> int | None:
    return await session.scalar(select(PollAnswer.choices).where(PollAnswer.poll_id == poll_id,
                                                                  PollAnswer.pseudonym == name))


async def vote(session: AsyncSession, poll: Poll, key: bytes, user: User, choices: int, source: str,
               now: datetime) -> str:
    """Record (or change) a resident's answer. Returns NEW, CHANGED, SAME, CLOSED or NOT_OPEN.

    One statement that cannot make a second row: insert, or on the primary key update the choices (area,
    language and source stay as first given)."""
    if is_closed(poll, now):
        return CLOSED
    if not is_open(poll, now):
        return NOT_OPEN
    if not 0 < choices < 1 << option_count(poll):
        raise ValueError(f"choices {choices} out of range for poll {poll.id}")
    name = pseudonym(key, poll.id, user.id)
    before = await answer_of(session, poll.id, name)
    statement = upsert_insert(session, PollAnswer).values(
        poll_id=poll.id, pseudonym=name, choices=choices, area=user.area or "", language=user.language,
        source=source[:32])
    await session.execute(statement.on_conflict_do_update(index_elements=["poll_id", "pseudonym"],
                                                          set_={"choices": choices}))
    if before is None:
        return NEW
    return SAME if before == choices else CHANGED


async def add_comment(session: AsyncSession, poll: Poll, language: str, text: str, now: datetime) -> str | None:
    """Store a masked comment with no link to its writer; returns the stored text, or None when the poll is
    closed (a comment typed after closing is not counted)."""
    if not is_open(poll, now):
        return None
    masked = mask(text.strip())[:COMMENT_LIMIT]
    session.add(PollComment(id=secrets.token_hex(16), poll_id=poll.id, language=language, text=masked))
    return masked


# --- finding polls -------------------------------------------------------------------------------------------


async def get(session: AsyncSession, poll_id: int) -> Poll | None:
    return await session.get(Poll, poll_id)


async def open_for(session: AsyncSession, user: User, now: datetime) -> list[Poll]:
    """Open polls meant for this resident (their audience includes them), soonest closing first."""
    polls = list(await session.scalars(select(Poll).where(Poll.cancelled.is_(False), Poll.opens_at <= now,
                                                          Poll.closes_at > now).order_by(Poll.closes_at, Poll.id)))
    if not polls:
        return []
    categories = set(await session.scalars(select(Subscription.category).where(Subscription.user_id == user.id)))
    return [poll for poll in polls
            if Audience.from_json(poll.audience).matches(user.area, user.language, categories)]


async def answered(session: AsyncSession, key: bytes, user_id: int, poll_ids: list[int]) -> dict[int, int]:
    """This resident's answers among these polls: poll id → choices (the key makes their pseudonyms)."""
    if not poll_ids:
        return {}
    names = {pseudonym(key, poll_id, user_id): poll_id for poll_id in poll_ids}
    rows = await session.execute(select(PollAnswer.poll_id, PollAnswer.pseudonym, PollAnswer.choices)
                                 .where(PollAnswer.pseudonym.in_(list(names))))
    return {poll_id: choices for poll_id, name, choices in rows if names.get(name) == poll_id}


async def answers_of_user(session: AsyncSession, key: bytes, user_id: int) -> list[tuple[Poll, int]]:
    """Every stored answer of this resident (for /mydata), found through their pseudonyms."""
    polls = {poll.id: poll for poll in await session.scalars(select(Poll))}
    found = await answered(session, key, user_id, list(polls))
    return [(polls[poll_id], choices) for poll_id, choices in sorted(found.items())]


async def unlink_answers(session: AsyncSession, key: bytes, user_id: int) -> int:
    """/forget: the resident's answers stay in the aggregates, but under random pseudonyms nobody can trace."""
    poll_ids = list(await session.scalars(select(Poll.id)))
    names = [pseudonym(key, poll_id, user_id) for poll_id in poll_ids]
    unlinked = 0
    for name in names:
        result = await session.execute(update(PollAnswer).where(PollAnswer.pseudonym == name)
                                       .values(pseudonym=secrets.token_hex(32)))
        unlinked += result.rowcount or 0
    return unlinked


async def answerers(session: AsyncSession, key: bytes, poll: Poll) -> list[tuple[int, str]]:
    """(user id, language) of reachable residents who answered: their pseudonyms are recomputed with the key,
    since nothing stored points from an answer to a person."""
    names = set(await session.scalars(select(PollAnswer.pseudonym).where(PollAnswer.poll_id == poll.id)))
    if not names:
        return []
    people = await (await session.connection()).execute(
        select(User.id, User.language).where(User.is_active.is_(True), User.consent_at.is_not(None)))
    return [(user_id, language) for user_id, language in people if pseudonym(key, poll.id, user_id) in names]
