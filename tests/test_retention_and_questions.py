"""Retention run by the scheduler, /forget and /mydata covering deliveries and subscriptions, and unanswered
questions stored masked and unlinked."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import unanswered
from bot.delivery import Recipient, Variant, enqueue
from bot.masking import mask
from bot.unanswered import group
from db import users as queries
from db.models import (
    Activity,
    ActivityReminder,
    AuditEntry,
    OutboxMessage,
    Role,
    Subscription,
    UnansweredQuestion,
    User,
)
from tests.conftest import ADMIN_ID
from tests.support import eventually, onboarded
from tests.test_first_conversation import t


@pytest.mark.parametrize(("said", "stored"), [
    ("Hej jag heter Amina Hassan, ring 070-123 45 67", "Hej jag heter [name], ring [phone]"),
    ("mitt personnummer är 19850412-1234", "mitt personnummer är [personal number]"),
    ("write to amina.h@example.com please", "write to [e-mail] please"),
    ("Hi, I am Amina, is the library open?", "Hi, I am [name], is the library open?"),
    ("I am looking for a preschool", "I am looking for a preschool"),
    ("case 4455667788 at social services", "case [number] at social services"),
    ("is it open 2026-12-03 at 10.00-12.00?", "is it open 2026-12-03 at 10.00-12.00?"),
    ("اسمي فاطمة ورقمي ٠٧٣١٢٣٤٥٦٧", "اسمي [name] ورقمي [phone]"),
    ("call +46 31 365 00 00", "call [phone]"),
    ("zovem se Emir i trebam pomoć", "zovem se [name] i trebam pomoć"),
])
def test_personal_details_are_masked_and_ordinary_words_are_not(said: str, stored: str) -> None:
    assert mask(said) == stored


def test_similar_questions_group_together_per_language() -> None:
    groups = group([
        ("var kan jag laga min cykel", "sv"), ("var kan jag laga cykeln", "sv"), ("cykel laga var", "sv"),
        ("where can I fix my bike", "en"), ("where can i fix my bicycle", "en"), ("hur gammal är tuve kyrka", "sv"),
    ])
    assert [(g.language, len(g.questions)) for g in groups] == [("sv", 3), ("en", 2), ("sv", 1)]


async def test_an_unanswered_question_is_kept_masked_with_no_link_to_the_person(resident_factory, db) -> None:
    noor = await onboarded(resident_factory, 801, "sv", "Svenska")
    noor.send("Jag heter Noor Ali och undrar om kvantfysik, ring 070-123 45 67")
    await noor.expect("031-365 00 00")

    async def stored() -> list[tuple[str, str]]:
        await db.rollback()
        return [tuple(row) for row in await db.execute(select(UnansweredQuestion.text, UnansweredQuestion.language))]

    await eventually(stored, [("Jag heter [name] och undrar om kvantfysik, ring [phone]", "sv")])
    columns = set(UnansweredQuestion.__table__.columns.keys())
    assert columns == {"id", "text", "language", "asked_on"}, "nothing that could lead back to the person"
    asked_on = await db.scalar(select(UnansweredQuestion.asked_on))
    assert (asked_on.hour, asked_on.minute) == (0, 0), "only the day is kept"

    noor.send("bibliotek kärra")
    await noor.expect()
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(UnansweredQuestion)) == 1, "answered ones are not kept"


async def test_retention_deletes_silent_residents_and_old_rows_but_keeps_the_audit_log(app, db, clock) -> None:
    now = clock.now()
    old, recent = now - timedelta(days=731), now - timedelta(days=700)
    db.add_all([User(id=811, language="sv", consent_at=old, first_seen=old, last_seen=old),
                User(id=812, language="sv", consent_at=recent, first_seen=recent, last_seen=recent)])
    await db.flush()
    await queries.grant_role(db, 811, "staff", old)
    db.add(Subscription(user_id=811, category="sport", area="", created_at=old))
    db.add(AuditEntry(at=old, actor_id=811, action="role.granted", subject="811"))
    delivery = await enqueue(db, kind="test", variants={"sv": Variant("x")}, now=old,
                             recipients=[Recipient(812, "sv", now - timedelta(days=31))])
    db.add_all([UnansweredQuestion(text="gammal fråga", language="sv", asked_on=now - timedelta(days=91)),
                UnansweredQuestion(text="ny fråga", language="sv", asked_on=now - timedelta(days=89))])
    await db.flush()
    sent_long_ago = (await db.scalars(select(OutboxMessage).where(OutboxMessage.delivery_id == delivery.id))).one()
    sent_long_ago.status, sent_long_ago.sent_at = "sent", now - timedelta(days=31)
    await db.commit()

    clock.advance(hours=1)  # the clean-up runs hourly; the scheduler's first tick at start-up was the last one
    await app.jobs.tick()

    await db.rollback()
    assert await db.get(User, 811) is None, "silent for more than 24 months: deleted as by /forget"
    assert await db.get(User, 812) is not None
    assert (await db.execute(select(Role).where(Role.user_id == 811))).first() is None
    assert (await db.execute(select(Subscription).where(Subscription.user_id == 811))).first() is None
    assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 0, "delivered rows older than 30 days"
    assert list(await db.scalars(select(UnansweredQuestion.text))) == ["ny fråga"]
    assert await db.scalar(select(func.count()).select_from(AuditEntry)) == 1, "the audit log is kept"


async def test_mydata_lists_subscriptions_and_waiting_messages_and_forget_removes_them(
        resident_factory, db, clock) -> None:
    lina = await onboarded(resident_factory, 821, "en", "English")
    db.add(Subscription(user_id=821, category="language-cafe", area="backa", created_at=clock.now()))
    football = Activity(slug="football-girls", source="staff", titles={"sv": "Fotboll"}, descriptions={"sv": "x"},
                        category="sport", first_start=datetime(2026, 12, 1, 16), duration_minutes=60,
                        updated_at=clock.now())
    db.add(football)
    await db.flush()
    db.add(ActivityReminder(user_id=821, activity_id=football.id, occurrence="", created_at=clock.now()))
    await enqueue(db, kind="announcement", variants={"sv": Variant("Senare")}, now=clock.now(),
                  recipients=[Recipient(821, "en", clock.now() + timedelta(days=1))])
    await db.commit()

    lina.send("/mydata")
    await lina.expect("language-cafe", "announcement", "21:00–08:00")
    data = json.loads((await lina.expect()).document)
    assert data["subscriptions"] == [{"category": "language-cafe", "area": "backa"}]
    assert data["reminder_settings"] == {"evening_before": True, "two_hours_before": False, "weekly_digest": False}
    assert data["reminders"] == [{"activity": "football-girls", "date": "every time"}]
    assert [(m["kind"], m["status"]) for m in data["messages_to_you"]] == [("announcement", "pending")]

    lina.send("/forget")
    await lina.expect()
    await lina.press(t("🗑 Yes, delete everything", "en"))
    await lina.expect()

    async def left() -> tuple[int, int]:
        await db.rollback()
        return (await db.scalar(select(func.count()).select_from(Subscription)),
                await db.scalar(select(func.count()).select_from(OutboxMessage)))

    await eventually(left, (0, 0))  # subscriptions and the message waiting for them went with the profile
    assert await db.scalar(select(func.count()).select_from(ActivityReminder)) == 0, "reminders went too"


async def test_admins_see_unanswered_questions_grouped_by_similarity_and_language(resident_factory, db,
                                                                                  clock) -> None:
    for text, language in [("var kan jag laga min cykel", "sv"), ("var kan jag laga cykeln", "sv"),
                           ("where can I fix my bike", "en"), ("ring mig 070-123 45 67 om cykeln", "sv")]:
        await unanswered.record(db, text, language, clock.now())
    await db.commit()
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    admin.send("/admin")
    await admin.expect()
    await admin.press(t("❓ Unanswered questions", "en"))
    shown = await admin.expect("Svenska · 2 times", "English · 1 time", "var kan jag laga cykeln", "[phone]")
    assert "070" not in shown.text


async def test_residents_cannot_open_the_unanswered_questions(resident_factory) -> None:
    nosy = await onboarded(resident_factory, 831, "en", "English")
    message = nosy.keyboard_message(t("❓ Help", "en"))
    answer = await nosy.press_data(message.message_id, "adm:unanswered")
    assert answer.get("text") == t("This button no longer works. Here is the menu.", "en")
