"""`python -m bot demo`: the real bot against the local emulator, chatted with in this terminal."""

import asyncio
import contextlib
import logging
import os
import sys
from datetime import UTC, datetime

from bot.app import create_application
from bot.clock import SystemClock
from bot.config import Settings
from bot.emulator import BotMessage, TelegramEmulator
from db import users as queries
from db.session import create_sessionmaker

DEMO_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDdemo"
PEOPLE = {
    "resident": {"user_id": 1001, "first_name": "Amina"},
    "staff": {"user_id": 1002, "first_name": "Erik"},
}
# How long the bot may stay quiet before we assume it has finished answering one line of input.
SETTLE_SECONDS = 0.6
HELP = (
    "Type as a resident would. Buttons are numbered: type the number to press one.\n"
    "/as staff or /as resident switches who you are; /quit (or Ctrl-D) ends the demo."
)


class TerminalChat:
    """Prints the bot's messages with numbered buttons and turns typed lines into updates."""

    def __init__(self, emulator: TelegramEmulator, language_code: str) -> None:
        self.emulator = emulator
        self.person = "resident"
        self.buttons: list[tuple[int, dict]] = []  # (message_id, button) of the latest keyboard
        self.last_activity = 0.0
        self.printed: dict[tuple[int, int], str | None] = {}  # what each message looked like when shown
        for person in PEOPLE.values():
            emulator.add_user(person["user_id"], first_name=person["first_name"], language_code=language_code)
        emulator.on_bot_message(self.show)

    @property
    def user_id(self) -> int:
        return PEOPLE[self.person]["user_id"]

    def show(self, message: BotMessage) -> None:
        self.last_activity = asyncio.get_running_loop().time()
        if message.chat_id != self.user_id:
            return
        shown = (message.chat_id, message.message_id)
        if message.edited and self.printed.get(shown) == message.text:
            return  # only its buttons were taken away; the text on screen is still right
        self.printed[shown] = message.text
        lines = [f"bot › {line}" for line in (message.text or f"[{message.method}]").splitlines() or [""]]
        if message.venue:
            lines.append(f"      📍 {message.venue['title']}, {message.venue['address']} {message.location}")
        elif message.location:
            lines.append(f"      📍 {message.location}")
        if message.contact:
            lines.append(f"      📇 {message.contact['first_name']}: {message.contact['phone_number']}")
        if message.filename:
            lines.append(f"      📎 {message.filename}")
        buttons = message.inline_buttons()
        if buttons:
            self.buttons = [(message.message_id, button) for button in buttons]
            lines.append("      " + "   ".join(f"[{n}] {b['text']}" for n, (_, b) in enumerate(self.buttons, 1)))
        print("\n".join(lines), flush=True)

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the demo should end."""
        line = line.strip()
        if line in ("/quit", "/exit"):
            return False
        if line.startswith("/as "):
            who = line[4:].strip()
            if who in PEOPLE:
                self.person, self.buttons = who, []
                print(f"(you are now the {who}, {PEOPLE[who]['first_name']})", flush=True)
            else:
                print("(say /as resident or /as staff)", flush=True)
        elif line.isdigit() and 1 <= int(line) <= len(self.buttons):
            message_id, button = self.buttons[int(line) - 1]
            if "callback_data" in button:
                self.emulator.press_button(self.user_id, message_id, button["callback_data"])
            else:
                print(f"(that button opens {button.get('url', 'something outside the chat')})", flush=True)
        elif line:
            self.emulator.send_text(self.user_id, line)
        return True

    async def settle(self) -> None:
        """Wait until the bot has been quiet for a moment, so replies print before the next prompt."""
        loop = asyncio.get_running_loop()
        self.last_activity = loop.time()
        while loop.time() - self.last_activity < SETTLE_SECONDS:  # noqa: ASYNC110 - quiet time, not an event
            await asyncio.sleep(0.05)


async def run_demo() -> int:
    logging.getLogger().setLevel(logging.WARNING)
    emulator = TelegramEmulator(token=DEMO_TOKEN)
    base_url = await emulator.start()
    settings = Settings(
        bot_token=DEMO_TOKEN,
        telegram_api_url=base_url,
        database_url=os.environ.get("DEMO_DATABASE_URL", "sqlite+aiosqlite:///data/demo.db"),
        admin_ids=frozenset({PEOPLE["staff"]["user_id"]}),
    )
    app = create_application(settings, SystemClock())
    await app.prepare()
    async with create_sessionmaker(app.engine)() as session:
        staff = PEOPLE["staff"]["user_id"]
        await queries.get_or_create_user(session, staff, "sv", datetime.now(UTC))
        await queries.grant_role(session, staff, "staff", datetime.now(UTC))
        await session.commit()
    polling = asyncio.create_task(app.poll())
    chat = TerminalChat(emulator, language_code=os.environ.get("DEMO_LANGUAGE", "sv"))
    interactive = sys.stdin.isatty()
    print("Norra Hisingen assistant — demo chat (local Telegram emulator, no token needed)\n" + HELP, flush=True)
    try:
        while True:
            if interactive:
                print(f"{chat.person} › ", end="", flush=True)
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or not chat.handle(line):
                break
            await chat.settle()
    finally:
        await app.dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        await app.close()
        await emulator.stop()
    return 0
