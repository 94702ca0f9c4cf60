"""/results for theme-group members (and admins): their polls, the results card, chart, CSV, a poster link with a
QR code, and "you said, we did". The router's InThemeGroup filter re-checks membership on every message and
press; a poll of another group answers like a stale button. Nothing here can list who answered what: the card,
chart and CSV are aggregates with small cells hidden (bot.poll_results).
"""

import asyncio
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import poll_results, polls
from bot.announcements import format_moment
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import is_rtl
from bot.languages import LANGUAGES
from bot.library import ContentStore
from bot.poll_chart import chart_png
from bot.poll_delivery import send_followup
from bot.poll_links import deep_link, normalise_source, qr_png
from bot.roles import ALL_GROUPS
from db.models import Poll, User
from handlers.common import reply
from handlers.guards import InThemeGroup
from handlers.menu import back_to_menu_markup, stale_button

LIST_LIMIT = 15


class ResultsCallback(CallbackData, prefix="rs"):
    action: str  # list, card, chart, csv, link, notag, said, lang, send, cancel
    poll: int = 0
    language: str = ""


class PosterLink(StatesGroup):
    tag = State()


class Followup(StatesGroup):
    text = State()
    review = State()


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


async def _poll_of(session: AsyncSession, poll_id: int, groups: frozenset[str]) -> Poll | None:
    poll = await polls.get(session, poll_id)
    if poll is None or (ALL_GROUPS not in groups and poll.theme_group not in groups):
        return None
    return poll


# --- the list and the card -------------------------------------------------------------------------------------


async def list_view(session: AsyncSession, groups: frozenset[str], user: User, clock: Clock,
                    settings: Settings) -> tuple[str, InlineKeyboardMarkup]:
    query = select(Poll).where(Poll.cancelled.is_(False)).order_by(Poll.closes_at.desc(), Poll.id.desc())
    if ALL_GROUPS not in groups:
        query = query.where(Poll.theme_group.in_(sorted(groups)))
    found = list(await session.scalars(query.limit(LIST_LIMIT)))
    if not found:
        return _("Your theme group has no polls yet. Staff create them with /poll."), back_to_menu_markup()
    now = clock.now()
    rows = []
    for poll in found:
        mark = "🟢 " if polls.is_open(poll, now) else ("🔒 " if polls.is_closed(poll, now) else "⏳ ")
        question = polls.question_in(poll, user.language)
        rows.append([_button(mark + (question if len(question) <= 50 else question[:49] + "…"),
                             ResultsCallback(action="card", poll=poll.id))])
    text = _("Polls of your theme group. 🟢 open · ⏳ not open yet · 🔒 closed")
    return text, InlineKeyboardMarkup(inline_keyboard=[*rows, *back_to_menu_markup().inline_keyboard])


async def show_list(message: Message, session: AsyncSession, groups: frozenset[str], user: User, clock: Clock,
                    settings: Settings, state: FSMContext) -> None:
    await state.clear()
    text, markup = await list_view(session, groups, user, clock, settings)
    await message.answer(text, reply_markup=markup)


def card_markup(poll: Poll, visible: bool, closed: bool) -> InlineKeyboardMarkup:
    rows = []
    if visible:
        rows.append([_button(_("📈 Chart"), ResultsCallback(action="chart", poll=poll.id)),
                     _button(_("📄 CSV for Excel"), ResultsCallback(action="csv", poll=poll.id))])
    if not closed:
        rows.append([_button(_("🔗 Poster link and QR code"), ResultsCallback(action="link", poll=poll.id))])
    if closed and poll.followup_sent_at is None:
        rows.append([_button(_("🗣 You said, we did"), ResultsCallback(action="said", poll=poll.id))])
    rows.append([_button(_("⬅️ Polls"), ResultsCallback(action="list"))])
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *back_to_menu_markup().inline_keyboard])


async def pressed(callback: CallbackQuery, callback_data: ResultsCallback, session: AsyncSession,
                  groups: frozenset[str], user: User, clock: Clock, settings: Settings, content: ContentStore,
                  state: FSMContext, callback_answer: CallbackAnswer, bot: Bot, i18n: I18n,
                  poll_key: bytes) -> None:
    if callback_data.action == "list":
        await state.clear()
        text, markup = await list_view(session, groups, user, clock, settings)
        await reply(callback, text, markup)
        return
    poll = await _poll_of(session, callback_data.poll, groups)
    if poll is None:
        await stale_button(callback, callback_answer)
        return
    now = clock.now()
    visible, closed = polls.results_visible(poll, now), polls.is_closed(poll, now)
    action = callback_data.action
    if action == "card":
        if not visible:
            text = _("🔒 The results of “{question}” are shown when the poll closes, {moment}. Until then nobody "
                     "can see them, so that early answers cannot sway later ones.").format(
                question=escape(polls.question_in(poll, user.language)),
                moment=format_moment(poll.closes_at, user.language, settings.tz))
        else:
            results = await poll_results.compute(session, poll, content.current.content)
            text = poll_results.card_text(results, poll, content.current.content, user.language, settings.tz, now)
        await reply(callback, text, card_markup(poll, visible, closed))
    elif action in ("chart", "csv"):
        if not visible:
            await stale_button(callback, callback_answer)
            return
        results = await poll_results.compute(session, poll, content.current.content)
        if action == "chart":
            # Drawing takes a CPU-bound tenth of a second or so: off the event loop, so others are not held up.
            png = await asyncio.to_thread(
                chart_png, polls.question_in(poll, user.language),
                poll_results.chart_bars(results, poll, user.language), rtl=is_rtl(user.language),
                note=poll_results.chart_note(results, user.language))
            await bot.send_photo(user.id, BufferedInputFile(png, filename=f"poll-{poll.id}.png"))
        else:
            data = poll_results.csv_bytes(results, poll, content.current.content, user.language)
            await bot.send_document(user.id, BufferedInputFile(data, filename=f"poll-{poll.id}-results.csv"),
                                    caption=_("Opens in Excel. Cells under 5 are shown as “{small}”.").format(
                                        small=escape(poll_results.SMALL)))
    elif action == "link":
        await state.set_state(PosterLink.tag)
        await state.update_data(poll=poll.id)
        await reply(callback, _("Where will the poster hang? Write a short name, for example “Backa library”. "
                                "The results then show how many answered through that poster."),
                    InlineKeyboardMarkup(inline_keyboard=[
                        [_button(_("No place name"), ResultsCallback(action="notag", poll=poll.id))]]))
    elif action == "notag":
        await state.clear()
        await send_poster(bot, user.id, poll, "")
    elif action == "said":
        if not closed or poll.followup_sent_at is not None:
            await stale_button(callback, callback_answer)
            return
        await state.set_state(Followup.text)
        await state.update_data(poll=poll.id, texts={})
        await reply(callback, _("🗣 Tell everyone who answered what you did with their answers. Write the message "
                                "in Swedish first; you can add other languages next."),
                    InlineKeyboardMarkup(inline_keyboard=[[_button(_("✖️ Cancel"),
                                                                   ResultsCallback(action="cancel", poll=poll.id))]]))
    elif action == "lang":
        if callback_data.language not in LANGUAGES:
            await stale_button(callback, callback_answer)
            return
        await state.set_state(Followup.text)
        await state.update_data(language=callback_data.language)
        await reply(callback, _("Send the {language} version.").format(language=LANGUAGES[callback_data.language]))
    elif action == "send":
        data = await state.get_data()
        if data.get("poll") != poll.id or not data.get("texts", {}).get("sv"):
            await stale_button(callback, callback_answer)
            return
        await state.clear()
        count = await send_followup(session, poll, data["texts"], poll_key, user.id, now, settings.tz, i18n)
        if count is None:
            callback_answer.text = _("This message has already been sent.")
            return
        await reply(callback, _("📨 Sending to {count} residents who answered.").format(count=count),
                    back_to_menu_markup())
    elif action == "cancel":
        await state.clear()
        await reply(callback, _("Cancelled. Nothing was sent."), back_to_menu_markup())
    else:
        await stale_button(callback, callback_answer)


# --- a poster link -----------------------------------------------------------------------------------------------


async def send_poster(bot: Bot, chat_id: int, poll: Poll, tag: str) -> None:
    """The poll's deep link and its QR code, for a poster (with a place tag, or none)."""
    me = await bot.me()
    link = deep_link(me.username or "", poll.id, tag)
    caption = _("Print this QR code on the poster. The link: {link}").format(link=escape(link))
    if tag:
        caption += "\n" + _("Place tag: {tag}").format(tag=escape(tag))
    await bot.send_photo(chat_id, BufferedInputFile(qr_png(link), filename=f"poll-{poll.id}-qr.png"),
                         caption=caption, reply_markup=back_to_menu_markup())


async def tag_written(message: Message, session: AsyncSession, groups: frozenset[str], state: FSMContext,
                      bot: Bot, user: User) -> None:
    poll = await _poll_of(session, (await state.get_data()).get("poll", 0), groups)
    await state.clear()
    if poll is None:
        await message.answer(_("That poll is no longer available."), reply_markup=back_to_menu_markup())
        return
    tag = normalise_source(message.text or "")
    if not tag:
        await message.answer(_("Please write the place name with Latin letters (like a–z, å, ä, ö) or digits, "
                               "for example “Backa bibliotek”."))
        await state.set_state(PosterLink.tag)
        await state.update_data(poll=poll.id)
        return
    await send_poster(bot, user.id, poll, tag)


# --- "you said, we did" ------------------------------------------------------------------------------------------


def review_markup(poll_id: int, texts: dict[str, str]) -> InlineKeyboardMarkup:
    languages = [_button(("✅ " if code in texts else "➕ ") + name,
                         ResultsCallback(action="lang", poll=poll_id, language=code))
                 for code, name in LANGUAGES.items() if code != "sv"]
    rows = [languages[index:index + 2] for index in range(0, len(languages), 2)]
    rows.append([_button(_("📨 Send"), ResultsCallback(action="send", poll=poll_id)),
                 _button(_("✖️ Cancel"), ResultsCallback(action="cancel", poll=poll_id))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def followup_written(message: Message, session: AsyncSession, groups: frozenset[str], state: FSMContext,
                           user: User) -> None:
    data = await state.get_data()
    poll = await _poll_of(session, data.get("poll", 0), groups)
    if poll is None:
        await state.clear()
        await message.answer(_("That poll is no longer available."), reply_markup=back_to_menu_markup())
        return
    if not message.text:
        await message.answer(_("Please write the message as text."))
        return
    text = message.html_text
    if len(message.text) > 3000:
        await message.answer(_("That is {length} characters; please keep it under {limit}.").format(
            length=len(message.text), limit=3000))
        return
    texts = dict(data.get("texts") or {})
    texts[data.get("language") or "sv"] = text
    await state.update_data(texts=texts, language=None)
    await state.set_state(Followup.review)
    missing = [name for code, name in LANGUAGES.items() if code not in texts]
    note = _("Residents whose language is missing get the Swedish text with a short note.") if missing else ""
    await message.answer(_("Saved. Add another language, or send.") + ("\n" + note if note else ""),
                         reply_markup=review_markup(poll.id, texts))


def create_router() -> Router:
    router = Router(name="poll_results")
    router.message.filter(F.chat.type == "private", InThemeGroup())
    router.callback_query.filter(InThemeGroup())
    router.message.register(show_list, Command("results"))
    router.message.register(tag_written, StateFilter(PosterLink.tag), F.text & ~F.text.startswith("/"))
    router.message.register(followup_written, StateFilter(Followup.text), ~F.text.startswith("/"))
    router.callback_query.register(pressed, ResultsCallback.filter())
    return router
