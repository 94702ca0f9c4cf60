"""Residents and polls: /polls, a poster's deep link, answering with buttons, changing the answer, a comment.

The poll message is the same wherever it comes from (an invitation, /polls, a poster's link): the question and
one button per option. A single choice, a rating or yes/no is saved at the tap; a multiple choice is ticked
first and saved with "Send". Buttons carry the poll, the option and the source tag, never the person.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from html import escape

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import polls
from bot.announcements import format_moment
from bot.clock import Clock
from bot.config import Settings
from bot.library import ContentStore
from bot.poll_messages import SEND, SKIP, TOGGLE, VOTE, PollCallback, closed_text, poll_markup, poll_text
from db.models import Poll, User
from handlers.common import reply
from handlers.guards import Onboarded
from handlers.menu import MenuCallback, back_to_menu_markup


class PollOpen(CallbackData, prefix="pl"):
    """A poll in the /polls list."""

    poll: int


class CommentStep(StatesGroup):
    writing = State()


# A message this long after the question is something else (a question to the bot, say), not the comment.
COMMENT_WINDOW = timedelta(minutes=30)


async def show_poll(target: Message | CallbackQuery, poll: Poll, user: User, session: AsyncSession,
                    settings: Settings, content: ContentStore, clock: Clock, key: bytes, source: str) -> None:
    """Send the poll (or say it is closed or not open yet) as a new message."""
    now = clock.now()
    if polls.is_closed(poll, now):
        text, markup = closed_text(poll, user.language), back_to_menu_markup()
    elif not polls.is_open(poll, now):
        text = _("This poll opens {moment}. Come back then!").format(
            moment=format_moment(poll.opens_at, user.language, settings.tz))
        markup = back_to_menu_markup()
    else:
        answered = (await polls.answered(session, key, user.id, [poll.id])).get(poll.id)
        text = poll_text(poll, content.current.content, user.language, settings.tz, answered)
        markup = poll_markup(poll, user.language, source, answered)
    if isinstance(target, CallbackQuery):
        await reply(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


# --- /polls -----------------------------------------------------------------------------------------------------


async def list_text_and_markup(session: AsyncSession, user: User, clock: Clock,
                               key: bytes) -> tuple[str, InlineKeyboardMarkup]:
    found = await polls.open_for(session, user, clock.now())
    if not found:
        return (_("There are no open polls for you right now. When there is one, I will send it to you."),
                back_to_menu_markup())
    done = await polls.answered(session, key, user.id, [poll.id for poll in found])
    builder = InlineKeyboardBuilder()
    for poll in found:
        mark = "✅ " if poll.id in done else "🗳 "
        question = polls.question_in(poll, user.language)
        builder.button(text=mark + (question if len(question) <= 60 else question[:59] + "…"),
                       callback_data=PollOpen(poll=poll.id))
    builder.button(text=_("⬅️ Menu"), callback_data=MenuCallback(action="menu"))
    builder.adjust(1)
    return _("Open polls: your answers help the district decide. ✅ = answered (you can still change it)."), \
        builder.as_markup()


async def list_polls(message: Message, session: AsyncSession, user: User, clock: Clock, poll_key: bytes) -> None:
    text, markup = await list_text_and_markup(session, user, clock, poll_key)
    await message.answer(text, reply_markup=markup)


async def list_from_menu(callback: CallbackQuery, session: AsyncSession, user: User, clock: Clock,
                         poll_key: bytes) -> None:
    text, markup = await list_text_and_markup(session, user, clock, poll_key)
    await reply(callback, text, markup)


async def open_from_list(callback: CallbackQuery, callback_data: PollOpen, session: AsyncSession, user: User,
                         settings: Settings, content: ContentStore, clock: Clock, poll_key: bytes,
                         callback_answer: CallbackAnswer) -> None:
    poll = await polls.get(session, callback_data.poll)
    if poll is None:
        callback_answer.text = _("This poll no longer exists.")
        return
    await show_poll(callback, poll, user, session, settings, content, clock, poll_key, polls.FROM_LIST)


# --- answering -------------------------------------------------------------------------------------------------


async def pressed(callback: CallbackQuery, callback_data: PollCallback, session: AsyncSession, user: User,
                  settings: Settings, content: ContentStore, clock: Clock, poll_key: bytes, state: FSMContext,
                  callback_answer: CallbackAnswer, release_database: Callable[[], Awaitable[None]]) -> None:
    poll = await polls.get(session, callback_data.poll)
    count = polls.option_count(poll) if poll else 0
    if poll is None or not 0 <= callback_data.option < count or not 0 <= callback_data.mask < 1 << count:
        callback_answer.text = _("This poll no longer exists.")
        return
    now = clock.now()
    if polls.is_closed(poll, now):
        callback_answer.text = _("This poll is closed.")
        await _show_buttons(callback, None)
        await reply(callback, closed_text(poll, user.language), back_to_menu_markup())
        return
    if callback_data.op == TOGGLE:
        ticking = callback_data.mask ^ (1 << callback_data.option)
        await _show_buttons(callback, poll_markup(poll, user.language, callback_data.src, None, ticking))
        return
    if callback_data.op == SEND:
        if not callback_data.mask:
            callback_answer.text = _("Tick at least one answer first.")
            return
        choices = callback_data.mask
    else:
        choices = 1 << callback_data.option
    outcome = await polls.vote(session, poll, poll_key, user, choices, callback_data.src or polls.FROM_LINK, now)
    if outcome == polls.NOT_OPEN:
        callback_answer.text = _("This poll is not open yet.")
        return
    # The answer is committed before anything talks to Telegram: a failed edit or message cannot undo it, the
    # toast confirms a saved answer, and (on SQLite) the next vote need not wait for this one's round trips.
    await release_database()
    callback_answer.disable()
    toast = {polls.SAME: _("Your answer is already saved."), polls.CHANGED: _("Your answer is changed.")}
    await callback.answer(toast.get(outcome, _("Thank you!")))
    if outcome == polls.SAME:
        return  # a double tap: the first tap has marked the buttons already (editing again would be refused)
    await _show_buttons(callback, poll_markup(poll, user.language, callback_data.src, choices))
    if outcome == polls.CHANGED:
        await reply(callback, _("✏️ Your answer is changed. Thank you!"), back_to_menu_markup())
        return
    thanks = _("🙏 Thank you for answering! Your answer is anonymous. You can change it until {moment}.").format(
        moment=format_moment(poll.closes_at, user.language, settings.tz))
    if poll.public_results:
        thanks += "\n" + _("When the poll closes, I will send you the results.")
    if poll.comment_step:
        await state.set_state(CommentStep.writing)
        await state.update_data(comment_poll=poll.id, comment_asked=now.isoformat())
        ask = _("💬 Do you want to add a comment? Write it in one message. Do not write your name: phone numbers "
                "and e-mail addresses are removed, and the comment is stored without any link to you.")
        skip = InlineKeyboardBuilder().button(text=_("Skip"), callback_data=PollCallback(poll=poll.id, op=SKIP))
        await reply(callback, thanks + "\n\n" + ask, skip.as_markup())
        return
    await reply(callback, thanks, back_to_menu_markup())


async def _show_buttons(callback: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Mark the choice on the pressed message (a double tap finds it already marked: nothing to do)."""
    if not isinstance(callback.message, Message):
        return
    shown = callback.message.reply_markup
    if (shown and shown.model_dump(exclude_none=True)) == (markup and markup.model_dump(exclude_none=True)):
        return
    try:
        await callback.message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest:  # unchanged, or too old to edit: the answer is saved either way
        pass


async def comment_written(message: Message, session: AsyncSession, user: User, clock: Clock,
                          state: FSMContext) -> None:
    data = await state.get_data()
    await state.clear()
    asked = data.get("comment_asked")
    if asked and clock.now() - datetime.fromisoformat(asked) > COMMENT_WINDOW:
        raise SkipHandler  # the comment step has lapsed: this message is handled like any other
    poll_id = data.get("comment_poll")
    poll = await polls.get(session, poll_id) if poll_id else None
    if poll is None or not message.text:
        await message.answer(_("I could not save that as a comment. Your answer is saved."),
                             reply_markup=back_to_menu_markup())
        return
    stored = await polls.add_comment(session, poll, user.language, message.text, clock.now())
    if stored is None:
        await message.answer(_("This poll is closed."), reply_markup=back_to_menu_markup())
        return
    await message.answer(_("💬 Thank you, your comment is saved:") + "\n<i>" + escape(stored) + "</i>",
                         reply_markup=back_to_menu_markup())


async def comment_abandoned(message: Message, state: FSMContext) -> None:
    """A command instead of a comment ends the comment step; the command is then handled as usual."""
    await state.clear()
    raise SkipHandler


async def comment_left(callback: CallbackQuery, state: FSMContext, callback_answer: CallbackAnswer) -> None:
    """Another button instead of a comment ends the comment step too. The button's own handler answers it
    (answering here as well would be a second answer, which Telegram refuses)."""
    callback_answer.disable()
    await state.clear()
    raise SkipHandler


async def comment_not_text(message: Message) -> None:
    await message.answer(_("Please write your comment as text, or tap “Skip”."))


async def comment_skipped(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await _show_buttons(callback, None)
    await reply(callback, _("OK, no comment. Thank you!"), back_to_menu_markup())


def create_router() -> Router:
    router = Router(name="polls")
    router.message.filter(F.chat.type == "private")
    # Polls are for residents who have chosen a language under the privacy notice; for anyone else /polls runs
    # /start's flow (handlers/start.py) and a poll button stores nothing.
    router.message.register(list_polls, Command("polls"), Onboarded())
    router.message.register(comment_written, StateFilter(CommentStep.writing), F.text & ~F.text.startswith("/"))
    router.message.register(comment_abandoned, StateFilter(CommentStep.writing), F.text.startswith("/"))
    router.callback_query.register(comment_left, StateFilter(CommentStep.writing),
                                   ~PollCallback.filter(F.op == SKIP))
    router.message.register(comment_not_text, StateFilter(CommentStep.writing), ~F.text)
    router.callback_query.register(list_from_menu, MenuCallback.filter(F.action == "polls"))
    router.callback_query.register(open_from_list, PollOpen.filter(), Onboarded())
    router.callback_query.register(comment_skipped, PollCallback.filter(F.op == SKIP))
    router.callback_query.register(pressed, PollCallback.filter(F.op.in_({VOTE, TOGGLE, SEND})), Onboarded())
    return router
