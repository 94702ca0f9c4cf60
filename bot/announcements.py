"""Staff announcements: the draft the wizard collects, what each language sees, sending now or later, /news.

Texts are HTML made by aiogram from Telegram's entities (staff formatting kept, anything typed literally
escaped). Swedish is required; a resident whose language has no version gets the Swedish text under a one-line
note in their own language, and every translated version carries a button that shows the Swedish original.
Telegram's limits (4096 characters for a text, 1024 for a caption) are checked on the plain text when a version
is entered, counting that note for the Swedish text, so nothing can be refused at sending time.

A scheduled announcement is released by a job: its status flips with a conditional UPDATE, so with several
processes only the one that wins enqueues it; its audience is resolved at that moment, not when scheduled.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.audience import Audience, counts_by_language, members, recipients
from bot.delivery import Variant, enqueue
from bot.i18n import format_day
from bot.languages import LANGUAGES
from db.models import Announcement, Subscription, User

SOURCE = "sv"  # every announcement is written in Swedish first; the other versions are optional
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
SEPARATOR = "\n\n"
SCHEDULED, SENT, CANCELLED = "scheduled", "sent", "cancelled"
KIND = "announcement"
NEWS_COUNT = 10

SCHEDULED_ACTION = "announcement.scheduled"
SENT_ACTION = "announcement.sent"
CANCELLED_ACTION = "announcement.cancelled"

NOT_TRANSLATED = __("ℹ️ This message has not been translated into your language. Here it is in Swedish.")
SHOW_ORIGINAL = __("🇸🇪 Show the Swedish original")


class OriginalCallback(CallbackData, prefix="nw"):
    """The "Swedish original" button under a translated announcement. It lives here, not beside its handler,
    because the scheduler builds these buttons without any handler involved. Id 0 is a staff preview."""

    announcement: int


# --- what the wizard collects -----------------------------------------------------------------------------


@dataclass
class Draft:
    texts: dict[str, str] = field(default_factory=dict)  # language → HTML
    lengths: dict[str, int] = field(default_factory=dict)  # language → plain length, as Telegram counts it
    photo: str | None = None  # a Telegram file_id
    audience: Audience = field(default_factory=Audience)
    urgent: bool = False
    send_at: datetime | None = None  # None: send when confirmed

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, so the draft fits any FSM storage (memory today, Redis tomorrow)."""
        return {"texts": self.texts, "lengths": self.lengths, "photo": self.photo,
                "audience": self.audience.to_json(), "urgent": self.urgent,
                "send_at": self.send_at.isoformat() if self.send_at else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Draft":
        data = data or {}
        send_at = data.get("send_at")
        return cls(texts=dict(data.get("texts") or {}), lengths=dict(data.get("lengths") or {}),
                   photo=data.get("photo"), audience=Audience.from_json(data.get("audience")),
                   urgent=bool(data.get("urgent")), send_at=datetime.fromisoformat(send_at) if send_at else None)

    def too_long_for_caption(self, i18n: I18n) -> list[tuple[str, int, int]]:
        """(language, length, limit) of every version that would not fit under a photo."""
        return [(code, length, limit_for(code, True, i18n)) for code, length in self.lengths.items()
                if length > limit_for(code, True, i18n)]


def in_language(i18n: I18n, locale: str, text: LazyProxy) -> str:
    """A text of ours in a resident's language, whatever language the current update speaks."""
    with i18n.context(), i18n.use_locale(locale):
        return str(text)


def note_budget(i18n: I18n) -> int:
    """The most characters the untranslated-language note adds in front of the Swedish text."""
    return max(len(in_language(i18n, code, NOT_TRANSLATED)) for code in LANGUAGES if code != SOURCE) + len(SEPARATOR)


def limit_for(language: str, has_photo: bool, i18n: I18n) -> int:
    """Characters one version may have: Telegram's limit, less the note for the Swedish text (which others see)."""
    limit = CAPTION_LIMIT if has_photo else TEXT_LIMIT
    return limit - note_budget(i18n) if language == SOURCE else limit


# --- what each language sees ------------------------------------------------------------------------------


def text_for(texts: dict[str, str], language: str, i18n: I18n) -> str:
    """The version in this language, else the Swedish text under a note in this language."""
    if language in texts:
        return texts[language]
    return in_language(i18n, language, NOT_TRANSLATED) + SEPARATOR + texts[SOURCE]


def build_variants(texts: dict[str, str], photo: str | None, announcement_id: int, i18n: I18n) -> dict[str, Variant]:
    """One variant per launch language, so nobody depends on the engine's fallback."""
    variants = {}
    for code in LANGUAGES:
        buttons = None
        if code != SOURCE and code in texts:
            original = {"text": in_language(i18n, code, SHOW_ORIGINAL),
                        "callback_data": OriginalCallback(announcement=announcement_id).pack()}
            buttons = [[original]]
        variants[code] = Variant(text_for(texts, code, i18n), photo, buttons)
    return variants


@dataclass(frozen=True)
class PreviewGroup:
    language: str
    people: int
    variant: Variant


async def preview(session: AsyncSession, draft: Draft, i18n: I18n) -> list[PreviewGroup]:
    """What each language group of the audience would get now (Swedish alone when nobody is reached yet)."""
    counts = await counts_by_language(session, draft.audience)
    variants = build_variants(draft.texts, draft.photo, 0, i18n)
    groups = [PreviewGroup(code, counts[code], variants[code]) for code in LANGUAGES if counts.get(code)]
    return groups or [PreviewGroup(SOURCE, 0, variants[SOURCE])]


# --- sending now or later ---------------------------------------------------------------------------------


async def publish(session: AsyncSession, draft: Draft, author_id: int, now: datetime, tz: ZoneInfo, i18n: I18n,
                  report_language: str) -> tuple[Announcement, int]:
    """Store a confirmed draft: queued for sending now, or scheduled. Returns it and how many it went to."""
    announcement = Announcement(
        author_id=author_id, texts=draft.texts, photo=draft.photo, audience=draft.audience.to_json(),
        urgent=draft.urgent, send_at=draft.send_at or now, status=SCHEDULED if draft.send_at else SENT,
        created_at=now)
    session.add(announcement)
    await session.flush()
    if draft.send_at:
        await audit.record(session, now, author_id, SCHEDULED_ACTION, str(announcement.id),
                           _audit_detail(announcement))
        return announcement, 0
    count = await _send(session, announcement, now, tz, i18n, author_id, report_language)
    return announcement, count


async def _send(session: AsyncSession, announcement: Announcement, now: datetime, tz: ZoneInfo, i18n: I18n,
                report_to: int | None, report_language: str) -> int:
    """Resolve the audience now and queue one message per person; the engine reports to the author."""
    people = await members(session, Audience.from_json(announcement.audience))
    delivery = await enqueue(
        session, kind=KIND, variants=build_variants(announcement.texts, announcement.photo, announcement.id, i18n),
        recipients=recipients(people, now, tz, announcement.urgent), now=now, report_to=report_to,
        report_language=report_language)
    await session.execute(update(Announcement).where(Announcement.id == announcement.id)
                          .values(delivery_id=delivery.id))
    await audit.record(session, now, announcement.author_id, SENT_ACTION, str(announcement.id),
                       f"{_audit_detail(announcement)}; recipients {len(people)}")
    return len(people)


def _audit_detail(announcement: Announcement) -> str:
    return (f"send_at {announcement.send_at.isoformat()}; urgent {announcement.urgent}; "
            f"audience {json.dumps(announcement.audience, ensure_ascii=False)}")


class ReleaseDue:
    """The scheduler job: send every scheduled announcement whose time has come, exactly once."""

    def __init__(self, i18n: I18n, tz: ZoneInfo) -> None:
        self.i18n = i18n
        self.tz = tz

    async def __call__(self, session: AsyncSession, now: datetime) -> bool:
        due = await session.scalars(
            select(Announcement.id).where(Announcement.status == SCHEDULED, Announcement.send_at <= now)
            .order_by(Announcement.send_at, Announcement.id))
        released = False
        for announcement_id in list(due):
            # The conditional UPDATE is the lock: a second process (or a cancel) finds the status changed.
            won = await session.execute(update(Announcement)
                                        .where(Announcement.id == announcement_id, Announcement.status == SCHEDULED)
                                        .values(status=SENT))
            if won.rowcount != 1:
                continue
            announcement = await session.get(Announcement, announcement_id, populate_existing=True)
            assert announcement is not None
            author_language = await session.scalar(select(User.language).where(User.id == announcement.author_id))
            # An author who has since been forgotten gets no report; the residents still get the announcement.
            await _send(session, announcement, now, self.tz, self.i18n,
                        announcement.author_id if author_language else None, author_language or SOURCE)
            released = True
        return released


async def scheduled(session: AsyncSession, limit: int = 20) -> list[Announcement]:
    """Announcements still waiting for their time, soonest first."""
    rows = await session.scalars(select(Announcement).where(Announcement.status == SCHEDULED)
                                 .order_by(Announcement.send_at, Announcement.id).limit(limit))
    return list(rows)


async def cancel(session: AsyncSession, announcement_id: int, actor_id: int, now: datetime) -> Announcement | None:
    """Cancel a scheduled announcement; None if it was already sent or cancelled (by the job or someone else)."""
    won = await session.execute(update(Announcement)
                                .where(Announcement.id == announcement_id, Announcement.status == SCHEDULED)
                                .values(status=CANCELLED))
    if won.rowcount != 1:
        return None
    announcement = await session.get(Announcement, announcement_id, populate_existing=True)
    assert announcement is not None
    await audit.record(session, now, actor_id, CANCELLED_ACTION, str(announcement_id), _audit_detail(announcement))
    return announcement


async def sent_original(session: AsyncSession, announcement_id: int) -> str | None:
    """The Swedish text of an announcement that has gone out (never of one still scheduled or cancelled)."""
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None or announcement.status != SENT:
        return None
    return announcement.texts.get(SOURCE)


async def news_for(session: AsyncSession, user: User, limit: int = NEWS_COUNT) -> list[Announcement]:
    """The latest sent announcements whose audience includes this resident as they are now, newest first."""
    categories = set(await session.scalars(select(Subscription.category).where(Subscription.user_id == user.id)))
    found: list[Announcement] = []
    offset, batch = 0, 200
    # Audiences are JSON, matched in Python; reading newest first in batches stops as soon as enough match.
    while len(found) < limit:
        rows = list(await session.scalars(
            select(Announcement).where(Announcement.status == SENT)
            .order_by(Announcement.send_at.desc(), Announcement.id.desc()).offset(offset).limit(batch)))
        found += [row for row in rows
                  if Audience.from_json(row.audience).matches(user.area, user.language, categories)]
        if len(rows) < batch:
            break
        offset += batch
    return found[:limit]


def news_messages(items: list[Announcement], language: str, tz: ZoneInfo, i18n: I18n) -> list[str]:
    """/news as few messages as Telegram's length allows: each item its date and its text in this language."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for item in items:
        heading = f"<b>📰 {format_day(item.send_at, language, tz)}</b>"
        body = text_for(item.texts, language, i18n)
        entry = f"{heading}\n{body}"
        length = len(plain_text(entry))
        if current and size + len(SEPARATOR) + length > TEXT_LIMIT:
            messages.append(SEPARATOR.join(current))
            current, size = [], 0
        if length > TEXT_LIMIT:  # a text that uses the whole limit by itself: its date goes just before it
            messages += [heading, body]
            continue
        size += (len(SEPARATOR) if current else 0) + length
        current.append(entry)
    if current:
        messages.append(SEPARATOR.join(current))
    return messages


# --- small text helpers -------------------------------------------------------------------------------------


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """What Telegram shows (and counts) for our HTML: the tags gone, the entities decoded."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def shorten(text: str, length: int) -> str:
    """Plain text on one line, cut with "…" after `length` characters (escape it before showing it as HTML)."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length].rstrip() + "…"


def first_words(html: str, length: int = 40) -> str:
    """The start of an announcement's text, for lists."""
    return shorten(plain_text(html), length)


_LOCAL_TIME = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.](\d{2})\s*")


def parse_local_time(text: str, tz: ZoneInfo) -> datetime | None:
    """'YYYY-MM-DD HH:MM' in local time → an aware moment; None when it is not a real date and time."""
    match = _LOCAL_TIME.fullmatch(text or "")
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=tz)
    except ValueError:
        return None


def format_moment(moment: datetime, locale: str, tz: ZoneInfo) -> str:
    """A local date and time for people: "3 december 2026 18:00"."""
    return f"{format_day(moment, locale, tz)} {moment.astimezone(tz):%H:%M}"
