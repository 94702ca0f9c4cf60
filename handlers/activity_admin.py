"""/activity for staff: add an activity step by step, change one (text, time, place, one date, all dates), or
import many from a CSV file.

Like /announce (whose screen helpers this reuses), each step is a new message, the previous step's buttons are
taken off, and every button is bound to its step's FSM state, so an old or forged button only gets the "no
longer works" answer. To change one field of an activity the same steps are used with `edit` in the FSM data:
the step that completes the field saves it instead of going on.
"""

import io
from datetime import datetime, timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiohttp import ClientError
from babel.dates import format_skeleton, format_time
from sqlalchemy.ext.asyncio import AsyncSession

from bot import PROJECT_ROOT, activity_admin, activity_import
from bot.activities import Happening, title_in
from bot.activity_admin import BIWEEKLY, DURATIONS, MONTHLY, NONE, SOURCE, WEEKLY, ActivityDraft
from bot.clock import Clock
from bot.config import Settings
from bot.content import text_in
from bot.i18n import BABEL_LOCALES, ngettext
from bot.languages import LANGUAGES
from bot.library import ContentStore
from bot.programme import LOCAL_FORMAT, Occurrence, to_utc
from db.models import Activity, User
from handlers.activities import card_text as resident_card
from handlers.announce import markup, rows_of, show
from handlers.guards import IsStaff
from handlers.menu import back_to_menu_markup, stale_button

TEMPLATE = PROJECT_ROOT / "docs" / "activities-template.csv"
PAGE = 8  # activities per page in the "change" list
DATES_SHOWN = 10
TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 2000
SHORT_LIMIT = 200  # address and organiser (their columns' size)
STEPS = 14


class AdminCallback(CallbackData, prefix="aa"):
    action: str
    value: str = ""
    id: int = 0


class ActivityStep(StatesGroup):
    home = State()
    title = State()
    description = State()
    languages = State()
    tr_title = State()
    tr_description = State()
    category = State()
    area = State()
    venue = State()
    address = State()
    pin = State()
    start = State()
    duration = State()
    repeat = State()
    until = State()
    free = State()
    ages = State()
    registration = State()
    organiser = State()
    confirm = State()
    pick = State()
    menu = State()
    dates = State()
    date = State()
    move = State()
    drop = State()  # confirm cancelling a date or the whole activity
    upload = State()


# A name of its own: aiogram names states after their class, and /announce has a `Step` too ("Step:confirm"
# would be both wizards' state). The short alias keeps the long state tables readable.
Step = ActivityStep


# The new-activity steps in order; sub-steps (translations, address, pin, until) hang off their step.
NEXT = {Step.title: Step.description, Step.description: Step.languages, Step.languages: Step.category,
        Step.category: Step.area, Step.area: Step.venue, Step.venue: Step.start, Step.pin: Step.start,
        Step.start: Step.duration, Step.duration: Step.repeat, Step.repeat: Step.free, Step.until: Step.free,
        Step.free: Step.ages, Step.ages: Step.registration, Step.registration: Step.organiser,
        Step.organiser: Step.confirm}
BACK = {Step.description: Step.title, Step.languages: Step.description, Step.tr_title: Step.languages,
        Step.tr_description: Step.languages, Step.category: Step.languages, Step.area: Step.category,
        Step.venue: Step.area, Step.address: Step.venue, Step.pin: Step.address, Step.start: Step.venue,
        Step.duration: Step.start, Step.repeat: Step.duration, Step.until: Step.repeat, Step.free: Step.repeat,
        Step.ages: Step.free, Step.registration: Step.ages, Step.organiser: Step.registration,
        Step.confirm: Step.organiser, Step.title: Step.home, Step.pick: Step.home, Step.upload: Step.home,
        Step.dates: Step.menu, Step.date: Step.dates, Step.move: Step.date, Step.menu: Step.pick}
NUMBERS = {Step.title: 1, Step.description: 2, Step.languages: 3, Step.tr_title: 3, Step.tr_description: 3,
           Step.category: 4, Step.area: 5, Step.venue: 6, Step.address: 6, Step.pin: 6, Step.start: 7,
           Step.duration: 8, Step.repeat: 9, Step.until: 9, Step.free: 10, Step.ages: 11, Step.registration: 12,
           Step.organiser: 13, Step.confirm: 14}
# Changing one field: the step it starts on, and the steps that complete it (and save).
EDITS = {"title": (Step.title, {Step.title}), "description": (Step.description, {Step.description}),
         "languages": (Step.languages, {Step.languages}), activity_admin.TIME: (Step.start, {Step.start}),
         "place": (Step.area, {Step.venue, Step.pin})}


# --- keyboards --------------------------------------------------------------------------------------------------


def button(text: str, action: str, value: str = "", id: int = 0) -> InlineKeyboardButton:  # noqa: A002
    return InlineKeyboardButton(text=text, callback_data=AdminCallback(action=action, value=value, id=id).pack())


def nav_row(back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(_("⬅️ Back"), "back")] if back else []
    return [*row, button(_("✖️ Cancel"), "cancel")]


def short(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def when_short(moment: datetime, locale: str, settings: Settings) -> str:
    """"tis 1 dec. 16:00", "Tue 1 Dec 16:00": a date on a button, in the reader's language and order."""
    local, babel_locale = moment.astimezone(settings.tz), BABEL_LOCALES.get(locale, locale)
    return f"{format_skeleton('MMMEd', local, locale=babel_locale)} {format_time(local, 'short', locale=babel_locale)}"


# --- the draft --------------------------------------------------------------------------------------------------


async def load(state: FSMContext) -> ActivityDraft:
    return ActivityDraft.from_dict((await state.get_data()).get("draft"))


async def save(state: FSMContext, draft: ActivityDraft) -> None:
    await state.update_data(draft=draft.to_dict())


def step_of(name: str | None) -> State | None:
    return next((step for step in Step.__states__ if step.state == name), None)


class Screens:
    """Everything a screen needs, gathered once per update from the handler's data."""

    def __init__(self, bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession, content: ContentStore,
                 settings: Settings, i18n: I18n, clock: Clock, user: User) -> None:
        self.bot, self.chat_id, self.state, self.session = bot, chat_id, state, session
        self.content, self.settings, self.i18n, self.clock, self.user = content, settings, i18n, clock, user
        self.edit: str | None = None  # the field being changed, if that is what the steps are for

    @property
    def locale(self) -> str:
        return self.i18n.current_locale

    @property
    def library(self):  # noqa: ANN201 - bot.library.Library
        return self.content.current

    async def show(self, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        await show(self.bot, self.chat_id, self.state, text, keyboard)

    async def say(self, text: str) -> None:
        """A short note above the next screen (the screen's buttons stay)."""
        await self.bot.send_message(self.chat_id, text)

    def numbered(self, step: State, text: str) -> str:
        """A new activity's step with its number; changing one field has no numbers."""
        number = NUMBERS.get(step)
        if number is None or self.edit:
            return text
        heading = _("<b>New activity — step {number} of {total}</b>").format(number=number, total=STEPS)
        return f"{heading}\n\n{text}"

    async def set_edit(self, edit: str | None) -> None:
        self.edit = edit
        await self.state.update_data(edit=edit)

    async def enter(self, step: State) -> None:
        await self.state.set_state(step)
        draft = await load(self.state)
        data = await self.state.get_data()
        render = {
            Step.home: self.home, Step.title: self.title, Step.description: self.description,
            Step.languages: self.languages, Step.category: self.category, Step.area: self.area,
            Step.venue: self.venue, Step.address: self.address, Step.pin: self.pin, Step.start: self.start,
            Step.duration: self.duration, Step.repeat: self.repeat, Step.until: self.until, Step.free: self.free,
            Step.ages: self.ages, Step.registration: self.registration, Step.organiser: self.organiser,
            Step.confirm: self.confirm, Step.upload: self.upload,
        }.get(step)
        if render is not None:
            await render(draft)
            return
        if step == Step.pick:
            await self.pick(data.get("page", 0))
            return
        activity = await activity_admin.get(self.session, data.get("activity", 0))
        if activity is None:
            await self.show(_("That activity no longer exists or was cancelled."), markup(
                [button(_("✏️ Change an activity"), "change")], nav_row(back=False)))
            return
        if step == Step.menu:
            await self.activity_menu(activity)
        elif step == Step.dates:
            await self.dates(activity)
        else:  # a single date: its screen, or typing its new time
            found = await activity_admin.occurrence(self.session, activity, data.get("key", ""), self.settings.tz,
                                                    self.clock.now())
            if found is None:
                await self.state.set_state(Step.dates)
                await self.say(_("That date has already begun or no longer exists."))
                await self.dates(activity)
            elif step == Step.date:
                await self.date(activity, found)
            else:
                await self.move(activity, found)

    async def advance(self, step: State) -> None:
        """After a step is done: the next one, or, when changing one field that this step completes, save it."""
        if self.edit and step in EDITS[self.edit][1]:
            await self.save_edit(self.edit)
            return
        await self.enter(NEXT[step])

    async def save_edit(self, edit: str) -> None:
        data = await self.state.get_data()
        activity = await activity_admin.get(self.session, data.get("activity", 0))
        if activity is None or not activity_admin.editable(activity):
            await self.enter(Step.menu)
            return
        await activity_admin.change(self.session, activity, await load(self.state), edit, self.user.id,
                                    self.clock.now(), self.settings.tz)
        await self.set_edit(None)
        await self.say(_("✅ Saved."))
        await self.enter(Step.menu)

    # --- home ---

    async def home(self, draft: ActivityDraft) -> None:
        text = "\n\n".join((_("<b>📅 Activities</b>"),
                            _("Add an activity, change or cancel one, or import many at once from a file.")))
        await self.show(text, markup([button(_("➕ New activity"), "new")],
                                     [button(_("✏️ Change an activity"), "change")],
                                     [button(_("📄 Import from a CSV file"), "import")], nav_row(back=False)))

    # --- new activity ---

    async def title(self, draft: ActivityDraft) -> None:
        text = self.numbered(Step.title, _("Send the name of the activity in Swedish, short and clear, like "
                                           "“Läxhjälp för mellanstadiet”."))
        if SOURCE in draft.titles:
            text += "\n\n" + _("Now: {text}").format(text=escape(draft.titles[SOURCE]))
        if self.edit and len(draft.titles) > 1:
            text += "\n\n" + _("The other languages keep their names; change them with 🌐 Languages.")
        forward = [button(_("Next ➡️"), "next")] if SOURCE in draft.titles and not self.edit else []
        await self.show(text, markup(forward, nav_row()))

    async def description(self, draft: ActivityDraft) -> None:
        text = self.numbered(Step.description, _("Send a description in Swedish: what happens, for whom, what to "
                                                 "bring. Plain words; a few sentences are enough."))
        if SOURCE in draft.descriptions:
            text += "\n\n" + _("Now: {text}").format(text=escape(short(draft.descriptions[SOURCE], 300)))
        forward = [button(_("Next ➡️"), "next")] if SOURCE in draft.descriptions and not self.edit else []
        await self.show(text, markup(forward, nav_row()))

    async def languages(self, draft: ActivityDraft) -> None:
        text = self.numbered(Step.languages, _(
            "Other languages (optional). Tap a language to add the name and description in it; tap it again to "
            "replace them. Residents whose language is missing see the Swedish text."))
        choices = [button(("✓ " if code in draft.titles else "+ ") + name, "add", code)
                   for code, name in LANGUAGES.items() if code != SOURCE]
        done = _("✅ Save") if self.edit else _("Next ➡️")
        await self.show(text, markup(*rows_of(choices, 2), [button(done, "next")], nav_row()))

    async def translation(self, step: State, code: str) -> None:
        await self.state.set_state(step)
        await self.state.update_data(language=code)
        ask = (_("Send the name of the activity in {language}.") if step == Step.tr_title
               else _("Send the description in {language}."))
        await self.show(ask.format(language=LANGUAGES[code]), markup(nav_row()))

    async def category(self, draft: ActivityDraft) -> None:
        choices = [button(("✓ " if draft.category == c.id else "") + c.label(self.locale), "cat", c.id)
                   for c in self.library.content.activity_categories]
        await self.show(self.numbered(Step.category, _("What kind of activity is it?")),
                        markup(*rows_of(choices, 2), nav_row()))

    async def area(self, draft: ActivityDraft) -> None:
        choices = [button(("✓ " if draft.area == a.id else "") + a.name_in(self.locale), "area", a.id)
                   for a in self.library.content.areas]
        everywhere = button(_("🌍 No particular area"), "area", "-")
        await self.show(self.numbered(Step.area, _("In which area is it?")),
                        markup(*rows_of(choices, 3), [everywhere], nav_row()))

    def venues(self, draft: ActivityDraft) -> list:  # list[Service]
        """The services of the chosen area, for the venue buttons (longer lists would not fit a screen)."""
        if not draft.area:
            return []
        found = [s for s in self.library.services.values() if s.area == draft.area and s.location]
        return sorted(found, key=lambda service: text_in(service.name, self.locale))[:20]

    async def venue(self, draft: ActivityDraft) -> None:
        choices = [button(short(text_in(s.name, self.locale)), "svc", s.id) for s in self.venues(draft)]
        text = _("Where is it? Choose a place, or type the address of another place.") if choices else \
            _("Where is it? Type the address.")
        await self.show(self.numbered(Step.venue, text),
                        markup(*rows_of(choices, 1), [button(_("✏️ Another place"), "addr")], nav_row()))

    async def address(self, draft: ActivityDraft, problem: str | None = None) -> None:
        ask = self.numbered(Step.address, _("Type the address, like “Backavägen 12, Hisings Backa”."))
        await self.show(f"{problem}\n\n{ask}" if problem else ask, markup(nav_row()))

    async def pin(self, draft: ActivityDraft, problem: str | None = None) -> None:
        ask = self.numbered(Step.pin, _(
            "Now show me the place on the map, so residents find it: tap 📎 → Location, move the map to the "
            "place and send it. Or type its coordinates from a map, like 57.7455, 11.9901."))
        await self.show(f"{problem}\n\n{ask}" if problem else ask, markup(nav_row()))

    def example_time(self) -> str:
        day = (self.clock.now() + timedelta(days=7)).astimezone(self.settings.tz)
        return day.replace(hour=16, minute=0).strftime(LOCAL_FORMAT)

    async def start(self, draft: ActivityDraft, problem: str | None = None) -> None:
        ask = _("When does it start? Type the date and time (time in {zone}) like this: {example}").format(
            zone=escape(self.settings.timezone), example=self.example_time())
        if draft.rrule():
            ask += "\n\n" + _("For an activity that repeats, this is the first time; the others follow its "
                              "weekday and time.")
        ask = self.numbered(Step.start, ask)
        await self.show(f"{problem}\n\n{ask}" if problem else ask, markup(nav_row()))

    async def duration(self, draft: ActivityDraft, problem: str | None = None) -> None:
        choices = [button(ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes), "dur",
                          str(minutes)) for minutes in DURATIONS]
        ask = self.numbered(Step.duration, _("How long does it last? Choose, or type the minutes, like 45."))
        await self.show(f"{problem}\n\n{ask}" if problem else ask, markup(choices, nav_row()))

    async def repeat(self, draft: ActivityDraft) -> None:
        start = draft.first_start
        choices = [button(activity_admin.repeat_label(kind, start, self.locale), "rep", kind)
                   for kind in (NONE, WEEKLY, BIWEEKLY, MONTHLY)]
        await self.show(self.numbered(Step.repeat, _("Does it repeat?")), markup(*rows_of(choices, 1), nav_row()))

    async def until(self, draft: ActivityDraft, problem: str | None = None) -> None:
        ask = self.numbered(Step.until, _("Until when? Type the last day like {example}, or choose no end "
                                          "date.").format(example=f"{draft.first_start.year + 1}-06-30"))
        await self.show(f"{problem}\n\n{ask}" if problem else ask,
                        markup([button(_("♾ No end date"), "noend")], nav_row()))

    async def free(self, draft: ActivityDraft) -> None:
        await self.show(self.numbered(Step.free, _("Is it free?")),
                        markup([button(_("💚 Free"), "free", "1"), button(_("💳 There is a fee"), "free", "0")],
                               nav_row()))

    async def ages(self, draft: ActivityDraft, problem: str | None = None) -> None:
        ask = self.numbered(Step.ages, _("For which ages? Type the youngest and oldest age like 6-12, or choose "
                                         "all ages."))
        await self.show(f"{problem}\n\n{ask}" if problem else ask,
                        markup([button(_("👥 All ages"), "allages")], nav_row()))

    async def registration(self, draft: ActivityDraft, problem: str | None = None) -> None:
        ask = self.numbered(Step.registration, _("Do people sign up in advance? Send the link to the sign-up "
                                                 "page, or choose no sign-up."))
        await self.show(f"{problem}\n\n{ask}" if problem else ask,
                        markup([button(_("No sign-up ➡️"), "noreg")], nav_row()))

    async def organiser(self, draft: ActivityDraft) -> None:
        service = self.library.services.get(draft.venue_service or "")
        choices = [button(short(service.name[SOURCE]), "org")] if service else []
        await self.show(self.numbered(Step.organiser, _("Who organises it? Type the name of the service or "
                                                        "association.")), markup(choices, nav_row()))

    def card(self, activity: Activity, occurrence: Occurrence) -> str:
        """The card residents see (handlers/activities.py), and for staff how it repeats."""
        card = resident_card(Happening(activity, occurrence), self.library, self.locale, self.settings.tz)
        repeats = activity_admin.repeat_summary(activity, self.locale)
        return f"{card}\n\n🔁 {repeats}" if repeats else card

    async def confirm(self, draft: ActivityDraft) -> None:
        activity = draft.as_activity()
        await self.say(self.card(activity, activity_admin.first_occurrence(activity, self.settings.tz)))
        text = self.numbered(Step.confirm, _("Above is the activity as residents will see it. Save it?"))
        await self.show(text, markup([button(_("✅ Save"), "save")], nav_row()))

    # --- change ---

    async def pick(self, page: int) -> None:
        found = await activity_admin.upcoming(self.session, self.settings.tz, self.clock.now())
        if not found:
            await self.show(_("No activities are planned."), markup(nav_row()))
            return
        pages = (len(found) + PAGE - 1) // PAGE
        page = min(max(page, 0), pages - 1)
        shown = found[page * PAGE:(page + 1) * PAGE]
        choices = [button(f"{when_short(h.occurrence.start, self.locale, self.settings)} · "
                          f"{short(title_in(h.activity, self.locale), 32)}", "act", id=h.activity.id) for h in shown]
        paging = ([button(_("◀ Earlier"), "page", str(page - 1))] if page > 0 else []) + \
                 ([button(_("More ▶"), "page", str(page + 1))] if page + 1 < pages else [])
        text = _("Which activity? (page {page} of {pages}, by the next date)").format(page=page + 1, pages=pages)
        await self.show(text, markup(*rows_of(choices, 1), paging, nav_row()))

    async def activity_menu(self, activity: Activity) -> None:
        ahead = [o for o in await activity_admin.occurrences_ahead(self.session, activity, self.settings.tz,
                                                                   self.clock.now()) if not o.cancelled]
        card = self.card(activity, ahead[0] if ahead else activity_admin.first_occurrence(activity, self.settings.tz))
        rows = [[button(_("🗓 One date: cancel or move it"), "dates")]]
        if activity_admin.editable(activity):
            rows = [[button(_("✏️ Name"), "edit", "title"), button(_("📝 Description"), "edit", "description")],
                    [button(_("🌐 Languages"), "edit", "languages"), button(_("🕒 Date and time"), "edit", "time")],
                    [button(_("📍 Place"), "edit", "place")], *rows]
            note = _("What do you want to change?")
        else:
            note = _("This activity comes from the programme files (content/activities/): change its text, time "
                     "and place there. Here you can cancel or move single dates.")
        rows.append([button(_("❌ Cancel all dates"), "dropall")] if activity_admin.editable(activity) else [])
        await self.show(f"{card}\n\n{note}", markup(*rows, nav_row()))

    async def dates(self, activity: Activity) -> None:
        ahead = (await activity_admin.occurrences_ahead(self.session, activity, self.settings.tz,
                                                        self.clock.now()))[:DATES_SHOWN]
        if not ahead:
            await self.show(_("No dates are planned ahead."), markup(nav_row()))
            return
        choices = [button(("❌ " if o.cancelled else "🔁 " if o.moved else "")
                          + when_short(o.start, self.locale, self.settings), "date", o.key) for o in ahead]
        await self.show(_("Which date of “{title}”?").format(title=escape(title_in(activity, self.locale))),
                        markup(*rows_of(choices, 2), nav_row()))

    def describe(self, activity: Activity, found: Occurrence) -> str:
        when = when_short(found.start, self.locale, self.settings)
        return f"“{escape(title_in(activity, self.locale))}”, {when}"

    async def date(self, activity: Activity, found: Occurrence) -> None:
        lines = [self.describe(activity, found)]
        if found.cancelled:
            lines.append(_("This date is cancelled. To hold it after all, move it to the time it should have."))
        choices = [] if found.cancelled else [button(_("❌ Cancel this date"), "drop")]
        await self.show("\n\n".join(lines), markup(choices, [button(_("🔁 Move this date"), "move")], nav_row()))

    async def move(self, activity: Activity, found: Occurrence, problem: str | None = None) -> None:
        ask = _("Type the new date and time for {what} like this: {example}").format(
            what=self.describe(activity, found), example=found.start.astimezone(self.settings.tz).strftime(
                LOCAL_FORMAT))
        await self.show(f"{problem}\n\n{ask}" if problem else ask, markup(nav_row()))

    # --- import ---

    async def upload(self, draft: ActivityDraft) -> None:
        categories = ", ".join(c.id for c in self.library.content.activity_categories)
        areas = ", ".join(a.id for a in self.library.content.areas)
        text = "\n\n".join((
            _("<b>📄 Import activities from a CSV file</b>"),
            _("Start from the template below: one activity per row, and keep the first row (the column names) as "
              "it is. Save it as “CSV UTF-8” and send the file here."),
            _("Needed in every row: title_sv, description_sv, category, start (like 2026-12-01 16:00), duration "
              "(minutes), organiser, and the place: venue_service (a service id), or address with lat and lon."),
            _("Optional: title_en, description_en and the other languages, area, repeat (weekly, biweekly, "
              "monthly, or a rule like FREQ=WEEKLY;BYDAY=TU), until (the last day), free (yes or no), age_min, "
              "age_max, registration (a link)."),
            _("Kinds of activity: {categories}").format(categories=escape(categories)),
            _("Areas: {areas}").format(areas=escape(areas)),
            _("Either every row is imported or none: if something is wrong, I list it by row, and you send the "
              "fixed file again."),
        ))
        await self.show(text, markup(nav_row()))


async def screens(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, content: ContentStore,
                  settings: Settings, i18n: I18n, clock: Clock, user: User) -> Screens:
    view = Screens(event.bot, event.from_user.id, state, session, content, settings, i18n, clock, user)
    view.edit = (await state.get_data()).get("edit")
    return view


# --- messages -----------------------------------------------------------------------------------------------------


async def start(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                settings: Settings, i18n: I18n, clock: Clock, user: User) -> None:
    screen = (await state.get_data()).get("screen") if await state.get_state() in Step.__all_states_names__ else None
    await state.set_data({"screen": screen})  # an unfinished draft is dropped
    await (await screens(message, state, session, content, settings, i18n, clock, user)).enter(Step.home)


async def text_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                        settings: Settings, i18n: I18n, clock: Clock, user: User) -> None:
    """A typed answer to the current step."""
    view = await screens(message, state, session, content, settings, i18n, clock, user)
    step = step_of(await state.get_state())
    draft = await load(state)
    text = (message.text or "").strip()
    data = await state.get_data()
    if step in (Step.title, Step.tr_title, Step.description, Step.tr_description):
        limit = TITLE_LIMIT if step in (Step.title, Step.tr_title) else DESCRIPTION_LIMIT
        if len(text) > limit:
            await view.say(_("This is too long: {length} characters, and at most {limit} fit here. Please "
                             "shorten it.").format(length=len(text), limit=limit))
            return
        code = SOURCE if step in (Step.title, Step.description) else data.get("language", "")
        if code not in LANGUAGES:
            await view.enter(Step.languages)
            return
        (draft.titles if step in (Step.title, Step.tr_title) else draft.descriptions)[code] = text
        await save(state, draft)
        if step == Step.tr_title:
            await view.translation(Step.tr_description, code)
        elif step == Step.tr_description:
            await view.enter(Step.languages)
        else:
            await view.advance(step)
    elif step == Step.address:
        if len(text) > SHORT_LIMIT:
            await view.address(draft, _("That is too long for an address."))
            return
        draft.venue_service, draft.address = None, text
        await save(state, draft)
        await view.enter(Step.pin)
    elif step == Step.pin:
        coordinates = activity_admin.parse_coordinates(text)
        await place_pinned(view, draft, coordinates)
    elif step == Step.start:
        await start_received(view, draft, text)
    elif step == Step.duration:
        if not (text.isdigit() and 5 <= int(text) <= 24 * 60):
            await view.duration(draft, _("Please type the minutes as a number from 5 to 1440."))
            return
        draft.duration = int(text)
        await save(state, draft)
        await view.advance(step)
    elif step == Step.until:
        day = activity_admin.parse_day(text)
        if day is None or day < draft.first_start.date():
            await view.until(draft, _("I could not read that as a day after the start.") if day is None
                             else _("The last day must not be before the first."))
            return
        draft.until = day.isoformat()
        await save(state, draft)
        await view.advance(step)
    elif step == Step.ages:
        ages = parse_ages(text)
        if ages is None:
            await view.ages(draft, _("Please type two ages from 0 to 120, the youngest first, like 6-12."))
            return
        draft.age_min, draft.age_max = ages
        await save(state, draft)
        await view.advance(step)
    elif step == Step.registration:
        if not activity_admin.is_link(text) or len(text) > 300:
            await view.registration(draft, _("Please send a web address that starts with https://."))
            return
        draft.registration = text
        await save(state, draft)
        await view.advance(step)
    elif step == Step.organiser:
        if len(text) > SHORT_LIMIT:
            await view.say(_("That is too long for a name."))
            return
        draft.organiser = text
        await save(state, draft)
        await view.advance(step)
    elif step == Step.move:
        await move_received(view, text)
    else:
        await message.answer(_("Please use the buttons above, or Cancel."))


def parse_ages(text: str) -> tuple[int, int] | None:
    parts = text.replace("–", "-").replace("—", "-").replace("-", " ").split()
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    youngest, oldest = int(parts[0]), int(parts[1])
    return (youngest, oldest) if youngest <= oldest <= 120 else None


async def place_pinned(view: Screens, draft: ActivityDraft, coordinates: tuple[float, float] | None) -> None:
    if coordinates is None:
        await view.pin(draft, _("I could not read that as a place on the map."))
        return
    if not activity_admin.in_gothenburg(*coordinates):
        await view.pin(draft, _("That place is outside Gothenburg. (If you typed it: latitude first, then "
                                "longitude.)"))
        return
    draft.lat, draft.lon = coordinates
    await save(view.state, draft)
    await view.advance(Step.pin)


async def location_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                            settings: Settings, i18n: I18n, clock: Clock, user: User) -> None:
    view = await screens(message, state, session, content, settings, i18n, clock, user)
    spot = message.location
    await place_pinned(view, await load(state), (spot.latitude, spot.longitude))


async def start_received(view: Screens, draft: ActivityDraft, text: str) -> None:
    moment = activity_admin.parse_local(text)
    if moment is None:
        await view.start(draft, _("I could not read that as a date and time."))
        return
    if to_utc(moment, view.settings.tz) <= view.clock.now():
        await view.start(draft, _("That time has already passed. Please choose a time in the future."))
        return
    if draft.last_day and draft.last_day < moment.date():
        if view.edit:
            await view.start(draft, _("It repeats until {day}, before that time.").format(day=draft.until))
            return
        draft.until = None  # the new wizard asks for the end again after the start
    draft.start = moment.strftime(LOCAL_FORMAT)
    await save(view.state, draft)
    await view.advance(Step.start)


async def move_received(view: Screens, text: str) -> None:
    data = await view.state.get_data()
    activity = await activity_admin.get(view.session, data.get("activity", 0))
    now, tz = view.clock.now(), view.settings.tz
    found = activity and await activity_admin.occurrence(view.session, activity, data.get("key", ""), tz, now)
    if not found:
        await view.enter(Step.dates)
        return
    moment = activity_admin.parse_local(text)
    if moment is None or to_utc(moment, tz) <= now:
        await view.move(activity, found, _("I could not read that as a date and time.") if moment is None
                        else _("That time has already passed. Please choose a time in the future."))
        return
    moved = await activity_admin.move_occurrence(view.session, activity, found, moment, view.user.id, now, tz)
    if moved is None:
        await view.say(_("It is already at that time."))
    else:
        await view.say(_("🔁 Moved: {what}. Everyone who asked for a reminder gets a notice.").format(
            what=view.describe(activity, moved)))
    await view.enter(Step.dates)


async def document_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                            settings: Settings, i18n: I18n, clock: Clock, user: User, bot: Bot) -> None:
    """A CSV file to import: fetched from Telegram, checked whole, then all rows saved or none."""
    view = await screens(message, state, session, content, settings, i18n, clock, user)
    document = message.document
    name = (document.file_name or "").lower()
    if name.endswith((".xlsx", ".xls", ".ods", ".numbers")):
        await view.say(_("This is a spreadsheet file. Please save it as “CSV UTF-8” (File → Save as) and send "
                         "that file."))
        return
    if not name.endswith((".csv", ".txt")) and document.mime_type not in ("text/csv", "text/plain"):
        await view.say(_("Please send a CSV file (a name ending in .csv)."))
        return
    if (document.file_size or 0) > activity_import.MAX_BYTES:
        await view.say(_("The file is too big: at most {limit} KB. Please split it.").format(
            limit=activity_import.MAX_BYTES // 1000))
        return
    buffer = io.BytesIO()
    try:
        await bot.download(document, destination=buffer)
    except (TimeoutError, TelegramAPIError, ClientError):
        await view.say(_("I could not fetch the file from Telegram. Please send it again."))
        return
    data = buffer.getvalue()
    if len(data) > activity_import.MAX_BYTES:
        await view.say(_("The file is too big: at most {limit} KB. Please split it.").format(
            limit=activity_import.MAX_BYTES // 1000))
        return
    parsed = activity_import.parse(data, content.current, settings.tz, clock.now())
    if parsed.problems:  # the list is the screen now: fix the file and send it again, or go back
        await view.show(problems_text(parsed.problems), markup(nav_row()))
        return
    created = await activity_import.import_all(session, parsed.drafts, user.id, clock.now())
    await view.show(ngettext("✅ Imported {count} activity. Residents find it in /activities now.",
                             "✅ Imported {count} activities. Residents find them in /activities now.",
                             len(created)).format(count=len(created)),
                    markup([button(_("📅 Activities"), "home")], back_to_menu_markup().inline_keyboard[0]))
    await state.clear()


def problems_text(problems: list) -> str:
    """Every problem, by row, as long as a message holds; nothing was imported."""
    lines = [_("<b>Nothing was imported.</b> Please fix this and send the file again:")]
    length = len(lines[0])
    for number, problem in enumerate(problems):
        line = "• " + escape(problem.describe())
        if number >= activity_import.MAX_SHOWN or length + len(line) > 3500:
            lines.append(ngettext("… and {count} more problem.", "… and {count} more problems.",
                                  len(problems) - number).format(count=len(problems) - number))
            break
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines)


async def wrong_kind(message: Message, state: FSMContext) -> None:
    prompts = {
        Step.pin.state: _("Please send the place as a location (📎 → Location), or type its coordinates."),
        Step.upload.state: _("Please send the CSV file as a file (📎 → File)."),
    }
    await message.answer(prompts.get(await state.get_state() or "", _("Please type your answer as text, or use "
                                                                       "the buttons above.")))


# --- buttons --------------------------------------------------------------------------------------------------


class Press:
    """One button press with everything its handler needs."""

    def __init__(self, callback: CallbackQuery, callback_data: AdminCallback, state: FSMContext, view: Screens,
                 callback_answer: CallbackAnswer) -> None:
        self.callback, self.data, self.state, self.view, self.answer = (callback, callback_data, state, view,
                                                                        callback_answer)

    async def stale(self) -> None:
        await stale_button(self.callback, self.answer)


async def pressed(callback: CallbackQuery, callback_data: AdminCallback, state: FSMContext, session: AsyncSession,
                  content: ContentStore, settings: Settings, i18n: I18n, clock: Clock, user: User,
                  callback_answer: CallbackAnswer) -> None:
    """Every button of /activity; the router has already checked that it belongs to the current step."""
    view = await screens(callback, state, session, content, settings, i18n, clock, user)
    press = Press(callback, callback_data, state, view, callback_answer)
    handler = ACTIONS[callback_data.action]
    await handler(press)


async def on_cancel(press: Press) -> None:
    await press.view.show(_("Cancelled. Nothing more was changed."), back_to_menu_markup())
    await press.state.clear()


async def on_back(press: Press) -> None:
    step = step_of(await press.state.get_state())
    edit = press.view.edit
    if edit and step == EDITS[edit][0]:  # changing one field: back where it began
        await press.view.set_edit(None)
        await press.view.enter(Step.menu)
        return
    target = BACK.get(step)
    if target is None:
        await press.stale()
        return
    await press.view.enter(target)


async def on_home(press: Press) -> None:
    await press.state.set_data({"screen": (await press.state.get_data()).get("screen")})
    await press.view.enter(Step.home)


async def on_new(press: Press) -> None:
    await press.view.set_edit(None)
    await press.state.update_data(draft=ActivityDraft().to_dict())
    await press.view.enter(Step.title)


async def on_next(press: Press) -> None:
    step = step_of(await press.state.get_state())
    draft = await load(press.state)
    ready = {Step.title: SOURCE in draft.titles, Step.description: SOURCE in draft.descriptions,
             Step.languages: True}
    if not ready.get(step):
        await press.stale()
        return
    await press.view.advance(step)


async def on_add_language(press: Press) -> None:
    code = press.data.value
    if code not in LANGUAGES or code == SOURCE:
        await press.stale()
        return
    await press.view.translation(Step.tr_title, code)


async def on_category(press: Press) -> None:
    if press.view.library.content.activity_category(press.data.value) is None:
        await press.stale()
        return
    draft = await load(press.state)
    draft.category = press.data.value
    await save(press.state, draft)
    await press.view.advance(Step.category)


async def on_area(press: Press) -> None:
    value = press.data.value
    if value != "-" and press.view.library.content.area(value) is None:
        await press.stale()
        return
    draft = await load(press.state)
    draft.area = None if value == "-" else value
    await save(press.state, draft)
    await press.view.enter(Step.venue)


async def on_service(press: Press) -> None:
    draft = await load(press.state)
    service = press.view.library.services.get(press.data.value)
    if service is None:
        await press.stale()
        return
    draft.venue_service, draft.address, draft.lat, draft.lon = service.id, None, None, None
    await save(press.state, draft)
    await press.view.advance(Step.venue)


async def on_address(press: Press) -> None:
    await press.view.enter(Step.address)


async def on_duration(press: Press) -> None:
    if not press.data.value.isdigit() or int(press.data.value) not in DURATIONS:
        await press.stale()
        return
    draft = await load(press.state)
    draft.duration = int(press.data.value)
    await save(press.state, draft)
    await press.view.advance(Step.duration)


async def on_repeat(press: Press) -> None:
    if press.data.value not in activity_admin.REPEATS:
        await press.stale()
        return
    draft = await load(press.state)
    draft.repeat, draft.custom_rule = press.data.value, None
    if draft.repeat == NONE:
        draft.until = None
    await save(press.state, draft)
    await press.view.enter(Step.until if draft.repeat != NONE else NEXT[Step.repeat])


async def on_no_end(press: Press) -> None:
    draft = await load(press.state)
    draft.until = None
    await save(press.state, draft)
    await press.view.advance(Step.until)


async def on_free(press: Press) -> None:
    draft = await load(press.state)
    draft.free = press.data.value == "1"
    await save(press.state, draft)
    await press.view.advance(Step.free)


async def on_all_ages(press: Press) -> None:
    draft = await load(press.state)
    draft.age_min = draft.age_max = None
    await save(press.state, draft)
    await press.view.advance(Step.ages)


async def on_no_registration(press: Press) -> None:
    draft = await load(press.state)
    draft.registration = None
    await save(press.state, draft)
    await press.view.advance(Step.registration)


async def on_organiser_service(press: Press) -> None:
    draft = await load(press.state)
    service = press.view.library.services.get(draft.venue_service or "")
    if service is None:
        await press.stale()
        return
    draft.organiser = service.name[SOURCE]
    await save(press.state, draft)
    await press.view.advance(Step.organiser)


async def on_save(press: Press) -> None:
    draft = await load(press.state)
    view = press.view
    if draft.first_start is None or to_utc(draft.first_start, view.settings.tz) <= view.clock.now():
        await view.say(_("That time has passed in the meantime. Please choose a new one."))
        await view.enter(Step.start)
        return
    [activity] = await activity_admin.create(view.session, [draft], view.user.id, view.clock.now())
    await view.show(_("✅ Saved: “{title}”. Residents find it in /activities now.").format(
        title=escape(title_in(activity, view.locale))),
        markup([button(_("➕ New activity"), "new"), button(_("📅 Activities"), "home")],
               back_to_menu_markup().inline_keyboard[0]))
    await press.state.set_data({"screen": (await press.state.get_data()).get("screen")})
    await press.state.set_state(Step.home)


async def on_change(press: Press) -> None:
    await press.view.set_edit(None)
    await press.state.update_data(page=0)
    await press.view.enter(Step.pick)


async def on_page(press: Press) -> None:
    if not press.data.value.lstrip("-").isdigit():
        await press.stale()
        return
    await press.state.update_data(page=int(press.data.value))
    await press.view.enter(Step.pick)


async def on_activity(press: Press) -> None:
    await press.view.set_edit(None)
    await press.state.update_data(activity=press.data.id)
    await press.view.enter(Step.menu)


async def on_edit(press: Press) -> None:
    data = await press.state.get_data()
    activity = await activity_admin.get(press.view.session, data.get("activity", 0))
    if press.data.value not in EDITS or activity is None or not activity_admin.editable(activity):
        await press.stale()
        return
    await press.view.set_edit(press.data.value)
    await press.state.update_data(draft=ActivityDraft.of(activity).to_dict())
    await press.view.enter(EDITS[press.data.value][0])


async def on_dates(press: Press) -> None:
    await press.view.enter(Step.dates)


async def on_date(press: Press) -> None:
    await press.state.update_data(key=press.data.value)
    await press.view.enter(Step.date)


async def on_move(press: Press) -> None:
    await press.view.enter(Step.move)


async def on_drop(press: Press, whole: bool = False) -> None:
    """Ask first: a cancellation sends notices, which cannot be taken back."""
    view = press.view
    data = await press.state.get_data()
    activity = await activity_admin.get(view.session, data.get("activity", 0))
    if activity is None:
        await view.enter(Step.menu)
        return
    if whole:
        if not activity_admin.editable(activity):
            await press.stale()
            return
        question = _("Cancel every coming date of “{title}”? Everyone who asked for a reminder gets a notice, "
                     "and it disappears from /activities.").format(title=escape(title_in(activity, view.locale)))
    else:
        found = await activity_admin.occurrence(view.session, activity, data.get("key", ""), view.settings.tz,
                                                view.clock.now())
        if found is None or found.cancelled:
            await view.enter(Step.dates)
            return
        question = _("Cancel {what}? Everyone who asked for a reminder gets a notice.").format(
            what=view.describe(activity, found))
    await press.state.update_data(whole=whole)
    await press.state.set_state(Step.drop)
    await view.show(question, markup([button(_("Yes, cancel it"), "yes")],
                                     [button(_("⬅️ No, go back"), "no"), button(_("✖️ Cancel"), "cancel")]))


async def on_drop_all(press: Press) -> None:
    await on_drop(press, whole=True)


async def on_drop_confirmed(press: Press) -> None:
    view = press.view
    data = await press.state.get_data()
    activity = await activity_admin.get(view.session, data.get("activity", 0))
    now, tz = view.clock.now(), view.settings.tz
    if activity is None:
        await view.enter(Step.menu)
        return
    if data.get("whole"):
        await activity_admin.cancel_series(view.session, activity, view.user.id, now, tz)
        await view.show(_("❌ Cancelled: “{title}”, every coming date. Everyone who asked for a reminder gets a "
                          "notice.").format(title=escape(title_in(activity, view.locale))),
                        markup([button(_("📅 Activities"), "home")], back_to_menu_markup().inline_keyboard[0]))
        await press.state.set_state(Step.home)
        return
    found = await activity_admin.occurrence(view.session, activity, data.get("key", ""), tz, now)
    if found is not None and await activity_admin.cancel_occurrence(view.session, activity, found, view.user.id,
                                                                     now, tz):
        await view.say(_("❌ Cancelled: {what}. Everyone who asked for a reminder gets a notice.").format(
            what=view.describe(activity, found)))
    await view.enter(Step.dates)


async def on_drop_declined(press: Press) -> None:
    data = await press.state.get_data()
    await press.view.enter(Step.menu if data.get("whole") else Step.date)


async def on_import(press: Press) -> None:
    view = press.view
    await view.bot.send_document(view.chat_id, BufferedInputFile(TEMPLATE.read_bytes(), TEMPLATE.name))
    await view.enter(Step.upload)


ACTIONS = {
    "cancel": on_cancel, "back": on_back, "home": on_home, "new": on_new, "next": on_next, "add": on_add_language,
    "cat": on_category, "area": on_area, "svc": on_service, "addr": on_address, "dur": on_duration,
    "rep": on_repeat, "noend": on_no_end, "free": on_free, "allages": on_all_ages, "noreg": on_no_registration,
    "org": on_organiser_service, "save": on_save, "change": on_change, "page": on_page, "act": on_activity,
    "edit": on_edit, "dates": on_dates, "date": on_date, "move": on_move, "drop": on_drop, "dropall": on_drop_all,
    "yes": on_drop_confirmed, "no": on_drop_declined, "import": on_import,
}
# Where each button may be pressed; anywhere else it is stale.
WHERE = {
    "cancel": tuple(Step.__states__), "back": tuple(Step.__states__),
    "home": (Step.home, Step.upload, None), "new": (Step.home, None),
    "change": (Step.home, Step.menu, Step.dates, Step.date, Step.move, Step.drop),
    "import": (Step.home,), "next": (Step.title, Step.description, Step.languages), "add": (Step.languages,),
    "cat": (Step.category,), "area": (Step.area,), "svc": (Step.venue,), "addr": (Step.venue,),
    "dur": (Step.duration,), "rep": (Step.repeat,), "noend": (Step.until,), "free": (Step.free,),
    "allages": (Step.ages,), "noreg": (Step.registration,), "org": (Step.organiser,), "save": (Step.confirm,),
    "page": (Step.pick,), "act": (Step.pick,), "edit": (Step.menu,), "dates": (Step.menu,), "date": (Step.dates,),
    "move": (Step.date,), "drop": (Step.date,), "dropall": (Step.menu,), "yes": (Step.drop,), "no": (Step.drop,),
}


def create_router() -> Router:
    router = Router(name="activity_admin")
    router.message.filter(F.chat.type == "private", IsStaff())
    router.callback_query.filter(IsStaff())
    wizard = StateFilter(*Step.__states__)
    typed = F.text & ~F.text.startswith("/")  # commands still work in the middle of the wizard
    router.message.register(start, Command("activity"))
    router.message.register(location_received, Step.pin, F.location)
    router.message.register(document_received, Step.upload, F.document)
    router.message.register(text_received, wizard, typed)
    router.message.register(wrong_kind, wizard, ~F.text.startswith("/"))
    for action, states in WHERE.items():
        router.callback_query.register(pressed, AdminCallback.filter(F.action == action), StateFilter(*states))
    return router


