"""Residents' profile service: first contact, language choice and consent, activity flag, roles."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.languages import LANGUAGES
from db import outbox
from db import users as queries
from db.models import User

SEEN_PRECISION = timedelta(minutes=1)


async def touch(session: AsyncSession, user_id: int, guessed_language: str, now: datetime) -> User:
    """Record that the user wrote now; a new user starts in the language Telegram suggested."""
    user = await queries.get_or_create_user(session, user_id, guessed_language, now)
    # last_seen counts for retention (months): a minute's precision spares a burst of presses a write each.
    if now - user.last_seen >= SEEN_PRECISION:
        user.last_seen = now
    # Someone who writes to us has not blocked us (any more): deliveries reach them again.
    if not user.is_active:
        user.is_active = True
    return user


def is_onboarded(user: User) -> bool:
    return user.consent_at is not None


async def choose_language(user: User, language: str, now: datetime) -> bool:
    """Store the language; the first choice, made under the privacy notice, is the consent. True then."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    user.language = language
    first_time = user.consent_at is None
    if first_time:
        user.consent_at = now
    return first_time


async def set_active(session: AsyncSession, user_id: int, active: bool) -> None:
    await queries.set_active(session, user_id, active)
    if not active:
        await outbox.block_pending_of(session, user_id)


@dataclass(frozen=True)
class ResidentCounts:
    total: int
    inactive: int
    by_language: dict[str, int]


async def resident_counts(session: AsyncSession) -> ResidentCounts:
    by_language = await queries.count_users_by_language(session)
    return ResidentCounts(
        total=sum(by_language.values()),
        inactive=await queries.count_inactive_users(session),
        by_language={code: by_language.get(code, 0) for code in LANGUAGES},
    )


async def languages_of(session: AsyncSession, user_ids: frozenset[int]) -> dict[int, str]:
    """The chosen language of each of these users who has one (for messages outside an update)."""
    return await queries.languages_of(session, user_ids)
