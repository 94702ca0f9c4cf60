"""/settings: a resident chooses an area and quiet hours; both are stored and shown back."""

from sqlalchemy import select

from db.models import User
from tests.support import eventually, onboarded
from tests.test_first_conversation import t


async def test_a_resident_chooses_area_and_quiet_hours(resident_factory, db) -> None:
    sara = await onboarded(resident_factory, 851, "en", "English")
    sara.send("/settings")
    await sara.expect(t("Quiet hours: {hours}", "en").format(hours="21:00–08:00"),
                      t("Your area: {area}", "en").format(area=t("not chosen", "en")))
    await sara.press(t("📍 My area", "en"))
    await sara.expect(t("Where do you live? Choose your area.", "en"))
    answer = await sara.press("Kärra")
    assert answer.get("text") == t("Saved.", "en")
    await sara.expect(t("Your area: {area}", "en").format(area="Kärra"))
    await sara.press(t("🌙 Quiet hours", "en"))
    await sara.expect()
    await sara.press("22:00–07:00")
    await sara.expect(t("Quiet hours: {hours}", "en").format(hours="22:00–07:00"))

    async def stored() -> tuple:
        await db.rollback()
        return tuple((await db.execute(select(User.area, User.quiet_from, User.quiet_until)
                                       .where(User.id == 851))).one())

    await eventually(stored, ("karra", 22 * 60, 7 * 60))


async def test_forged_settings_buttons_change_nothing(resident_factory, db) -> None:
    omar = await onboarded(resident_factory, 852, "sv", "Svenska")
    omar.send("/settings")
    screen = await omar.expect()
    for forged in ("set:hours:0-0", "set:hours:abc", "set:area:atlantis"):
        answer = await omar.press_data(screen.message_id, forged)
        assert answer.get("text") == t("This button no longer works. Here is the menu.", "sv")
        await omar.expect()
    await db.rollback()
    user = await db.get(User, 852)
    assert (user.area, user.quiet_from, user.quiet_until) == (None, 21 * 60, 8 * 60)
