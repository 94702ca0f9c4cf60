"""A resident's own settings: area and quiet hours (more come with reminders)."""

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
