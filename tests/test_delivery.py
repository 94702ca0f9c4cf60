"""The delivery engine, end to end: outbox rows in the bot's database, real sends to the emulator over HTTP."""

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.delivery import PROGRESS_EVERY, DeliveryEngine, Recipient, Variant, enqueue, enqueue_once
from bot.emulator import BotMessage, TelegramEmulator
from bot.i18n import create_i18n
from db.models import OutboxMessage, User
from db.session import create_sessionmaker
from tests.conftest import ADMIN_ID
from tests.support import eventually, wait_until

FIRST_RESIDENT = 50_000


async def add_residents(db, emulator: TelegramEmulator, count: int, now: datetime,  # noqa: ANN001
                        languages: tuple[str, ...] = ("sv",), first: int = FIRST_RESIDENT) -> list[int]:
    """Residents who chose a language earlier (test setup: they exist in the database and in Telegram)."""
    ids = list(range(first, first + count))
    for index, user_id in enumerate(ids):
        language = languages[index % len(languages)]
        emulator.add_user(user_id, first_name=f"R{index}", language_code=language)
        db.add(User(id=user_id, language=language, consent_at=now, first_seen=now, last_seen=now))
    await db.commit()
    return ids


async def send_to(db, app, ids: list[int], now: datetime, variants: dict[str, Variant] | None = None,  # noqa: ANN001
                  report_to: int | None = None) -> int:
    languages = dict((await db.execute(select(User.id, User.language).where(User.id.in_(ids)))).all())
    delivery = await enqueue(
        db, kind="test", variants=variants or {"sv": Variant("Hej <b>grannar</b>!")}, now=now,
        recipients=[Recipient(user_id, languages[user_id], now) for user_id in ids],
        report_to=report_to, report_language="en")
    await db.commit()
    app.delivery.wake()
    return delivery.id


async def statuses(db, delivery_id: int) -> dict[str, int]:  # noqa: ANN001
    await db.rollback()  # a fresh snapshot of what the engine committed
    rows = await db.execute(select(OutboxMessage.status, func.count()).where(OutboxMessage.delivery_id == delivery_id)
                            .group_by(OutboxMessage.status))
    return dict(rows.all())


def received(emulator: TelegramEmulator, user_id: int) -> list[BotMessage]:
    return emulator.messages(user_id)


async def test_everyone_gets_exactly_one_message_in_their_language_and_staff_get_a_report(
        app, db, emulator, clock) -> None:  # noqa: ANN001
    emulator.add_user(ADMIN_ID, first_name="Staff", language_code="en")
    db.add(User(id=ADMIN_ID, language="en", consent_at=clock.now(), first_seen=clock.now(), last_seen=clock.now()))
    ids = await add_residents(db, emulator, 30, clock.now(), languages=("sv", "ar", "fi"))
    variants = {"sv": Variant("Hej <b>grannar</b>!"), "ar": Variant("مرحبا يا <b>جيران</b>!")}
    delivery_id = await send_to(db, app, ids, clock.now(), variants, report_to=ADMIN_ID)

    await eventually(lambda: statuses(db, delivery_id), {"sent": 30})
    for index, user_id in enumerate(ids):
        messages = received(emulator, user_id)
        assert len(messages) == 1, f"resident {user_id} got {len(messages)} messages"
        # Finnish has no variant here: the Swedish default goes out.
        assert messages[0].text == ("مرحبا يا جيران!" if index % 3 == 1 else "Hej grannar!")
    rows = (await db.scalars(select(OutboxMessage).where(OutboxMessage.delivery_id == delivery_id))).all()
    assert all(row.telegram_message_id == received(emulator, row.user_id)[0].message_id for row in rows)

    await wait_until(lambda: any("Delivered: 30" in (m.text or "") for m in emulator.messages(ADMIN_ID)),
                     what="the final report")
    report = emulator.messages(ADMIN_ID)[-1].text
    assert "Blocked the bot: 0" in report and "Could not be delivered: 0" in report


async def test_a_403_marks_the_resident_inactive_and_later_deliveries_skip_them(app, db, emulator,
                                                                              clock) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 3, clock.now())
    # Telegram answers 403 to the first send (the first resident blocked the bot; no update told us yet).
    emulator.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    first = await send_to(db, app, ids, clock.now())
    await eventually(lambda: statuses(db, first), {"sent": 2, "blocked": 1})
    assert await db.scalar(select(User.is_active).where(User.id == ids[0])) is False

    second = await send_to(db, app, ids, clock.now())
    await eventually(lambda: statuses(db, second), {"sent": 2, "blocked": 1})
    tries = [call for call in emulator.calls if call.method == "sendMessage"
             and str(call.params.get("chat_id")) == str(ids[0])]
    assert len(tries) == 1, "the second delivery did not even try someone who blocked the bot"


async def test_blocking_the_bot_ends_what_waits_for_that_resident_as_blocked(app, db, emulator,
                                                                            clock) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 2, clock.now())
    later = clock.now().replace(hour=12)
    await enqueue(db, kind="test", variants={"sv": Variant("Senare")}, now=clock.now(),
                  recipients=[Recipient(user_id, "sv", later) for user_id in ids])
    await db.commit()
    emulator.block_bot(ids[0])  # Telegram tells the bot with a my_chat_member update

    async def outcome() -> list[str]:
        await db.rollback()
        return list(await db.scalars(select(OutboxMessage.status).order_by(OutboxMessage.user_id)))

    await eventually(outcome, ["blocked", "pending"])


async def test_coming_back_with_start_makes_a_resident_reachable_again(app, db, emulator, clock,
                                                                      resident_factory) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 1, clock.now())
    emulator.block_bot(ids[0])
    first = await send_to(db, app, ids, clock.now())
    await eventually(lambda: statuses(db, first), {"blocked": 1})
    emulator.unblock_bot(ids[0])
    resident = resident_factory(ids[0])
    resident.seen = len(emulator.messages(ids[0]))
    resident.send("/start")
    await resident.expect()
    second = await send_to(db, app, ids, clock.now())
    await eventually(lambda: statuses(db, second), {"sent": 1})


async def test_429_pauses_every_sender_and_loses_nobody(app, db, emulator, clock) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 6, clock.now())
    emulator.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    delivery_id = await send_to(db, app, ids, clock.now())
    await eventually(lambda: statuses(db, delivery_id), {"sent": 6})
    assert loop.time() - started >= 1.0, "the engine waited retry_after before sending again"
    assert all(len(received(emulator, user_id)) == 1 for user_id in ids)
    rows = (await db.scalars(select(OutboxMessage).where(OutboxMessage.delivery_id == delivery_id))).all()
    assert all(row.attempts == 1 for row in rows), "a 429 does not spend an attempt"


async def test_a_server_error_is_retried_with_back_off(app, db, emulator, clock) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 1, clock.now())
    emulator.fail_next("sendMessage", 502, "Bad Gateway")
    delivery_id = await send_to(db, app, ids, clock.now())

    async def attempt() -> tuple:
        await db.rollback()
        return tuple((await db.execute(select(OutboxMessage.status, OutboxMessage.attempts))).one())

    await eventually(attempt, ("pending", 1))
    await asyncio.sleep(0.3)
    assert received(emulator, ids[0]) == [], "not before the back-off has passed"
    clock.advance(seconds=2)
    app.delivery.wake()
    await eventually(lambda: statuses(db, delivery_id), {"sent": 1})
    assert len(received(emulator, ids[0])) == 1


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A short send timeout, so that a slow answer counts as "may have arrived" within the test.
    return settings.model_copy(update={"delivery_timeout_seconds": 1})


async def test_a_timeout_after_sending_is_reported_and_never_resent(app, db, emulator, clock) -> None:  # noqa: ANN001
    emulator.add_user(ADMIN_ID, first_name="Staff", language_code="en")
    db.add(User(id=ADMIN_ID, language="en", consent_at=clock.now(), first_seen=clock.now(), last_seen=clock.now()))
    ids = await add_residents(db, emulator, 3, clock.now())
    emulator.delay_next("sendMessage", 2.0)
    delivery_id = await send_to(db, app, ids, clock.now(), report_to=ADMIN_ID)
    await eventually(lambda: statuses(db, delivery_id), {"sent": 2, "failed": 1}, timeout=8)
    failed = (await db.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed"))).one()
    assert failed.error.startswith("uncertain")
    assert len(received(emulator, failed.user_id)) == 1, "it did arrive, once, and was not sent again"
    await wait_until(lambda: any("timed out" in (m.text or "") for m in emulator.messages(ADMIN_ID)), timeout=5,
                     what="the report naming the uncertain message")
    clock.advance(minutes=10)
    app.delivery.wake()
    await asyncio.sleep(0.3)
    assert len(received(emulator, failed.user_id)) == 1


async def test_progress_is_edited_at_most_every_few_seconds(app, db, emulator, clock) -> None:  # noqa: ANN001
    emulator.add_user(ADMIN_ID, first_name="Staff", language_code="en")
    db.add(User(id=ADMIN_ID, language="en", consent_at=clock.now(), first_seen=clock.now(), last_seen=clock.now()))
    ids = await add_residents(db, emulator, 100, clock.now())
    loop = asyncio.get_running_loop()
    shown: list[tuple[float, str]] = []
    emulator.on_bot_message(lambda m: shown.append((loop.time(), m.text)) if m.chat_id == ADMIN_ID else None)
    delivery_id = await send_to(db, app, ids, clock.now(), report_to=ADMIN_ID)
    await eventually(lambda: statuses(db, delivery_id), {"sent": 100}, timeout=15)
    await wait_until(lambda: any("Delivered: 100" in text for _, text in shown), what="the final report")
    progress = [(at, text) for at, text in shown if text.startswith("📤")]
    assert len(progress) >= 2, progress
    gaps = [later - earlier for (earlier, _), (later, _) in zip(progress, progress[1:], strict=False)]
    # Edits are spaced by the bot's clock at sending; their arrival here can be late by a busy loop, which shortens
    # a gap. Editing per message would give gaps of a few milliseconds: the slack does not hide that.
    assert min(gaps) >= PROGRESS_EVERY - 0.5, gaps
    assert "/ 100" in progress[-1][1]


async def test_nothing_is_sent_before_its_time(app, db, emulator, clock) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 1, clock.now())
    languages = {ids[0]: "sv"}
    later = clock.now().replace(hour=11)
    await enqueue(db, kind="test", variants={"sv": Variant("Senare")}, now=clock.now(),
                  recipients=[Recipient(user_id, languages[user_id], later) for user_id in ids])
    await db.commit()
    app.delivery.wake()
    await asyncio.sleep(0.3)
    assert received(emulator, ids[0]) == []
    clock.advance(hours=2)
    app.delivery.wake()
    await wait_until(lambda: len(received(emulator, ids[0])) == 1, what="the message at its time")


async def test_two_senders_on_postgresql_never_send_one_row_twice(app, db, emulator, clock,
                                                                 settings) -> None:  # noqa: ANN001
    if db.bind.dialect.name != "postgresql":
        pytest.skip("several senders run only on PostgreSQL; SQLite runs one sender by design")
    ids = await add_residents(db, emulator, 120, clock.now())
    second = DeliveryEngine(create_sessionmaker(app.engine), app.bot, clock, create_i18n(), rate=25, timeout=5)
    running = asyncio.create_task(second.run())
    try:
        delivery_id = await send_to(db, app, ids, clock.now())
        second.wake()
        await eventually(lambda: statuses(db, delivery_id), {"sent": 120}, timeout=15)
    finally:
        await second.stop()
        running.cancel()
    assert all(len(received(emulator, user_id)) == 1 for user_id in ids)
    assert second.sent > 0 and app.delivery.sent > 0, "both senders took part"
    assert second.sent + app.delivery.sent == 120


async def test_enqueueing_under_one_key_twice_sends_each_recipient_once(app, db, emulator, clock) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 4, clock.now())
    for batch in (ids[:3], ids[1:]):  # a second tick (or process) sees the same reminder, plus a newcomer
        await enqueue_once(db, key="reminder:1:20261201T1600:evening", kind="reminder",
                           variants={"sv": Variant("Påminnelse")}, now=clock.now(),
                           recipients=[Recipient(user_id, "sv", clock.now()) for user_id in batch])
        await db.commit()
    app.delivery.wake()
    await wait_until(lambda: all(len(received(emulator, user_id)) == 1 for user_id in ids), what="four reminders")
    await asyncio.sleep(0.3)
    assert [len(received(emulator, user_id)) for user_id in ids] == [1, 1, 1, 1]


async def test_a_row_past_its_expiry_is_never_sent(app, db, emulator, clock) -> None:  # noqa: ANN001
    ids = await add_residents(db, emulator, 2, clock.now())
    delivery = await enqueue(db, kind="reminder", variants={"sv": Variant("Börjar snart")}, now=clock.now(),
                             recipients=[Recipient(ids[0], "sv", clock.now(), expires_at=clock.now()),
                                         Recipient(ids[1], "sv", clock.now(), expires_at=clock.now().replace(hour=10))])
    delivery_id = delivery.id
    await db.commit()
    app.delivery.wake()
    await eventually(lambda: statuses(db, delivery_id), {"failed": 1, "sent": 1})
    assert received(emulator, ids[0]) == [] and len(received(emulator, ids[1])) == 1
