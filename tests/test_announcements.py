"""Staff announcements end to end: the /announce wizard, audiences, quiet hours, scheduling, /news."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot import announcements, audience
from bot.announcements import Draft, ReleaseDue
from bot.audience import Audience
from bot.config import Settings
from bot.roles import STAFF
from db import users as queries
from db.models import Announcement, AuditEntry, Delivery, OutboxMessage, Subscription, User
from db.session import create_sessionmaker
from tests.support import Resident, eventually, onboarded, wait_until
from tests.test_first_conversation import i18n, t

NOTE = "ℹ️ This message has not been translated into your language. Here it is in Swedish."
ORIGINAL = "🇸🇪 Show the Swedish original"
STEP2 = ("Step 2 of 7: versions in other languages (optional). Tap a language to add its version; tap it again to "
         "replace it. Residents whose language has no version get the Swedish text with a short note in their own "
         "language.")
STEP3 = "Step 3 of 7: send a photo to go with the announcement, or skip this step."
PHOTO = [{"file_id": "photo-fika", "file_unique_id": "u-fika", "width": 800, "height": 600}]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The flood guard counts by the test's frozen clock, so a whole wizard would look like a burst of taps.
    return settings.model_copy(update={"flood_limit": 1000})


def p(singular: str, plural: str, n: int, locale: str, **values: object) -> str:
    return i18n.gettext(singular, plural, n=n, locale=locale).format(count=n, **values)


async def staff_member(resident_factory, db, clock, user_id: int, language: str, label: str) -> Resident:  # noqa: ANN001
    member = await onboarded(resident_factory, user_id, language, label)
    await queries.grant_role(db, user_id, STAFF, clock.now())
    await db.commit()
    return member


async def add_resident(db, emulator, clock, user_id: int, language: str, area: str | None = None,  # noqa: ANN001
                       categories: tuple[str, ...] = (), consent: bool = True, active: bool = True) -> int:
    """A resident who chose a language earlier (their area and subscriptions are set in the database)."""
    emulator.add_user(user_id, first_name=f"R{user_id}", language_code=language)
    now = clock.now()
    db.add(User(id=user_id, language=language, area=area, consent_at=now if consent else None, first_seen=now,
                last_seen=now, is_active=active))
    await db.flush()
    for category in categories:
        db.add(Subscription(user_id=user_id, category=category, area="", created_at=now))
    await db.commit()
    return user_id


async def waiting(db, user_id: int) -> list[datetime]:  # noqa: ANN001
    """When the outbox rows still pending for this resident become due."""
    await db.rollback()
    rows = await db.scalars(select(OutboxMessage.not_before).where(OutboxMessage.user_id == user_id,
                                                                   OutboxMessage.status == "pending"))
    return list(rows)


def received(emulator, user_id: int) -> list:  # noqa: ANN001
    return emulator.messages(user_id)


def reported(emulator, staff_id: int, delivered: int, lang: str) -> bool:  # noqa: ANN001
    """The delivery engine's final report has reached the staff member."""
    line = t("Delivered: {count}", lang).format(count=delivered)
    return any(line in (message.text or "") for message in received(emulator, staff_id))


async def to_audience_step(staff: Resident, lang: str, text: str = "Hej grannar! Fika i Backa på lördag.") -> None:
    """Steps 1–3 with a plain Swedish text, no translations, no photo."""
    staff.send("/announce")
    await staff.expect(t("Step 1 of 7: send the text in Swedish. Bold, italics and links are kept. To add a picture, "
                         "send it as a photo with the Swedish text as its caption.", lang))
    staff.send(text)
    await staff.expect(t(STEP2, lang))
    await staff.press(t("Next ➡️", lang))
    await staff.expect(t(STEP3, lang))
    await staff.press(t("Skip ➡️", lang))
    await staff.expect(t("Step 4 of 7: who should get it?", lang))


async def finish_wizard(staff: Resident, lang: str, *, urgent: bool = False, previews: int = 1) -> None:
    """Steps 5–7: urgency, now, previews (header and message per language group), send."""
    await staff.press(t("Next ➡️", lang))
    await staff.expect(t("Step 5 of 7: how urgent is it?", lang))
    await staff.press(t("⚡ Urgent", lang) if urgent else t("🔔 Normal", lang))
    await staff.expect(t("Step 6 of 7: when should it go out?", lang))
    await staff.press(t("📤 Now", lang))
    for _ in range(previews):
        await staff.expect()  # "Preview — Svenska (2 people):"
        await staff.expect()
    await staff.expect(t("Step 7 of 7: check the previews above.", lang))
    await staff.press(t("✅ Send now", lang))
    await staff.expect(pattern="📤")


async def test_swedish_staff_send_a_photo_with_an_english_version_to_everyone(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    lang = "sv"
    staff = await staff_member(resident_factory, db, clock, 801, lang, "Svenska")
    swedish = await add_resident(db, emulator, clock, 811, "sv")
    english = await add_resident(db, emulator, clock, 812, "en")
    arabic = await add_resident(db, emulator, clock, 813, "ar")

    staff.send("/announce")
    first = await staff.expect(t("<b>📣 New announcement</b>", lang).removeprefix("<b>").removesuffix("</b>"))
    assert t("🗓 Scheduled announcements", lang) in [b["text"] for b in first.inline_buttons()]
    caption = "Välkommen på fika i Backa bibliotek!"
    staff.send_content(photo=PHOTO, caption=caption,
                       caption_entities=[{"type": "bold", "offset": caption.index("fika"), "length": 4}])
    languages = await staff.expect()
    labels = [b["text"] for b in languages.inline_buttons()]
    assert "+ English" in labels and "+ العربية" in labels and "+ Svenska" not in labels
    assert first.reply_markup is None or not first.inline_buttons(), "the previous step's buttons are gone"

    await staff.press("+ English")
    await staff.expect(t("Send the text in {language}.", lang).format(language="English"))
    staff.send("Welcome to coffee at Backa library!")
    languages = await staff.expect()
    labels = [b["text"] for b in languages.inline_buttons()]
    assert "✓ English" in labels and "+ العربية" in labels, "added languages show a tick"

    await staff.press(t("Next ➡️", lang))
    await staff.expect(t("Step 3 of 7: the announcement has a photo. Send another photo to replace it, keep it, or "
                         "send the announcement without a photo.", lang))
    await staff.press(t("Keep the photo ➡️", lang))
    step4 = await staff.expect(t("Step 4 of 7: who should get it?", lang))
    assert p("It reaches {count} person now.", "It reaches {count} people now.", 4, lang) in step4.text
    await staff.press(t("Next ➡️", lang))
    await staff.expect(t("Step 5 of 7: how urgent is it?", lang))
    await staff.press(t("🔔 Normal", lang))
    await staff.expect(t("Step 6 of 7: when should it go out?", lang))
    await staff.press(t("📤 Now", lang))

    # Previews: Swedish (staff and one resident), English, Arabic; each header then the exact message.
    header = await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):",
                                  2, lang, language="Svenska"))
    assert header.photo is None
    sv_preview = await staff.expect(caption)
    assert sv_preview.photo == "photo-fika" and "<b>fika</b>" in sv_preview.html and not sv_preview.inline_buttons()
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):",
                         1, lang, language="English"))
    en_preview = await staff.expect("Welcome to coffee at Backa library!")
    assert [b["text"] for b in en_preview.inline_buttons()] == [t(ORIGINAL, "en")]
    await staff.expect(p("Preview — {language} ({count} person):", "Preview — {language} ({count} people):",
                         1, lang, language="العربية"))
    await staff.expect(t(NOTE, "ar"), caption)
    summary = await staff.expect(t("Step 7 of 7: check the previews above.", lang))
    assert t("Send: now.", lang) in summary.text
    await staff.press_data(en_preview.message_id, en_preview.inline_buttons()[0]["callback_data"])
    await staff.expect(caption)  # in a preview the button shows the draft's Swedish text

    await staff.press(t("✅ Send now", lang))
    await staff.expect(p("📤 Sending to {count} person. You will see the progress and a report here.",
                         "📤 Sending to {count} people. You will see the progress and a report here.", 4, lang))

    for user_id in (swedish, english, arabic):
        await wait_until(lambda user_id=user_id: len(received(emulator, user_id)) == 1, what=f"{user_id}'s message")
    sv_message, en_message, ar_message = (received(emulator, user_id)[0] for user_id in (swedish, english, arabic))
    assert sv_message.photo == "photo-fika" and sv_message.text == caption and not sv_message.inline_buttons()
    assert en_message.photo == "photo-fika" and en_message.text == "Welcome to coffee at Backa library!"
    assert ar_message.text.startswith(t(NOTE, "ar")) and ar_message.text.endswith(caption)

    # The English reader asks for the Swedish original.
    reader = Resident(emulator, english, "en")
    reader.seen = 1
    answer = await reader.press(t(ORIGINAL, "en"))
    assert "text" not in answer or answer["text"] in ("", None)
    original = await reader.expect(caption)
    assert "<b>fika</b>" in original.html

    await wait_until(lambda: reported(emulator, 801, 4, lang), what="the report to the staff member")
    await db.rollback()
    stored = (await db.scalars(select(Announcement))).one()
    assert stored.status == "sent" and stored.delivery_id is not None and set(stored.texts) == {"sv", "en"}
    actions = (await db.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith("announcement")))).all()
    assert actions == ["announcement.sent"]


async def test_an_audience_of_areas_languages_and_interests_reaches_exactly_its_residents(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    lang = "en"
    staff = await staff_member(resident_factory, db, clock, 802, lang, "English")
    meant = [
        await add_resident(db, emulator, clock, 821, "sv", "backa", ("youth",)),
        await add_resident(db, emulator, clock, 822, "ar", "tuve", ("youth", "families")),  # two matches, one message
    ]
    others = [
        await add_resident(db, emulator, clock, 823, "en", "backa", ("youth",)),  # language not chosen
        await add_resident(db, emulator, clock, 824, "sv", "karra", ("youth",)),  # area not chosen
        await add_resident(db, emulator, clock, 825, "sv", "backa", ("sport",)),  # no chosen interest
        await add_resident(db, emulator, clock, 826, "sv", "backa", ("youth",), consent=False),  # never chose
        await add_resident(db, emulator, clock, 827, "sv", "backa", ("youth",), active=False),  # blocked the bot
        await add_resident(db, emulator, clock, 828, "ar", None, ("youth",)),  # no area
    ]
    await to_audience_step(staff, lang)

    await staff.press(t("📍 Areas ({count})", lang).format(count=0))
    areas = staff.keyboard_message("Backa")
    for label in ("Backa", "Tuve"):
        await staff.press(label)
    assert "✓ Backa" in [b["text"] for b in emulator.message(802, areas.message_id).inline_buttons()]
    await staff.press("✓ Tuve")  # a second tap takes it away again
    await staff.press("Tuve")
    await staff.press(t("✓ Done", lang))
    await staff.press(t("🌐 Languages ({count})", lang).format(count=0))
    await staff.press("Svenska")
    await staff.press("العربية")
    await staff.press(t("✓ Done", lang))
    await staff.press(t("🏷 Interests ({count})", lang).format(count=0))
    youth = next(b["text"] for b in staff.keyboard_message(t("✓ Done", lang)).inline_buttons() if "15–24" in b["text"])
    await staff.press(youth)
    families = next(b["text"] for b in staff.keyboard_message(t("✓ Done", lang)).inline_buttons()
                    if b["text"].startswith("👨"))
    await staff.press(families)
    await staff.press(t("✓ Done", lang))
    screen = emulator.message(802, areas.message_id)
    assert p("It reaches {count} person now.", "It reaches {count} people now.", 2, lang) in screen.text
    assert "Backa, Tuve" in screen.text and "Svenska, العربية" in screen.text

    await finish_wizard(staff, lang, previews=2)
    for user_id in meant:
        await wait_until(lambda user_id=user_id: len(received(emulator, user_id)) == 1, what=f"{user_id}'s message")
    await wait_until(lambda: reported(emulator, 802, 2, lang), what="the report to the staff member")
    for user_id in meant:
        assert len(received(emulator, user_id)) == 1, "exactly once"
    for user_id in others:
        assert received(emulator, user_id) == [], f"{user_id} is not in the audience"


async def test_staff_formatting_is_kept_and_anything_typed_literally_is_escaped(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    lang = "sv"
    staff = await staff_member(resident_factory, db, clock, 803, lang, "Svenska")
    resident = await add_resident(db, emulator, clock, 831, "sv")
    staff.send("/announce")
    await staff.expect()
    text = 'Skriv <b> & "citat" i VIKTIGT fältet'
    emulator.send_text(803, text, entities=[{"type": "bold", "offset": text.index("VIKTIGT"), "length": 7}])
    await staff.expect()
    await staff.press(t("Next ➡️", lang))
    await staff.expect(t(STEP3, lang))
    await staff.press(t("⬅️ Back", lang))
    await staff.expect(t(STEP2, lang))
    await staff.press(t("Next ➡️", lang))
    await staff.expect(t(STEP3, lang))
    await staff.press(t("Skip ➡️", lang))
    await staff.expect()
    await finish_wizard(staff, lang, previews=1)
    await wait_until(lambda: len(received(emulator, resident)) == 1, what="the announcement")
    message = received(emulator, resident)[0]
    assert message.text == text, "what staff typed arrives exactly, nothing injected"
    assert "&lt;b&gt; &amp;" in message.html and "<b>VIKTIGT</b>" in message.html


async def test_at_night_a_normal_announcement_waits_for_the_morning_and_an_urgent_one_does_not(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    lang = "en"
    staff = await staff_member(resident_factory, db, clock, 804, lang, "English")
    sleeper = await add_resident(db, emulator, clock, 841, "sv")
    clock.current = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # 22:00 in Stockholm

    await to_audience_step(staff, lang, "Normal nyhet")
    await finish_wizard(staff, lang, previews=2)
    await eventually(lambda: waiting(db, sleeper), [datetime(2026, 12, 1, 7, 0, tzinfo=UTC)])  # 08:00 there
    app.delivery.wake()  # the engine looks now: nothing is due before the morning
    await Resident(emulator, sleeper).expect_silence()

    await to_audience_step(staff, lang, "BRÅDSKANDE: vattnet är avstängt")
    await finish_wizard(staff, lang, urgent=True, previews=2)
    await wait_until(lambda: len(received(emulator, sleeper)) == 1, what="the urgent announcement")
    assert received(emulator, sleeper)[0].text.startswith("BRÅDSKANDE")

    clock.current = datetime(2026, 12, 1, 7, 1, tzinfo=UTC)  # 08:01 in Stockholm
    app.delivery.wake()
    await wait_until(lambda: len(received(emulator, sleeper)) == 2, what="the normal announcement in the morning")
    assert received(emulator, sleeper)[1].text == "Normal nyhet"


async def test_scheduled_announcements_go_out_on_time_to_the_audience_of_then_and_can_be_cancelled(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    lang = "en"
    staff = await staff_member(resident_factory, db, clock, 805, lang, "English")
    early = await add_resident(db, emulator, clock, 851, "sv")

    async def schedule(text: str, when: str) -> None:
        await to_audience_step(staff, lang, text)
        await staff.press(t("🌐 Languages ({count})", lang).format(count=0))
        await staff.press("Svenska")
        await staff.press(t("✓ Done", lang))
        await staff.press(t("Next ➡️", lang))
        await staff.expect()
        await staff.press(t("🔔 Normal", lang))
        await staff.expect()
        await staff.press(t("🗓 At a set time", lang))
        await staff.expect(pattern="2026-12-01 18:00")
        staff.send("tomorrow at six")
        await staff.expect(t("I could not read that as a date and time.", lang))
        staff.send("2026-11-29 10:00")
        await staff.expect(t("That time has already passed. Please choose a time in the future.", lang))
        staff.send(when)
        await staff.expect()  # the preview's header
        await staff.expect()  # and the message
        summary = await staff.expect(t("Step 7 of 7: check the previews above.", lang))
        assert "1 December 2026" in summary.text
        await staff.press(t("✅ Schedule", lang))
        scheduled = t("🗓 Scheduled for {time}. It goes to whoever matches the audience then. To cancel it: "
                      "/announce → 🗓 Scheduled announcements.", lang)
        await staff.expect(scheduled.format(time=f"1 December 2026 {when[-5:]}"))

    await schedule("Schemalagd nyhet", "2026-12-01 12:00")
    await schedule("Inställd nyhet", "2026-12-01 13:00")
    late = await add_resident(db, emulator, clock, 852, "sv")  # joins after scheduling: still gets it

    staff.send("/announce")
    await staff.expect()
    await staff.press(t("🗓 Scheduled announcements", lang))
    listing = await staff.expect("Schemalagd nyhet", "Inställd nyhet", "1 December 2026 12:00",
                                 t("Languages: {names}", lang).format(names="Svenska"))
    await staff.press(t("✖️ Cancel {number}", lang).format(number=2))
    await staff.expect(t("Cancelled: {time} — “{words}”. It will not be sent.", lang).format(
        time="1 December 2026 13:00", words="Inställd nyhet"))
    await staff.press_data(listing.message_id, listing.inline_buttons()[1]["callback_data"])
    await staff.expect(t("That announcement was already sent or cancelled.", lang))

    await app.jobs.tick()  # nothing due yet
    await db.rollback()
    assert (await db.scalars(select(Delivery))).all() == []

    clock.current = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # 12:30 in Stockholm
    await app.jobs.tick()
    for user_id in (early, late):
        await wait_until(lambda user_id=user_id: len(received(emulator, user_id)) == 1, what="the scheduled one")
        assert received(emulator, user_id)[0].text == "Schemalagd nyhet"
    clock.current = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    await app.jobs.tick()
    await app.jobs.tick()
    await db.rollback()
    statuses = dict((await db.execute(select(Announcement.texts["sv"].as_string(), Announcement.status))).all())
    assert statuses == {"Schemalagd nyhet": "sent", "Inställd nyhet": "cancelled"}
    assert len((await db.scalars(select(Delivery))).all()) == 1, "released once, and the cancelled one never"
    latecomer = Resident(emulator, late)
    latecomer.seen = 1
    await latecomer.expect_silence()
    actions = sorted((await db.scalars(select(AuditEntry.action)
                                       .where(AuditEntry.action.startswith("announcement")))).all())
    assert actions == ["announcement.cancelled", "announcement.scheduled", "announcement.scheduled",
                       "announcement.sent"]


async def test_a_due_announcement_is_released_once_however_many_jobs_look(app, db, clock) -> None:  # noqa: ANN001
    # The scheduler's own start-up tick would be a third job looking; let it finish first, so the two below decide.
    await wait_until(lambda: app.jobs.ticks > 0, what="the scheduler's start-up tick")
    now = clock.now()
    db.add(Announcement(author_id=1, texts={"sv": "Hej"}, audience={}, urgent=False, send_at=now,
                        status="scheduled", created_at=now))
    await db.commit()
    job = ReleaseDue(app.i18n, app.settings.tz)
    sessions = create_sessionmaker(app.engine)
    results = []
    for _ in range(2):
        async with sessions() as session, session.begin():
            results.append(await job(session, now))
    assert results == [True, False]
    async with sessions() as session, session.begin():
        assert await announcements.cancel(session, 1, 1, now) is None, "a sent announcement cannot be cancelled"


async def test_announce_is_an_unknown_command_for_residents_and_its_buttons_do_nothing(
        resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 806, "en", "English")
    resident.send("/announce")
    menu = await resident.expect(t("I don't know that command. Here is what I can do: /help", "en"))
    answer = await resident.press_data(menu.message_id, "ann:send::")
    assert answer.get("text") == t("This button no longer works. Here is the menu.", "en")
    await resident.expect()
    await resident.press_data(menu.message_id, "ann:list::")
    await resident.expect(t("What can I help you with? Choose below, or just write your question in your own words.",
                            "en"))


async def test_texts_too_long_for_telegram_are_refused_when_entered(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    lang = "en"
    staff = await staff_member(resident_factory, db, clock, 807, lang, "English")
    staff.send("/announce")
    await staff.expect()
    budget = announcements.note_budget(app.i18n)
    staff.send("a" * (4096 - budget + 1))
    await staff.expect(t("This is too long: {length} characters, and at most {limit} fit here.", lang).format(
        length=4096 - budget + 1, limit=4096 - budget))
    staff.send_content(photo=PHOTO, caption="b" * 1000)
    await staff.expect(t("This is too long: {length} characters, and at most {limit} fit here.", lang).format(
        length=1000, limit=1024 - budget))
    staff.send("c" * 2000)  # fits as a message, not as a caption
    await staff.expect()
    await staff.press("+ Suomi")
    await staff.expect()
    staff.send("d" * 4097)
    await staff.expect(t("This is too long: {length} characters, and at most {limit} fit here.", lang).format(
        length=4097, limit=4096))
    staff.send("d" * 4096)
    await staff.expect()
    await staff.press(t("Next ➡️", lang))
    await staff.expect()
    staff.send_content(photo=PHOTO)
    refusal = await staff.expect(t("With a photo the text becomes a caption, and Telegram allows only 1024 "
                                   "characters there.", lang))
    each = t("{language}: {length} characters, at most {limit}.", lang)
    assert each.format(language="Svenska", length=2000, limit=1024 - budget) in refusal.text
    assert each.format(language="Suomi", length=4096, limit=1024) in refusal.text
    await staff.press(t("✖️ Cancel", lang))
    await staff.expect(t("Cancelled. Nothing was sent.", lang))
    staff.send("Hello?")
    message = await staff.expect()
    assert t("Cancelled. Nothing was sent.", lang) not in message.text, "the wizard is over: text is a question again"


async def test_news_shows_what_was_meant_for_the_resident_newest_first(
        app, db, emulator, clock, resident_factory) -> None:  # noqa: ANN001
    reader = await onboarded(resident_factory, 808, "en", "English")
    reader.send("/news")
    await reader.expect(t("No news yet. When the district sends news, you will find it here too.", "en"))
    await db.execute(User.__table__.update().where(User.id == 808).values(area="tuve"))
    now = clock.now()
    rows = [
        ({"sv": "Äldst", "en": "Oldest"}, {}, "sent", 3),
        ({"sv": "Bara Backa"}, {"areas": ["backa"]}, "sent", 2),
        ({"sv": "Tuve på svenska"}, {"areas": ["tuve", "backa"]}, "sent", 1),
        ({"sv": "Inte än"}, {}, "scheduled", -1),
        ({"sv": "Inställd"}, {}, "cancelled", 1),
    ]
    for texts, chosen, status, days_ago in rows:
        db.add(Announcement(author_id=1, texts=texts, audience=chosen, urgent=False,
                            send_at=now - timedelta(days=days_ago), status=status, created_at=now))
    await db.commit()
    reader.send("/news")
    news = await reader.expect("Oldest", "Tuve på svenska", t(NOTE, "en"), "29 November 2026")
    assert news.text.index("Tuve på svenska") < news.text.index("Oldest"), "newest first"
    assert "Bara Backa" not in news.text and "Inte än" not in news.text and "Inställd" not in news.text
    assert news.inline_buttons()[0]["text"] == t("⬅️ Menu", "en")

    await reader.press(t("⬅️ Menu", "en"))
    await reader.expect()
    await reader.press(t("📰 News", "en"))
    await reader.expect("Oldest")


async def test_a_hundred_thousand_residents_resolve_in_well_under_a_second(app, db, clock) -> None:  # noqa: ANN001
    now = clock.now()
    languages = ("sv", "ar", "so", "en")
    areas = ("backa", "tuve", "karra", None)
    users = [{"id": 1_000_000 + n, "language": languages[n % 4], "area": areas[n // 4 % 4], "consent_at": now,
              "first_seen": now, "last_seen": now, "is_active": True, "quiet_from": 1260, "quiet_until": 480}
             for n in range(100_000)]
    for start in range(0, len(users), 20_000):
        await db.execute(insert(User), users[start:start + 20_000])
    subscriptions = [{"user_id": 1_000_000 + n, "category": "youth", "area": "", "created_at": now}
                     for n in range(0, 100_000, 3)]
    await db.execute(insert(Subscription), subscriptions)
    await db.commit()

    started = time.perf_counter()
    everyone = await audience.members(db, Audience())
    resolved = time.perf_counter() - started
    recipients = audience.recipients(everyone, now, app.settings.tz, urgent=False)
    elapsed = time.perf_counter() - started
    assert len(recipients) == 100_000 and resolved < 1.0, f"the query took {resolved:.2f} s"
    assert elapsed < 2.0, f"with each one's quiet hours {elapsed:.2f} s"

    narrow = Audience(areas=frozenset({"backa", "tuve"}), languages=frozenset({"sv", "ar"}),
                      categories=frozenset({"youth"}))
    started = time.perf_counter()
    chosen = await audience.members(db, narrow)
    elapsed = time.perf_counter() - started
    expected = [n for n in range(0, 100_000, 3) if languages[n % 4] in ("sv", "ar") and areas[n // 4 % 4]
                in ("backa", "tuve")]
    assert [member.user_id - 1_000_000 for member in chosen] == expected and elapsed < 1.0, f"{elapsed:.2f} s"
    assert sum((await audience.counts_by_language(db, narrow)).values()) == len(expected)


def test_a_draft_survives_the_fsm_storage_as_plain_json() -> None:
    draft = Draft(texts={"sv": "<b>Hej</b>"}, lengths={"sv": 3}, photo="p", urgent=True,
                  audience=Audience(areas=frozenset({"tuve"})), send_at=datetime(2026, 12, 1, 11, tzinfo=UTC))
    assert Draft.from_dict(draft.to_dict()) == draft
    assert announcements.plain_text('<b>a &amp; &lt;b&gt;</b> <a href="x">l</a>') == "a & <b> l"
