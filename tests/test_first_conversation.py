"""Stories of a resident's first minutes with the bot: language choice, consent, menu, help and privacy."""

import pytest
from sqlalchemy import select

from bot.i18n import create_i18n
from bot.languages import LANGUAGES
from db.models import User
from tests.support import eventually

i18n = create_i18n()


def t(message: str, locale: str) -> str:
    return i18n.gettext(message, locale=locale)


CHOOSE = "Which language do you want me to use?"
DONE = "Done! From now on I will write to you in English."
MENU = "What can I help you with? Choose below, or just write your question in your own words."


async def test_amina_starts_in_arabic_from_her_phone_language(resident_factory, db) -> None:
    amina = resident_factory(101, language_code="ar")
    amina.send("/start")
    greeting = await amina.expect(t(CHOOSE, "ar"))
    labels = [button["text"] for button in greeting.inline_buttons()]
    assert labels == list(LANGUAGES.values()), "every language is offered, each in its own name"

    answer = await amina.press("العربية")
    assert answer.get("text") == "العربية"
    confirmation = await amina.expect(t(DONE, "ar"), "/privacy")
    assert "🔒" in confirmation.text, "the two-line privacy notice comes with the first choice"
    menu = await amina.expect(t(MENU, "ar"))
    assert [b["text"] for b in menu.inline_buttons()] == [t("🏛 Services", "ar"), t("📅 Activities", "ar"),
                                                          t("📰 News", "ar"), t("🗳 Polls", "ar"), t("⚙️ Settings", "ar"),
                                                          t("❓ Help", "ar"),
                                                          t("🌐 Language", "ar"), t("🔒 Privacy", "ar")]
    assert greeting.reply_markup is None or not greeting.inline_buttons(), "spent language buttons are removed"

    async def stored_choice() -> tuple[str, bool]:
        await db.rollback()  # a fresh snapshot: the bot commits just after it replies
        user = await db.get(User, 101, populate_existing=True)
        return user.language, user.consent_at is not None

    await eventually(stored_choice, ("ar", True))


@pytest.mark.parametrize(
    ("telegram_language", "expected"),
    [("sv", "sv"), ("en-GB", "en"), ("fa", "fa"), ("hr", "bs"), ("sr", "bs"), ("de", "sv"), (None, "sv")],
)
async def test_the_first_screen_speaks_the_phone_language_when_we_can(
    resident_factory, telegram_language, expected
) -> None:
    resident = resident_factory(102, language_code=telegram_language)
    resident.send("/start")
    await resident.expect(t(CHOOSE, expected))


async def test_a_resident_switches_language_and_the_bot_follows(resident_factory, db) -> None:
    juha = resident_factory(103, language_code="sv", first_name="Juha")
    juha.send("/start")
    await juha.expect(t(CHOOSE, "sv"))
    await juha.press("Svenska")
    await juha.expect(t(DONE, "sv"))
    await juha.expect(t(MENU, "sv"))

    juha.send("/language")
    await juha.expect(t(CHOOSE, "sv"))
    await juha.press("Suomi")
    done = await juha.expect(t(DONE, "fi"))
    assert "/privacy" not in done.text, "the privacy notice is shown once, at the first choice"
    await juha.expect(t(MENU, "fi"))

    juha.send("/help")
    await juha.expect(t("What I can do", "fi"), "/language")
    user = await db.get(User, 103)
    await db.refresh(user)
    assert user.language == "fi"


async def test_the_menu_leads_to_help_privacy_and_language_and_back(resident_factory, clock) -> None:
    sara = resident_factory(104, language_code="en")
    sara.send("/start")
    await sara.expect(t(CHOOSE, "en"))
    await sara.press("English")
    await sara.expect(DONE)
    await sara.expect(MENU)

    await sara.press("❓ Help")
    await sara.expect("/privacy", "031-365 00 00")
    await sara.press("⬅️ Menu")
    await sara.expect(MENU)
    await sara.press("🔒 Privacy")
    privacy = await sara.expect("Your data", "30 November 2026")
    assert privacy.html.startswith("<b>"), "the heading is bold HTML that Telegram accepted"
    await sara.press("🌐 Language")
    await sara.expect(CHOOSE)


async def test_a_returning_resident_is_welcomed_back_without_the_language_question(resident_factory) -> None:
    omar = resident_factory(105, language_code="so")
    omar.send("/start")
    await omar.expect(t(CHOOSE, "so"))
    await omar.press("Soomaali")
    await omar.expect(t(DONE, "so"))
    await omar.expect(t(MENU, "so"))
    omar.send("/start")
    await omar.expect(t("Welcome back!", "so"), t(MENU, "so"))


async def test_privacy_dates_are_local_and_in_the_residents_language(resident_factory, clock) -> None:
    # 23:30 UTC on 28 March is already 29 March in Stockholm (UTC+1 that night).
    clock.current = clock.current.replace(year=2026, month=3, day=28, hour=23, minute=30)
    leila = resident_factory(106, language_code="fa")
    leila.send("/start")
    await leila.expect(t(CHOOSE, "fa"))
    await leila.press("Svenska")
    await leila.expect(t(DONE, "sv"))
    await leila.expect(t(MENU, "sv"))
    leila.send("/privacy")
    await leila.expect("29 mars 2026")


async def test_last_seen_moves_with_the_clock_and_first_seen_stays(resident_factory, clock, db) -> None:
    ali = resident_factory(107)
    ali.send("/start")
    await ali.expect()
    first = clock.now()
    clock.advance(days=3)
    ali.send("/help")
    await ali.expect()
    async def seen() -> tuple:
        await db.rollback()  # a fresh snapshot: the bot commits just after it replies
        return tuple((await db.execute(select(User.first_seen, User.last_seen).where(User.id == 107))).one())

    await eventually(seen, (first, clock.now()))
