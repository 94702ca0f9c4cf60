"""A resident's own settings: area, quiet hours, when to be reminded of activities, the weekly digest."""

from bot.quiet_hours import DEFAULT_FROM, DEFAULT_UNTIL
from db.models import User

# Offered as buttons: nights of different lengths, the default first. There is no "never quiet" choice:
# the bot promises residents nothing at night unless it is urgent.
QUIET_CHOICES = ((DEFAULT_FROM, DEFAULT_UNTIL), (22 * 60, 7 * 60), (20 * 60, 9 * 60), (23 * 60, 6 * 60))


def clock_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def quiet_hours_label(start: int, end: int) -> str:
    return f"{clock_time(start)}–{clock_time(end)}"


def set_quiet_hours(user: User, choice: str) -> bool:
    """`choice` is "<from>-<until>" in minutes, as on the buttons; anything else (forged) is refused."""
    try:
        start, end = (int(part) for part in choice.split("-"))
    except ValueError:
        return False
    if (start, end) not in QUIET_CHOICES:
        return False
    user.quiet_from, user.quiet_until = start, end
    return True


# When to be reminded of activities: (evening before at 18:00, two hours before). "Neither" is not offered: a
# resident who wants no reminders removes them in /reminders.
REMINDER_CHOICES = {"evening": (True, False), "two_hours": (False, True), "both": (True, True)}


def reminder_choice(user: User) -> str:
    current = (bool(user.remind_evening), bool(user.remind_two_hours))
    return next((name for name, flags in REMINDER_CHOICES.items() if flags == current), "evening")


def set_reminder_choice(user: User, choice: str) -> bool:
    """`choice` as on the buttons; anything else (forged) is refused."""
    if choice not in REMINDER_CHOICES:
        return False
    user.remind_evening, user.remind_two_hours = REMINDER_CHOICES[choice]
    return True


def set_weekly_digest(user: User, choice: str) -> bool:
    """"on" or "off" (the state wanted, so a double tap does not flip it back)."""
    if choice not in ("on", "off"):
        return False
    user.weekly_digest = choice == "on"
    return True
