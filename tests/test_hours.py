"""Opening hours: weekly times, exceptions, computed Swedish public holidays, the next opening."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.hours import OpeningHours, public_holiday, status_at

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LIBRARY = OpeningHours(mon="10:00-19:00", tue="10:00-19:00", wed="10:00-19:00", thu="10:00-19:00",
                       fri="10:00-16:00", sat="11:00-15:00",
                       exceptions=[{"from": date(2027, 6, 21), "to": date(2027, 8, 15), "hours": "12:00-16:00"}])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def test_open_now_says_when_it_closes() -> None:
    status = status_at(LIBRARY, at("2026-11-30 12:00"))
    assert status.is_open and status.closes_at.strftime("%H:%M") == "19:00"


def test_before_opening_it_opens_later_today() -> None:
    status = status_at(LIBRARY, at("2026-11-30 08:30"))
    assert not status.is_open and status.next_opening == at("2026-11-30 10:00")


def test_after_saturday_closing_it_opens_on_monday() -> None:
    assert status_at(LIBRARY, at("2026-11-28 15:00")).next_opening == at("2026-11-30 10:00")


def test_christmas_is_computed_not_typed_in() -> None:
    status = status_at(LIBRARY, at("2026-12-24 12:00"))
    assert status.holiday_today == "Julafton" and not status.is_open
    assert status.next_opening == at("2026-12-28 10:00"), "Juldagen and Annandag jul are closed too"


@pytest.mark.parametrize(("day", "name"), [
    (date(2027, 3, 26), "Långfredagen"), (date(2027, 3, 29), "Annandag påsk"),
    (date(2027, 5, 6), "Kristi himmelsfärdsdag"), (date(2027, 6, 25), "Midsommarafton"),
    (date(2027, 11, 6), "Alla helgons dag"), (date(2027, 6, 6), "Nationaldagen"),
])
def test_moving_holidays_fall_on_the_right_day_in_another_year(day: date, name: str) -> None:
    assert public_holiday(day) == name


def test_summer_hours_replace_the_weekly_hours() -> None:
    assert status_at(LIBRARY, at("2027-07-05 10:30")).next_opening == at("2027-07-05 12:00")


def test_a_service_open_on_holidays_ignores_them() -> None:
    always = OpeningHours(**{day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                          closed_on_public_holidays=False)
    assert status_at(always, at("2026-12-25 03:00")).day_and_night
    assert status_at(always, at("2026-12-25 23:59")).is_open, "the last minute before midnight is open too"


@pytest.mark.parametrize("bad", ["9-17", "17:00-09:00", "25:00-26:00", "open"])
def test_badly_written_hours_are_rejected_with_the_reason(bad: str) -> None:
    with pytest.raises(ValidationError) as error:
        OpeningHours(mon=bad)
    assert bad in str(error.value)
