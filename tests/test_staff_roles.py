"""Staff and theme-group roles: an admin's one-time invite links, members and revocation, the audit log, and
/admin's counts by area; everything an admin may do stays hidden from everyone else."""

import asyncio
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cards import clock_time
from bot.i18n import format_day
from db import users as queries
from db.models import AuditEntry, Invite, Role
from tests.conftest import ADMIN_ID
from tests.support import Resident, eventually, onboarded
from tests.test_first_conversation import CHOOSE, MENU, t

LINK = re.compile(r"https://t\.me/norra_hisingen_bot\?start=([A-Za-z0-9_-]+)")
NO_LONGER_VALID = "This invite link is no longer valid. Ask the person who sent it for a new one."
STAFF_WELCOME = ("Welcome to the team! You are now staff in the Norra Hisingen assistant. "
                 "You can send announcements to residents with /announce.")
GROUP_WELCOME = ("Welcome! You are now a member of the theme group <b>{group}</b>. When residents have answered "
                 "polls, you will be able to read the results here.")
UNKNOWN = "I don't know that command. Here is what I can do: /help"
STALE = "This button no longer works. Here is the menu."


def plain(html: str) -> str:
    return re.sub(r"</?b>", "", html)


async def admin_overview(admin: Resident, lang: str = "en") -> None:
    admin.send("/admin")
    await admin.expect(t("By area:", lang))


async def invite_link(admin: Resident, *labels: str) -> tuple[str, str]:
    """The admin presses through /admin to a new invite link; returns (code, the whole message)."""
    await admin_overview(admin)
    for label in labels[:-1]:
        await admin.press(label)
        await admin.expect()
    await admin.press(labels[-1])
    message = await admin.expect(pattern=LINK.pattern)
    return LINK.search(message.text).group(1), message.text


def command_names(emulator, user_id: int, lang: str) -> list[str]:  # noqa: ANN001
    menu = emulator.commands.get((f"chat:{user_id}", lang)) or emulator.commands[("default", lang)]
    return [command["command"] for command in menu]


async def audit_rows(db) -> list[tuple[str, int | None, str, str]]:  # noqa: ANN001
    await db.rollback()  # a fresh snapshot: the bot commits just after it replies
    rows = await db.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(row.action, row.actor_id, row.subject, row.detail) for row in rows]


async def test_a_staff_invite_works_once_and_gives_the_announce_command(resident_factory, emulator, db,
                                                                       clock, settings) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    code, shown = await invite_link(admin, t("➕ Invite staff", "en"))
    expires = (clock.now() + timedelta(days=7)).astimezone(ZoneInfo(settings.timezone))
    assert format_day(expires, "en", settings.tz) in shown and clock_time(expires.time(), "en") in shown, \
        "the admin sees until when the link works, in local time"

    async def invites_stored() -> int:
        await db.rollback()
        return len((await db.scalars(select(Invite))).all())

    await eventually(invites_stored, 1)
    invite = await db.scalar(select(Invite))
    assert invite.code_hash != code and code not in invite.code_hash, "only a hash of the code is stored"

    emulator.add_user(302, first_name="Erik", last_name="Berg", username="erik_b", language_code="en")
    erik = await onboarded(resident_factory, 302, "en", "English")
    assert "announce" not in command_names(emulator, 302, "en")
    erik.send(f"/start {code}")
    welcome = await erik.expect(t(STAFF_WELCOME, "en"))
    assert welcome.inline_buttons(), "a way back to the menu"
    await wait_for_command(emulator, 302, "en", present=True)

    async def erik_roles() -> list[tuple[str, str, str, int | None]]:
        await db.rollback()
        rows = await db.scalars(select(Role).where(Role.user_id == 302))
        return [(row.role, row.scope, row.holder_name, row.granted_by) for row in rows]

    await eventually(erik_roles, [("staff", "", "Erik Berg @erik_b", ADMIN_ID)])

    sara = await onboarded(resident_factory, 303, "en", "English")
    sara.send(f"/start {code}")
    await sara.expect(t(NO_LONGER_VALID, "en"))
    await sara.expect(t("Welcome back!", "en"), t(MENU, "en"))
    assert "announce" not in command_names(emulator, 303, "en")
    assert await queries.roles_of(db, 303) == set()

    rows = await audit_rows(db)
    assert rows[0][:3] == ("invite.created", ADMIN_ID, "staff")
    assert rows[1] == ("role.granted", ADMIN_ID, "302", "staff"), "the invite's creator granted it"


async def test_an_expired_link_is_refused_kindly_and_the_newcomer_still_chooses_a_language(
    resident_factory, emulator, db, clock
) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    code, _ = await invite_link(admin, t("➕ Invite staff", "en"))
    clock.advance(days=8)
    newcomer = resident_factory(304, language_code="en")
    newcomer.send(f"/start {code}")
    await newcomer.expect(t(NO_LONGER_VALID, "en"))
    await newcomer.expect(t(CHOOSE, "en"))
    assert await queries.roles_of(db, 304) == set()


async def test_unknown_codes_are_refused_and_unknown_poll_links_are_explained(resident_factory) -> None:
    resident = await onboarded(resident_factory, 305, "en", "English")
    resident.send("/start abcdefghijklmnopqrstuv")
    await resident.expect(t(NO_LONGER_VALID, "en"))
    await resident.expect(t("Welcome back!", "en"))
    resident.send("/start <b>&amp;")
    await resident.expect(t(NO_LONGER_VALID, "en"))
    await resident.expect(t("Welcome back!", "en"))
    resident.send("/start poll-42")
    await resident.expect(t("I could not find that poll. Here are the open ones: /polls", "en"))
    await resident.expect(t("Welcome back!", "en"))
    await resident.expect_silence()


async def test_an_admin_opening_an_invite_leaves_it_for_the_person_it_is_meant_for(resident_factory, db) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    code, _ = await invite_link(admin, t("➕ Invite staff", "en"))
    admin.send(f"/start {code}")
    await admin.expect("You are an administrator")
    await admin.expect(t("Welcome back!", "en"))
    staff = await onboarded(resident_factory, 306, "en", "English")
    staff.send(f"/start {code}")
    await staff.expect(t(STAFF_WELCOME, "en"))


async def test_theme_group_member_joins_is_listed_and_an_admin_removes_them(resident_factory, emulator, db) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    group_code, shown = await invite_link(admin, t("➕ Invite to a theme group", "en"), "Young people 15–24")
    assert "Young people 15–24" in shown

    # A newcomer who has never written: the welcome in Telegram's language, then the language choice.
    emulator.add_user(307, first_name="Layla <&>", language_code="ar")
    layla = resident_factory(307, language_code="ar")
    layla.send(f"/start {group_code}")
    group_ar = "الشباب من 15 إلى 24 سنة"
    await layla.expect(plain(t(GROUP_WELCOME, "ar").format(group=group_ar)))
    await layla.expect(t(CHOOSE, "ar"))
    await layla.press("العربية")
    await layla.expect()
    await layla.expect()
    await eventually(lambda: _roles(db, 307), {("theme_group", "young-people")})

    staff_code, _ = await invite_link(admin, t("➕ Invite staff", "en"))
    omar = await onboarded(resident_factory, 308, "so", "Soomaali")
    omar.send(f"/start {staff_code}")
    await omar.expect()
    await wait_for_command(emulator, 308, "so", present=True)

    await admin_overview(admin)
    await admin.press(t("👥 Members", "en"))
    members = await admin.expect("Layla <&>", "Young people 15–24", "Amina", t("Staff", "en"))
    labels = [button["text"] for button in members.inline_buttons()]
    assert "🗑 1. Layla <&>" in labels and "🗑 2. Amina" in labels

    await admin.press("🗑 2. Amina")
    await admin.expect(plain(t("Take the role <b>{role}</b> away from <b>{name}</b>? I will tell them, and their "
                               "commands change at once.", "en").format(role=t("Staff", "en"), name="Amina")))
    await admin.press(t("No, keep", "en"))
    await admin.expect("Amina")
    assert await _roles(db, 308) == {("staff", "")}

    await admin.press("🗑 2. Amina")
    await admin.expect()
    await admin.press(t("Yes, remove", "en"))
    await admin.expect(t("Done: {name} no longer has the role {role}.", "en").format(name="Amina",
                                                                                     role=t("Staff", "en")))
    await omar.expect(t("An administrator has taken away your staff role, so you can no longer send announcements. "
                        "You can still use me like every resident.", "so"))
    await eventually(lambda: _roles(db, 308), set())
    await wait_for_command(emulator, 308, "so", present=False)
    omar.send("/announce")
    await omar.expect(t(UNKNOWN, "so"))

    await admin.press(t("Yes, remove", "en"))  # a double tap on the spent confirmation
    await admin.expect(t("This person no longer has that role.", "en"))

    await admin.press("🗑 1. Layla <&>")
    await admin.expect()
    await admin.press(t("Yes, remove", "en"))
    await admin.expect()
    await layla.expect("الشباب من 15 إلى 24 سنة")
    await eventually(lambda: _roles(db, 307), set())

    rows = await audit_rows(db)
    assert ("role.granted", ADMIN_ID, "307", "theme_group/young-people") in rows
    assert ("role.revoked", ADMIN_ID, "308", "staff") in rows
    assert ("role.revoked", ADMIN_ID, "307", "theme_group/young-people") in rows
    assert [row[0] for row in rows].count("invite.created") == 2

    await admin_overview(admin)
    await admin.press(t("🧾 Audit log", "en"))
    log = await admin.expect("role.revoked · 307", "role.granted · 308", "invite.created · staff")
    assert log.text.index("role.revoked · 307") < log.text.index("invite.created · staff"), "newest first"


async def _roles(db, user_id: int) -> set[tuple[str, str]]:  # noqa: ANN001
    await db.rollback()
    return await queries.roles_of(db, user_id)


async def wait_for_command(emulator, user_id: int, lang: str, present: bool) -> None:  # noqa: ANN001
    for _ in range(200):
        if ("announce" in command_names(emulator, user_id, lang)) == present:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"/announce {'missing from' if present else 'still in'} the menu of {user_id}")


async def test_members_come_in_pages(resident_factory, db, clock) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    for number in range(1, 13):
        user_id = 600_000 + number
        await queries.get_or_create_user(db, user_id, "sv", clock.now())
        await queries.grant_role(db, user_id, "staff", clock.now() + timedelta(minutes=number),
                                 holder_name=f"Person {number:02d}")
    await db.commit()
    await admin_overview(admin)
    await admin.press(t("👥 Members", "en"))
    first = await admin.expect("Person 01", "Person 10")
    assert "Person 11" not in first.text
    await admin.press(t("Next ▶️", "en"))
    second = await admin.expect("11. Person 11", "12. Person 12")
    assert "Person 10" not in second.text
    await admin.press(t("◀️ Previous", "en"))
    await admin.expect("Person 01")


async def test_admin_and_its_buttons_do_nothing_for_anyone_else(resident_factory, emulator, db, clock) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    await admin_overview(admin)
    stranger = await onboarded(resident_factory, 309, "en", "English")
    await queries.get_or_create_user(db, 311, "sv", clock.now())
    await queries.grant_role(db, 311, "staff", clock.now(), holder_name="Kim")
    await db.commit()
    role_id = await db.scalar(select(Role.id).where(Role.user_id == 311))

    stranger.send("/admin")
    await stranger.expect(t(UNKNOWN, "en"))
    # Old or forged admin buttons: each press is answered as stale, and nothing changes.
    last = emulator.messages(309)[-1].message_id
    for data in ("adm:members", "adm:audit", "adinv:staff:", "admem:0", f"adrm:ask:{role_id}:0",
                 f"adrm:yes:{role_id}:0"):
        answer = await stranger.press_data(last, data)
        assert answer.get("text") == t(STALE, "en")
        await stranger.expect(t(MENU, "en"))
    await db.rollback()
    assert await queries.roles_of(db, 311) == {("staff", "")}
    assert await db.scalar(select(Invite)) is None, "no invite was made"
    assert not [row for row in await audit_rows(db) if row[1] == 309]


async def test_admin_counts_residents_by_area_in_the_admins_language(resident_factory, db, clock,
                                                                    content) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "ar", "العربية")
    for user_id, area in ((1001, "backa"), (1002, "backa"), (1003, "tuve"), (1004, None), (1005, "gone-area")):
        user = await queries.get_or_create_user(db, user_id, "sv", clock.now())
        user.area = area
    await db.commit()
    admin.send("/admin")
    tuve = content.current.content.area("tuve").name_in("ar")
    overview = await admin.expect(t("By area:", "ar"), "باكا: 2", f"{tuve}: 1", "Rödbo: 0", "gone-area: 1",
                                  t("No area chosen: {count}", "ar").format(count=2))
    labels = [button["text"] for button in overview.inline_buttons()]
    for label in ("👥 Members", "➕ Invite staff", "➕ Invite to a theme group", "🧾 Audit log", "🔄 Reload content"):
        assert t(label, "ar") in labels


async def test_two_people_racing_for_one_link_one_of_them_gets_it(resident_factory, db) -> None:
    admin = await onboarded(resident_factory, ADMIN_ID, "en", "English")
    code, _ = await invite_link(admin, t("➕ Invite staff", "en"))
    first = await onboarded(resident_factory, 312, "en", "English")
    second = await onboarded(resident_factory, 313, "en", "English")
    first.send(f"/start {code}")
    second.send(f"/start {code}")
    answers = [(await first.expect()).text, (await second.expect()).text]
    assert sorted(text.startswith("Welcome to the team") for text in answers) == [False, True], answers
    assert any(t(NO_LONGER_VALID, "en") in text for text in answers)

    async def holders() -> int:
        await db.rollback()
        return len((await db.scalars(select(Role))).all())

    await eventually(holders, 1)
