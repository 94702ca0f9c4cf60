"""Admins see counts with correct plurals; command menus are registered per language; roles gate /admin."""

from db import users as queries
from tests.conftest import ADMIN_ID
from tests.test_first_conversation import i18n, t

PEOPLE = ("{count} person uses the bot.", "{count} people use the bot.")
BLOCKED = ("{count} of them has blocked the bot.", "{count} of them have blocked the bot.")


def plural(forms: tuple[str, str], n: int, locale: str) -> str:
    return i18n.gettext(*forms, n=n, locale=locale).format(count=n)


async def test_an_arabic_speaking_admin_reads_counts_in_every_arabic_plural_form(
    resident_factory, db, clock
) -> None:
    admin = resident_factory(ADMIN_ID, language_code="ar", first_name="Fatima")
    admin.send("/start")
    await admin.expect()
    await admin.press("العربية")
    await admin.expect()
    await admin.expect()

    seen_forms = set()
    population = 1  # the admin herself
    for total in (1, 2, 3, 11, 100):
        for user_id in range(population, total):
            await queries.get_or_create_user(db, 500_000 + user_id, "so", clock.now())
        await db.commit()
        population = total
        admin.send("/admin")
        overview = await admin.expect(plural(PEOPLE, total, "ar"), plural(BLOCKED, 0, "ar"))
        assert "Soomaali: " + str(total - 1) in overview.text
        seen_forms.add(plural(PEOPLE, total, "ar").replace(str(total), "#"))
    assert len(seen_forms) == 5, "one, two, few, many and other read differently in Arabic"


async def test_admin_is_an_unknown_command_for_everyone_else(resident_factory) -> None:
    resident = resident_factory(301, language_code="en")
    resident.send("/start")
    await resident.expect()
    await resident.press("English")
    await resident.expect()
    await resident.expect()
    resident.send("/admin")
    await resident.expect("I don't know that command")


async def test_command_menus_are_registered_in_each_language_telegram_accepts(app, emulator) -> None:
    default = emulator.commands[("default", "")]
    assert [c["command"] for c in default] == ["start", "services", "activities", "reminders", "news", "polls",
                                                 "settings", "help", "language", "privacy", "mydata", "forget"]
    assert default[7]["description"] == t("What I can do", "sv"), "the default menu is Swedish"
    for code in ("en", "ar", "so", "fa", "bs", "fi"):
        menu = emulator.commands[("default", code)]
        assert menu[8]["description"] == t("Change language", code)
    assert ("default", "ckb") not in emulator.commands, "Telegram rejects three-letter codes; Sorani gets default"


async def test_an_admin_gets_the_admin_menu_once_telegram_knows_their_chat(resident_factory, emulator) -> None:
    assert (f"chat:{ADMIN_ID}", "") not in emulator.commands
    admin = resident_factory(ADMIN_ID, language_code="fi")
    admin.send("/start")
    await admin.expect()
    menu = emulator.commands[(f"chat:{ADMIN_ID}", "fi")]
    assert menu[-1] == {"command": "admin", "description": t("Overview for administrators", "fi")}
