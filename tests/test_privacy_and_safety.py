"""Residents' data under their control (/mydata, /forget), a flood guard, and no token in the logs."""

import json
import logging

from sqlalchemy import select

from db import users as queries
from db.models import Role, User
from tests.support import TOKEN, eventually, onboarded
from tests.test_first_conversation import CHOOSE, t


async def test_mydata_shows_the_profile_and_sends_it_as_json(resident_factory, db, clock) -> None:
    nadia = await onboarded(resident_factory, 701, "ar", "العربية")
    nadia.send("/mydata")
    shown = await nadia.expect(t("<b>Everything I store about you</b>", "ar").removeprefix("<b>").removesuffix("</b>"),
                               "701", '"ar"')
    assert "/forget" in shown.text
    file = await nadia.expect()
    assert file.filename == "my-data.json"
    data = json.loads(file.document)
    assert data["telegram_user_id"] == 701 and data["language"] == "ar"
    assert data["first_seen"].startswith(clock.now().date().isoformat())


async def test_forget_asks_first_and_then_deletes_everything(resident_factory, db, clock) -> None:
    erik = await onboarded(resident_factory, 702, "sv", "Svenska")
    await queries.grant_role(db, 702, "staff", clock.now())
    await db.commit()
    erik.send("/forget")
    await erik.expect(t("Do you want me to delete everything I store about you? This cannot be undone.", "sv"))
    await erik.press(t("No, keep it", "sv"))
    await erik.expect(t("Nothing was deleted.", "sv"))
    assert await db.get(User, 702) is not None

    erik.send("/forget")
    await erik.expect()
    await erik.press(t("🗑 Yes, delete everything", "sv"))
    await erik.expect(t("Everything I stored about you is deleted. If you write /start, we begin from nothing.", "sv"))

    async def gone() -> bool:
        await db.rollback()  # a fresh snapshot: the bot commits just after it replies
        return await db.get(User, 702, populate_existing=True) is None

    await eventually(gone, True)
    assert (await db.execute(select(Role).where(Role.user_id == 702))).first() is None, "roles went with it"
    erik.send("/start")
    await erik.expect(t(CHOOSE, "sv")), "a later /start begins from nothing: the language question again"


async def test_a_flooding_resident_is_asked_to_slow_down_once_and_others_are_not_slowed(
    resident_factory, clock
) -> None:
    spammer = await onboarded(resident_factory, 703, "en", "English")
    neighbour = await onboarded(resident_factory, 704, "en", "English")
    for _ in range(30):
        spammer.send("/help")
    neighbour.send("/help")
    await neighbour.expect("What I can do")
    replies = [await spammer.expect() for _ in range(18)]  # 2 of the 20 allowed went on /start and a button
    slow_down = await spammer.expect("You are writing very fast")
    await spammer.expect_silence()
    assert all("What I can do" in reply.text for reply in replies) and slow_down
    clock.advance(seconds=31)
    spammer.send("/help")
    await spammer.expect("What I can do")


async def test_the_bot_token_never_appears_in_the_logs(resident_factory, caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        sam = await onboarded(resident_factory, 705, "en", "English")
        sam.send("bibliotek karra")
        await sam.expect()
    assert caplog.records, "the conversation was logged at debug level"
    secret = TOKEN.split(":")[1]
    leaked = [record.getMessage() for record in caplog.records if secret in record.getMessage()]
    assert not leaked, leaked
