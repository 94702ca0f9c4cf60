"""/announce for staff: a step-by-step wizard (text, translations, photo, audience, urgency, time, preview).

Each step is a new message; the buttons of the previous step are taken off, so only the current step can be
pressed, and every callback is also bound to its step's FSM state (an old or forged button falls through to the
"no longer works" answer). The audience step edits its one message while choices are toggled.
"""

from datetime import timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import announcements
from bot.announcements import SOURCE, Draft
from bot.audience import Audience
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import DeliveryEngine
from bot.i18n import ngettext
from bot.languages import LANGUAGES
from bot.library import ContentStore
from db.models import User
from handlers import wizard
from handlers.common import reply
from handlers.guards import IsStaff
from handlers.menu import back_to_menu_markup, stale_button
from handlers.wizard import (
    AUDIENCE_ACTIONS,
    audience_after,
    audience_view,
    dimension_view,
    edit_screen,
    markup,
    people,
    rows_of,
    show,
)


class AnnounceCallback(CallbackData, prefix="ann"):
    action: str
    value: str = ""
    dim: str = ""  # the audience dimension of a toggle: a(reas), l(anguages), c(ategories)


class Step(StatesGroup):
    swedish = State()
    languages = State()
    translation = State()
    photo = State()
    audience = State()
    urgency = State()
    timing = State()
    time = State()
    confirm = State()


TIME_FORMAT = "%Y-%m-%d %H:%M"


# --- keyboards ----------------------------------------------------------------------------------------------


def button(text: str, action: str, value: str = "", dim: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=AnnounceCallback(action=action, value=value, dim=dim).pack())


def nav_row(back: bool = True) -> list[InlineKeyboardButton]:
    return wizard.nav_row(button, back)


# --- draft and screens --------------------------------------------------------------------------------------


async def load(state: FSMContext) -> Draft:
    return Draft.from_dict((await state.get_data()).get("draft"))


async def save(state: FSMContext, draft: Draft) -> None:
    await state.update_data(draft=draft.to_dict())


class Screens:
    """Everything a screen needs, gathered once per update from the handler's data."""

    def __init__(self, bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession, content: ContentStore,
                 settings: Settings, i18n: I18n, clock: Clock) -> None:
        self.bot, self.chat_id, self.state, self.session = bot, chat_id, state, session
        self.content, self.settings, self.i18n, self.clock = content, settings, i18n, clock

    async def enter(self, step: State) -> None:
        await self.state.set_state(step)
        draft = await load(self.state)
        render = {
            Step.swedish: self.swedish, Step.languages: self.languages, Step.photo: self.photo,
            Step.audience: self.audience, Step.urgency: self.urgency, Step.timing: self.timing,
            Step.time: self.time, Step.confirm: self.confirm,
        }[step]
        await render(draft)

    async def show(self, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        await show(self.bot, self.chat_id, self.state, text, keyboard)

    async def swedish(self, draft: Draft) -> None:
        text = "\n\n".join((
            _("<b>📣 New announcement</b>"),
            _("Step 1 of 7: send the text in Swedish. Bold, italics and links are kept. To add a picture, send it "
              "as a photo with the Swedish text as its caption."),
        ))
        forward = [button(_("Next ➡️"), "next")] if SOURCE in draft.texts else []
        await self.show(text, markup([button(_("🗓 Scheduled announcements"), "list")], forward, nav_row(back=False)))

    async def languages(self, draft: Draft) -> None:
        text = _("Step 2 of 7: versions in other languages (optional). Tap a language to add its version; tap it "
                 "again to replace it. Residents whose language has no version get the Swedish text with a "
                 "short note in their own language.")
        choices = [button(("✓ " if code in draft.texts else "+ ") + name, "add", code)
                   for code, name in LANGUAGES.items() if code != SOURCE]
        await self.show(text, markup(*rows_of(choices, 2), [button(_("Next ➡️"), "next")], nav_row()))

    async def translation(self, code: str) -> None:
        await self.state.set_state(Step.translation)
        await self.state.update_data(editing=code)
        await self.show(_("Send the text in {language}.").format(language=LANGUAGES[code]), markup(nav_row()))

    async def photo(self, draft: Draft) -> None:
        if draft.photo:
            text = _("Step 3 of 7: the announcement has a photo. Send another photo to replace it, keep it, or "
                     "send the announcement without a photo.")
            choices = [button(_("Keep the photo ➡️"), "next"), button(_("🗑 Without photo"), "nophoto")]
        else:
            text = _("Step 3 of 7: send a photo to go with the announcement, or skip this step.")
            choices = [button(_("Skip ➡️"), "nophoto")]
        await self.show(text, markup(choices, nav_row()))

    async def audience_view(self, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
        return await audience_view(self.session, self.content.current.content, self.i18n.current_locale,
                                   draft.audience, _("Step 4 of 7: who should get it?"), button)

    async def dimension_view(self, draft: Draft, key: str) -> tuple[str, InlineKeyboardMarkup]:
        return await dimension_view(self.session, self.content.current.content, self.i18n.current_locale,
                                    draft.audience, key, button)

    async def audience(self, draft: Draft) -> None:
        await self.show(*await self.audience_view(draft))

    async def urgency(self, draft: Draft) -> None:
        text = "\n\n".join((
            _("Step 5 of 7: how urgent is it?"),
            _("🔔 Normal: each resident gets it when their quiet hours are over (usually 21:00–08:00)."),
            _("⚡ Urgent: everyone gets it at once, even at night. Only for something that cannot wait."),
        ))
        await self.show(text, markup([button(_("🔔 Normal"), "urg", "0"), button(_("⚡ Urgent"), "urg", "1")],
                                     nav_row()))

    async def timing(self, draft: Draft) -> None:
        await self.show(_("Step 6 of 7: when should it go out?"),
                        markup([button(_("📤 Now"), "now"), button(_("🗓 At a set time"), "later")], nav_row()))

    def example_time(self) -> str:
        tomorrow = (self.clock.now() + timedelta(days=1)).astimezone(self.settings.tz)
        return tomorrow.replace(hour=18, minute=0).strftime(TIME_FORMAT)

    async def time(self, draft: Draft, problem: str | None = None) -> None:
        ask = _("Type the date and time (time in {zone}) like this: {example}").format(
            zone=escape(self.settings.timezone), example=self.example_time())
        await self.show(f"{problem}\n\n{ask}" if problem else ask, markup(nav_row()))

    async def confirm(self, draft: Draft) -> None:
        """Step 7: each language group's exact message, then the summary with the button that sends it."""
        groups = await announcements.preview(self.session, draft, self.i18n)
        for group in groups:
            await self.bot.send_message(self.chat_id, ngettext(
                "Preview — {language} ({count} person):", "Preview — {language} ({count} people):",
                group.people).format(language=LANGUAGES[group.language], count=group.people))
            variant = group.variant
            keyboard = InlineKeyboardMarkup(inline_keyboard=variant.buttons) if variant.buttons else None
            if variant.photo:
                await self.bot.send_photo(self.chat_id, variant.photo, caption=variant.text, reply_markup=keyboard)
            else:
                await self.bot.send_message(self.chat_id, variant.text, reply_markup=keyboard)
        total = sum(group.people for group in groups)
        locale = self.i18n.current_locale
        when = (_("Send: at {time}. The audience is counted again then.").format(
            time=announcements.format_moment(draft.send_at, locale, self.settings.tz)) if draft.send_at
            else _("Send: now."))
        lines = [
            _("Step 7 of 7: check the previews above."),
            _("Audience: {audience}").format(audience=escape(draft.audience.describe(self.content.current.content,
                                                                                     locale))),
            people(total),
            _("⚡ Urgent: arrives at once, even at night.") if draft.urgent
            else _("🔔 Normal: waits for each resident's quiet hours to end."),
            when,
        ]
        if draft.send_at:
            go = [button(_("✅ Schedule"), "send")]
        elif total:
            go = [button(_("✅ Send now"), "send")]
        else:
            go = []
            lines.append(_("Nobody is in this audience now, so there is nothing to send. Go back and choose "
                           "another audience."))
        await self.show("\n\n".join(lines), markup(go, nav_row()))


def screens(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, content: ContentStore,
            settings: Settings, i18n: I18n, clock: Clock) -> Screens:
    return Screens(event.bot, event.from_user.id, state, session, content, settings, i18n, clock)


# Where Back leads from each step.
BACK = {
    Step.languages: Step.swedish, Step.translation: Step.languages, Step.photo: Step.languages,
    Step.audience: Step.photo, Step.urgency: Step.audience, Step.timing: Step.urgency, Step.time: Step.timing,
    Step.confirm: Step.timing,
}
NEXT = {Step.swedish: Step.languages, Step.languages: Step.photo, Step.photo: Step.audience,
        Step.audience: Step.urgency}


def step_of(name: str | None) -> State | None:
    return next((step for step in Step.__states__ if step.state == name), None)


# --- messages -------------------------------------------------------------------------------------------------


async def start(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                settings: Settings, i18n: I18n, clock: Clock) -> None:
    screen = (await state.get_data()).get("screen") if await state.get_state() in Step.__all_states_names__ else None
    await state.set_data({"screen": screen})  # a new draft; an unfinished one is dropped
    await screens(message, state, session, content, settings, i18n, clock).enter(Step.swedish)


def too_long(length: int, limit: int, language: str, has_photo: bool) -> str:
    lines = [_("This is too long: {length} characters, and at most {limit} fit here.").format(
        length=length, limit=limit)]
    if has_photo:
        lines.append(_("With a photo the text is a caption, and Telegram allows 1024 characters in a caption."))
    else:
        lines.append(_("Telegram allows 4096 characters in a message."))
    if language == SOURCE:
        lines.append(_("Residents whose language has no version also see a one-line note above the Swedish text, "
                       "so the Swedish text must leave room for it."))
    lines.append(_("Please shorten it and send it again."))
    return "\n".join(lines)


async def swedish_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                           settings: Settings, i18n: I18n, clock: Clock) -> None:
    draft = await load(state)
    plain = message.text if message.text is not None else message.caption
    if not plain or not plain.strip():
        await message.answer(_("Please write the Swedish text as the photo's caption, or send the text alone."))
        return
    photo = message.photo[-1].file_id if message.photo else draft.photo
    limit = announcements.limit_for(SOURCE, photo is not None, i18n)
    if len(plain) > limit:
        await message.answer(too_long(len(plain), limit, SOURCE, photo is not None))
        return
    draft.texts[SOURCE], draft.lengths[SOURCE], draft.photo = message.html_text, len(plain), photo
    await save(state, draft)
    await screens(message, state, session, content, settings, i18n, clock).enter(Step.languages)


async def translation_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                               settings: Settings, i18n: I18n, clock: Clock) -> None:
    draft = await load(state)
    code = (await state.get_data()).get("editing")
    plain = message.text if message.text is not None else message.caption
    if code not in LANGUAGES or not plain or not plain.strip():
        await message.answer(_("Please send the text as a message."))
        return
    limit = announcements.limit_for(code, draft.photo is not None, i18n)
    if len(plain) > limit:
        await message.answer(too_long(len(plain), limit, code, draft.photo is not None))
        return
    draft.texts[code], draft.lengths[code] = message.html_text, len(plain)
    await save(state, draft)
    await screens(message, state, session, content, settings, i18n, clock).enter(Step.languages)


async def photo_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                         settings: Settings, i18n: I18n, clock: Clock) -> None:
    draft = await load(state)
    too_long_versions = draft.too_long_for_caption(i18n)
    if too_long_versions:
        lines = [_("With a photo the text becomes a caption, and Telegram allows only 1024 characters there.")]
        lines += [_("{language}: {length} characters, at most {limit}.").format(
            language=LANGUAGES[code], length=length, limit=limit) for code, length, limit in too_long_versions]
        lines.append(_("Send the announcement without a photo, or go back and shorten the text."))
        await message.answer("\n".join(lines))
        return
    draft.photo = message.photo[-1].file_id
    await save(state, draft)
    await screens(message, state, session, content, settings, i18n, clock).enter(Step.audience)


async def time_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                        settings: Settings, i18n: I18n, clock: Clock) -> None:
    view = screens(message, state, session, content, settings, i18n, clock)
    draft = await load(state)
    moment = announcements.parse_local_time(message.text or "", settings.tz)
    if moment is None:
        await view.time(draft, _("I could not read that as a date and time."))
        return
    if moment <= clock.now():
        await view.time(draft, _("That time has already passed. Please choose a time in the future."))
        return
    draft.send_at = moment
    await save(state, draft)
    await view.enter(Step.confirm)


async def wrong_kind(message: Message, state: FSMContext) -> None:
    prompts = {
        Step.swedish.state: _("Please send the Swedish text (or a photo with the Swedish text as its caption)."),
        Step.translation.state: _("Please send the text as a message."),
        Step.photo.state: _("Please send a photo, or use the buttons above."),
        Step.time.state: _("Please type the date and time as text."),
    }
    await message.answer(prompts.get(await state.get_state() or "", _("Please use the buttons above, or Cancel.")))


# --- buttons --------------------------------------------------------------------------------------------------


async def cancel(callback: CallbackQuery, state: FSMContext, bot: Bot) -> None:
    await show(bot, callback.from_user.id, state, _("Cancelled. Nothing was sent."), back_to_menu_markup())
    await state.clear()


async def back(callback: CallbackQuery, state: FSMContext, session: AsyncSession, content: ContentStore,
               settings: Settings, i18n: I18n, clock: Clock, callback_answer: CallbackAnswer) -> None:
    target = BACK.get(step_of(await state.get_state()))
    if target is None:
        await stale_button(callback, callback_answer)
        return
    await screens(callback, state, session, content, settings, i18n, clock).enter(target)


async def forward(callback: CallbackQuery, state: FSMContext, session: AsyncSession, content: ContentStore,
                  settings: Settings, i18n: I18n, clock: Clock, callback_answer: CallbackAnswer) -> None:
    target = NEXT.get(step_of(await state.get_state()))
    draft = await load(state)
    if target is None or SOURCE not in draft.texts:
        await stale_button(callback, callback_answer)
        return
    await screens(callback, state, session, content, settings, i18n, clock).enter(target)


async def add_language(callback: CallbackQuery, callback_data: AnnounceCallback, state: FSMContext,
                       session: AsyncSession, content: ContentStore, settings: Settings, i18n: I18n, clock: Clock,
                       callback_answer: CallbackAnswer) -> None:
    if callback_data.value not in LANGUAGES or callback_data.value == SOURCE:
        await stale_button(callback, callback_answer)
        return
    await screens(callback, state, session, content, settings, i18n, clock).translation(callback_data.value)


async def without_photo(callback: CallbackQuery, state: FSMContext, session: AsyncSession, content: ContentStore,
                        settings: Settings, i18n: I18n, clock: Clock) -> None:
    draft = await load(state)
    draft.photo = None
    await save(state, draft)
    await screens(callback, state, session, content, settings, i18n, clock).enter(Step.audience)


async def audience_pressed(callback: CallbackQuery, callback_data: AnnounceCallback, state: FSMContext,
                           session: AsyncSession, content: ContentStore, settings: Settings, i18n: I18n,
                           clock: Clock, callback_answer: CallbackAnswer) -> None:
    """Everyone / open a list / toggle a choice / done: the audience message is redrawn in place."""
    view = screens(callback, state, session, content, settings, i18n, clock)
    draft = await load(state)
    action, key = callback_data.action, callback_data.dim
    if action == "all" and draft.audience.everyone:
        callback_answer.text = _("Everyone is already chosen.")
        return
    chosen = audience_after(draft.audience, action, key, callback_data.value, content.current.content)
    if chosen is None:
        await stale_button(callback, callback_answer)
        return
    draft.audience = chosen
    await save(state, draft)
    if action in ("dim", "tog"):
        await edit_screen(callback, state, *await view.dimension_view(draft, key))
    else:
        await edit_screen(callback, state, *await view.audience_view(draft))


async def urgency_chosen(callback: CallbackQuery, callback_data: AnnounceCallback, state: FSMContext,
                         session: AsyncSession, content: ContentStore, settings: Settings, i18n: I18n,
                         clock: Clock) -> None:
    draft = await load(state)
    draft.urgent = callback_data.value == "1"
    await save(state, draft)
    await screens(callback, state, session, content, settings, i18n, clock).enter(Step.timing)


async def timing_chosen(callback: CallbackQuery, callback_data: AnnounceCallback, state: FSMContext,
                        session: AsyncSession, content: ContentStore, settings: Settings, i18n: I18n,
                        clock: Clock) -> None:
    draft = await load(state)
    draft.send_at = None
    await save(state, draft)
    view = screens(callback, state, session, content, settings, i18n, clock)
    await view.enter(Step.time if callback_data.action == "later" else Step.confirm)


async def confirmed(callback: CallbackQuery, state: FSMContext, session: AsyncSession, content: ContentStore,
                    settings: Settings, i18n: I18n, clock: Clock, user: User, delivery: DeliveryEngine) -> None:
    draft = await load(state)
    now = clock.now()
    view = screens(callback, state, session, content, settings, i18n, clock)
    if draft.send_at is not None and draft.send_at <= now:
        await state.set_state(Step.time)
        await view.time(draft, _("That time has passed in the meantime. Please choose a new one."))
        return
    announcement, count = await announcements.publish(session, draft, user.id, now, settings.tz, i18n, user.language)
    if draft.send_at is not None:
        text = _("🗓 Scheduled for {time}. It goes to whoever matches the audience then. To cancel it: /announce → "
                 "🗓 Scheduled announcements.").format(
            time=announcements.format_moment(announcement.send_at, user.language, settings.tz))
    else:
        text = ngettext("📤 Sending to {count} person. You will see the progress and a report here.",
                        "📤 Sending to {count} people. You will see the progress and a report here.",
                        count).format(count=count)
    await view.show(text, back_to_menu_markup())
    await state.clear()
    delivery.wake()  # the rows are committed when this handler returns; the engine looks again within a second


# --- scheduled announcements ------------------------------------------------------------------------------------


async def scheduled_list(callback: CallbackQuery, session: AsyncSession, content: ContentStore, settings: Settings,
                         user: User) -> None:
    waiting = await announcements.scheduled(session)
    if not waiting:
        await reply(callback, _("No announcements are scheduled."), back_to_menu_markup())
        return
    lines = [_("<b>🗓 Scheduled announcements</b>")]
    buttons = []
    for number, item in enumerate(waiting, start=1):
        # Shortened: twenty entries with every area, language and interest chosen must still fit one message.
        audience = announcements.shorten(
            Audience.from_json(item.audience).describe(content.current.content, user.language), 80)
        lines.append(f"{number}. {announcements.format_moment(item.send_at, user.language, settings.tz)} — "
                     f"“{escape(announcements.first_words(item.texts[SOURCE]))}” — {escape(audience)}")
        buttons.append(button(_("✖️ Cancel {number}").format(number=number), "drop", str(item.id)))
    keyboard = markup(*rows_of(buttons, 3), back_to_menu_markup().inline_keyboard[0])
    await reply(callback, "\n".join(lines), keyboard)


async def drop_scheduled(callback: CallbackQuery, callback_data: AnnounceCallback, session: AsyncSession,
                         settings: Settings, clock: Clock, user: User, callback_answer: CallbackAnswer) -> None:
    if not callback_data.value.isdigit():
        await stale_button(callback, callback_answer)
        return
    dropped = await announcements.cancel(session, int(callback_data.value), user.id, clock.now())
    keyboard = markup([button(_("🗓 Scheduled announcements"), "list")], back_to_menu_markup().inline_keyboard[0])
    if dropped is None:
        await reply(callback, _("That announcement was already sent or cancelled."), keyboard)
        return
    callback_answer.text = _("Cancelled.")
    await reply(callback, _("Cancelled: {time} — “{words}”. It will not be sent.").format(
        time=announcements.format_moment(dropped.send_at, user.language, settings.tz),
        words=escape(announcements.first_words(dropped.texts[SOURCE]))), keyboard)


def create_router() -> Router:
    router = Router(name="announce")
    router.message.filter(F.chat.type == "private", IsStaff())
    router.callback_query.filter(IsStaff())
    wizard = StateFilter(*Step.__states__)
    typed = F.text & ~F.text.startswith("/")  # commands still work in the middle of the wizard
    router.message.register(start, Command("announce"))
    router.message.register(swedish_received, Step.swedish, typed | F.photo)
    router.message.register(translation_received, Step.translation, typed | F.caption)
    router.message.register(photo_received, Step.photo, F.photo)
    router.message.register(time_received, Step.time, typed)
    router.message.register(wrong_kind, wizard, ~F.text.startswith("/"))

    def on(action: str, handler, *filters) -> None:  # noqa: ANN001 - a handler of any signature
        router.callback_query.register(handler, AnnounceCallback.filter(F.action == action), *filters)

    on("cancel", cancel, wizard)
    on("back", back, wizard)
    on("next", forward, wizard)
    on("add", add_language, Step.languages)
    on("nophoto", without_photo, Step.photo)
    for action in AUDIENCE_ACTIONS:
        on(action, audience_pressed, Step.audience)
    on("urg", urgency_chosen, Step.urgency)
    on("now", timing_chosen, Step.timing)
    on("later", timing_chosen, Step.timing)
    on("send", confirmed, Step.confirm)
    on("list", scheduled_list)
    on("drop", drop_scheduled)
    return router
