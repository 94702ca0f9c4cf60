"""Stories of residents looking for local services: browsing, a card with today's status, map, phone, nearest."""

from datetime import UTC, datetime

from bot.library import load_library
from tests.support import onboarded
from tests.test_first_conversation import MENU, t

CHOOSE_KIND = "Which kind of service are you looking for?"


def label(library, category_id: str, locale: str) -> str:  # noqa: ANN001
    return library.category_label(category_id, locale)


async def test_amina_browses_to_the_karra_library_card_and_asks_for_the_map(resident_factory, emulator) -> None:
    library = load_library()
    amina = await onboarded(resident_factory, 401, "ar", "العربية")
    amina.send("/services")
    await amina.expect(t(CHOOSE_KIND, "ar"))
    await amina.press(label(library, "library", "ar"))
    await amina.expect()
    await amina.press("Kärra")
    listing = await amina.expect()
    karra = library.services["library-karra"]
    button = next(b["text"] for b in listing.inline_buttons() if karra.name["ar"] in b["text"])
    await amina.press(button)
    card = await amina.expect(karra.name["ar"])
    assert t("⚠️ This information may be out of date. Please check with the contact centre before you go: "
             "{phone}.", "ar").format(phone="031-365 00 00") in card.text, "unverified content says so"
    await amina.press(t("📍 Map", "ar"))
    pin = await amina.expect()
    assert pin.method == "sendVenue" and pin.location == (karra.location.lat, karra.location.lon)
    await amina.press(t("📞 Call", "ar"))
    contact = await amina.expect()
    assert contact.method == "sendContact"


async def test_the_menu_leads_to_services_and_back(resident_factory) -> None:
    sam = await onboarded(resident_factory, 402, "en", "English")
    await sam.press("🏛 Services")
    await sam.expect(CHOOSE_KIND)
    await sam.press("⬅️ Menu")
    await sam.expect(MENU)


async def test_a_card_computes_open_now_in_stockholm_time(resident_factory, clock) -> None:
    # 1177 answers day and night, every day, holidays too.
    clock.current = datetime(2026, 12, 24, 22, 30, tzinfo=UTC)
    library = load_library()
    sara = await onboarded(resident_factory, 403, "sv", "Svenska")
    sara.send("1177 sjukvårdsrådgivning")
    await sara.expect("1177")
    await sara.press(library.services["healthcare-1177"].name["sv"])
    card = await sara.expect("1177")
    assert t("🟢 Open now, day and night", "sv") in card.text
