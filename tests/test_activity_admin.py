"""Staff /activity end to end: the new-activity wizard, changing an activity, cancelling or moving one date
(with the notice to residents who asked for a reminder), cancelling every date, and the role guard."""

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from bot import activity_admin
from bot.activities import happenings
from bot.activity_admin import ActivityDraft
from bot.config import Settings
from bot.library import CONTENT_DIR, ContentStore
from bot.roles import STAFF
from db import users as queries
from db.models import Activity, ActivityReminder, AuditEntry, OccurrenceChange, User
from tests.support import Resident, eventually, onboarded
from tests.test_first_conversation import i18n, t

LANG = "sv"
TZ_NAME = "Europe/Stockholm"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The flood guard counts by the test's frozen clock, so a whole wizard would look like a burst of taps.
    return settings.model_copy(update={"flood_limit": 1000})


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> ContentStore:  # noqa: ANN001
    """The shipped content without the seed programme, so that these tests see only their own activities."""
    directory = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(CONTENT_DIR, directory, ignore=shutil.ignore_patterns("activities"))
    return ContentStore(directory)


def p(singular: str, plural: str, n: int, locale: str) -> str:
    return i18n.gettext(singular, plural, n=n, locale=locale).format(count=n)


async def staff_member(resident_factory, db, clock, user_id: int = 701) -> Resident:  # noqa: ANN001
    member = await onboarded(resident_factory, user_id, LANG, "Svenska")
    await queries.grant_role(db, user_id, STAFF, clock.now())
    await db.commit()
    return member


async def fresh(db, activity_id: int) -> Activity:  # noqa: ANN001
    """The row as the bot left it (objects in the test's session may hold older values)."""
    await db.rollback()
    return await db.scalar(select(Activity).where(Activity.id == activity_id).execution_options(
        populate_existing=True))


async def press_containing(member: Resident, fragment: str) -> dict:
    """Tap the newest button whose label contains `fragment` (labels with dates are long to spell out)."""
    for message in reversed(member.emulator.messages(member.user_id)):
        for button in message.inline_buttons():
            if fragment in button.get("text", ""):
                return await member.press_data(message.message_id, button["callback_data"])
    raise AssertionError(f"no button containing {fragment!r}")


async def weekly_activity(db, clock, title: str = "Läxhjälp", source: str = "staff") -> Activity:  # noqa: ANN001
    """A weekly activity on Tuesdays 16:00 from 1 December 2026 at Kärra library."""
    draft = ActivityDraft(titles={"sv": title}, descriptions={"sv": "Vi hjälper dig med läxorna."},
                          category="homework-help", area="karra", venue_service="library-karra",
                          start="2026-12-01 16:00", duration=90, repeat=activity_admin.WEEKLY,
                          organiser="Kärra bibliotek")
    if source == "staff":
        [activity] = await activity_admin.create(db, [draft], 1, clock.now())
    else:
        activity = Activity(slug="test-homework-help", source="content", updated_at=clock.now(), verified=False,
                            **draft.values())
        db.add(activity)
    await db.commit()
    return activity


async def resident_with_reminder(db, emulator, clock, activity: Activity, occurrence: str,  # noqa: ANN001
                                 user_id: int = 702) -> int:
    emulator.add_user(user_id, first_name="Hodan", language_code="sv")
    now = clock.now()
    db.add(User(id=user_id, language="sv", consent_at=now, first_seen=now, last_seen=now, is_active=True))
    await db.flush()
    db.add(ActivityReminder(user_id=user_id, activity_id=activity.id, occurrence=occurrence, created_at=now))
    await db.commit()
    return user_id


async def open_activity(staff: Resident, title: str) -> None:
    staff.send("/activity")
    await staff.expect(t("Add an activity, change or cancel one, or import many at once from a file.", LANG))
    await staff.press(t("✏️ Change an activity", LANG))
    await staff.expect(pattern=r"1")
    await press_containing(staff, title)


async def test_new_weekly_activity_in_swedish(app, db, clock, resident_factory, emulator) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    content = app.content.current.content
    staff.send("/activity")
    await staff.expect(t("Add an activity, change or cancel one, or import many at once from a file.", LANG))
    await staff.press(t("➕ New activity", LANG))
    await staff.expect(t("Send the name of the activity in Swedish, short and clear, like “Läxhjälp för "
                         "mellanstadiet”.", LANG))
    staff.send("Läxhjälp i Kärra")
    await staff.expect(t("Send a description in Swedish: what happens, for whom, what to bring. Plain words; a few "
                         "sentences are enough.", LANG))
    staff.send("Vi hjälper dig med läxor i alla ämnen. Ta med dina böcker.")
    await staff.expect(t("Other languages (optional). Tap a language to add the name and description in it; tap it "
                         "again to replace them. Residents whose language is missing see the Swedish text.", LANG))
    await staff.press("+ English")
    await staff.expect(t("Send the name of the activity in {language}.", LANG).format(language="English"))
    staff.send("Homework help in Kärra")
    await staff.expect(t("Send the description in {language}.", LANG).format(language="English"))
    staff.send("We help you with homework in every subject. Bring your books.")
    await staff.expect()
    await staff.press(t("Next ➡️", LANG))
    await staff.expect(t("What kind of activity is it?", LANG))
    await staff.press(content.activity_category("homework-help").label(LANG))
    await staff.expect(t("In which area is it?", LANG))
    await staff.press("Kärra")
    await staff.expect(t("Where is it? Choose a place, or type the address of another place.", LANG))
    await staff.press("Kärra bibliotek")
    await staff.expect(t("When does it start? Type the date and time (time in {zone}) like this: {example}", LANG)
                       .format(zone=TZ_NAME, example="2026-12-07 16:00"))
    staff.send("2026-11-01 16:00")  # already passed
    await staff.expect(t("That time has already passed. Please choose a time in the future.", LANG))
    staff.send("2026-12-01 16:00")
    await staff.expect(t("How long does it last? Choose, or type the minutes, like 45.", LANG))
    await staff.press(p("{count} minute", "{count} minutes", 90, LANG))
    await staff.expect(t("Does it repeat?", LANG))
    tuesday = format_date(datetime(2026, 12, 1), format="EEEE", locale="sv")
    await staff.press(t("Every week on {weekday}", LANG).format(weekday=tuesday))
    await staff.expect(t("Until when? Type the last day like {example}, or choose no end date.", LANG).format(
        example="2027-06-30"))
    staff.send("2027-06-15")
    await staff.expect(t("Is it free?", LANG))
    await staff.press(t("💚 Free", LANG))
    await staff.expect(t("For which ages? Type the youngest and oldest age like 6-12, or choose all ages.", LANG))
    staff.send("10-15")
    await staff.expect(t("Do people sign up in advance? Send the link to the sign-up page, or choose no sign-up.",
                         LANG))
    await staff.press(t("No sign-up ➡️", LANG))
    await staff.expect(t("Who organises it? Type the name of the service or association.", LANG))
    await staff.press("Kärra bibliotek")
    card = await staff.expect("Läxhjälp i Kärra", "tisdag 1 december 2026 16:00–17:30", "📍 Kärra bibliotek",
                              "🏘 Kärra", t("Ages {youngest}–{oldest}", LANG).format(youngest=10, oldest=15),
                              "💶 " + t("Free", LANG))
    assert "🔁 " + t("{repeat}, until {date}", LANG).format(
        repeat=t("Every week on {weekday}", LANG).format(weekday=tuesday), date="15 juni 2027") in card.text
    assert t("ℹ️ Not confirmed yet: check with the organiser before you go.", LANG) not in card.text
    await staff.expect(t("Above is the activity as residents will see it. Save it?", LANG))
    await staff.press(t("✅ Save", LANG))
    await staff.expect(t("✅ Saved: “{title}”. Residents find it in /activities now.", LANG).format(
        title="Läxhjälp i Kärra"))

    async def saved() -> list[tuple]:
        await db.rollback()
        rows = await db.scalars(select(Activity).where(Activity.source == "staff"))
        return [(a.slug, a.titles, a.category, a.area, a.venue_service, a.first_start, a.duration_minutes, a.rrule,
                 a.free, a.age_min, a.age_max, a.organiser, a.verified, a.created_by) for a in rows]

    await eventually(saved, [(
        "staff-1", {"sv": "Läxhjälp i Kärra", "en": "Homework help in Kärra"}, "homework-help", "karra",
        "library-karra", datetime(2026, 12, 1, 16, 0), 90, "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270615T235959", True, 10,
        15, "Kärra bibliotek", True, 701)])
    audit = await db.scalar(select(AuditEntry).where(AuditEntry.action == "activity.created"))
    assert (audit.actor_id, audit.subject) == (701, "staff-1")
    # Residents find it this week (Tuesday 16:00 Stockholm = 15:00 UTC), and every Tuesday after.
    week = await happenings(db, app.settings.tz, clock.now(), clock.now() + timedelta(days=7))
    assert [(h.activity.slug, h.occurrence.start) for h in week] == [
        ("staff-1", datetime(2026, 12, 1, 15, 0, tzinfo=UTC))]
    later = await happenings(db, app.settings.tz, datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC))
    assert [h.occurrence.planned.day for h in later] == [1, 8, 15]
    # A resident browsing this week's activities finds it, with its card.
    resident = await onboarded(resident_factory, 704, "ar", "العربية")
    resident.send("/activities")
    await resident.expect()
    await resident.press(t("📅 This week", "ar"))
    week_list = await resident.expect()
    assert [b["text"] for b in week_list.inline_buttons() if "Läxhjälp i Kärra" in b["text"]]
    await press_containing(resident, "Läxhjälp i Kärra")
    await resident.expect("Läxhjälp i Kärra", t("Ages {youngest}–{oldest}", "ar").format(youngest=10, oldest=15))


async def test_a_place_typed_as_address_and_coordinates(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    staff.send("/activity")
    await staff.expect()
    await staff.press(t("➕ New activity", LANG))
    await staff.expect()
    staff.send("Trygghetsvandring")
    await staff.expect()
    staff.send("Vi går runt i området tillsammans.")
    await staff.expect()
    await staff.press(t("Next ➡️", LANG))
    await staff.expect()
    await staff.press(app.content.current.content.activity_category("safety-walks").label(LANG))
    await staff.expect()
    await staff.press(t("🌍 No particular area", LANG))
    await staff.expect(t("Where is it? Type the address.", LANG))
    await staff.press(t("✏️ Another place", LANG))
    await staff.expect(t("Type the address, like “Backavägen 12, Hisings Backa”.", LANG))
    staff.send("Kärra centrum <torget>")
    await staff.expect()
    staff.send("11.99, 57.79")  # swapped
    await staff.expect(t("That place is outside Gothenburg. (If you typed it: latitude first, then longitude.)",
                         LANG))
    staff.send("57.792, 11.990")
    await staff.expect(t("When does it start? Type the date and time (time in {zone}) like this: {example}", LANG)
                       .format(zone=TZ_NAME, example="2026-12-07 16:00"))
    staff.send("2026-12-09 18:00")
    await staff.expect()
    staff.send("60")
    await staff.expect()
    await staff.press(t("Only once", LANG))
    await staff.expect(t("Is it free?", LANG))
    await staff.press(t("⬅️ Back", LANG))  # Back goes one step back
    await staff.expect(t("Does it repeat?", LANG))
    await staff.press(t("Only once", LANG))
    await staff.expect()
    await staff.press(t("💳 There is a fee", LANG))
    await staff.expect()
    await staff.press(t("👥 All ages", LANG))
    await staff.expect()
    staff.send("not a link")
    await staff.expect(t("Please send a web address that starts with https://.", LANG))
    staff.send("https://example.org/anmalan")
    await staff.expect()
    staff.send("Trygghetsgruppen <Norra Hisingen>")
    await staff.expect("📍 Kärra centrum <torget>", "💶 " + t("Costs money", LANG), "https://example.org/anmalan",
                       "Trygghetsgruppen <Norra Hisingen>")
    await staff.expect()
    await staff.press(t("✅ Save", LANG))
    await staff.expect()

    async def saved() -> bool:
        await db.rollback()
        return await db.scalar(select(Activity.id).where(Activity.slug == "staff-1")) is not None

    await eventually(saved, True)
    activity = await db.scalar(select(Activity).where(Activity.slug == "staff-1"))
    assert (activity.address, activity.lat, activity.lon, activity.area, activity.venue_service, activity.rrule,
            activity.free, activity.age_min, activity.registration_url) == (
        "Kärra centrum <torget>", 57.792, 11.990, None, None, None, False, None, "https://example.org/anmalan")


async def test_a_place_sent_as_a_location_pin(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    staff.send("/activity")
    await staff.expect()
    await staff.press(t("➕ New activity", LANG))
    await staff.expect()
    for text in ("Fika", "Fika för alla."):
        staff.send(text)
        await staff.expect()
    await staff.press(t("Next ➡️", LANG))
    await staff.expect()
    await staff.press(app.content.current.content.activity_category("culture").label(LANG))
    await staff.expect()
    await staff.press("Backa")
    await staff.expect()
    await staff.press(t("✏️ Another place", LANG))
    await staff.expect()
    staff.send("Backa torg")
    await staff.expect()
    staff.send_content(location={"latitude": 57.745, "longitude": 11.99})
    await staff.expect(t("When does it start? Type the date and time (time in {zone}) like this: {example}", LANG)
                       .format(zone=TZ_NAME, example="2026-12-07 16:00"))


async def test_cancel_one_date_sends_one_notice(app, db, clock, resident_factory, emulator) -> None:  # noqa: ANN001
    activity = await weekly_activity(db, clock)
    reminded = await resident_with_reminder(db, emulator, clock, activity, "20261201T1600")
    slug = activity.slug
    staff = await staff_member(resident_factory, db, clock)
    await open_activity(staff, "Läxhjälp")
    await staff.expect("Läxhjälp", t("What do you want to change?", LANG))
    await staff.press(t("🗓 One date: cancel or move it", LANG))
    await staff.expect(t("Which date of “{title}”?", LANG).format(title="Läxhjälp"))
    await press_containing(staff, "1 dec.")
    await staff.expect("Läxhjälp")
    await staff.press(t("❌ Cancel this date", LANG))
    await staff.expect(pattern="Läxhjälp")
    await staff.press(t("Yes, cancel it", LANG))
    await staff.expect(t("❌ Cancelled: {what}. Everyone who asked for a reminder gets a notice.", LANG).split("{")[0])
    dates = await staff.expect(t("Which date of “{title}”?", LANG).format(title="Läxhjälp"))
    assert any(button["text"].startswith("❌ ") for button in dates.inline_buttons())

    async def changes() -> list[tuple]:
        await db.rollback()
        return [(c.planned_start, c.cancelled, c.new_start) for c in await db.scalars(select(OccurrenceChange))]

    await eventually(changes, [(datetime(2026, 12, 1, 16, 0), True, None)])
    audit = await db.scalar(select(AuditEntry).where(AuditEntry.action == "activity.occurrence_cancelled"))
    assert (audit.subject, audit.detail) == (slug, "20261201T1600")
    week = await happenings(db, app.settings.tz, clock.now(), clock.now() + timedelta(days=7))
    assert week == []
    # The resident who asked to be reminded of that date gets exactly one notice, not one per tick.
    resident = Resident(emulator, reminded)
    app.delivery.wake()
    await resident.expect("Läxhjälp", "1 december 2026")
    await app.jobs.tick()
    app.delivery.wake()
    await resident.expect_silence()


async def test_move_one_date(app, db, clock, resident_factory, emulator) -> None:  # noqa: ANN001
    activity = await weekly_activity(db, clock)
    reminded = await resident_with_reminder(db, emulator, clock, activity, "20261208T1600")
    staff = await staff_member(resident_factory, db, clock)
    await open_activity(staff, "Läxhjälp")
    await staff.expect()
    await staff.press(t("🗓 One date: cancel or move it", LANG))
    await staff.expect()
    await press_containing(staff, "8 dec.")
    await staff.expect()
    await staff.press(t("🔁 Move this date", LANG))
    await staff.expect(pattern="2026-12-08 16:00")
    staff.send("2026-12-09")
    await staff.expect(t("I could not read that as a date and time.", LANG))
    staff.send("2026-12-09 17:30")
    await staff.expect(t("🔁 Moved: {what}. Everyone who asked for a reminder gets a notice.", LANG).split("{")[0])
    dates = await staff.expect()
    assert any(button["text"].startswith("🔁 ") for button in dates.inline_buttons())

    async def changes() -> list[tuple]:
        await db.rollback()
        return [(c.planned_start, c.cancelled, c.new_start) for c in await db.scalars(select(OccurrenceChange))]

    await eventually(changes, [(datetime(2026, 12, 8, 16, 0), False, datetime(2026, 12, 9, 17, 30))])
    week = await happenings(db, app.settings.tz, datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 14, tzinfo=UTC))
    assert [(h.occurrence.key, h.occurrence.start, h.occurrence.moved) for h in week] == [
        ("20261208T1600", datetime(2026, 12, 9, 16, 30, tzinfo=UTC), True)]
    assert await db.scalar(select(AuditEntry.detail).where(AuditEntry.action == "activity.occurrence_moved")) == \
        "20261208T1600 -> 20261209T1730"
    app.delivery.wake()
    notice = await emulator.wait_for_message(reminded, 0)
    assert "Läxhjälp" in notice.text


async def test_change_the_name_and_cancel_every_date(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    activity = await weekly_activity(db, clock)
    activity_id = activity.id
    staff = await staff_member(resident_factory, db, clock)
    await open_activity(staff, "Läxhjälp")
    await staff.expect()
    await staff.press(t("✏️ Name", LANG))
    await staff.expect(t("Send the name of the activity in Swedish, short and clear, like “Läxhjälp för "
                         "mellanstadiet”.", LANG))
    staff.send("Läxhjälp & fika")
    await staff.expect(t("✅ Saved.", LANG))
    await staff.expect("Läxhjälp & fika", t("What do you want to change?", LANG))

    async def title() -> str:
        await db.rollback()
        return (await db.scalar(select(Activity.titles).where(Activity.id == activity_id)))["sv"]

    await eventually(title, "Läxhjälp & fika")
    assert await db.scalar(select(AuditEntry.detail).where(AuditEntry.action == "activity.changed")) == "title"
    await staff.press(t("🕒 Date and time", LANG))
    await staff.expect()
    staff.send("2026-12-03 10:00")  # a Thursday: the weekly rule follows the new weekday
    await staff.expect(t("✅ Saved.", LANG))
    await staff.expect()

    async def start() -> datetime:
        return (await fresh(db, activity_id)).first_start

    await eventually(start, datetime(2026, 12, 3, 10, 0))
    changed = await fresh(db, activity_id)
    assert (changed.first_start, changed.rrule) == (datetime(2026, 12, 3, 10, 0), "FREQ=WEEKLY;BYDAY=TH")
    await staff.press(t("❌ Cancel all dates", LANG))
    await staff.expect()
    await staff.press(t("⬅️ No, go back", LANG))
    await staff.expect(t("What do you want to change?", LANG))
    await staff.press(t("❌ Cancel all dates", LANG))
    await staff.expect()
    await staff.press(t("Yes, cancel it", LANG))
    await staff.expect("Läxhjälp & fika")

    async def cancelled() -> bool:
        await db.rollback()
        return (await fresh(db, activity_id)).cancelled

    await eventually(cancelled, True)
    assert await happenings(db, app.settings.tz, clock.now(), clock.now() + timedelta(days=60)) == []


async def test_content_activities_change_only_single_dates(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    await weekly_activity(db, clock, title="Läxhjälp från filen", source="content")
    staff = await staff_member(resident_factory, db, clock)
    await open_activity(staff, "Läxhjälp från filen")
    menu = await staff.expect(t("This activity comes from the programme files (content/activities/): change its "
                                "text, time and place there. Here you can cancel or move single dates.", LANG),
                              t("ℹ️ Not confirmed yet: check with the organiser before you go.", LANG))
    labels = [button["text"] for button in menu.inline_buttons()]
    assert t("✏️ Name", LANG) not in labels and t("❌ Cancel all dates", LANG) not in labels
    assert t("🗓 One date: cancel or move it", LANG) in labels


async def test_cancel_in_the_middle_saves_nothing(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    staff.send("/activity")
    await staff.expect()
    await staff.press(t("➕ New activity", LANG))
    await staff.expect()
    staff.send("Halvfärdig")
    await staff.expect()
    await staff.press(t("✖️ Cancel", LANG))
    await staff.expect(t("Cancelled. Nothing more was changed.", LANG))
    await db.rollback()
    assert await db.scalar(select(Activity)) is None


async def test_activity_is_unknown_to_residents(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    resident = await onboarded(resident_factory, 703, "en", "English")
    resident.send("/activity")
    await resident.expect("I don't know that command")
    # A forged /activity button does nothing for them either, beyond the stale-button answer.
    message = resident.emulator.messages(703)[-1]
    answer = await resident.press_data(message.message_id, "aa:new::0")
    assert answer.get("text") == t("This button no longer works. Here is the menu.", "en")
    await resident.expect()
    await db.rollback()
    assert await db.scalar(select(Activity)) is None


async def test_an_old_button_of_the_wizard_is_stale(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    staff = await staff_member(resident_factory, db, clock)
    staff.send("/activity")
    home = await staff.expect()
    await staff.press(t("➕ New activity", LANG))
    await staff.expect()
    answer = await staff.press_data(home.message_id, "aa:import::0")  # a step that is over
    assert answer.get("text") == t("This button no longer works. Here is the menu.", LANG)


async def test_the_list_of_activities_has_pages(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    drafts = [ActivityDraft(titles={"sv": f"Aktivitet {day}"}, descriptions={"sv": "Något roligt."},
                            category="culture", venue_service="library-backa", start=f"2026-12-{day:02d} 12:00",
                            duration=60, organiser="Backa bibliotek") for day in range(1, 11)]
    await activity_admin.create(db, drafts, 1, clock.now())
    await db.commit()
    staff = await staff_member(resident_factory, db, clock)
    staff.send("/activity")
    await staff.expect()
    await staff.press(t("✏️ Change an activity", LANG))
    first = await staff.expect(t("Which activity? (page {page} of {pages}, by the next date)", LANG).format(
        page=1, pages=2))
    labels = [button["text"] for button in first.inline_buttons()]
    assert [label.split(" · ")[1] for label in labels if " · " in label] == [f"Aktivitet {day}" for day in range(1, 9)]
    assert labels[0].startswith("tis 1 dec.")
    await staff.press(t("More ▶", LANG))
    second = await staff.expect(t("Which activity? (page {page} of {pages}, by the next date)", LANG).format(
        page=2, pages=2))
    assert [b["text"].split(" · ")[1] for b in second.inline_buttons() if " · " in b["text"]] == [
        "Aktivitet 9", "Aktivitet 10"]
    await staff.press(t("◀ Earlier", LANG))
    await staff.expect(t("Which activity? (page {page} of {pages}, by the next date)", LANG).format(page=1, pages=2))


async def test_change_the_place_and_the_languages(app, db, clock, resident_factory) -> None:  # noqa: ANN001
    activity = await weekly_activity(db, clock)
    activity_id = activity.id
    staff = await staff_member(resident_factory, db, clock)
    await open_activity(staff, "Läxhjälp")
    await staff.expect()
    await staff.press(t("📍 Place", LANG))
    await staff.expect(t("In which area is it?", LANG))
    await staff.press(t("⬅️ Back", LANG))  # back to the activity, nothing changed
    await staff.expect(t("What do you want to change?", LANG))
    await staff.press(t("📍 Place", LANG))
    await staff.expect()
    await staff.press("Backa")
    await staff.expect()
    await staff.press("Backa bibliotek")
    await staff.expect(t("✅ Saved.", LANG))
    await staff.expect("📍 Backa bibliotek", "🏘 Backa")

    async def place() -> tuple:
        changed = await fresh(db, activity_id)
        return changed.area, changed.venue_service

    await eventually(place, ("backa", "library-backa"))
    await staff.press(t("🌐 Languages", LANG))
    await staff.expect()
    await staff.press("+ Soomaali")
    await staff.expect()
    staff.send("Caawinta casharrada")
    await staff.expect()
    staff.send("Waxaan kaa caawinaynaa casharrada.")
    await staff.expect()
    await staff.press(t("✅ Save", LANG))
    await staff.expect(t("✅ Saved.", LANG))
    await staff.expect()

    async def languages() -> tuple:
        changed = await fresh(db, activity_id)
        return changed.titles, changed.descriptions.get("so")

    await eventually(languages, ({"sv": "Läxhjälp", "so": "Caawinta casharrada"}, "Waxaan kaa caawinaynaa casharrada."))
    details = list(await db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "activity.changed")
                                    .order_by(AuditEntry.id)))
    assert details == ["place", "languages"]


async def test_a_new_time_for_the_series_takes_reminders_and_changes_along(app, db, clock, resident_factory,  # noqa: ANN001
                                                                            emulator) -> None:
    activity = await weekly_activity(db, clock)
    activity_id = activity.id
    reminded = await resident_with_reminder(db, emulator, clock, activity, "20261208T1600")
    await activity_admin.cancel_occurrence(db, activity, (await activity_admin.occurrence(
        db, activity, "20261215T1600", app.settings.tz, clock.now())), 1, clock.now(), app.settings.tz)
    await db.commit()
    staff = await staff_member(resident_factory, db, clock)
    await open_activity(staff, "Läxhjälp")
    await staff.expect()
    await staff.press(t("🕒 Date and time", LANG))
    await staff.expect()
    staff.send("2026-12-03 10:00")  # from Tuesdays 16:00 to Thursdays 10:00
    await staff.expect(t("✅ Saved.", LANG))
    await staff.expect()

    async def moved_along() -> tuple:
        await db.rollback()
        reminders = list(await db.scalars(select(ActivityReminder.occurrence).where(
            ActivityReminder.user_id == reminded)))
        changes = [(c.planned_start, c.cancelled) for c in await db.scalars(select(OccurrenceChange))]
        return reminders, changes

    await eventually(moved_along, (["20261210T1000"], [(datetime(2026, 12, 17, 10, 0), True)]))
    assert (await fresh(db, activity_id)).rrule == "FREQ=WEEKLY;BYDAY=TH"  # also refreshes the session's copy
    dates = await happenings(db, app.settings.tz, clock.now(), clock.now() + timedelta(days=21))
    assert [h.occurrence.planned.day for h in dates] == [3, 10]  # the 17th stays cancelled
    app.delivery.wake()
    notice = await emulator.wait_for_message(reminded, 0)
    assert "Läxhjälp" in notice.text


def test_wizard_states_have_names_of_their_own() -> None:
    """aiogram names a state after its class: two wizards with a `Step` class would share "Step:confirm", and text
    typed in one wizard would be answered by the other."""
    from handlers import activity_admin, announce, poll_admin

    names = [state.state for group in (activity_admin.ActivityStep, announce.Step, poll_admin.PollStep)
             for state in group.__states__]
    assert len(names) == len(set(names))
