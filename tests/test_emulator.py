"""The Telegram emulator, driven over real HTTP by a real aiogram Bot (and raw aiohttp where needed)."""

import asyncio
import contextlib
import time

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.emulator import HtmlParseError, TelegramEmulator, parse_html

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_fakeTok"
USER = 1001
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class QuickCloseSession(AiohttpSession):
    """aiogram sleeps 250 ms on close to let TLS connections finish; plain local HTTP needs no wait."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def running(**options):
    """A started emulator with one known user, and a Bot pointed at it."""
    emulator = TelegramEmulator(token=TOKEN, **options)
    await emulator.start()
    emulator.add_user(USER, first_name="Amina", language_code="ar")
    session = QuickCloseSession(api=TelegramAPIServer.from_base(emulator.base_url))
    bot = Bot(TOKEN, session=session)
    try:
        yield emulator, bot
    finally:
        await session.close()
        await emulator.stop()


@pytest_asyncio.fixture
async def world():
    async with running() as pair:
        yield pair


@pytest_asyncio.fixture
async def emulator(world):
    return world[0]


@pytest_asyncio.fixture
async def bot(world):
    return world[1]


async def until_polling(emulator: TelegramEmulator) -> None:
    for _ in range(200):
        if emulator.is_polling:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("getUpdates never started waiting")


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    buttons = [[InlineKeyboardButton(text=f"#{i}", callback_data=data)] for i, data in enumerate(callback_data)]
    return InlineKeyboardMarkup(inline_keyboard=buttons)


# --- the bot and updates -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_me(emulator, bot):
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (7000000001, True, "norra_hisingen_bot")
    assert emulator.calls[-1].method == "getMe" and emulator.calls[-1].ok


@pytest.mark.asyncio
async def test_user_message_is_delivered_then_confirmed(emulator, bot):
    sent = emulator.send_text(USER, "/start")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [1]
    message = updates[0].message
    assert (message.message_id, message.text, message.from_user.id) == (sent["message_id"], "/start", USER)
    assert message.entities[0].type == "bot_command"
    assert message.from_user.language_code == "ar"

    assert await bot.get_updates(offset=updates[0].update_id + 1) == []
    assert await bot.get_updates() == []  # the confirmed update is gone for good


@pytest.mark.asyncio
async def test_long_poll_returns_as_soon_as_an_update_arrives(emulator, bot):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await until_polling(emulator)
    started = time.monotonic()
    emulator.send_text(USER, "hej")
    updates = await asyncio.wait_for(poll, 1)
    assert [u.message.text for u in updates] == ["hej"]
    assert time.monotonic() - started < 0.5


@pytest.mark.asyncio
async def test_allowed_updates_filters_and_is_remembered(emulator, bot):
    emulator.send_text(USER, "text")
    emulator.block_bot(USER)
    only_members = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert [u.my_chat_member.new_chat_member.status for u in only_members] == ["kicked"]
    assert await bot.get_updates() == only_members  # the filter is remembered
    assert len(await bot.get_updates(allowed_updates=[])) == 2


@pytest.mark.asyncio
async def test_stop_releases_a_waiting_poll(emulator, bot):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await until_polling(emulator)
    await emulator.stop()
    assert await asyncio.wait_for(poll, 1) == []


# --- sending and the rules Telegram enforces -----------------------------------------------------


@pytest.mark.asyncio
async def test_valid_html_is_stored_as_plain_text(emulator, bot):
    html = '<b>Hej</b> &amp; <a href="https://goteborg.se/?a=1&b=2">välkommen</a> &#128075; <i>till</i>'
    sent = await bot.send_message(USER, html, parse_mode="HTML")
    assert sent.text == "Hej & välkommen 👋 till"
    stored = emulator.messages(USER)[0]
    assert (stored.text, stored.html, stored.parse_mode, stored.method) == (sent.text, html, "HTML", "sendMessage")
    assert emulator.rejections == []


@pytest.mark.parametrize("text", ["<foo>x</foo>", "<b>unclosed", "1 < 2", "fish & chips", "<b>x</i>"])
@pytest.mark.asyncio
async def test_bad_html_is_rejected_and_recorded(emulator, bot, text):
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")
    [rejection] = emulator.rejections
    assert (rejection.method, rejection.status, rejection.ok) == ("sendMessage", 400, False)
    assert rejection.description.startswith("Bad Request: can't parse entities: ")
    assert emulator.messages(USER) == []


@pytest.mark.asyncio
async def test_text_length_limits(emulator, bot):
    await bot.send_message(USER, "a" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    assert len(emulator.messages(USER)) == 1


@pytest.mark.asyncio
async def test_callback_data_is_limited_to_64_bytes(emulator, bot):
    await bot.send_message(USER, "ok", reply_markup=keyboard("ب" * 32))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "too long", reply_markup=keyboard("ب" * 33))  # 66 bytes
    assert [b["callback_data"] for b in emulator.messages(USER)[0].inline_buttons()] == ["ب" * 32]


@pytest.mark.asyncio
async def test_unknown_chat_is_not_found(emulator, bot):
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "hej")


@pytest.mark.asyncio
async def test_blocked_user_gets_forbidden_which_is_not_a_rejection(emulator, bot):
    emulator.block_bot(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hej")
    assert emulator.rejections == [] and emulator.calls[-1].expected
    emulator.unblock_bot(USER)
    await bot.send_message(USER, "välkommen tillbaka")
    statuses = [u.my_chat_member.new_chat_member.status for u in await bot.get_updates()]
    assert statuses == ["kicked", "member"]


@pytest.mark.asyncio
async def test_flood_control_answers_429_until_a_token_is_free():
    clock = FakeClock()
    async with running(chat_rate=1, chat_burst=2, monotonic=clock) as (emulator, bot):
        await bot.send_message(USER, "1")
        await bot.send_message(USER, "2")
        with pytest.raises(TelegramRetryAfter) as raised:
            await bot.send_message(USER, "3")
        assert raised.value.retry_after >= 1
        assert emulator.calls[-1].description == f"Too Many Requests: retry after {raised.value.retry_after}"
        clock.now += raised.value.retry_after
        await bot.send_message(USER, "3")
        assert [m.text for m in emulator.messages(USER)] == ["1", "2", "3"]


@pytest.mark.asyncio
async def test_fail_next_is_expected(emulator, bot):
    emulator.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(USER, "hej")
    assert raised.value.retry_after == 3
    await bot.send_message(USER, "hej")
    assert emulator.rejections == []


# --- callback queries, edits, deletion -----------------------------------------------------------


@pytest.mark.asyncio
async def test_callback_query_can_be_answered_once(emulator, bot):
    sent = await bot.send_message(USER, "Välj", reply_markup=keyboard("menu:help"))
    query_id = emulator.press_button(USER, sent.message_id, "menu:help")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert (query.id, query.data, query.message.message_id) == (query_id, "menu:help", sent.message_id)
    assert query.message.reply_markup == sent.reply_markup

    assert await bot.answer_callback_query(query_id, text="OK")
    assert (await emulator.wait_for_callback_answer(query_id))["text"] == "OK"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


@pytest.mark.asyncio
async def test_edit_with_identical_content_is_not_modified(emulator, bot):
    markup = keyboard("a")
    sent = await bot.send_message(USER, "<b>Hej</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="<b>Hej</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    edited = await bot.edit_message_text(text="Hej då", chat_id=USER, message_id=sent.message_id)
    assert edited.text == "Hej då" and edited.reply_markup is None  # no markup in the edit removes it
    stored = emulator.message(USER, sent.message_id)
    assert (stored.text, stored.edited, stored.inline_buttons()) == ("Hej då", True, [])
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=999)


@pytest.mark.asyncio
async def test_edit_markup_and_delete(emulator, bot):
    sent = await bot.send_message(USER, "Välj", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("b"))
    assert [b["callback_data"] for b in emulator.message(USER, sent.message_id).inline_buttons()] == ["b"]
    assert await bot.delete_message(USER, sent.message_id)
    assert emulator.messages(USER)[0].deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


@pytest.mark.asyncio
async def test_listener_sees_new_and_edited_messages(emulator, bot):
    seen = []
    emulator.on_bot_message(lambda message: seen.append((message.text, message.edited)))
    sent = await bot.send_message(USER, "Hej")
    await bot.edit_message_text(text="Hej igen", chat_id=USER, message_id=sent.message_id)
    await bot.delete_message(USER, sent.message_id)
    assert seen == [("Hej", False), ("Hej igen", True)]


# --- media, places, commands ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_send_document_keeps_bytes_and_filename(emulator, bot):
    data = "%PDF-1.4 sophämtning".encode()
    sent = await bot.send_document(
        USER, BufferedInputFile(data, filename="schema.pdf"), caption="<i>Schema</i>", parse_mode="HTML"
    )
    assert (sent.document.file_name, sent.document.mime_type, sent.caption) == (
        "schema.pdf",
        "application/pdf",
        "Schema",
    )
    stored = emulator.messages(USER)[0]
    assert (stored.document, stored.filename, stored.text) == (data, "schema.pdf", "Schema")
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=sent.message_id)


@pytest.mark.asyncio
async def test_send_photo_by_url(emulator, bot):
    sent = await bot.send_photo(USER, "https://example.org/karta.png")
    assert sent.photo[0].width > 0
    assert emulator.messages(USER)[0].photo == "https://example.org/karta.png"


@pytest.mark.asyncio
async def test_send_venue_and_location(emulator, bot):
    sent = await bot.send_venue(USER, 57.7289, 11.9387, "Backa bibliotek", "Backavägen 1")
    assert (sent.venue.title, sent.location.latitude) == ("Backa bibliotek", 57.7289)
    stored = emulator.messages(USER)[0]
    assert stored.venue["address"] == "Backavägen 1" and stored.location == (57.7289, 11.9387)
    with pytest.raises(TelegramBadRequest, match="wrong latitude"):
        await bot.send_location(USER, 91, 11.9)


@pytest.mark.asyncio
async def test_set_my_commands_checks_language_code(emulator, bot):
    commands = [BotCommand(command="start", description="Börja")]
    with pytest.raises(TelegramBadRequest, match="invalid language code specified"):
        await bot.set_my_commands(commands, language_code="ckb")
    assert await bot.set_my_commands(commands, language_code="ar")
    assert emulator.commands[("default", "ar")] == [{"command": "start", "description": "Börja"}]
    assert [c.command for c in await bot.get_my_commands(language_code="ar")] == ["start"]

    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=USER))
    assert ("chat:1001", "") in emulator.commands
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])


# --- HTTP details --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_unknown_method_and_wrong_token(emulator, bot):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.base_url}/bot{TOKEN}/sendTelepathy") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{emulator.base_url}/bot123:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    wrong_bot = Bot("123:wrong", session=QuickCloseSession(api=TelegramAPIServer.from_base(emulator.base_url)))
    with pytest.raises(TelegramUnauthorizedError):
        await wrong_bot.get_me()
    await wrong_bot.session.close()


@pytest.mark.asyncio
async def test_json_body_query_string_and_case_insensitive_names(emulator):
    url = f"{emulator.base_url}/bot{TOKEN}/SENDMESSAGE"
    markup = {"inline_keyboard": [[{"text": "Karta", "url": "https://example.org"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"chat_id": USER, "text": "hej", "reply_markup": markup}) as response:
            body = await response.json()
        assert body["ok"] and body["result"]["reply_markup"] == markup
        async with http.get(url, params={"chat_id": str(USER)}) as response:
            assert response.status == 400
            assert (await response.json())["description"] == "Bad Request: message text is empty"
    assert emulator.messages(USER)[0].reply_markup == markup


@pytest.mark.asyncio
async def test_a_second_get_updates_ends_the_first_with_409(emulator):
    url = f"{emulator.base_url}/bot{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as http:

        async def first_poll():
            async with http.post(url, data={"timeout": "5"}) as response:
                return response.status, await response.json()

        first = asyncio.create_task(first_poll())
        await until_polling(emulator)
        async with http.get(url, params={"timeout": "0"}) as response:
            assert (response.status, await response.json()) == (200, {"ok": True, "result": []})
        status, body = await asyncio.wait_for(first, 1)
    assert (status, body) == (409, {"ok": False, "error_code": 409, "description": CONFLICT})
    assert emulator.rejections == []


@pytest.mark.asyncio
async def test_wait_for_message_times_out_helpfully(emulator):
    with pytest.raises(TimeoutError, match="chat 1001 has 0 bot message"):
        await emulator.wait_for_message(USER, 0, timeout=0.05)


# --- a real dispatcher, end to end ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_dispatcher_polling_end_to_end(emulator, bot):
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("<b>Välkommen!</b>", parse_mode="HTML", reply_markup=keyboard("lang:sv"))

    @dispatcher.callback_query(F.data == "lang:sv")
    async def choose(query: CallbackQuery) -> None:
        await query.message.edit_text("Svenska vald")
        await query.answer()

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        emulator.send_text(USER, "/start")
        welcome = await emulator.wait_for_message(USER, 0)
        assert welcome.text == "Välkommen!" and welcome.message_id == 2  # the user's /start was 1
        query_id = emulator.press_button(USER, welcome.message_id, "lang:sv")
        await emulator.wait_for_callback_answer(query_id)
        assert emulator.message(USER, welcome.message_id).text == "Svenska vald"
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 2)
    assert emulator.rejections == []


# --- the HTML parser on its own ------------------------------------------------------------------


def test_parse_html_reports_byte_offsets():
    assert parse_html("<B>a</B > &lt;&gt;&quot;&#x41;") == 'a <>"A'
    assert parse_html('<blockquote expandable>q</blockquote><span class="tg-spoiler">s</span>') == "qs"
    assert parse_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>') == "👍"
    with pytest.raises(HtmlParseError) as raised:
        parse_html("Hallå <br>")
    assert raised.value.description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 7'
    )
    for bad in ("<span>x</span>", "<a>x</a>", "a > b", "&nbsp;", "</b>", "<b", '<a href="x>y</a>'):
        with pytest.raises(HtmlParseError):
            parse_html(bad)


async def test_a_file_sent_by_a_user_can_be_fetched_and_downloaded(emulator, bot):
    document = emulator.add_file("namn;tid\nLäxhjälp;16:00\n".encode(), "program.csv")
    file = await bot.get_file(document["file_id"])
    assert file.file_size == len("namn;tid\nLäxhjälp;16:00\n".encode()) and file.file_path.endswith(".csv")
    downloaded = await bot.download(file)
    assert downloaded.read().decode() == "namn;tid\nLäxhjälp;16:00\n"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("no-such-file")
