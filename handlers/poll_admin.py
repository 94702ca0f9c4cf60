"""/poll for staff: create a feedback poll step by step, or by sending a YAML file; both end in one preview.

The wizard asks, one message per step: theme group, type, the Swedish question, the options (for a choice),
translations, a comment step, the audience (the same screen as /announce), opening and closing time, who sees
results, and one reminder. Like /announce, the previous step's buttons are taken off and every button is bound
to its step's FSM state, so an old or forged button only gets the "no longer works" answer.

A YAML file (docs/poll-template.yaml) is checked whole by bot.poll_files; its problems come back in one reply,
and a good file goes straight to the preview. The preview shows the poll as residents will see it, once per
language that has people in the audience, says which languages fall back to Swedish, and only then does Confirm
store it (bot.polls.create); the scheduler sends the invitations when it opens.

"Opens now" and "closes in a week" are kept as such until Confirm, so a preview that waits an hour still means
what it said.
"""

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

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
from sqlalchemy.ext.asyncio import AsyncSession

from bot import PROJECT_ROOT, poll_files, polls
from bot.announcements import format_moment, parse_local_time
from bot.audience import Audience, counts_by_language
from bot.clock import Clock
from bot.config import Settings
from bot.content import text_in
from bot.i18n import ngettext
from bot.languages import LANGUAGES
from bot.library import ContentStore
from bot.polls import MULTIPLE, RATING, SINGLE, SOURCE_LANGUAGE, YESNO, PollDraft
from bot.programme import LOCAL_FORMAT
from db.models import Poll, User
from handlers import wizard
from handlers.guards import IsStaff
from handlers.menu import back_to_menu_markup, stale_button
from handlers.poll_results import send_poster
from handlers.wizard import AUDIENCE_ACTIONS, audience_after, edit_screen, markup, people, rows_of

TEMPLATE = PROJECT_ROOT / "docs" / "poll-template.yaml"
CHOICE_KINDS = (SINGLE, MULTIPLE)
CLOSE_AFTER_DAYS = (3, 7, 14)  # the quick choices for the closing time, counted from the opening
HALFWAY, DAY_BEFORE = "half", "day"
YAML_TYPES = ("application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml")
MAX_PROBLEMS_SHOWN = 25


class PollAdminCallback(CallbackData, prefix="pa"):
    action: str
    value: str = ""
    dim: str = ""  # the audience dimension of a toggle (see handlers.wizard)


class PollStep(StatesGroup):
    group = State()
    kind = State()
    question = State()
    options = State()
    languages = State()
    tr_question = State()
    tr_options = State()
    comment = State()
    audience = State()
    opens = State()
    opens_time = State()
    closes = State()
    closes_time = State()
    results = State()
    remind = State()
    confirm = State()
    upload = State()  # the template was sent; a filled-in file is awaited


def button(text: str, action: str, value: str = "", dim: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text,
                                callback_data=PollAdminCallback(action=action, value=value, dim=dim).pack())


def nav_row(back: bool = True) -> list[InlineKeyboardButton]:
    return wizard.nav_row(button, back)


def kind_label(kind: str) -> str:
    return {SINGLE: _("🔘 One choice"), MULTIPLE: _("☑️ Several choices"), RATING: _("⭐ Rating 1–5"),
            YESNO: _("👍 Yes or no")}.get(kind, kind)


# --- what the wizard collects -----------------------------------------------------------------------------------


@dataclass
class WizardDraft:
    """The poll being made, as plain JSON values in the FSM data; `poll_draft(now)` is what bot.polls checks."""

    theme_group: str = ""
    kind: str = ""
    questions: dict[str, str] = field(default_factory=dict)
    options: list[dict[str, str]] = field(default_factory=list)
    comment_step: bool = False
    audience: Audience = field(default_factory=Audience)
    opens_at: datetime | None = None  # None: when confirmed
    closes_at: datetime | None = None  # a set time, or else
    close_days: int | None = None  # this many days after the opening
    remind: str = ""  # HALFWAY, DAY_BEFORE or "" (none); a file's set time is in remind_at
    remind_at: datetime | None = None
    public_results: bool = False
    live_results: bool = False
    from_file: bool = False  # made from a YAML file: the preview has no Back (the file is changed instead)

    def to_dict(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {"group": self.theme_group, "kind": self.kind, "questions": self.questions, "options": self.options,
                "comment": self.comment_step, "audience": self.audience.to_json(), "opens": moment(self.opens_at),
                "closes": moment(self.closes_at), "days": self.close_days, "remind": self.remind,
                "remind_at": moment(self.remind_at), "public": self.public_results, "live": self.live_results,
                "file": self.from_file}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "WizardDraft":
        data = data or {}

        def moment(key: str) -> datetime | None:
            return datetime.fromisoformat(data[key]) if data.get(key) else None

        return cls(theme_group=data.get("group") or "", kind=data.get("kind") or "",
                   questions=dict(data.get("questions") or {}), options=list(data.get("options") or []),
                   comment_step=bool(data.get("comment")), audience=Audience.from_json(data.get("audience")),
                   opens_at=moment("opens"), closes_at=moment("closes"), close_days=data.get("days"),
                   remind=data.get("remind") or "", remind_at=moment("remind_at"),
                   public_results=bool(data.get("public")), live_results=bool(data.get("live")),
                   from_file=bool(data.get("file")))

    @classmethod
    def of_file(cls, parsed: poll_files.Parsed) -> "WizardDraft":
        draft = parsed.draft
        assert draft is not None
        return cls(theme_group=draft.theme_group, kind=draft.kind, questions=draft.questions,
                   options=draft.options, comment_step=draft.comment_step, audience=draft.audience,
                   opens_at=None if parsed.opens_now else draft.opens_at, closes_at=draft.closes_at,
                   remind_at=draft.remind_at, public_results=draft.public_results,
                   live_results=draft.live_results, from_file=True)

    def opening(self, now: datetime) -> datetime:
        return self.opens_at or now

    def closing(self, now: datetime) -> datetime | None:
        if self.closes_at is not None:
            return self.closes_at
        if self.close_days is not None:
            return self.opening(now) + timedelta(days=self.close_days)
        return None

    def reminder(self, now: datetime, choice: str | None = None) -> datetime | None:
        """When the one reminder goes: a file's set time, else halfway or a day before closing."""
        choice = self.remind if choice is None else choice
        if self.remind_at is not None:
            return self.remind_at
        opens, closes = self.opening(now), self.closing(now)
        if closes is None or not choice:
            return None
        if choice == DAY_BEFORE:
            return closes - timedelta(days=1)  # a local closing time keeps its clock time the day before
        opens, closes = opens.astimezone(UTC), closes.astimezone(UTC)  # real hours, also across a DST change
        return (opens + (closes - opens) / 2).replace(second=0, microsecond=0)

    def poll_draft(self, now: datetime) -> PollDraft:
        options = [dict(option) for option in self.options] if self.kind in CHOICE_KINDS else []
        return PollDraft(theme_group=self.theme_group, kind=self.kind, questions=dict(self.questions),
                         options=options, comment_step=self.comment_step, audience=self.audience,
                         opens_at=self.opening(now), closes_at=self.closing(now),
                         public_results=self.public_results, live_results=self.live_results,
                         remind_at=self.reminder(now))

    def translated(self, code: str) -> bool:
        texts = [self.questions, *(self.options if self.kind in CHOICE_KINDS else [])]
        return all(text.get(code) for text in texts)


async def load(state: FSMContext) -> WizardDraft:
    return WizardDraft.from_dict((await state.get_data()).get("poll"))


async def save(state: FSMContext, draft: WizardDraft) -> None:
    await state.update_data(poll=draft.to_dict())


def preview_poll(draft: PollDraft) -> Poll:
    """An unsaved Poll with the draft's texts, so the preview uses the same labels residents get."""
    return Poll(id=0, theme_group=draft.theme_group, kind=draft.kind, questions=draft.questions,
                options=draft.options, comment_step=draft.comment_step, audience=draft.audience.to_json(),
                opens_at=draft.opens_at, closes_at=draft.closes_at, public_results=draft.public_results,
                live_results=draft.live_results, remind_at=draft.remind_at)


# --- screens ----------------------------------------------------------------------------------------------------


# The steps in order; a step's sub-screens (a translation, a typed time) count as that step.
MAIN_STEPS = (PollStep.group, PollStep.kind, PollStep.question, PollStep.options, PollStep.languages,
              PollStep.comment, PollStep.audience, PollStep.opens, PollStep.closes, PollStep.results,
              PollStep.remind, PollStep.confirm)
PART_OF = {PollStep.tr_question: PollStep.languages, PollStep.tr_options: PollStep.languages,
           PollStep.opens_time: PollStep.opens, PollStep.closes_time: PollStep.closes}


class Screens:
    """Everything a screen needs, gathered once per update from the handler's data."""

    def __init__(self, bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession, content: ContentStore,
                 settings: Settings, i18n: I18n, clock: Clock) -> None:
        self.bot, self.chat_id, self.state, self.session = bot, chat_id, state, session
        self.content, self.settings, self.i18n, self.clock = content, settings, i18n, clock

    @property
    def locale(self) -> str:
        return self.i18n.current_locale

    def moment(self, value: datetime) -> str:
        return format_moment(value, self.locale, self.settings.tz)

    def heading(self, step: State, draft: WizardDraft) -> str:
        if draft.from_file:
            return _("<b>🗳 New poll from a file</b>")
        # Until the type is chosen the options step is counted (a rating or yes/no skips it).
        steps = [s for s in MAIN_STEPS if s is not PollStep.options or draft.kind in (*CHOICE_KINDS, "")]
        step = PART_OF.get(step, step)
        number = steps.index(step) + 1 if step in steps else len(steps)
        return _("<b>🗳 New poll</b> — step {number} of {total}").format(number=number, total=len(steps))

    async def show(self, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        await wizard.show(self.bot, self.chat_id, self.state, text, keyboard)

    async def say(self, text: str) -> None:
        await self.bot.send_message(self.chat_id, text)

    async def enter(self, step: State) -> None:
        await self.state.set_state(step)
        draft = await load(self.state)
        render = {
            PollStep.group: self.group, PollStep.kind: self.kind, PollStep.question: self.question,
            PollStep.options: self.options, PollStep.languages: self.languages, PollStep.comment: self.comment,
            PollStep.audience: self.audience, PollStep.opens: self.opens, PollStep.opens_time: self.opens_time,
            PollStep.closes: self.closes, PollStep.closes_time: self.closes_time, PollStep.results: self.results,
            PollStep.remind: self.remind, PollStep.confirm: self.confirm, PollStep.upload: self.upload,
        }[step]
        await render(draft)

    async def group(self, draft: WizardDraft) -> None:
        text = "\n\n".join((self.heading(PollStep.group, draft),
                            _("Which theme group is the poll for? Its members read the results.")))
        choices = [button(("✓ " if group.id == draft.theme_group else "") + text_in(group.name, self.locale),
                          "grp", group.id) for group in self.content.current.content.theme_groups]
        forward = [button(_("Next ➡️"), "next")] if draft.theme_group else []
        from_file = [button(_("📄 From a YAML file instead"), "tpl")]
        await self.show(text, markup(*rows_of(choices, 1), forward, from_file, nav_row(back=False)))

    async def upload(self, draft: WizardDraft) -> None:
        await self.bot.send_document(self.chat_id, BufferedInputFile(TEMPLATE.read_bytes(), TEMPLATE.name))
        text = "\n\n".join((
            _("<b>🗳 New poll from a file</b>"),
            _("Fill in the template above (the lines starting with # explain each field) and send it back here as a "
              "file (📎 → File). You will see a preview before anything is saved."),
        ))
        await self.show(text, markup(nav_row()))

    async def kind(self, draft: WizardDraft) -> None:
        text = "\n\n".join((
            self.heading(PollStep.kind, draft),
            _("What kind of poll?"),
            _("🔘 One choice: residents pick one option.\n☑️ Several choices: they tick one or more.\n"
              "⭐ Rating: one to five stars.\n👍 Yes or no."),
        ))
        choices = [button(("✓ " if kind == draft.kind else "") + kind_label(kind), "kind", kind)
                   for kind in polls.KINDS]
        await self.show(text, markup(*rows_of(choices, 2), nav_row()))

    async def question(self, draft: WizardDraft, problem: str | None = None) -> None:
        lines = [self.heading(PollStep.question, draft)]
        if problem:
            lines.append(problem)
        lines.append(_("Send the question in Swedish (at most {limit} characters). Short questions get more "
                       "answers.").format(limit=polls.QUESTION_LIMIT))
        swedish = draft.questions.get(SOURCE_LANGUAGE)
        if swedish:
            lines.append(_("Now: {question}").format(question=escape(swedish)))
        forward = [button(_("Next ➡️"), "next")] if swedish else []
        await self.show("\n\n".join(lines), markup(forward, nav_row()))

    async def options(self, draft: WizardDraft, problem: str | None = None) -> None:
        lines = [self.heading(PollStep.options, draft)]
        if problem:
            lines.append(problem)
        lines.append(_("Send the answer options in Swedish: one per line, or one message each. {low} to {high} "
                       "options, at most {limit} characters each.").format(
            low=polls.MIN_OPTIONS, high=polls.MAX_OPTIONS, limit=polls.OPTION_LIMIT))
        if draft.options:
            lines.append("\n".join(f"{number}. {escape(option[SOURCE_LANGUAGE])}"
                                   for number, option in enumerate(draft.options, start=1)))
        forward = [button(_("Next ➡️"), "next")] if len(draft.options) >= polls.MIN_OPTIONS else []
        restart = [button(_("🗑 Start the options over"), "clear")] if draft.options else []
        await self.show("\n\n".join(lines), markup(forward, restart, nav_row()))

    async def languages(self, draft: WizardDraft) -> None:
        text = "\n\n".join((
            self.heading(PollStep.languages, draft),
            _("Translations (optional): tap a language to add the poll in it; tap it again to replace it. Residents "
              "whose language has no translation see the Swedish text."),
        ))
        choices = [button(("✓ " if draft.translated(code) else "+ ") + name, "lang", code)
                   for code, name in LANGUAGES.items() if code != SOURCE_LANGUAGE]
        await self.show(text, markup(*rows_of(choices, 2), [button(_("Next ➡️"), "next")], nav_row()))

    async def tr_question(self, draft: WizardDraft, code: str) -> None:
        await self.state.set_state(PollStep.tr_question)
        await self.state.update_data(editing=code)
        text = "\n\n".join((
            self.heading(PollStep.tr_question, draft),
            _("Send the question in {language}.").format(language=LANGUAGES[code]),
            _("In Swedish: {question}").format(question=escape(draft.questions.get(SOURCE_LANGUAGE, ""))),
        ))
        await self.show(text, markup(nav_row()))

    async def tr_options(self, draft: WizardDraft, code: str, problem: str | None = None) -> None:
        await self.state.set_state(PollStep.tr_options)
        count = len(draft.options)
        lines = [self.heading(PollStep.tr_options, draft), *([problem] if problem else [])]
        lines.append(ngettext("Now send the {count} option in {language}, one per line, in this order:",
                              "Now send the {count} options in {language}, one per line, in this order:",
                              count).format(count=count, language=LANGUAGES[code]))
        lines.append("\n".join(f"{number}. {escape(option[SOURCE_LANGUAGE])}"
                               for number, option in enumerate(draft.options, start=1)))
        await self.show("\n\n".join(lines), markup(nav_row()))

    async def comment(self, draft: WizardDraft) -> None:
        text = "\n\n".join((
            self.heading(PollStep.comment, draft),
            _("After answering, may residents add a comment in their own words? Comments are masked and stored "
              "without any link to who wrote them."),
        ))
        choices = [button(("✓ " if draft.comment_step else "") + _("💬 Yes, ask for a comment"), "cmt", "1"),
                   button(("✓ " if not draft.comment_step else "") + _("No comment"), "cmt", "0")]
        await self.show(text, markup(choices, nav_row()))

    async def audience_view(self, draft: WizardDraft) -> tuple[str, InlineKeyboardMarkup]:
        heading = "\n\n".join((self.heading(PollStep.audience, draft), _("Who should be invited to answer?")))
        return await wizard.audience_view(self.session, self.content.current.content, self.locale, draft.audience,
                                          heading, button)

    async def dimension_view(self, draft: WizardDraft, key: str) -> tuple[str, InlineKeyboardMarkup]:
        return await wizard.dimension_view(self.session, self.content.current.content, self.locale,
                                           draft.audience, key, button)

    async def audience(self, draft: WizardDraft) -> None:
        await self.show(*await self.audience_view(draft))

    async def opens(self, draft: WizardDraft) -> None:
        text = "\n\n".join((self.heading(PollStep.opens, draft),
                            _("When does the poll open? The invitations go out then.")))
        await self.show(text, markup([button(_("▶️ When I confirm"), "opnow"),
                                      button(_("🗓 At a set time"), "opat")], nav_row()))

    def example_time(self) -> str:
        tomorrow = (self.clock.now() + timedelta(days=1)).astimezone(self.settings.tz)
        return tomorrow.replace(hour=18, minute=0).strftime(LOCAL_FORMAT)

    async def typed_time(self, step: State, draft: WizardDraft, problem: str | None) -> None:
        ask = _("Type the date and time (time in {zone}) like this: {example}").format(
            zone=escape(self.settings.timezone), example=self.example_time())
        lines = [self.heading(step, draft), *([problem] if problem else []), ask]
        await self.show("\n\n".join(lines), markup(nav_row()))

    async def opens_time(self, draft: WizardDraft, problem: str | None = None) -> None:
        await self.typed_time(PollStep.opens_time, draft, problem)

    async def closes(self, draft: WizardDraft) -> None:
        opening = (_("It opens {moment}.").format(moment=self.moment(draft.opens_at)) if draft.opens_at
                   else _("It opens when you confirm."))
        text = "\n\n".join((self.heading(PollStep.closes, draft), _("When does it close?"), opening))
        quick = [button(ngettext("In {count} day", "In {count} days", days).format(count=days) if days % 7
                        else ngettext("In {count} week", "In {count} weeks", days // 7).format(count=days // 7),
                        "cl", str(days)) for days in CLOSE_AFTER_DAYS]
        await self.show(text, markup(quick, [button(_("🗓 At a set time"), "clat")], nav_row()))

    async def closes_time(self, draft: WizardDraft, problem: str | None = None) -> None:
        await self.typed_time(PollStep.closes_time, draft, problem)

    def results_view(self, draft: WizardDraft) -> tuple[str, InlineKeyboardMarkup]:
        text = "\n\n".join((
            self.heading(PollStep.results, draft),
            _("Who sees the results? The theme group always sees them after the poll closes, and nobody ever sees "
              "who answered what. Tap to switch on or off."),
        ))
        toggles = [
            [button(("✅ " if draft.public_results else "⬜ ") + _("Residents see results after closing"), "pub")],
            [button(("✅ " if draft.live_results else "⬜ ") + _("Theme group sees results while open"), "live")],
        ]
        return text, markup(*toggles, [button(_("Next ➡️"), "next")], nav_row())

    async def results(self, draft: WizardDraft) -> None:
        await self.show(*self.results_view(draft))

    async def remind(self, draft: WizardDraft) -> None:
        now = self.clock.now()
        text = "\n\n".join((self.heading(PollStep.remind, draft),
                            _("Send one reminder to those invited who have not answered yet?")))
        choices = []
        halfway = draft.reminder(now, HALFWAY)
        if halfway is not None:
            choices.append(button(_("⏰ Halfway: {moment}").format(moment=self.moment(halfway)), "rem", HALFWAY))
        day_before = draft.reminder(now, DAY_BEFORE)
        if day_before is not None and day_before > draft.opening(now):
            choices.append(button(_("⏰ A day before closing: {moment}").format(moment=self.moment(day_before)),
                                  "rem", DAY_BEFORE))
        choices.append(button(_("🔕 No reminder"), "rem", "none"))
        await self.show(text, markup(*rows_of(choices, 1), nav_row()))

    # --- the preview ---

    def preview_text(self, poll: Poll, code: str) -> str:
        group = self.content.current.content.theme_group(poll.theme_group)
        lines = [f"🗳 <b>{escape(polls.question_in(poll, code))}</b>"]
        if group is not None:
            lines.append(f"<i>{escape(text_in(group.name, code))}</i>")
        return "\n".join(lines)

    def preview_markup(self, poll: Poll, code: str) -> InlineKeyboardMarkup:
        """The option buttons as residents get them (labels in their language); here they only say "preview"."""
        labels = polls.option_labels(poll, code)
        buttons = [button(label, "look", str(index)) for index, label in enumerate(labels)]
        width = {RATING: 5, YESNO: 2}.get(poll.kind, 1)
        rows = rows_of(buttons, width)
        if poll.kind == MULTIPLE:
            rows.append([button(_("📨 Send"), "look", "send")])
        return markup(*rows)

    async def confirm(self, draft: WizardDraft) -> None:
        """Each language group's poll message, then the summary with the button that creates it."""
        now = self.clock.now()
        checked = draft.poll_draft(now)
        poll = preview_poll(checked)
        missing = checked.missing_languages()
        counts = await counts_by_language(self.session, draft.audience)
        groups = [(code, counts[code]) for code in LANGUAGES if counts.get(code)] or [(SOURCE_LANGUAGE, 0)]
        for code, count in groups:
            header = ngettext("Preview — {language} ({count} person):", "Preview — {language} ({count} people):",
                              count).format(language=LANGUAGES[code], count=count)
            if code in missing:
                header += "\n" + _("Not translated: they see the Swedish text.")
            await self.say(header)
            with self.i18n.use_locale(code):  # yes/no and "Send" in the resident's language
                text, keyboard = self.preview_text(poll, code), self.preview_markup(poll, code)
            await self.bot.send_message(self.chat_id, text, reply_markup=keyboard)
        await self.show(*await self.summary(draft, now))

    async def summary(self, draft: WizardDraft, now: datetime) -> tuple[str, InlineKeyboardMarkup]:
        """What the poll will be, what is not translated, and Create (or what to fix first)."""
        content = self.content.current.content
        checked = draft.poll_draft(now)
        missing = checked.missing_languages()
        reached = sum((await counts_by_language(self.session, draft.audience)).values())
        group = content.theme_group(checked.theme_group)
        lines = [
            self.heading(PollStep.confirm, draft),
            _("Check the previews above. This is the poll:"),
            _("Theme group: {name}").format(name=escape(text_in(group.name, self.locale) if group
                                                        else checked.theme_group)),
            _("Type: {kind}").format(kind=kind_label(checked.kind)),
            _("💬 After answering, residents may add a comment.") if checked.comment_step
            else _("No comment step."),
            _("Audience: {audience}").format(audience=escape(checked.audience.describe(content, self.locale))),
            people(reached),
            _("Opens: {moment}").format(moment=self.moment(draft.opens_at)) if draft.opens_at
            else _("Opens: when you confirm."),
        ]
        if checked.closes_at is not None:
            lines.append(_("Closes: {moment}").format(moment=self.moment(checked.closes_at)))
        lines.append(_("Reminder to those who have not answered: {moment}").format(
            moment=self.moment(checked.remind_at)) if checked.remind_at else _("No reminder."))
        lines.append(_("Residents who answered get the results after closing.") if checked.public_results
                     else _("Residents do not get the results."))
        lines.append(_("The theme group may follow the results while the poll is open.") if checked.live_results
                     else _("The theme group sees the results after closing."))
        if missing:
            lines.append(_("Not translated, so residents see the Swedish text: {languages}").format(
                languages=", ".join(LANGUAGES[code] for code in missing)))
        else:
            lines.append(_("Translated into every language."))
        if not reached:
            lines.append(_("Nobody is in this audience now. Residents who join it before the poll opens are "
                           "invited then."))
        problems = checked.problems(now)
        if problems:
            lines.append(_("<b>Please fix this first:</b>") + "\n" + "\n".join(f"• {escape(p)}" for p in problems))
            if draft.from_file:
                lines.append(_("Change the file and send it again."))
            go = []
        else:
            go = [button(_("✅ Create the poll"), "create")]
        return "\n\n".join(lines), markup(go, nav_row(back=not draft.from_file))


def screens(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, content: ContentStore,
            settings: Settings, i18n: I18n, clock: Clock) -> Screens:
    return Screens(event.bot, event.from_user.id, state, session, content, settings, i18n, clock)


def back_of(step: State | None, draft: WizardDraft) -> State | None:
    """Where Back leads from each step (the languages step follows the options only for a choice)."""
    if step is PollStep.languages:
        return PollStep.options if draft.kind in CHOICE_KINDS else PollStep.question
    if step is PollStep.confirm and draft.from_file:
        return None
    return {
        PollStep.kind: PollStep.group, PollStep.question: PollStep.kind, PollStep.options: PollStep.question,
        PollStep.tr_question: PollStep.languages, PollStep.tr_options: PollStep.languages,
        PollStep.comment: PollStep.languages, PollStep.audience: PollStep.comment,
        PollStep.opens: PollStep.audience, PollStep.opens_time: PollStep.opens, PollStep.closes: PollStep.opens,
        PollStep.closes_time: PollStep.closes, PollStep.results: PollStep.closes, PollStep.remind: PollStep.results,
        PollStep.confirm: PollStep.remind, PollStep.upload: PollStep.group,
    }.get(step)


def next_of(step: State | None, draft: WizardDraft) -> State | None:
    """Where Next leads, when the step has what it needs."""
    if step is PollStep.group and draft.theme_group:
        return PollStep.kind
    if step is PollStep.question and draft.questions.get(SOURCE_LANGUAGE):
        return PollStep.options if draft.kind in CHOICE_KINDS else PollStep.languages
    if step is PollStep.options and polls.MIN_OPTIONS <= len(draft.options) <= polls.MAX_OPTIONS:
        return PollStep.languages
    return {PollStep.languages: PollStep.comment, PollStep.audience: PollStep.opens,
            PollStep.results: PollStep.remind}.get(step)


def step_of(name: str | None) -> State | None:
    return next((step for step in PollStep.__states__ if step.state == name), None)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- messages -------------------------------------------------------------------------------------------------


async def start(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                settings: Settings, i18n: I18n, clock: Clock) -> None:
    mine = await state.get_state() in PollStep.__all_states_names__
    screen = (await state.get_data()).get("screen") if mine else None
    await state.set_data({"screen": screen})  # a new draft; an unfinished one is dropped
    await screens(message, state, session, content, settings, i18n, clock).enter(PollStep.group)


async def question_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                            settings: Settings, i18n: I18n, clock: Clock) -> None:
    view = screens(message, state, session, content, settings, i18n, clock)
    draft = await load(state)
    text = (message.text or "").strip()
    if not text:
        await view.question(draft, _("Please send the text as a message."))
        return
    if len(text) > polls.QUESTION_LIMIT:
        await view.question(draft, _("This is {length} characters; at most {limit} fit. Please shorten it.").format(
            length=len(text), limit=polls.QUESTION_LIMIT))
        return
    draft.questions[SOURCE_LANGUAGE] = text
    await save(state, draft)
    await view.enter(next_of(PollStep.question, draft))


async def options_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                           settings: Settings, i18n: I18n, clock: Clock) -> None:
    """Options one per line, or one message each; all of a message is refused if any of it does not fit."""
    view = screens(message, state, session, content, settings, i18n, clock)
    draft = await load(state)
    added = lines_of(message.text or "")
    too_long = [line for line in added if len(line) > polls.OPTION_LIMIT]
    if too_long:
        await view.options(draft, _("“{option}” is longer than {limit} characters. Please shorten it.").format(
            option=escape(too_long[0]), limit=polls.OPTION_LIMIT))
        return
    if len(draft.options) + len(added) > polls.MAX_OPTIONS:
        await view.options(draft, _("That would make {count} options; at most {limit} fit.").format(
            count=len(draft.options) + len(added), limit=polls.MAX_OPTIONS))
        return
    draft.options += [{SOURCE_LANGUAGE: line} for line in added]
    await save(state, draft)
    await view.options(draft)


async def tr_question_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                               settings: Settings, i18n: I18n, clock: Clock) -> None:
    view = screens(message, state, session, content, settings, i18n, clock)
    draft = await load(state)
    code = (await state.get_data()).get("editing")
    text = (message.text or "").strip()
    if code not in LANGUAGES:
        await view.enter(PollStep.languages)
        return
    if not text:
        await message.answer(_("Please send the text as a message."))
        return
    if len(text) > polls.QUESTION_LIMIT:
        await message.answer(_("This is {length} characters; at most {limit} fit. Please shorten it.").format(
            length=len(text), limit=polls.QUESTION_LIMIT))
        return
    draft.questions[code] = text
    await save(state, draft)
    if draft.kind in CHOICE_KINDS and draft.options:
        await view.tr_options(draft, code)
    else:
        await view.enter(PollStep.languages)


async def tr_options_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                              settings: Settings, i18n: I18n, clock: Clock) -> None:
    view = screens(message, state, session, content, settings, i18n, clock)
    draft = await load(state)
    code = (await state.get_data()).get("editing")
    if code not in LANGUAGES:
        await view.enter(PollStep.languages)
        return
    given = lines_of(message.text or "")
    if len(given) != len(draft.options):
        await view.tr_options(draft, code, ngettext(
            "I need exactly {count} line, one per option, and got {given}.",
            "I need exactly {count} lines, one per option, and got {given}.",
            len(draft.options)).format(count=len(draft.options), given=len(given)))
        return
    too_long = [line for line in given if len(line) > polls.OPTION_LIMIT]
    if too_long:
        await view.tr_options(draft, code, _("“{option}” is longer than {limit} characters. Please shorten "
                                             "it.").format(option=escape(too_long[0]), limit=polls.OPTION_LIMIT))
        return
    for option, text in zip(draft.options, given, strict=True):
        option[code] = text
    await save(state, draft)
    await view.enter(PollStep.languages)


async def opens_time_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                              settings: Settings, i18n: I18n, clock: Clock) -> None:
    view = screens(message, state, session, content, settings, i18n, clock)
    draft = await load(state)
    moment = parse_local_time(message.text or "", settings.tz)
    if moment is None:
        await view.opens_time(draft, _("I could not read that as a date and time."))
        return
    if moment <= clock.now():
        await view.opens_time(draft, _("That time has already passed. Please choose a time in the future."))
        return
    draft.opens_at = moment
    await save(state, draft)
    await view.enter(PollStep.closes)


async def closes_time_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                               settings: Settings, i18n: I18n, clock: Clock) -> None:
    view = screens(message, state, session, content, settings, i18n, clock)
    draft = await load(state)
    now = clock.now()
    moment = parse_local_time(message.text or "", settings.tz)
    if moment is None:
        await view.closes_time(draft, _("I could not read that as a date and time."))
        return
    if moment <= draft.opening(now):
        await view.closes_time(draft, _("It must close after it opens ({moment}).").format(
            moment=view.moment(draft.opening(now))))
        return
    draft.closes_at, draft.close_days = moment, None
    await save(state, draft)
    await view.enter(PollStep.results)


def is_yaml(message: Message) -> bool:
    document = message.document
    if document is None:
        return False
    return (document.file_name or "").lower().endswith((".yaml", ".yml")) or document.mime_type in YAML_TYPES


async def file_received(message: Message, state: FSMContext, session: AsyncSession, content: ContentStore,
                        settings: Settings, i18n: I18n, clock: Clock, bot: Bot) -> None:
    """A poll as a YAML file: fetched from Telegram, checked whole, then the preview or every problem."""
    document = message.document
    too_big = _("The file is too big: at most {limit} KB. A poll file is usually a few KB.").format(
        limit=poll_files.MAX_BYTES // 1000)
    if (document.file_size or 0) > poll_files.MAX_BYTES:
        await message.answer(too_big)
        return
    buffer = io.BytesIO()
    try:
        await bot.download(document, destination=buffer)
    except (TimeoutError, TelegramAPIError, ClientError):
        await message.answer(_("I could not fetch the file from Telegram. Please send it again."))
        return
    if len(buffer.getvalue()) > poll_files.MAX_BYTES:
        await message.answer(too_big)
        return
    parsed = poll_files.parse(buffer.getvalue(), content.current.content, settings.tz, clock.now())
    if parsed.problems:
        await message.answer(problems_text(parsed.problems))
        return
    mine = await state.get_state() in PollStep.__all_states_names__
    screen = (await state.get_data()).get("screen") if mine else None
    await state.set_data({"screen": screen, "poll": WizardDraft.of_file(parsed).to_dict()})
    await screens(message, state, session, content, settings, i18n, clock).enter(PollStep.confirm)


def problems_text(problems: list[poll_files.Problem]) -> str:
    """Every problem, as long as a message holds; nothing was created."""
    lines = [_("<b>No poll was created.</b> Please fix this in the file and send it again:")]
    length = len(lines[0])
    for number, problem in enumerate(problems):
        line = "• " + escape(problem.describe())
        if number >= MAX_PROBLEMS_SHOWN or length + len(line) > 3500:
            rest = len(problems) - number
            lines.append(ngettext("… and {count} more problem.", "… and {count} more problems.",
                                  rest).format(count=rest))
            break
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines)


async def wrong_kind(message: Message, state: FSMContext) -> None:
    typed = (PollStep.question.state, PollStep.options.state, PollStep.tr_question.state,
             PollStep.tr_options.state)
    if await state.get_state() in typed:
        await message.answer(_("Please send the text as a message."))
    elif await state.get_state() in (PollStep.opens_time.state, PollStep.closes_time.state):
        await message.answer(_("Please type the date and time as text."))
    elif await state.get_state() == PollStep.upload.state:
        await message.answer(_("Please send the poll as a YAML file (a name ending in .yaml), as a file (📎 → "
                               "File)."))
    else:
        await message.answer(_("Please use the buttons above, or Cancel."))


# --- buttons --------------------------------------------------------------------------------------------------


class Press:
    """One button press with everything its handler needs."""

    def __init__(self, callback: CallbackQuery, data: PollAdminCallback, state: FSMContext, view: Screens,
                 answer: CallbackAnswer, user: User) -> None:
        self.callback, self.data, self.state, self.view, self.answer, self.user = (callback, data, state, view,
                                                                                   answer, user)

    async def stale(self) -> None:
        await stale_button(self.callback, self.answer)


async def pressed(callback: CallbackQuery, callback_data: PollAdminCallback, state: FSMContext,
                  session: AsyncSession, content: ContentStore, settings: Settings, i18n: I18n, clock: Clock,
                  user: User, callback_answer: CallbackAnswer) -> None:
    view = screens(callback, state, session, content, settings, i18n, clock)
    await ACTIONS[callback_data.action](Press(callback, callback_data, state, view, callback_answer, user))


async def on_cancel(press: Press) -> None:
    await press.view.show(_("Cancelled. No poll was created."), back_to_menu_markup())
    await press.state.clear()


def moving(towards) -> Callable[[Press], Awaitable[None]]:  # noqa: ANN001 - back_of or next_of
    """Back or Next: the step before or after the current one for this draft."""
    async def move(press: Press) -> None:
        target = towards(step_of(await press.state.get_state()), await load(press.state))
        if target is None:
            await press.stale()
            return
        await press.view.enter(target)
    return move


async def on_group(press: Press) -> None:
    if press.view.content.current.content.theme_group(press.data.value) is None:
        await press.stale()
        return
    draft = await load(press.state)
    draft.theme_group = press.data.value
    await save(press.state, draft)
    await press.view.enter(PollStep.kind)


async def on_kind(press: Press) -> None:
    if press.data.value not in polls.KINDS:
        await press.stale()
        return
    draft = await load(press.state)
    draft.kind = press.data.value
    await save(press.state, draft)
    await press.view.enter(PollStep.question)


async def on_clear_options(press: Press) -> None:
    draft = await load(press.state)
    draft.options = []  # their translations go with them
    await save(press.state, draft)
    await press.view.options(draft)


async def on_language(press: Press) -> None:
    code = press.data.value
    if code not in LANGUAGES or code == SOURCE_LANGUAGE:
        await press.stale()
        return
    await press.view.tr_question(await load(press.state), code)


async def on_comment(press: Press) -> None:
    draft = await load(press.state)
    draft.comment_step = press.data.value == "1"
    await save(press.state, draft)
    await press.view.enter(PollStep.audience)


async def on_audience(press: Press) -> None:
    """Everyone / open a list / toggle a choice / done: the audience message is redrawn in place."""
    draft = await load(press.state)
    action, key = press.data.action, press.data.dim
    if action == "all" and draft.audience.everyone:
        press.answer.text = _("Everyone is already chosen.")
        return
    chosen = audience_after(draft.audience, action, key, press.data.value, press.view.content.current.content)
    if chosen is None:
        await press.stale()
        return
    draft.audience = chosen
    await save(press.state, draft)
    if action in ("dim", "tog"):
        await edit_screen(press.callback, press.state, *await press.view.dimension_view(draft, key))
    else:
        await edit_screen(press.callback, press.state, *await press.view.audience_view(draft))


async def on_template(press: Press) -> None:
    await press.view.enter(PollStep.upload)


async def on_opens_now(press: Press) -> None:
    draft = await load(press.state)
    draft.opens_at = None
    await save(press.state, draft)
    await press.view.enter(PollStep.closes)


async def on_opens_at(press: Press) -> None:
    await press.view.enter(PollStep.opens_time)


async def on_close_after(press: Press) -> None:
    if not press.data.value.isdigit() or int(press.data.value) not in CLOSE_AFTER_DAYS:
        await press.stale()
        return
    draft = await load(press.state)
    draft.close_days, draft.closes_at = int(press.data.value), None
    await save(press.state, draft)
    await press.view.enter(PollStep.results)


async def on_closes_at(press: Press) -> None:
    await press.view.enter(PollStep.closes_time)


async def on_results(press: Press) -> None:
    draft = await load(press.state)
    if press.data.action == "pub":
        draft.public_results = not draft.public_results
    else:
        draft.live_results = not draft.live_results
    await save(press.state, draft)
    await edit_screen(press.callback, press.state, *press.view.results_view(draft))


async def on_remind(press: Press) -> None:
    if press.data.value not in (HALFWAY, DAY_BEFORE, "none"):
        await press.stale()
        return
    draft = await load(press.state)
    draft.remind = "" if press.data.value == "none" else press.data.value
    await save(press.state, draft)
    await press.view.enter(PollStep.confirm)


async def on_create(press: Press) -> None:
    view, now = press.view, press.view.clock.now()
    draft = await load(press.state)
    checked = draft.poll_draft(now)
    if checked.problems(now):  # time has moved on since the preview (say, the closing time has passed)
        await view.show(*await view.summary(draft, now))
        return
    poll = await polls.create(view.session, checked, press.user.id, now)
    if draft.opens_at is None:
        text = _("✅ Poll {id} is created and open. Residents get the invitation now, or when their quiet hours "
                 "end.").format(id=poll.id)
    else:
        text = _("✅ Poll {id} is created. The invitations go out when it opens: {moment}.").format(
            id=poll.id, moment=view.moment(poll.opens_at))
    await view.show(text, back_to_menu_markup())
    await press.state.clear()
    # The link and QR code for posters right away; with a place tag they come from /results.
    await send_poster(press.callback.bot, press.user.id, poll, "")


async def on_look(press: Press) -> None:
    press.answer.text = _("This is only a preview: nothing is counted.")


ACTIONS = {
    "cancel": on_cancel, "back": moving(back_of), "next": moving(next_of), "grp": on_group, "kind": on_kind,
    "clear": on_clear_options, "lang": on_language, "cmt": on_comment, "opnow": on_opens_now, "opat": on_opens_at,
    "cl": on_close_after, "clat": on_closes_at, "pub": on_results, "live": on_results, "rem": on_remind,
    "create": on_create, "look": on_look, "tpl": on_template, **dict.fromkeys(AUDIENCE_ACTIONS, on_audience),
}
# Where each button may be pressed; anywhere else it is stale. Preview buttons only answer, wherever they are.
WHERE: dict[str, tuple[State | None, ...]] = {
    "cancel": tuple(PollStep.__states__), "back": tuple(PollStep.__states__),
    "next": (PollStep.group, PollStep.question, PollStep.options, PollStep.languages, PollStep.audience,
             PollStep.results),
    "grp": (PollStep.group,), "tpl": (PollStep.group,), "kind": (PollStep.kind,), "clear": (PollStep.options,),
    "lang": (PollStep.languages,), "cmt": (PollStep.comment,), "opnow": (PollStep.opens,), "opat": (PollStep.opens,),
    "cl": (PollStep.closes,), "clat": (PollStep.closes,), "pub": (PollStep.results,), "live": (PollStep.results,),
    "rem": (PollStep.remind,), "create": (PollStep.confirm,),
    **dict.fromkeys(AUDIENCE_ACTIONS, (PollStep.audience,)),
}


def create_router() -> Router:
    router = Router(name="poll_admin")
    router.message.filter(F.chat.type == "private", IsStaff())
    router.callback_query.filter(IsStaff())
    steps = StateFilter(*PollStep.__states__)
    typed = F.text & ~F.text.startswith("/")  # commands still work in the middle of the wizard
    router.message.register(start, Command("poll"))
    # A poll file is read outside any wizard, or in this one (it replaces the draft); in the /activity upload
    # step documents go to the CSV import, and other wizards answer documents themselves.
    router.message.register(file_received, StateFilter(None, *PollStep.__states__), F.document, is_yaml)
    router.message.register(question_received, PollStep.question, typed)
    router.message.register(options_received, PollStep.options, typed)
    router.message.register(tr_question_received, PollStep.tr_question, typed)
    router.message.register(tr_options_received, PollStep.tr_options, typed)
    router.message.register(opens_time_received, PollStep.opens_time, typed)
    router.message.register(closes_time_received, PollStep.closes_time, typed)
    router.message.register(wrong_kind, steps, ~F.text.startswith("/"))
    router.callback_query.register(pressed, PollAdminCallback.filter(F.action == "look"))
    for action, states in WHERE.items():
        router.callback_query.register(pressed, PollAdminCallback.filter(F.action == action), StateFilter(*states))
    return router
