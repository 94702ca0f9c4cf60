"""Residents ask in their own words and languages; the bot answers, suggests, or honestly does not know."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.library import ContentStore
from tests.conftest import ADMIN_ID
from tests.support import onboarded
from tests.test_first_conversation import t

QUESTIONS = [
    # (language the resident chose, the question, a text the answer must contain, the language it comes in)
    ("sv", "hur ställer jag mitt barn i kö till förskolan", "preschool-apply", "sv"),
    ("sv", "How do I get a library card?", "library-card", "en"),
    ("sv", "كيف أسجل في دروس اللغة السويدية SFI", "sfi-start", "ar"),
    ("sv", "Sidee baan u helaa kaalmada dhaqaalaha ekonomiskt bistånd", "financial-aid", "so"),
    ("sv", "چطور برای بچه‌ام در پیش‌دبستانی ثبت نام کنم", "preschool-apply", "fa"),
    ("sv", "Kako da nađem posao, ko mi može pomoći", "job-help", "bs"),
    ("sv", "چۆن ناوی منداڵەکەم بۆ باخچەی ساوایان تۆمار بکەم", "preschool-apply", "ckb"),
    ("sv", "Miten haen toimeentulotukea", "financial-aid", "fi"),
]


@pytest.mark.parametrize(("chosen", "question", "faq_id", "language"), QUESTIONS)
async def test_a_question_is_answered_in_the_language_it_was_asked_in(
    resident_factory, content, chosen, question, faq_id, language
) -> None:
    resident = await onboarded(resident_factory, 600 + QUESTIONS.index((chosen, question, faq_id, language)),
                               chosen, "Svenska")
    resident.send(question)
    entry = content.current.faq[faq_id]
    reply = await resident.expect()
    if reply.text.startswith(t("I am not sure what you mean. Did you mean one of these?", language)):
        # Not sure enough to answer outright: the right answer must be the first suggestion, in that language.
        first = reply.inline_buttons()[0]
        assert first["text"] == entry.questions[language][0][:120], reply.inline_buttons()
        await resident.press(first["text"])
        reply = await resident.expect()
    assert entry.answer[language].split("\n")[0].strip()[:60] in reply.text
    assert reply.inline_buttons()[-1]["text"] == t("⬅️ Menu", language), "the way back is in that language too"


async def test_bibliotek_karra_without_dots_finds_the_karra_library_card(resident_factory, content) -> None:
    amina = await onboarded(resident_factory, 620, "sv", "Svenska")
    amina.send("bibliotek karra")
    card = await amina.expect(content.current.services["library-karra"].name["sv"])
    assert t("📍 Map", "sv") in [b["text"] for b in card.inline_buttons()]


async def test_a_question_the_bot_cannot_answer_gets_no_guess_but_the_contact_centre(resident_factory) -> None:
    omar = await onboarded(resident_factory, 621, "en", "English")
    omar.send("who won the football match yesterday")
    reply = await omar.expect("031-365 00 00")
    assert "Did you mean" in reply.text or "I don't know" in reply.text


async def test_an_unsure_question_offers_suggestions_that_open_the_answer(resident_factory, content) -> None:
    lina = await onboarded(resident_factory, 622, "sv", "Svenska")
    lina.send("hjälp")
    reply = await lina.expect("Jag är inte säker på vad du menar", "031-365 00 00")
    suggestions = [b for b in reply.inline_buttons() if b["callback_data"].startswith("a:")]
    assert 1 <= len(suggestions) <= 3
    await lina.press(suggestions[0]["text"])
    kind, ident = suggestions[0]["callback_data"].split(":")[1:3]
    entry = content.current.faq.get(ident) if kind == "faq" else content.current.services[ident]
    answer = await lina.expect()
    assert (entry.answer["sv"] if kind == "faq" else entry.name["sv"])[:40] in answer.text


async def test_sharing_a_location_lists_the_nearest_libraries_with_distances(resident_factory, content) -> None:
    library = content.current
    hodan = await onboarded(resident_factory, 623, "so", "Soomaali")
    karra = library.services["library-karra"].location
    hodan.send_content(location={"latitude": karra.lat, "longitude": karra.lon})
    await hodan.expect(t("Thank you. What kind of place are you looking for near you?", "so"))
    await hodan.press(library.category_label("library", "so"))
    nearest = await hodan.expect()
    first = nearest.inline_buttons()[0]["text"]
    assert library.services["library-karra"].name["so"] in first and "0 km" in first, first
    assert "km" in nearest.inline_buttons()[1]["text"]


@pytest.fixture
def content_with_hours(tmp_path: Path) -> ContentStore:
    """A copy of the shipped content where Kärra library has opening hours, to see the status computed."""
    folder = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    path = folder / "services" / "library.yaml"
    services = yaml.safe_load(path.read_text(encoding="utf-8"))
    for service in services:
        if service["id"] == "library-karra":
            service["hours"] = {"mon": "10:00-19:00", "tue": "10:00-19:00", "wed": "10:00-19:00",
                                "thu": "10:00-19:00", "fri": "10:00-16:00", "sat": "11:00-15:00"}
    path.write_text(yaml.safe_dump(services, allow_unicode=True), encoding="utf-8")
    return ContentStore(folder)


@pytest.fixture
def content(content_with_hours: ContentStore) -> ContentStore:  # noqa: F811 - overrides conftest for this module
    return content_with_hours


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 11, 30, 11, 0, tzinfo=UTC), "🟢 Open now, closes at 19:00"),  # Monday 12:00 in Stockholm
    (datetime(2026, 11, 30, 6, 0, tzinfo=UTC), "🔴 Closed now, opens today at 10:00"),
    (datetime(2026, 12, 4, 16, 0, tzinfo=UTC), "🔴 Closed now, opens tomorrow at 11:00"),  # Friday 17:00
    (datetime(2026, 12, 24, 11, 0, tzinfo=UTC), "🔴 Closed today: public holiday (Julafton)"),
])
async def test_the_card_computes_the_status_in_stockholm_time(resident_factory, clock, moment, expected) -> None:
    clock.current = moment
    sam = await onboarded(resident_factory, 630, "en", "English")
    sam.send("Kärra library")
    await sam.expect(expected)


async def test_asking_about_saturday_shows_saturdays_hours(resident_factory, clock) -> None:
    clock.current = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    sara = await onboarded(resident_factory, 631, "sv", "Svenska")
    sara.send("har kärra bibliotek öppet på lördag")
    await sara.expect("🕒 lördag: 11:00–15:00")


async def test_an_admin_reloads_content_and_a_broken_file_keeps_the_last_good_one(
    resident_factory, content_with_hours
) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    services_file = content_with_hours.directory / "services" / "library.yaml"
    services_file.write_text(services_file.read_text(encoding="utf-8").replace("category: library", "category: x", 1),
                             encoding="utf-8")
    admin.send("/admin")
    await admin.expect("uses the bot")
    await admin.press("🔄 Reload content")
    report = await admin.expect("The content was NOT reloaded")
    assert "library-backa" in report.text and "category" in report.text, "names the entry and the field"
    admin.send("Kärra library")
    await admin.expect("Kärra Library"), "the bot still answers from the last good content"
