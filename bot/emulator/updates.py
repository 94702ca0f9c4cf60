"""Pending updates and getUpdates long polling: offset confirmation, allowed_updates, 409 on a second poll."""

import asyncio
import itertools
from collections.abc import Callable

from bot.emulator.errors import ApiError

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
MAX_LIMIT = 100
MAX_TIMEOUT = 50


class ChangeSignal:
    """Wakes every waiter when the emulator's state changes.

    Unlike asyncio.Condition.notify_all, ``fire`` needs no lock, so plain (sync) methods such as
    ``send_text`` can call it.
    """

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> None:
        """Return on the next ``fire`` or after ``timeout`` seconds, whichever is first."""
        if self._event is None:
            self._event = asyncio.Event()
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass

    async def wait_until(self, predicate: Callable[[], object], timeout: float) -> object:
        """Wait until ``predicate()`` is truthy and return it; TimeoutError after ``timeout`` seconds.

        Waiters share one event and one deadline each: a change wakes each waiter once, with no new task
        (hundreds of residents waiting at once cost the emulator little)."""
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                if self._event is None:
                    self._event = asyncio.Event()
                await self._event.wait()
        return result


class UpdateQueue:
    """Updates waiting for the bot, with increasing update_id from 1."""

    def __init__(self, signal: ChangeSignal) -> None:
        self._signal = signal
        self._updates: list[dict] = []
        self._last_id = 0
        self._allowed: set[str] | None = None  # None = every kind
        self._newest_poll = 0  # number of the latest getUpdates; older waiting ones get 409
        self.waiting_polls = 0
        self.closed = False

    def push(self, update: dict) -> int:
        if "update_id" not in update:
            update["update_id"] = self._last_id + 1
        self._last_id = max(self._last_id, update["update_id"])
        self._updates.append(update)
        self._signal.fire()
        return update["update_id"]

    def clear(self) -> None:
        self._updates.clear()

    def __len__(self) -> int:
        return len(self._updates)

    def close(self) -> None:
        """Release waiting polls with [] (on emulator stop)."""
        self.closed = True
        self._signal.fire()

    async def get(self, *, offset: int, limit: int, timeout: float, allowed_updates: list | None) -> list[dict]:
        if allowed_updates is not None:
            # Remembered until the next getUpdates that passes it; [] means every kind.
            self._allowed = set(allowed_updates) or None
        self._confirm(offset)
        limit = limit if 1 <= limit <= MAX_LIMIT else MAX_LIMIT
        timeout = min(max(timeout, 0), MAX_TIMEOUT)
        self._newest_poll += 1
        poll = self._newest_poll
        self._signal.fire()  # an older poll that is waiting must now end with 409
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if poll != self._newest_poll:
                raise ApiError(409, CONFLICT, expected=True)
            batch = self._select(limit)
            remaining = deadline - asyncio.get_running_loop().time()
            if batch or self.closed or remaining <= 0:
                return batch
            self.waiting_polls += 1
            try:
                await self._signal.wait(remaining)
            finally:
                self.waiting_polls -= 1

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            # Negative offset: keep only the last |offset| updates, forget the others.
            self._updates = self._updates[offset:]

    def _select(self, limit: int) -> list[dict]:
        wanted = (u for u in self._updates if self._allowed is None or _kind(u) in self._allowed)
        return list(itertools.islice(wanted, limit))


def _kind(update: dict) -> str:
    return next((key for key in update if key != "update_id"), "")
