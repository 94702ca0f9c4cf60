"""The .ics builder (bot/ics.py): files are parsed back with icalendar and checked as a calendar would read them."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from bot import ics
from bot.directory import Location
from bot.programme import occurrences
from db.models import Activity

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TEXT = ics.EventText("Läxhjälp", "Vi hjälper dig med läxorna.", "Kärra bibliotek, Kärra")


def activity(**fields) -> Activity:  # noqa: ANN003
    values = {"id": 7, "slug": "homework-help", "titles": {"sv": "Läxhjälp"}, "descriptions": {"sv": "…"},
              "category": "homework-help", "first_start": datetime(2026, 12, 1, 16, 0), "duration_minutes": 90,
              "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231T235959", "cancelled": False,
              "registration_url": "https://goteborg.se/anmalan"}
    values.update(fields)
    return Activity(**values)


def events(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def only(activity: Activity, start: datetime) -> object:
    """The occurrence of `activity` planned at local `start`."""
    [found] = occurrences(activity.id, activity.first_start, activity.duration_minutes, activity.rrule, {}, TZ,
                          start.replace(tzinfo=TZ) - timedelta(hours=1), start.replace(tzinfo=TZ) + timedelta(hours=1))
    return found


def test_one_occurrence_is_one_event_in_local_time_with_its_time_zone() -> None:
    homework = activity()
    data = ics.occurrence_calendar(homework, only(homework, datetime(2026, 12, 8, 16, 0)), TEXT, TZ, NOW,
                                   Location(lat=57.791, lon=11.992))
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 8, 16, 0, tzinfo=TZ)
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert event.decoded("dtend") == datetime(2026, 12, 8, 17, 30, tzinfo=TZ)
    assert "rrule" not in event and "status" not in event
    assert str(event["summary"]) == "Läxhjälp" and str(event["location"]) == "Kärra bibliotek, Kärra"
    assert str(event["description"]) == "Vi hjälper dig med läxorna."
    assert str(event["uid"]) == "activity-7-20261208T1600@norra-hisingen-bot"
    assert str(event["url"]) == "https://goteborg.se/anmalan"
    assert (event["geo"].latitude, event["geo"].longitude) == (57.791, 11.992)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Stockholm"
    assert str(calendar["version"]) == "2.0" and str(calendar["method"]) == "PUBLISH"
    assert data.startswith(b"BEGIN:VCALENDAR\r\n"), "CRLF line endings, as RFC 5545 wants"


def test_a_series_has_its_rule_cancelled_dates_and_moved_dates() -> None:
    homework = activity()
    changes = {
        datetime(2026, 12, 8, 16, 0): None,  # cancelled
        datetime(2026, 12, 15, 16, 0): datetime(2026, 12, 16, 17, 0),  # moved to the Wednesday
        datetime(2026, 12, 9, 16, 0): None,  # not a date of the rule (stale): ignored
    }
    series, moved = events(ics.series_calendar(homework, changes, TEXT, TZ, NOW))
    assert series.decoded("dtstart") == datetime(2026, 12, 1, 16, 0, tzinfo=TZ)
    rule = series["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"]
    # With a TZID on DTSTART, RFC 5545 wants UNTIL in UTC: 23:59:59 in Stockholm in winter is 22:59:59Z.
    assert rule["UNTIL"] == [datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)]
    assert [d.dt for d in series["exdate"].dts] == [datetime(2026, 12, 8, 16, 0, tzinfo=TZ)]
    assert series["exdate"].dts[0].params["TZID"] == "Europe/Stockholm"
    assert str(moved["uid"]) == str(series["uid"]) == "activity-7@norra-hisingen-bot"
    assert moved.decoded("recurrence-id") == datetime(2026, 12, 15, 16, 0, tzinfo=TZ)
    assert moved.decoded("dtstart") == datetime(2026, 12, 16, 17, 0, tzinfo=TZ)
    assert moved.decoded("dtend") == datetime(2026, 12, 16, 18, 30, tzinfo=TZ)


def test_the_rule_keeps_local_wall_time_across_the_autumn_clock_change() -> None:
    """Weekly at 16:00 from before 25 October 2026: a calendar that expands the rule keeps 16:00 local."""
    autumn = activity(first_start=datetime(2026, 10, 20, 16, 0), rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20261103")
    [series] = events(ics.series_calendar(autumn, {}, TEXT, TZ, NOW))
    start = series.decoded("dtstart")
    assert start.utcoffset() == timedelta(hours=2)
    until = series["rrule"]["UNTIL"][0]
    assert until == datetime(2026, 11, 3, 22, 59, 59, tzinfo=UTC), "a bare UNTIL date is the end of that local day"
    rule = rrulestr(series["rrule"].to_ical().decode(), dtstart=start)
    dates = list(rule)
    assert [d.astimezone(TZ).hour for d in dates] == [16, 16, 16]
    assert [d.astimezone(TZ).utcoffset() for d in dates] == [timedelta(hours=2), timedelta(hours=1),
                                                             timedelta(hours=1)]


def test_an_occurrence_at_0230_on_the_spring_night_is_at_0330() -> None:
    night = activity(first_start=datetime(2026, 3, 29, 2, 30), rrule=None, duration_minutes=60)
    [found] = occurrences(night.id, night.first_start, 60, None, {}, TZ, datetime(2026, 3, 28, tzinfo=UTC),
                          datetime(2026, 3, 30, tzinfo=UTC))
    [event] = events(ics.occurrence_calendar(night, found, TEXT, TZ, NOW))
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert event.decoded("dtstart").astimezone(TZ).hour == 3


def test_cancelled_things_say_so_and_the_uid_is_stable() -> None:
    homework = activity(cancelled=True)
    first = ics.series_calendar(homework, {}, TEXT, TZ, NOW)
    assert first == ics.series_calendar(homework, {}, TEXT, TZ, NOW), "the same file for the same activity"
    [series] = events(first)
    assert str(series["status"]) == "CANCELLED"
    occurrence = occurrences(7, homework.first_start, 90, homework.rrule, {datetime(2026, 12, 1, 16): None}, TZ,
                             datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))[0]
    [event] = events(ics.occurrence_calendar(activity(), occurrence, TEXT, TZ, NOW))
    assert occurrence.cancelled and str(event["status"]) == "CANCELLED"


def test_file_names() -> None:
    homework = activity()
    assert ics.filename(homework) == "homework-help.ics"
    assert ics.filename(homework, only(homework, datetime(2026, 12, 8, 16, 0))) == "homework-help-2026-12-08.ics"
