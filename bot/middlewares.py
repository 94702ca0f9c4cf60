"""Per-update middlewares: one database session per update and the current user's row."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject, User
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import users
from bot.clock import Clock
from bot.languages import negotiate

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """Everything an update changes is committed together, or rolled back together on error.

    SQLite has one writer at a time and its busy handler sleeps in growing steps, so under a burst many
    concurrent updates stall each other for seconds; with `one_at_a_time` (used for SQLite) updates take
    turns instead. PostgreSQL runs them concurrently.

    A handler whose database work is done before it talks to Telegram (a poll vote) calls `release_database()`:
    that commits and hands the turn on, so the next update does not wait for this one's Telegram round trips.
    """

    def __init__(self, sessionmaker: async_sessionmaker, one_at_a_time: bool = False) -> None:
        self.sessionmaker = sessionmaker
        self._turn = asyncio.Lock() if one_at_a_time else None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self._turn is not None:
            await self._turn.acquire()
        holding = self._turn is not None

        def hand_on() -> None:
            nonlocal holding
            if holding:
                holding = False
                self._turn.release()

        try:
            async with self.sessionmaker() as session:
                done = False

                async def release_database() -> None:
                    nonlocal done
                    if not done:
                        done = True
                        await session.commit()
                        hand_on()

                data["session"], data["release_database"] = session, release_database
                try:
                    result = await handler(event, data)
                except BaseException:
                    if not done:
                        await session.rollback()
                    raise
                await release_database()
                return result
        finally:
            hand_on()


class UserMiddleware(BaseMiddleware):
    """Loads (or creates) the resident behind a private-chat update and marks them as seen."""

    def __init__(self, clock: Clock, default_locale: str) -> None:
        self.clock = clock
        self.default_locale = default_locale

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        telegram_user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        # Group chats are not served; only people talking to the bot privately get a profile.
        if telegram_user and not telegram_user.is_bot and (chat is None or chat.type == ChatType.PRIVATE):
            guessed = negotiate(telegram_user.language_code, self.default_locale)
            user = await users.touch(data["session"], telegram_user.id, guessed, self.clock.now())
            data["user"], data["user_language"] = user, user.language
        return await handler(event, data)
