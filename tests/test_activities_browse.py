"""Residents and activities end to end: /activities (this week, by category, by area, near me), the card of one
occurrence in two languages, "Remind me" (once and every time), following a category, /reminders with ✖, the
.ics file, and forged or stale buttons."""

import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from icalendar import Calendar
from sqlalchemy import func, select

from bot import activities
from bot.config import Settings
from bot.directory import Location
from bot.library import CONTENT_DIR, ContentStore
from db.models import Activity, ActivityReminder, Delivery, OccurrenceChange, OutboxMessage, Subscription
from tests.support import Resident, eventually, onboarded, wait_until
from tests.test_first_conversation import t

TZ = ZoneInfo("Europe/Stockholm")
STALE = "This button no longer works. Here is the menu."
NO_REMINDERS = ("You have no reminders. Open /activities, choose an activity and tap “🔔 Remind me”, or follow a "
                "kind of activity with “🗂 Follow”.")
BABEL = {"en": "en_GB"}
# 57.80, 12.05: a field east of Kärra with no service near it, so "near me" distances are exact.
FIELD = Location(lat=57.80, lon=12.05)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The flood guard counts by the frozen test clock, so a long browse would look like a burst of taps.
    return settings.model_copy(update={"flood_limit": 1000})


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> ContentStore:  # noqa: ANN001
    """The shipped content without the seed programme: these tests see only their own activities."""
    directory = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(CONTENT_DIR, directory, ignore=shutil.ignore_patterns("activities"))
    return ContentStore(directory)


async def add_activity(db, clock, slug: str, **fields) -> Activity:  # noqa: ANN001, ANN003
    values = {
        "titles": {"sv": "Läxhjälp i Kärra", "en": "Homework help in Kärra", "ar": "مساعدة في الواجبات في Kärra"},
        "descriptions": {"sv": "Vi hjälper dig med läxorna.", "en": "We help you with homework.",
                         "ar": "نساعدك في واجباتك المدرسية."},
        "category": "homework-help", "area": "karra", "venue_service": "library-karra", "age_min": 7,
        "age_max": 15, "free": True, "registration_url": "https://goteborg.se/anmalan?a=1&b=2",
        "organiser": "Kärra bibliotek", "first_start": datetime(2026, 12, 1, 16, 0), "duration_minutes": 90,
        "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231T235959", "verified": False,
    }
    values.update(fields)
    activity = Activity(slug=slug, source="staff", updated_at=clock.now(), **values)
    db.add(activity)
    await db.commit()
    return activity


def babel(locale: str) -> str:
    return BABEL.get(locale, locale)


def joined(day: str, hours: str, locale: str) -> str:
    return get_datetime_format("medium", locale=babel(locale)).replace("{1}", day).replace("{0}", hours)


def short(local: datetime, locale: str) -> str:
    """What a list button shows before the title: "tis 1 dec. 16:00"."""
    local = local.replace(tzinfo=TZ) if local.tzinfo is None else local
    return joined(format_skeleton("MMMEd", local, locale=babel(locale)), hour(local, locale), locale)


def hour(local: datetime, locale: str) -> str:
    return format_time(local, "short", locale=babel(locale))


def full_day(local: datetime, locale: str) -> str:
    return format_date(local, "full", locale=babel(locale))


async def press_containing(resident: Resident, fragment: str) -> dict:
    """Tap the newest button whose label contains `fragment`."""
    for message in reversed(resident.emulator.messages(resident.user_id)):
        for button in message.inline_buttons():
            if fragment in button.get("text", ""):
                return await resident.press_data(message.message_id, button["callback_data"])
    raise AssertionError(f"no button containing {fragment!r}")


async def rows(db, query) -> list[tuple]:  # noqa: ANN001
    """The query's rows as sorted plain tuples, from a fresh snapshot of what the bot committed."""
    await db.rollback()
    return sorted(tuple(row) for row in (await db.execute(query)).all())


def labels(message) -> list[str]:  # noqa: ANN001
    return [button["text"] for button in message.inline_buttons()]


async def open_card(resident: Resident, locale: str, when: datetime, title: str) -> object:
    await resident.press(f"{short(when, locale)} · {title}")
    return await resident.expect(title)


async def test_this_week_pages_and_the_card_in_swedish(resident_factory, db, clock) -> None:
    activity = await add_activity(db, clock, "homework")
    # Today (Monday 30 November, 10:00 local) at 12:00: the soonest, so first in the list.
    await add_activity(db, clock, "today", titles={"sv": "Språkcafé idag"}, descriptions={"sv": "Fika och prat."},
                       category="language-cafe", first_start=datetime(2026, 11, 30, 12, 0), rrule=None,
                       registration_url=None, verified=True, venue_service=None, address="Kärra centrum",
                       lat=57.79, lon=11.99)
    for number in range(9):  # enough for a second page
        await add_activity(db, clock, f"filler-{number}", titles={"sv": f"Fyllnad {number}"},
                           first_start=datetime(2026, 12, 2, 9 + number, 0), rrule=None)
    await add_activity(db, clock, "next-month", titles={"sv": "Nästa månad"}, rrule=None,
                       first_start=datetime(2027, 1, 12, 10, 0))
    sara = await onboarded(resident_factory, 1101, "sv", "Svenska")
    sara.send("/activities")
    home = await sara.expect()
    assert t("📅 This week", "sv") in labels(home) and t("📌 Near me", "sv") in labels(home)
    await sara.press(t("📅 This week", "sv"))
    week = await sara.expect(t("Page {page} of {pages}", "sv").format(page=1, pages=2))
    shown = labels(week)
    assert shown[0] == f"{short(datetime(2026, 11, 30, 12, 0), 'sv')} · Språkcafé idag", "soonest first"
    assert f"{short(datetime(2026, 12, 1, 16, 0), 'sv')} · Läxhjälp i Kärra" in shown
    assert not any("Nästa månad" in label for label in shown), "the next 7 days only"
    assert t("More ▶", "sv") in shown and len([s for s in shown if " · " in s]) == 8
    await sara.press(t("More ▶", "sv"))
    second = await sara.expect(t("Page {page} of {pages}", "sv").format(page=2, pages=2))
    assert len([s for s in labels(second) if " · " in s]) == 3 and t("◀ Back", "sv") in labels(second)

    card = await open_card(sara, "sv", datetime(2026, 12, 1, 16, 0), "Läxhjälp i Kärra")
    assert "🗓 tisdag 1 december 2026 16:00–17:30" in card.text, "Babel's Swedish date and time range"
    assert "Kärra bibliotek" in card.text and "Kärra" in card.text
    assert t("Ages {youngest}–{oldest}", "sv").format(youngest=7, oldest=15) in card.text
    assert t("Free", "sv") in card.text and "Vi hjälper dig med läxorna." in card.text
    assert t("Organiser: {name}", "sv").format(name="Kärra bibliotek") in card.text
    assert 'href="https://goteborg.se/anmalan?a=1&amp;b=2"' in card.html
    assert t("ℹ️ Not confirmed yet: check with the organiser before you go.", "sv") in card.text
    buttons = labels(card)
    for label in ("🔔 Remind me", "🔔 Remind me every time", "📅 Add to calendar", "📍 Map", "⬅️ Back"):
        assert t(label, "sv") in buttons, label
    assert t("🗂 Follow {category}", "sv").format(category="Läxhjälp") in buttons

    await sara.press(t("📍 Map", "sv"))
    pin = await sara.expect()
    assert pin.method == "sendVenue" and pin.location == (57.791, 11.992)

    today = await open_card(sara, "sv", datetime(2026, 11, 30, 12, 0), "Språkcafé idag")
    assert "Kärra centrum" in today.text and t("ℹ️ Not confirmed yet: check with the organiser before you go.",
                                                "sv") not in today.text
    assert t("🔔 Remind me every time", "sv") not in labels(today), "not a repeating activity"
    assert activity.id


async def test_the_card_in_arabic_shows_moved_and_cancelled_dates(resident_factory, db, clock, content) -> None:
    activity = await add_activity(db, clock, "homework")
    await activities.set_change(db, activity.id, datetime(2026, 12, 1, 16, 0), datetime(2026, 12, 2, 17, 0),
                                clock.now())
    await activities.set_change(db, activity.id, datetime(2026, 12, 8, 16, 0), None, clock.now())
    await db.commit()
    amal = await onboarded(resident_factory, 1102, "ar", "العربية")
    amal.send("/activities")
    await amal.expect()
    await amal.press(t("🗂 By category", "ar"))
    await amal.expect(t("Which kind of activity?", "ar"))
    await amal.press(content.current.content.activity_category("homework-help").label("ar"))
    listing = await amal.expect()
    title = "مساعدة في الواجبات في Kärra"
    moved_label = f"{short(datetime(2026, 12, 2, 17, 0), 'ar')} · {title}"
    assert moved_label in labels(listing), "a moved date is listed at its new time"
    assert f"❌ {short(datetime(2026, 12, 8, 16, 0), 'ar')} · {title}" in labels(listing), "cancelled, marked"

    await amal.press(moved_label)
    card = await amal.expect(title)
    # Babel in Arabic: "الأربعاء، 2 ديسمبر 2026، 5:00–6:30 م" (a 12-hour interval, the Arabic comma).
    assert f"🗓 {joined(full_day(datetime(2026, 12, 2), 'ar'), '5:00–6:30 م', 'ar')}" in card.text
    moved_from = joined(full_day(datetime(2026, 12, 1), "ar"), hour(datetime(2026, 12, 1, 16), "ar"), "ar")
    assert t("🔁 Moved from {when}", "ar").format(when=moved_from) in card.text
    assert "نساعدك في واجباتك المدرسية." in card.text

    await amal.press(f"❌ {short(datetime(2026, 12, 8, 16, 0), 'ar')} · {title}")
    cancelled = await amal.expect(t("❌ Cancelled", "ar"))
    assert t("🔔 Remind me", "ar") not in labels(cancelled), "no reminder for a cancelled date"


async def test_by_area_lists_only_that_area(resident_factory, db, clock) -> None:
    await add_activity(db, clock, "karra")
    await add_activity(db, clock, "tuve", titles={"sv": "Läxhjälp i Tuve"}, area="tuve", venue_service="library-tuve")
    erik = await onboarded(resident_factory, 1103, "sv", "Svenska")
    erik.send("/activities")
    await erik.expect()
    await erik.press(t("📍 By area", "sv"))
    areas = await erik.expect(t("In which area?", "sv"))
    assert {"Kärra", "Tuve"} <= set(labels(areas)) and "Backa" not in labels(areas), "only areas with activities"
    await erik.press("Tuve")
    listing = await erik.expect("Tuve")
    shown = [label for label in labels(listing) if " · " in label]
    assert shown and all("Tuve" in label for label in shown)
    await erik.press(t("⬅️ Back", "sv"))
    await erik.expect(t("In which area?", "sv"))


async def test_nothing_planned_is_said_plainly(resident_factory, db, clock) -> None:
    erik = await onboarded(resident_factory, 1104, "sv", "Svenska")
    erik.send("/activities")
    await erik.expect()
    await erik.press(t("📅 This week", "sv"))
    empty = await erik.expect(t("Nothing planned in this period. Try another choice, or look again later.", "sv"))
    assert t("⬅️ Menu", "sv") in labels(empty) and t("⬅️ Back", "sv") in labels(empty)


async def test_nearest_happenings_one_line_per_activity_nearest_first(app, db, clock, content) -> None:
    await add_activity(db, clock, "far")  # at Kärra library, about 3.5 km from the field
    await add_activity(db, clock, "here", titles={"sv": "På fältet"}, venue_service=None, address="Fältet",
                       lat=FIELD.lat, lon=FIELD.lon, first_start=datetime(2026, 12, 3, 10, 0),
                       rrule="FREQ=WEEKLY;BYDAY=TH")
    await add_activity(db, clock, "nowhere", titles={"sv": "Utan plats"}, venue_service=None)
    now = clock.now()
    found = await activities.nearest_happenings(db, TZ, now, now + timedelta(days=28), FIELD,
                                                content.current.services)
    assert [h.activity.slug for h, _ in found] == ["here", "far"]
    assert found[0][1] == pytest.approx(0) and 3 < found[1][1] < 5
    assert found[0][0].occurrence.start == datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "its next date"


async def test_near_me_asks_for_the_location_and_lists_with_distance(resident_factory, db, clock) -> None:
    await add_activity(db, clock, "here", titles={"sv": "På fältet"}, venue_service=None, address="Fältet",
                       lat=FIELD.lat, lon=FIELD.lon, first_start=datetime(2026, 12, 3, 10, 0), rrule=None)
    await add_activity(db, clock, "far")
    nora = await onboarded(resident_factory, 1105, "sv", "Svenska")
    nora.send("/activities")
    await nora.expect()
    await nora.press(t("📌 Near me", "sv"))
    ask = await nora.expect()
    keyboard = ask.reply_markup["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    nora.send_content(location={"latitude": FIELD.lat, "longitude": FIELD.lon})
    await nora.expect(t("Thank you.", "sv"))
    near = await nora.expect()
    shown = [label for label in labels(near) if " · " in label]
    assert shown[0].startswith("0 km · ") and "På fältet" in shown[0]
    assert "Läxhjälp i Kärra" in shown[1]


async def test_remind_me_once_and_every_time_double_taps_count_once(resident_factory, db, clock) -> None:
    activity = await add_activity(db, clock, "homework")
    sara = await onboarded(resident_factory, 1106, "sv", "Svenska")
    sara.send("/activities")
    await sara.expect()
    await sara.press(t("📅 This week", "sv"))
    await sara.expect()
    await open_card(sara, "sv", datetime(2026, 12, 1, 16, 0), "Läxhjälp i Kärra")
    toast = t("🔔 I will remind you the evening before at {time}.", "sv").format(time="18:00")
    assert (await sara.press(t("🔔 Remind me", "sv")))["text"] == toast
    assert (await sara.press(t("🔔 Remind me", "sv")))["text"] == toast
    assert (await sara.press(t("🔔 Remind me every time", "sv")))["text"] == toast
    await sara.press(t("🔔 Remind me every time", "sv"))

    async def stored() -> list[str]:
        await db.rollback()
        return sorted(await db.scalars(select(ActivityReminder.occurrence).where(
            ActivityReminder.user_id == 1106, ActivityReminder.activity_id == activity.id)))

    await eventually(stored, ["", "20261201T1600"])


async def test_follow_a_category_in_the_area_or_everywhere(resident_factory, db, clock) -> None:
    await add_activity(db, clock, "homework")
    sara = await onboarded(resident_factory, 1107, "sv", "Svenska")
    sara.send("/activities")
    await sara.expect()
    await sara.press(t("📅 This week", "sv"))
    await sara.expect()
    await open_card(sara, "sv", datetime(2026, 12, 1, 16, 0), "Läxhjälp i Kärra")
    await sara.press(t("🗂 Follow {category}", "sv").format(category="Läxhjälp"))
    await sara.expect()
    await sara.press(t("📍 In {area}", "sv").format(area="Kärra"))
    await sara.expect(t("You can stop it any time in /reminders.", "sv"))
    again = await sara.press(t("📍 In {area}", "sv").format(area="Kärra"))
    assert again["text"] == t("You already follow this.", "sv")
    await sara.press(t("🌍 Everywhere", "sv"))
    await sara.expect()

    async def followed() -> list[tuple[str, str]]:
        await db.rollback()
        return await rows(db, select(Subscription.category, Subscription.area).where(Subscription.user_id == 1107))

    await eventually(followed, [("homework-help", ""), ("homework-help", "karra")])


async def test_reminders_lists_and_cancels_with_pending_messages(resident_factory, db, clock, content) -> None:
    activity = await add_activity(db, clock, "homework")
    other = await add_activity(db, clock, "other", titles={"sv": "Annat"}, rrule=None)
    sara = await onboarded(resident_factory, 1108, "sv", "Svenska")
    neighbour = await onboarded(resident_factory, 1109, "sv", "Svenska")
    sara.send("/reminders")
    await sara.expect(t(NO_REMINDERS, "sv"))
    for user_id in (1108, 1109):
        await activities.add_reminder(db, user_id, activity.id, "20261208T1600", clock.now())
    await activities.add_reminder(db, 1108, activity.id, "", clock.now())
    await activities.add_subscription(db, 1108, "homework-help", "karra", clock.now())
    # What the reminder planner would have queued: the reminder (also under its key for a moved date), and one of
    # another activity.
    for key in (f"reminder:{activity.id}:20261208T1600:evening",
                f"reminder:{activity.id}:20261208T1600@20261209T1800:two_hours",
                f"reminder:{other.id}:20261201T1600:evening"):
        delivery = Delivery(kind="reminder", created_at=clock.now(), dedupe_key=key)
        db.add(delivery)
        await db.flush()
        for user_id in (1108, 1109):
            db.add(OutboxMessage(delivery_id=delivery.id, user_id=user_id, language="sv", status="pending",
                                 not_before=clock.now() + timedelta(days=7)))
    await db.commit()

    sara.send("/reminders")
    listing = await sara.expect(t("<b>Your reminders</b>", "sv").removeprefix("<b>").removesuffix("</b>"))
    every = t("every {weekday}, {time}", "sv").format(weekday="tisdag", time="16:00")
    assert every in listing.text
    category = content.current.content.activity_category("homework-help").label("sv")
    assert f"3. 🗂 {category} — Kärra" in listing.text
    # The series first, then the one date, then the followed category.
    assert [label[:4] for label in labels(listing)[:3]] == ["✖ 1.", "✖ 2.", "✖ 3."]
    assert f"2. 🔔 Läxhjälp i Kärra — {short(datetime(2026, 12, 8, 16, 0), 'sv')}" in listing.text
    one_date = next(b["callback_data"] for b in listing.inline_buttons() if b["text"].startswith("✖ 2."))
    assert (await sara.press_data(listing.message_id, one_date))["text"] == t("Stopped.", "sv")
    again = await sara.press_data(listing.message_id, one_date)
    assert again["text"] == t("This is already stopped.", "sv"), "a double tap"

    async def left() -> tuple:
        await db.rollback()
        return (await rows(db, select(ActivityReminder.user_id, ActivityReminder.occurrence)),
                await rows(db, select(OutboxMessage.user_id, Delivery.dedupe_key).join(
                    Delivery, Delivery.id == OutboxMessage.delivery_id)))

    # Sara still asks for every time (and follows the category in Kärra), so her messages for that date stay.
    waiting = sorted((user_id, key) for user_id in (1108, 1109) for key in (
        f"reminder:{activity.id}:20261208T1600:evening",
        f"reminder:{activity.id}:20261208T1600@20261209T1800:two_hours",
        f"reminder:{other.id}:20261201T1600:evening"))
    await eventually(left, ([(1108, ""), (1109, "20261208T1600")], waiting))
    edited = sara.emulator.message(1108, listing.message_id)
    assert edited.edited and short(datetime(2026, 12, 8, 16, 0), "sv") not in edited.text

    # Stop following the category, then the series: nothing is left.
    await press_containing(sara, "✖ 2.")
    await wait_until(lambda: "✖ 2." not in str(sara.emulator.message(1108, listing.message_id).reply_markup),
                     what="the list without the category")
    await press_containing(sara, "✖ 1.")

    async def counts() -> tuple[int, int]:
        await db.rollback()
        return (await db.scalar(select(func.count()).select_from(ActivityReminder).where(
            ActivityReminder.user_id == 1108)),
            await db.scalar(select(func.count()).select_from(Subscription).where(Subscription.user_id == 1108)))

    await eventually(counts, (0, 0))
    # Nothing asks for Sara's waiting messages any more: they are gone; her neighbour's stay.
    await eventually(left, ([(1109, "20261208T1600")], [row for row in waiting if row[0] == 1109]))
    await wait_until(lambda: sara.emulator.message(1108, listing.message_id).text == t(NO_REMINDERS, "sv"),
                     what="the list says there is nothing left")
    neighbour.send("/reminders")
    await neighbour.expect("Läxhjälp i Kärra")


async def test_add_to_calendar_one_date_and_the_series(resident_factory, db, clock) -> None:
    activity = await add_activity(db, clock, "homework-help-karra")
    await activities.set_change(db, activity.id, datetime(2026, 12, 8, 16, 0), None, clock.now())
    await activities.set_change(db, activity.id, datetime(2026, 12, 15, 16, 0), datetime(2026, 12, 16, 17, 0),
                                clock.now())
    await add_activity(db, clock, "fika-once", titles={"sv": "Fika en gång"}, rrule=None,
                       first_start=datetime(2026, 12, 3, 14, 0))
    sara = await onboarded(resident_factory, 1110, "sv", "Svenska")
    sara.send("/activities")
    await sara.expect()
    await sara.press(t("📅 This week", "sv"))
    await sara.expect()

    await open_card(sara, "sv", datetime(2026, 12, 3, 14, 0), "Fika en gång")
    await sara.press(t("📅 Add to calendar", "sv"))
    single = await sara.expect()
    assert single.filename == "fika-once-2026-12-03.ics"
    [event] = Calendar.from_ical(single.document).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 14, 0, tzinfo=TZ)
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm" and str(event["summary"]) == "Fika en gång"

    await open_card(sara, "sv", datetime(2026, 12, 1, 16, 0), "Läxhjälp i Kärra")
    await sara.press(t("📅 Add to calendar", "sv"))
    await sara.expect(t("Add only this date to your calendar, or every time it happens?", "sv"))
    await sara.press(t("📅 Every time", "sv"))
    series = await sara.expect()
    assert series.filename == "homework-help-karra.ics"
    calendar = Calendar.from_ical(series.document)
    assert calendar.walk("VTIMEZONE"), "the time zone travels with the file"
    main, moved = calendar.walk("VEVENT")
    assert main.decoded("dtstart") == datetime(2026, 12, 1, 16, 0, tzinfo=TZ)
    assert main["rrule"]["FREQ"] == ["WEEKLY"] and main["rrule"]["BYDAY"] == ["TU"]
    assert [d.dt for d in main["exdate"].dts] == [datetime(2026, 12, 8, 16, 0, tzinfo=TZ)]
    assert moved.decoded("recurrence-id") == datetime(2026, 12, 15, 16, 0, tzinfo=TZ)
    assert moved.decoded("dtstart") == datetime(2026, 12, 16, 17, 0, tzinfo=TZ)
    assert str(main["uid"]) == str(moved["uid"])
    assert "Vi hjälper dig med läxorna." in str(main["description"]) and "Kärra bibliotek" in str(main["location"])

    await sara.press(t("📅 Only {day}", "sv").format(
        day=format_skeleton("MMMEd", datetime(2026, 12, 1, tzinfo=TZ), locale="sv")))
    one = await sara.expect()
    assert one.filename == "homework-help-karra-2026-12-01.ics"
    [event] = Calendar.from_ical(one.document).walk("VEVENT")
    assert "rrule" not in event and event.decoded("dtstart") == datetime(2026, 12, 1, 16, 0, tzinfo=TZ)


async def test_forged_or_stale_buttons_answer_with_the_stale_message(resident_factory, db, clock) -> None:
    activity = await add_activity(db, clock, "homework")
    sara = await onboarded(resident_factory, 1111, "sv", "Svenska")
    sara.send("/activities")
    home = await sara.expect()
    forged = [
        "ac:card:999999:20261201T1600::0",  # no such activity
        f"ac:card:{activity.id}:20261201T1700::0",  # no date planned then
        f"ac:card:{activity.id}:20261301T1600::0",  # not a date
        f"ac:once:{activity.id}:garbage::0",
        "ac:every:999999:::0",
        "ac:follow:999999:::0",
        f"ac:sub:{activity.id}::nowhere:0",
        "ac:cat:0::no-such-category:0",
        "ac:area:0::atlantis:0",
        "ac:nearby:0::north,south:0",
        "ac:nearby:0::91.0,12.0:0",
        f"ac:cal:{activity.id}:19991231T1600::0",
        "ac:map:999999:::0",
        "ac:explode:0:::0",
        "ac:card:x:y",  # cannot even be unpacked
    ]
    for data in forged:
        answer = await sara.press_data(home.message_id, data)
        assert answer.get("text") == t(STALE, "sv"), data
        await sara.expect(t("What can I help you with? Choose below, or just write your question in your own words.",
                            "sv"))
    answer = await sara.press_data(home.message_id, "rem:r:999999")
    assert answer.get("text") == t("This is already stopped.", "sv"), "someone else's or a gone reminder"
    answer = await sara.press_data(home.message_id, f"ac:card:{'9' * 30}:20261201T1600::0")
    assert answer.get("text") == t(STALE, "sv"), "an id too big for the database"
    await sara.expect()
    await eventually(lambda: _count_reminders(db), 0)


async def _count_reminders(db) -> int:  # noqa: ANN001
    await db.rollback()
    return await db.scalar(select(func.count()).select_from(ActivityReminder))


async def test_moving_a_date_keeps_its_key(db, app, clock) -> None:
    """A reminder points to the planned date (its key), which a move does not change."""
    activity = await add_activity(db, clock, "homework")
    await activities.set_change(db, activity.id, datetime(2026, 12, 8, 16, 0), datetime(2026, 12, 9, 18, 0),
                                clock.now())
    await db.commit()
    found = await activities.occurrence_of(db, activity.id, "20261208T1600", TZ)
    assert found.occurrence.moved and found.occurrence.start == datetime(2026, 12, 9, 17, 0, tzinfo=UTC)
    assert await activities.occurrence_of(db, activity.id, "20261209T1800", TZ) is None
    assert (await db.get(OccurrenceChange, 1)) is not None


async def test_near_me_can_be_cancelled_and_a_question_instead_is_answered(resident_factory, db, clock) -> None:
    nora = await onboarded(resident_factory, 1112, "sv", "Svenska")
    nora.send("/activities")
    await nora.expect()
    await nora.press(t("📌 Near me", "sv"))
    await nora.expect()
    nora.send(t("✖ Cancel", "sv"))
    gone = await nora.expect(t("All right.", "sv"))
    assert gone.reply_markup == {"remove_keyboard": True}
    home = await nora.expect()
    assert t("📅 This week", "sv") in labels(home), "back on the activities screen"
    await nora.press(t("📌 Near me", "sv"))
    await nora.expect()
    nora.send("bibliotek kärra")
    answer = await nora.expect()
    assert t("All right.", "sv") not in answer.text, "a question is answered, not taken as 'cancel'"
