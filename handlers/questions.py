"""Free-text questions: the answer in the language they were asked in, or suggestions and the contact centre."""


from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import unanswered
from bot.answers import Answer
from bot.cards import CONTACT_CENTRE, faq_answer
from bot.clock import Clock
from bot.config import Settings
from bot.content import text_in
from bot.directory import FaqEntry, Service
from bot.languages import LANGUAGES
from bot.library import ContentStore, Library
from db.models import User
from handlers.guards import Onboarded
from handlers.menu import MenuCallback, back_to_menu_markup, stale_button
from handlers.services import ServicesCallback, send_card, service_button

# Telegram allows 4096 characters; a question longer than this is almost never one question.
LONG_MESSAGE = 1000
RELATED_BUTTONS = 3


class AnswerCallback(CallbackData, prefix="a"):
    kind: str  # "faq" or "service"
    id: str
    lang: str  # the language the question was asked in, for the answer

    @classmethod
    def for_key(cls, key: str, lang: str) -> "AnswerCallback":
        kind, _, ident = key.partition(":")
        return cls(kind=kind, id=ident, lang=lang)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def menu_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅️ Menu"), callback_data=MenuCallback(action="menu").pack())


def faq_markup(library: Library, entry: FaqEntry, locale: str) -> InlineKeyboardMarkup:
    rows = [[service_button(library, library.services[sid], locale)]
            for sid in [*entry.answers_for, *entry.services][:RELATED_BUTTONS] if sid in library.services]
    for category in entry.categories[:RELATED_BUTTONS - len(rows)]:
        if library.category(category) and library.services_in(category, None):
            data = ServicesCallback(step="areas", category=category)
            label = library.category_label(category, locale)
            rows.append([InlineKeyboardButton(text=label, callback_data=data.pack())])
    rows.append([menu_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def suggestion_label(item: FaqEntry | Service, locale: str) -> str:
    if isinstance(item, FaqEntry):
        questions = item.questions.get(locale) or item.questions["sv"]
        return questions[0][:120]
    return text_in(item.name, locale)[:120]


async def send_answer(message: Message, answer: Answer, library: Library, clock: Clock, settings: Settings) -> None:
    locale = answer.language
    if answer.kind == "faq":
        await message.answer(faq_answer(answer.faq, locale), reply_markup=faq_markup(library, answer.faq, locale))
    elif answer.kind == "services" and len(answer.services) == 1:
        await send_card(message.bot, message.chat.id, answer.services[0], locale, clock, settings, answer.day)
    elif answer.kind == "services":
        rows = [[service_button(library, service, locale)] for service in answer.services]
        await message.answer(_("Here is what I found. Choose one:"),
                             reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, [menu_button()]]))
    elif answer.suggestions:
        rows = [[InlineKeyboardButton(text=suggestion_label(library.answerer.lookup(key), locale),
                                      callback_data=AnswerCallback.for_key(key, locale).pack())]
                for key in answer.suggestions if library.answerer.lookup(key)]
        text = "\n\n".join((_("I am not sure what you mean. Did you mean one of these?"),
                            _("If not, the city's contact centre can help: {phone}.").format(phone=CONTACT_CENTRE)))
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, [menu_button()]]))
    else:
        await message.answer(
            _("Sorry, I don't know the answer to that. The city's contact centre can help: {phone}. "
              "In an emergency, call 112.").format(phone=CONTACT_CENTRE),
            reply_markup=back_to_menu_markup(),
        )


async def question(message: Message, user: User, content: ContentStore, clock: Clock, settings: Settings,
                   i18n: I18n, session: AsyncSession) -> None:
    if len(message.text) > LONG_MESSAGE:
        await message.answer(_("That is a long message. Please ask one short question at a time."),
                             reply_markup=back_to_menu_markup())
        return
    library = content.current
    today = clock.now().astimezone(settings.tz).date()
    answer = library.answerer.answer(message.text, user.language, today)
    with i18n.use_locale(answer.language):
        await send_answer(message, answer, library, clock, settings)
    if not answer.confident:
        # Kept masked and unlinked, so staff can see where the FAQ should grow.
        await unanswered.record(session, message.text, answer.language, clock.now())


async def suggestion_chosen(callback: CallbackQuery, callback_data: AnswerCallback, callback_answer: CallbackAnswer,
                            user: User, content: ContentStore, clock: Clock, settings: Settings, i18n: I18n) -> None:
    library = content.current
    item = library.answerer.lookup(callback_data.key)
    locale = callback_data.lang if callback_data.lang in LANGUAGES else user.language
    if not isinstance(item, FaqEntry | Service):
        await stale_button(callback, callback_answer)
        return
    with i18n.use_locale(locale):
        if isinstance(item, FaqEntry):
            await callback.bot.send_message(callback.from_user.id, faq_answer(item, locale),
                                            reply_markup=faq_markup(library, item, locale))
        else:
            await send_card(callback.bot, callback.from_user.id, item, locale, clock, settings)


def create_router() -> Router:
    router = Router(name="questions")
    router.message.filter(F.chat.type == "private")
    router.message.register(question, F.text, ~F.text.startswith("/"), Onboarded())
    router.callback_query.register(suggestion_chosen, AnswerCallback.filter())
    return router
