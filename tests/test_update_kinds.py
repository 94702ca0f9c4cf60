"""Every kind of update gets a graceful answer or is ignored on purpose; failures end in an apology."""

import logging

from sqlalchemy import select, text

from db.models import User
from tests.support import assert_no_rejections, eventually, onboarded
from tests.test_first_conversation import MENU, t

NOT_TEXT = "Thank you! I can only read text. Please write to me, or choose from the menu."
STALE = "This button no longer works. Here is the menu."
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


async def test_stickers_voice_photos_and_other_media_get_a_friendly_answer(resident_factory) -> None:
    hodan = await onboarded(resident_factory, 201, "so", "Soomaali")
    media = [
        {"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "emoji": "👍"}},
        {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}},
        {"photo": [{"file_id": "p1", "file_unique_id": "u3", "width": 90, "height": 90}]},
        {"video_note": {"file_id": "n1", "file_unique_id": "u4", "length": 240, "duration": 2}},
        {"document": {"file_id": "d1", "file_unique_id": "u5", "file_name": "cv.pdf"}},
        {"contact": {"phone_number": "+46700000000", "first_name": "Hodan"}},
        {"dice": {"emoji": "🎲", "value": 3}},
    ]
    for content in media:
        hodan.send_content(**content)
        reply = await hodan.expect(t(NOT_TEXT, "so"))
        assert reply.inline_buttons(), "the answer offers the menu"


async def test_unknown_commands_long_texts_and_free_questions_are_answered_kindly(resident_factory) -> None:
    sam = await onboarded(resident_factory, 202, "en", "English")
    sam.send("/frobnicate")
    await sam.expect("I don't know that command", "/help")
    sam.send("x" * 4000)
    await sam.expect("That is a long message")
    sam.send('<b>bold</b> & "quotes" <script>')
    await sam.expect("031-365 00 00"), "markup-like text is only text: an honest 'I don't know'"


async def test_someone_who_writes_before_starting_gets_the_language_question(resident_factory) -> None:
    newcomer = resident_factory(203, language_code="ar")
    newcomer.send("مرحبا")
    await newcomer.expect(t("Which language do you want me to use?", "ar"))


async def test_edited_messages_and_group_chats_are_ignored_on_purpose(resident_factory, emulator) -> None:
    lina = await onboarded(resident_factory, 204, "sv", "Svenska")
    sent = lina.send("hej")
    await lina.expect()
    emulator.edit_user_message(204, sent["message_id"], "hej igen")
    emulator.push_update({"message": {
        "message_id": 9000, "date": 1_790_000_000, "text": "hello group",
        "chat": {"id": -100123, "type": "supergroup", "title": "Backa grannar"},
        "from": {"id": 204, "is_bot": False, "first_name": "Lina"},
    }})
    await lina.expect_silence()


async def test_stale_and_forged_buttons_are_answered_and_lead_back_to_the_menu(resident_factory) -> None:
    noor = await onboarded(resident_factory, 205, "fa", "فارسی")
    menu = noor.keyboard_message(t("❓ Help", "fa"))
    for forged in ["m:removed-feature", "lang:xx", "lang:", "zzz", "🙂" * 10]:
        answer = await noor.press_data(menu.message_id, forged)
        assert answer.get("text") == t(STALE, "fa")
        await noor.expect(t(MENU, "fa"))


async def test_a_double_tap_on_a_language_button_is_harmless(resident_factory) -> None:
    dino = resident_factory(206, language_code="bs")
    dino.send("/start")
    picker = await dino.expect()
    data = next(b["callback_data"] for b in picker.inline_buttons() if b["text"] == "Suomi")
    first = dino.emulator.press_button(206, picker.message_id, data)
    second = dino.emulator.press_button(206, picker.message_id, data)
    for query in (first, second):
        assert (await dino.emulator.wait_for_callback_answer(query)).get("text") == "Suomi"
    await dino.expect(t("Done! From now on I will write to you in English.", "fi"))
    await dino.expect(t(MENU, "fi"))
    await dino.expect_silence()


async def test_blocking_marks_the_resident_inactive_and_unblocking_brings_them_back(
    resident_factory, emulator, db
) -> None:
    await onboarded(resident_factory, 207, "sv", "Svenska")
    async def is_active() -> bool:
        await db.rollback()  # end the read snapshot, to see what the bot committed since
        return bool(await db.scalar(select(User.is_active).where(User.id == 207)))

    emulator.block_bot(207)
    await eventually(is_active, False)
    emulator.unblock_bot(207)
    await eventually(is_active, True)


async def test_when_telegram_fails_mid_answer_the_resident_gets_an_apology_and_nothing_half_saved(
    resident_factory, emulator, db, caplog
) -> None:
    kim = await onboarded(resident_factory, 208, "en", "English")
    kim.send("/language")
    await kim.expect()
    emulator.fail_next("sendMessage", 400, "Bad Request: simulated failure")
    with caplog.at_level(logging.ERROR):
        answer = await kim.press("Suomi")
        await kim.expect(SORRY)
    assert not answer.get("text"), "no 'Suomi' toast for a change that did not happen"
    user = await db.get(User, 208)
    await db.refresh(user)
    assert user.language == "en", "the language change was rolled back with the failed update"
    assert any("update" in record.getMessage() and "failed" in record.getMessage() for record in caplog.records)


async def test_a_broken_database_gives_an_apology_in_the_phone_language(resident_factory, app, caplog) -> None:
    # Other tables point at users: PostgreSQL needs CASCADE (their foreign keys go), SQLite has no such word.
    cascade = " CASCADE" if app.engine.dialect.name == "postgresql" else ""
    async with app.engine.begin() as connection:
        await connection.execute(text("DROP TABLE roles"))
        await connection.execute(text(f"DROP TABLE users{cascade}"))
    zara = resident_factory(209, language_code="ar")
    with caplog.at_level(logging.ERROR):
        zara.send("/start")
        await zara.expect(t(SORRY, "ar"))
    failed = [record for record in caplog.records if "failed" in record.getMessage()]
    assert failed and failed[0].exc_info, "the error is logged with its update id and traceback"
    assert_no_rejections(zara.emulator)
