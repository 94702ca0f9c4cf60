"""Test support: an injectable clock and a resident who chats with the real bot through the emulator."""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.emulator import BotMessage, TelegramEmulator

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_test"


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Poll a condition that another task makes true (a few milliseconds, never minutes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def eventually(probe: Callable[[], Awaitable[object]], expected: object, timeout: float = 5.0) -> None:
    """Wait until an async probe (say, a database query) returns the expected value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (value := await probe()) != expected:
        if loop.time() > deadline:
            raise AssertionError(f"expected {expected!r}, still {value!r}")
        await asyncio.sleep(0.01)


def assert_no_rejections(emulator: TelegramEmulator) -> None:
    """A request the emulator refused is a bot bug (bad HTML, too long, bad button): fail loudly."""
    rejected = [f"{call.method}: {call.description} (params {call.params})" for call in emulator.rejections]
    assert not rejected, "Telegram would have rejected:\n" + "\n".join(rejected)


@dataclass
class Resident:
    """A person chatting with the bot in a private chat, as seen from their phone."""

    emulator: TelegramEmulator
    user_id: int
    language_code: str | None = "sv"
    first_name: str = "Amina"
    seen: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.emulator.add_user(self.user_id, first_name=self.first_name, language_code=self.language_code)

    def send(self, text: str) -> dict:
        return self.emulator.send_text(self.user_id, text)

    def send_content(self, **content: object) -> dict:
        return self.emulator.send_message(self.user_id, **content)

    async def expect(self, *fragments: str, pattern: str | None = None, timeout: float = 5.0) -> BotMessage:
        """The next message from the bot; it must contain every fragment (and match the pattern)."""
        message = await self.emulator.wait_for_message(self.user_id, self.seen, timeout=timeout)
        self.seen += 1
        assert_no_rejections(self.emulator)
        text = message.text or ""
        for fragment in fragments:
            assert fragment in text, f"expected {fragment!r} in the bot's message:\n{text}"
        if pattern is not None:
            assert re.search(pattern, text), f"expected /{pattern}/ in the bot's message:\n{text}"
        return message

    async def expect_silence(self, settle: float = 0.3) -> None:
        """Nothing more arrives (the bot ignores this on purpose)."""
        await asyncio.sleep(settle)
        assert_no_rejections(self.emulator)
        extra = self.emulator.messages(self.user_id)[self.seen:]
        assert not extra, f"expected no reply, got {[message.text for message in extra]}"

    def keyboard_message(self, label: str) -> BotMessage:
        """The newest message of the bot that still shows a button labelled `label`."""
        for message in reversed(self.emulator.messages(self.user_id)):
            if not message.deleted and any(b.get("text") == label for b in message.inline_buttons()):
                return message
        shown = [b.get("text") for m in self.emulator.messages(self.user_id) for b in m.inline_buttons()]
        raise AssertionError(f"no button {label!r} on screen; buttons: {shown}")

    async def press(self, label: str) -> dict:
        """Tap a button; returns Telegram's answerCallbackQuery parameters (every press must be answered)."""
        message = self.keyboard_message(label)
        button = next(b for b in message.inline_buttons() if b.get("text") == label)
        return await self.press_data(message.message_id, button["callback_data"])

    async def press_data(self, message_id: int, data: str) -> dict:
        query_id = self.emulator.press_button(self.user_id, message_id, data)
        answer = await self.emulator.wait_for_callback_answer(query_id)
        assert_no_rejections(self.emulator)
        return answer


async def onboarded(resident_factory, user_id: int, language: str, label: str) -> Resident:  # noqa: ANN001
    """A resident who has said /start and chosen the language labelled `label`; the menu is on screen."""
    resident = resident_factory(user_id, language_code=language)
    resident.send("/start")
    await resident.expect()
    await resident.press(label)
    await resident.expect()
    await resident.expect()
    return resident
