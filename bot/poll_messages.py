"""How a poll looks to a resident: its text and its buttons, the same in an invitation, /polls and a poster link.

It lives among the services, not beside the handlers, because the scheduler builds invitations with these buttons
and no handler involved (like announcements.OriginalCallback). Buttons carry the poll, the option and the source
tag, never the person.
"""

from html import escape
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import polls
from bot.announcements import format_moment
from bot.content import Content, text_in
from bot.delivery import Variant
from bot.i18n import in_every_language
from db.models import Poll

VOTE, TOGGLE, SEND, SKIP = "v", "t", "s", "k"


class PollCallback(CallbackData, prefix="pv"):
    """A poll button. `mask` is the ticked options of a multiple choice still being made (0 otherwise)."""

    poll: int
    op: str
    option: int = 0
    mask: int = 0
    src: str = ""


# --- what a resident sees --------------------------------------------------------------------------------------


def poll_text(poll: Poll, content: Content, locale: str, tz: ZoneInfo, answered: int | None) -> str:
    group = content.theme_group(poll.theme_group)
    lines = [f"🗳 <b>{escape(polls.question_in(poll, locale))}</b>"]
    if group is not None:
        lines.append(f"<i>{escape(text_in(group.name, locale))}</i>")
    lines.append("")
    if poll.kind == polls.MULTIPLE:
        lines.append(_("Choose one or more answers, then tap “Send”."))
    lines.append(_("Open until {moment}.").format(moment=format_moment(poll.closes_at, locale, tz)))
    lines.append(_("🔒 Anonymous: your answer is stored under a code, never with your name or number."))
    if answered:
        lines.append(_("✅ You have answered. You can change your answer until the poll closes."))
    return "\n".join(lines)


def poll_markup(poll: Poll, locale: str, source: str, answered: int | None, ticking: int = 0) -> InlineKeyboardMarkup:
    """One button per option; the resident's answer (or a multiple choice being ticked) is marked."""
    builder = InlineKeyboardBuilder()
    labels = polls.option_labels(poll, locale)
    marked = ticking if poll.kind == polls.MULTIPLE and ticking else (answered or 0)
    for index, label in enumerate(labels):
        mark = "✅ " if marked >> index & 1 else ""
        if poll.kind == polls.MULTIPLE:
            data = PollCallback(poll=poll.id, op=TOGGLE, option=index, mask=marked, src=source)
        else:
            data = PollCallback(poll=poll.id, op=VOTE, option=index, src=source)
        builder.button(text=mark + label, callback_data=data)
    if poll.kind == polls.RATING:
        builder.adjust(5)
    elif poll.kind == polls.YESNO:
        builder.adjust(2)
    else:
        builder.adjust(1)
    if poll.kind == polls.MULTIPLE:
        builder.row(*InlineKeyboardBuilder().button(
            text=_("📨 Send"), callback_data=PollCallback(poll=poll.id, op=SEND, mask=marked, src=source)).buttons)
    return builder.as_markup()


def closed_text(poll: Poll, locale: str) -> str:
    text = _("This poll is closed: thank you for your interest.")
    if poll.public_results:
        text += "\n" + _("Everyone who answered gets the results in a message.")
    return text


def buttons_json(markup: InlineKeyboardMarkup) -> list[list[dict]]:
    """Inline-keyboard rows as Bot API JSON, for an outbox variant."""
    return [[button.model_dump(exclude_none=True) for button in row] for row in markup.inline_keyboard]


def invitation_variants(poll: Poll, content: Content, tz: ZoneInfo, i18n: I18n,
                        reminder: bool = False) -> dict[str, Variant]:
    """The invitation (or the one reminder) in every language, answerable right from the message."""
    def render(code: str) -> Variant:
        heading = _("⏰ Reminder: there is still time to answer this poll.") if reminder else \
            _("📣 A new poll from the district: tell us what you think!")
        text = heading + "\n\n" + poll_text(poll, content, code, tz, None)
        return Variant(text, buttons=buttons_json(poll_markup(poll, code, polls.FROM_INVITATION, None)))
    return in_every_language(i18n, render)
