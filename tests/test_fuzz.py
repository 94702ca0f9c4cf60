"""10,000 adversarial updates through the emulator: no unhandled exception, no request Telegram would reject."""

import asyncio
import logging
import random
from datetime import timedelta

from bot import polls
from bot.emulator import TelegramEmulator
from db.session import create_sessionmaker
from tests.support import assert_no_rejections, wait_until

UPDATES = int(__import__("os").environ.get("FUZZ_UPDATES", "10000"))
USERS = 60
SEED = 20261129
TRICKY = ["<b>", "</i>", "&", "&amp;", '"', "'", "<script>alert(1)</script>", "\u200f", "\u200e", "\u202e",
          "\u200c", "\u0000", "🙂", "👨‍👩‍👧", "ﷺ", "Kärra", "گ", "ێ", "%s", "{count}", "{", "}", "\\", "\n", " " * 5]
COMMANDS = ["/start", "/start poll-1", "/start " + "x" * 64, "/help", "/language", "/services", "/privacy",
            "/mydata", "/forget", "/admin", "/nonsense", "/", "/START", "/start@norra_hisingen_bot", "/announce",
            "/news", "/settings", "/activities", "/reminders", "/activity", "/start AbCdEfGhIjKlMnOpQrStUv",
            "/polls", "/poll", "/results", "/start poll-2-backa", "/start poll-1-" + "x" * 40, "/start poll-0"]
FORGED = ["m:help", "m:nope", "lang:xx", "lang:", "s:card::x:nothing", "s:list:library:*:", "s:areas:zzz::",
          "s:map:::library-karra", "s:call:::nope", "n:library:57.7:11.9", "n:library:999:-999", "n:x:a:b",
          "a:faq:nope:sv", "a:service:library-karra:zz", "a:faq:sfi-start:ar", "forget:1", "forget:0",
          "forget:maybe", "adm:reload", "zzz", "🙂" * 16, ":", "::::", "s:" + "é" * 30, "set:hours:1-2",
          "set:area:atlantis", "set:quiet:", "nw:0", "nw:999", "nw:-1", "ann:confirm::", "ann:toggle:x:a",
          "adinv:staff:", "admem:-1", "adrm:yes:999:0", "m:news", "m:settings", "m:activities",
          "ac:card:1:20261201T1600", "ac:card:99999999999999999999:x", "ac:remind:1:", "ac:ics:-1:zz",
          "ac:week:0", "rem:stop:1", "rem:stop:x", "sa:new", "set:remind:both", "set:digest:1",
          "pv:1:v:0:0:", "pv:1:v:9:0:", "pv:2:t:1:3:x", "pv:2:s:0:1023:", "pv:2:s:0:0:", "pv:1:k:0:0:",
          "pv:99:v:0:0:", "pv:-1:v:-1:-1:", "pl:1", "pl:x", "rs:card:1:", "rs:said:1:", "rs:send:2:",
          "rs:lang:1:zz", "rs:chart:2:", "m:polls", "pa:grp:x:", "pa:create::", "pa:tog:zz:a"]


def random_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        return rng.choice("abcdefghij") * 5000  # longer than Telegram itself would allow
    if kind < 0.25:
        return rng.choice(COMMANDS)
    pieces = [rng.choice(TRICKY) if rng.random() < 0.3 else chr(rng.randint(0x20, 0x2FFF))
              for _ in range(rng.randint(1, 40))]
    return "".join(pieces).replace("\u0000", "") or "?"


def push_random_update(emulator: TelegramEmulator, rng: random.Random) -> None:
    user_id = 800_000 + rng.randrange(USERS)
    roll = rng.random()
    bot_messages = emulator.messages(user_id)
    if roll < 0.5:
        emulator.send_text(user_id, random_text(rng))
    elif roll < 0.7 and bot_messages:
        message = rng.choice(bot_messages)
        buttons = message.inline_buttons()
        real = [b["callback_data"] for b in buttons if "callback_data" in b]
        data = rng.choice(real) if real and rng.random() < 0.6 else rng.choice(FORGED)
        emulator.press_button(user_id, message.message_id, data)
    elif roll < 0.8:
        content = rng.choice([
            {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                         "is_animated": False, "is_video": False}},
            {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
            {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
            {"location": {"latitude": rng.uniform(-90, 90), "longitude": rng.uniform(-180, 180)}},
            {"contact": {"phone_number": "+46 70", "first_name": "<b>&"}},
            {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "<x>.csv"}},
            {"dice": {"emoji": "🎲", "value": 6}},
        ])
        emulator.send_message(user_id, **content)
    elif roll < 0.9:
        sent = emulator.send_text(user_id, "hej")
        emulator.edit_user_message(user_id, sent["message_id"], random_text(rng))
    elif roll < 0.95:
        (emulator.block_bot if rng.random() < 0.5 else emulator.unblock_bot)(user_id)
    else:
        emulator.push_update({"message": {"message_id": 1, "date": 0, "text": random_text(rng),
                                          "chat": {"id": -100 - user_id, "type": "group", "title": "<b>grupp"},
                                          "from": {"id": user_id, "is_bot": False, "first_name": "&amp;"}}})


async def settled(emulator: TelegramEmulator, what: str) -> None:
    """All updates fetched and the bot quiet for a second: it has finished answering them."""
    await wait_until(lambda: emulator.pending_updates == 0, timeout=60, what=f"{what} fetched")
    calls = -1
    while calls != len(emulator.calls):
        calls = len(emulator.calls)
        await asyncio.sleep(1.0)


async def open_polls(app, clock) -> None:  # noqa: ANN001
    """Two open polls for everyone (a single choice with a comment step, and a multiple choice), so the fuzz
    presses real poll buttons too."""
    async with create_sessionmaker(app.engine)() as session:
        for kind, comment in ((polls.SINGLE, True), (polls.MULTIPLE, False)):
            await polls.create(session, polls.PollDraft(
                theme_group="young-people", kind=kind, questions={"sv": "Fråga <b>&"},
                options=[{"sv": "Ett"}, {"sv": "Två"}, {"sv": "Tre"}], comment_step=comment,
                opens_at=clock.now(), closes_at=clock.now() + timedelta(days=30)), 1, clock.now())
        await session.commit()


async def test_ten_thousand_adversarial_updates_break_nothing(app, emulator, clock, caplog) -> None:
    await open_polls(app, clock)
    rng = random.Random(SEED)
    for user in range(USERS):
        emulator.add_user(800_000 + user, first_name=rng.choice(TRICKY) + "Name",
                          language_code=rng.choice([None, "ar", "so", "xx-YY", "sv", "ckb", "fa-IR", ""]))
    with caplog.at_level(logging.ERROR):
        for batch in range(UPDATES // 500):
            for _ in range(500):
                push_random_update(emulator, rng)
                clock.advance(seconds=1)  # residents type at human speed here; the flood guard has its own test
            await settled(emulator, f"batch {batch}")
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, failures[:5]
    assert_no_rejections(emulator)
    presses = [c for c in emulator.calls if c.method == "answerCallbackQuery"]
    assert len(presses) > UPDATES // 20, f"buttons were pressed and answered; calls: {len(emulator.calls)}"
