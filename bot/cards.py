"""Text of a service card in the reader's language: what it is, where, and whether it is open now."""

from datetime import date, datetime, time
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_time

from bot.content import text_in
from bot.directory import FaqEntry, Service
from bot.hours import Interval, Status, hours_on, status_at
from bot.i18n import BABEL_LOCALES

CONTACT_CENTRE = "031-365 00 00"


def _babel(locale: str) -> str:
    return BABEL_LOCALES.get(locale, locale)


def clock_time(moment: time, locale: str) -> str:
    return format_time(moment, format="short", locale=_babel(locale))


def weekday(day: date, locale: str) -> str:
    return format_date(day, format="EEEE", locale=_babel(locale))


def intervals_text(intervals: tuple[Interval, ...], locale: str) -> str:
    return ", ".join(f"{clock_time(i.start, locale)}–{clock_time(i.end, locale)}" for i in intervals)


def status_line(status: Status, now: datetime, locale: str) -> str:
    if status.day_and_night:
        return _("🟢 Open now, day and night")
    if status.is_open:
        return _("🟢 Open now, closes at {time}").format(time=clock_time(status.closes_at, locale))
    lines = []
    if status.holiday_today:
        lines.append(_("🔴 Closed today: public holiday ({holiday})").format(holiday=escape(status.holiday_today)))
    opening = status.next_opening
    if opening is None:
        lines.append(_("🔴 Closed now"))
    else:
        at = clock_time(opening.time(), locale)
        days_ahead = (opening.date() - now.date()).days
        if days_ahead == 0:
            lines.append(_("🔴 Closed now, opens today at {time}").format(time=at))
        elif days_ahead == 1:
            lines.append(_("🔴 Closed now, opens tomorrow at {time}").format(time=at))
        else:
            lines.append(_("🔴 Closed now, opens on {day} at {time}").format(day=weekday(opening.date(), locale),
                                                                              time=at))
    return "\n".join(lines)


def hours_section(service: Service, now: datetime, day: date | None, locale: str) -> str:
    if service.hours is None:
        return _("🕒 Opening hours are not listed here. Please call before you go.")
    lines = [status_line(status_at(service.hours, now), now, locale)]
    asked = day or now.date()
    on_day = hours_on(service.hours, asked)
    label = _("Today") if asked == now.date() else weekday(asked, locale)
    if on_day.intervals:
        lines.append(f"🕒 {label}: {intervals_text(on_day.intervals, locale)}")
    else:
        lines.append(_("🕒 {day}: closed").format(day=label))
    return "\n".join(lines)


def facts_line(service: Service, locale: str) -> str:
    facts = service.facts
    parts = []
    if facts.free is not None:
        parts.append(_("Free") if facts.free else _("Costs money"))
    if facts.registration is not None:
        parts.append(_("Book or register first") if facts.registration else _("No need to book"))
    if facts.interpreter:
        parts.append(_("Interpreter available"))
    if facts.accessible:
        parts.append(_("Wheelchair accessible"))
    lines = [f"ℹ️ {' · '.join(parts)}"] if parts else []
    if facts.bring:
        lines.append(_("🎒 Bring: {what}").format(what=escape(text_in(facts.bring, locale))))
    return "\n".join(lines)


def unverified_note() -> str:
    return _("⚠️ This information may be out of date. Please check with the contact centre before you go: "
             "{phone}.").format(phone=CONTACT_CENTRE)


def service_card(service: Service, now: datetime, locale: str, tz: ZoneInfo, day: date | None = None) -> str:
    """`now` in any zone; hours are read on the wall clock of `tz`."""
    local = now.astimezone(tz)
    sections = [f"<b>{escape(text_in(service.name, locale))}</b>",
                escape(text_in(service.description, locale))]
    contact = []
    if service.address:
        contact.append(f"📍 {escape(service.address)}")
    if service.phone:
        contact.append(f"📞 {escape(service.phone)}")
    if service.email:
        contact.append(f"✉️ {escape(service.email)}")
    if contact:
        sections.append("\n".join(contact))
    sections.append(hours_section(service, local, day, locale))
    facts = facts_line(service, locale)
    if facts:
        sections.append(facts)
    if not service.verified:
        sections.append(unverified_note())
    return "\n\n".join(sections)


def faq_answer(entry: FaqEntry, locale: str) -> str:
    text = escape(text_in(entry.answer, locale))
    return text if entry.verified else f"{text}\n\n{unverified_note()}"
