"""Per-user flood guard: someone sending faster than a person can gets one polite "slow down", then a pause."""

from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.i18n import locale_for


class FloodGuard(BaseMiddleware):
    """Counts each user's updates in a sliding window; other users are never slowed down."""

    def __init__(self, clock: Clock, limit: int, window: timedelta, pause: timedelta) -> None:
        self.clock, self.limit, self.window, self.pause = clock, limit, window, pause
        self._recent: dict[int, deque[datetime]] = defaultdict(deque)
        self._paused_until: dict[int, datetime] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is None:
            return await handler(event, data)
        now = self.clock.now()
        if self._paused_until.get(sender.id, now) > now:
            return None  # ignored on purpose while paused; they were told once
        recent = self._recent[sender.id]
        while recent and now - recent[0] > self.window:
            recent.popleft()
        recent.append(now)
        if len(recent) <= self.limit:
            return await handler(event, data)
        self._paused_until[sender.id] = now + self.pause
        recent.clear()
        await self._ask_to_slow_down(sender.id, data)
        return None

    async def _ask_to_slow_down(self, user_id: int, data: dict[str, Any]) -> None:
        i18n: I18n = data["i18n"]
        bot: Bot = data["bot"]
        text = i18n.gettext("You are writing very fast. Please wait a moment; I will answer again soon.",
                            locale=locale_for(data, i18n.default_locale))
        await bot.send_message(user_id, text)
