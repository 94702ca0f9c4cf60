"""Token-bucket flood control, like Telegram's per-chat and global message limits."""

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` saved up; a message costs one token."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """Per-chat and global buckets; ``None`` rates mean unlimited."""

    def __init__(
        self,
        *,
        chat_rate: float | None,
        chat_burst: int,
        global_rate: float | None,
        global_burst: int,
        monotonic: Callable[[], float],
    ) -> None:
        self._chat_rate = chat_rate
        self._chat_burst = chat_burst
        self._monotonic = monotonic
        self._chats: dict[int, TokenBucket] = {}
        self._global = self._new_bucket(global_rate, global_burst) if global_rate else None

    def _new_bucket(self, rate: float, burst: int) -> TokenBucket:
        return TokenBucket(rate=rate, capacity=burst, tokens=burst, updated=self._monotonic())

    def _buckets(self, chat_id: int) -> list[TokenBucket]:
        buckets = [self._global] if self._global else []
        if self._chat_rate:
            if chat_id not in self._chats:
                self._chats[chat_id] = self._new_bucket(self._chat_rate, self._chat_burst)
            buckets.append(self._chats[chat_id])
        return buckets

    def acquire(self, chat_id: int) -> int:
        """Take a token for a message to ``chat_id``: 0 on success, else whole seconds to wait (>= 1).

        Nothing is taken when refused, so a retry after that many seconds succeeds.
        """
        now = self._monotonic()
        buckets = self._buckets(chat_id)
        for bucket in buckets:
            bucket.refill(now)
        wait = max((bucket.wait_time() for bucket in buckets), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return 0
