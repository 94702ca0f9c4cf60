"""/services: category → area → list → card, with map pin, phone and web; and "nearest" from a location."""

from datetime import date
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.numbers import format_decimal
from pydantic import ValidationError

from bot.cards import CONTACT_CENTRE, service_card
from bot.clock import Clock
from bot.config import Settings
from bot.content import text_in
from bot.directory import Location, Service
from bot.library import ContentStore, Library
from db.models import User
from handlers.common import reply
from handlers.menu import MenuCallback, stale_button

ALL = "*"
NEAREST_COUNT = 5


class ServicesCallback(CallbackData, prefix="s"):
    step: str  # categories | areas | list | card | map | call
    category: str = ""
    area: str = ""
    service: str = ""


class NearCallback(CallbackData, prefix="n"):
    category: str
    lat: float
    lon: float


def menu_row() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("⬅️ Menu"), callback_data=MenuCallback(action="menu").pack())]


def categories_markup(library: Library, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in library.categories_with_services():
        builder.button(text=library.category_label(category.id, locale),
                       callback_data=ServicesCallback(step="areas", category=category.id))
    builder.adjust(2)
    builder.row(*menu_row())
    return builder.as_markup()


def areas_markup(library: Library, category: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("All areas"), callback_data=ServicesCallback(step="list", category=category, area=ALL))
    for area in library.areas_with(category):
        builder.button(text=area.name, callback_data=ServicesCallback(step="list", category=category, area=area.id))
    builder.adjust(1, 3)
    builder.row(InlineKeyboardButton(text=_("⬅️ Back"), callback_data=ServicesCallback(step="categories").pack()),
                *menu_row())
    return builder.as_markup()


def service_button(library: Library, service: Service, locale: str, suffix: str = "") -> InlineKeyboardButton:
    label = text_in(service.name, locale)
    if service.area and library.area(service.area) and library.area(service.area).name not in label:
        label = f"{label} · {library.area(service.area).name}"
    data = ServicesCallback(step="card", category=service.category, service=service.id)
    return InlineKeyboardButton(text=f"{label}{suffix}"[:120], callback_data=data.pack())


def list_markup(library: Library, services: list[Service], category: str, locale: str) -> InlineKeyboardMarkup:
    rows = [[service_button(library, service, locale)] for service in services]
    back = ServicesCallback(step="areas", category=category)
    rows.append([InlineKeyboardButton(text=_("⬅️ Back"), callback_data=back.pack()), *menu_row()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def card_markup(service: Service) -> InlineKeyboardMarkup:
    first_row = []
    if service.location:
        first_row.append(InlineKeyboardButton(
            text=_("📍 Map"), callback_data=ServicesCallback(step="map", service=service.id).pack()))
    if service.phone:
        first_row.append(InlineKeyboardButton(
            text=_("📞 Call"), callback_data=ServicesCallback(step="call", service=service.id).pack()))
    if service.web:
        first_row.append(InlineKeyboardButton(text=_("🌐 Website"), url=service.web))
    back = ServicesCallback(step="list", category=service.category, area=ALL)
    rows = [first_row] if first_row else []
    rows.append([InlineKeyboardButton(text=_("⬅️ Back"), callback_data=back.pack()), *menu_row()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def send_card(bot: Bot, chat_id: int, service: Service, locale: str, clock: Clock, settings: Settings,
                    day: date | None = None) -> None:
    text = service_card(service, clock.now(), locale, settings.tz, day)
    await bot.send_message(chat_id, text, reply_markup=card_markup(service))


async def show_categories(message: Message, content: ContentStore, user: User) -> None:
    await message.answer(_("Which kind of service are you looking for?"),
                         reply_markup=categories_markup(content.current, user.language))


async def categories_from_menu(callback: CallbackQuery, content: ContentStore, user: User) -> None:
    await reply(callback, _("Which kind of service are you looking for?"),
                categories_markup(content.current, user.language))


async def choose_area(callback: CallbackQuery, callback_data: ServicesCallback, content: ContentStore,
                      user: User) -> None:
    library = content.current
    if library.category(callback_data.category) is None:
        await categories_from_menu(callback, content, user)
        return
    if len(library.areas_with(callback_data.category)) <= 1:
        await show_list(callback, callback_data.model_copy(update={"step": "list", "area": ALL}), content, user)
        return
    label = library.category_label(callback_data.category, user.language)
    await reply(callback, _("{category}: in which area?").format(category=escape(label)),
                areas_markup(library, callback_data.category))


async def show_list(callback: CallbackQuery, callback_data: ServicesCallback, content: ContentStore,
                    user: User) -> None:
    library = content.current
    area = None if callback_data.area == ALL else callback_data.area
    services = library.services_in(callback_data.category, area)
    label = library.category_label(callback_data.category, user.language)
    if area and library.area(area):
        label = f"{label} – {library.area(area).name}"
    if not services:
        await reply(callback, _("I have nothing listed here yet. Try all areas, or call the contact centre: {phone}.")
                    .format(phone=CONTACT_CENTRE), list_markup(library, [], callback_data.category, user.language))
        return
    await reply(callback, f"<b>{escape(label)}</b>",
                list_markup(library, services, callback_data.category, user.language))


async def show_card(callback: CallbackQuery, callback_data: ServicesCallback, content: ContentStore, user: User,
                    clock: Clock, settings: Settings) -> None:
    service = content.current.services.get(callback_data.service)
    if service is None:
        await categories_from_menu(callback, content, user)
        return
    await send_card(callback.bot, callback.from_user.id, service, user.language, clock, settings)


async def show_on_map(callback: CallbackQuery, callback_data: ServicesCallback, content: ContentStore,
                      user: User) -> None:
    service = content.current.services.get(callback_data.service)
    if service is None or service.location is None:
        await categories_from_menu(callback, content, user)
        return
    await callback.bot.send_venue(callback.from_user.id, latitude=service.location.lat,
                                  longitude=service.location.lon, title=text_in(service.name, user.language),
                                  address=service.address or text_in(service.name, "sv"))


async def share_phone(callback: CallbackQuery, callback_data: ServicesCallback, content: ContentStore,
                      user: User) -> None:
    service = content.current.services.get(callback_data.service)
    if service is None or not service.phone:
        await categories_from_menu(callback, content, user)
        return
    # A contact card: one tap on the phone calls the number (URL buttons cannot dial).
    await callback.bot.send_contact(callback.from_user.id, phone_number=service.phone,
                                    first_name=text_in(service.name, user.language)[:64])


async def location_shared(message: Message, content: ContentStore, user: User) -> None:
    library = content.current
    spot = message.location
    builder = InlineKeyboardBuilder()
    for category in library.categories_with_located_services():
        builder.button(text=library.category_label(category.id, user.language),
                       callback_data=NearCallback(category=category.id, lat=round(spot.latitude, 4),
                                                  lon=round(spot.longitude, 4)))
    builder.adjust(2)
    builder.row(*menu_row())
    await message.answer(_("Thank you. What kind of place are you looking for near you?"),
                         reply_markup=builder.as_markup())


async def nearest(callback: CallbackQuery, callback_data: NearCallback, callback_answer: CallbackAnswer,
                  content: ContentStore, user: User) -> None:
    library = content.current
    try:
        here = Location(lat=callback_data.lat, lon=callback_data.lon)
    except ValidationError:  # forged coordinates; a real location button always carries valid ones
        await stale_button(callback, callback_answer)
        return
    found = library.nearest(callback_data.category, here, NEAREST_COUNT)
    label = library.category_label(callback_data.category, user.language)
    rows = [[service_button(library, service, user.language,
                            f" · {format_decimal(round(km, 1), locale=user.language)} km")]
            for service, km in found]
    rows.append(menu_row())
    await reply(callback, _("Nearest first: {category}").format(category=escape(label)),
                InlineKeyboardMarkup(inline_keyboard=rows))


def create_router() -> Router:
    router = Router(name="services")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_categories, Command("services"))
    # Only outside a conversation: a pin sent inside a wizard (activities, staff) belongs to that step.
    router.message.register(location_shared, F.location, StateFilter(None))
    router.callback_query.register(categories_from_menu, MenuCallback.filter(F.action == "services"))
    router.callback_query.register(categories_from_menu, ServicesCallback.filter(F.step == "categories"))
    router.callback_query.register(choose_area, ServicesCallback.filter(F.step == "areas"))
    router.callback_query.register(show_list, ServicesCallback.filter(F.step == "list"))
    router.callback_query.register(show_card, ServicesCallback.filter(F.step == "card"))
    router.callback_query.register(show_on_map, ServicesCallback.filter(F.step == "map"))
    router.callback_query.register(share_phone, ServicesCallback.filter(F.step == "call"))
    router.callback_query.register(nearest, NearCallback.filter())
    return router
