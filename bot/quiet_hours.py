"""Quiet hours: the local night (by default 21:00–08:00) when nothing that is not urgent may arrive."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_FROM = 21 * 60
DEFAULT_UNTIL = 8 * 60


def is_quiet(moment: datetime, quiet_from: int, quiet_until: int, tz: ZoneInfo) -> bool:
    """Minutes after local midnight; a span like 21:00–08:00 crosses midnight, equal ends mean none."""
    local = moment.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    if quiet_from == quiet_until:
        return False
    if quiet_from > quiet_until:
        return minutes >= quiet_from or minutes < quiet_until
    return quiet_from <= minutes < quiet_until


def end_of_quiet(moment: datetime, quiet_from: int, quiet_until: int, tz: ZoneInfo) -> datetime:
    """`moment` itself when it is outside quiet hours, else the (UTC) moment they end that morning."""
    if not is_quiet(moment, quiet_from, quiet_until, tz):
        return moment
    local = moment.astimezone(tz)
    day = local.date()
    if local.hour * 60 + local.minute >= quiet_until:
        day += timedelta(days=1)
    # Wall-clock time on that date: correct across daylight-saving changes (zoneinfo resolves the offset).
    end = datetime.combine(day, time(quiet_until // 60, quiet_until % 60), tzinfo=tz)
    return end.astimezone(UTC)


def start_of_quiet_before(moment: datetime, quiet_from: int, quiet_until: int, tz: ZoneInfo) -> datetime:
    """For something due inside quiet hours: the (UTC) moment those quiet hours began (send it before)."""
    if not is_quiet(moment, quiet_from, quiet_until, tz):
        return moment
    local = moment.astimezone(tz)
    day = local.date()
    if local.hour * 60 + local.minute < quiet_from:
        day -= timedelta(days=1)
    start = datetime.combine(day, time(quiet_from // 60, quiet_from % 60), tzinfo=tz)
    return start.astimezone(UTC)
