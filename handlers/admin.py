"""/admin for administrators: counts of residents, invites for staff and theme groups, members, the audit log
and the content reload. The router's IsAdmin filter hides all of it from everyone else: to them /admin is an
unknown command and an old admin button is a stale one."""

from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_datetime
from sqlalchemy.ext.asyncio import AsyncSession

from bot import activities, audit, invites, roles, unanswered, users
from bot.cards import clock_time
from bot.clock import Clock
from bot.commands import refresh_commands
from bot.config import Settings
from bot.content import Content, text_in
from bot.i18n import BABEL_LOCALES, format_day, ngettext
from bot.languages import LANGUAGES
from bot.library import ContentStore
from db import users as queries
from db.models import Role
from handlers.common import remove_buttons, reply
from handlers.guards import IsAdmin
from handlers.menu import back_to_menu_markup, stale_button

_NAME_ON_BUTTON = 30  # characters of a member's name on a Remove button


class AdminCallback(CallbackData, prefix="adm"):
    action: str  # overview, reload, members, groups, audit


class InviteCallback(CallbackData, prefix="adinv"):
    role: str
    scope: str = ""  # a theme group's id (a slug of at most 40 characters: the data stays under 64 bytes)


class MembersCallback(CallbackData, prefix="admem"):
    page: int


class RemoveCallback(CallbackData, prefix="adrm"):
    action: str  # ask, yes
    role_id: int
    page: int  # where to go back to


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _with_way_back(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    back = _button(_("⬅️ Admin overview"), AdminCallback(action="overview"))
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [back], *back_to_menu_markup().inline_keyboard])


# --- overview ---------------------------------------------------------------------------------------------

def overview_markup() -> InlineKeyboardMarkup:
    rows = [
        [_button(_("👥 Members"), MembersCallback(page=0))],
        [_button(_("➕ Invite staff"), InviteCallback(role=roles.STAFF)),
         _button(_("➕ Invite to a theme group"), AdminCallback(action="groups"))],
        [_button(_("🧾 Audit log"), AdminCallback(action="audit")),
         _button(_("🔄 Reload content"), AdminCallback(action="reload"))],
        [_button(_("❓ Unanswered questions"), AdminCallback(action="unanswered"))],
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *back_to_menu_markup().inline_keyboard])


def area_lines(counts: dict[str | None, int], content: Content, locale: str) -> list[str]:
    """Every area in content order, then ids no longer in content, then people who chose none."""
    known = [area.id for area in content.areas]
    lines = [f"{escape(area.name_in(locale))}: {counts.get(area.id, 0)}" for area in content.areas]
    lines += [f"{escape(area)}: {count}" for area, count in counts.items() if area is not None and area not in known]
    lines.append(_("No area chosen: {count}").format(count=counts.get(None, 0)))
    return lines


async def overview_text(session: AsyncSession, content: Content, locale: str) -> str:
    counts = await users.resident_counts(session)
    by_area = await queries.count_users_by_area(session)
    lines = [
        _("<b>Residents</b>"),
        ngettext("{count} person uses the bot.", "{count} people use the bot.", counts.total).format(
            count=counts.total
        ),
        ngettext(
            "{count} of them has blocked the bot.", "{count} of them have blocked the bot.", counts.inactive
        ).format(count=counts.inactive),
        "",
        _("By language:"),
        *(f"{LANGUAGES[code]}: {count}" for code, count in counts.by_language.items()),
        "",
        _("By area:"),
        *area_lines(by_area, content, locale),
    ]
    return "\n".join(lines)


async def overview(message: Message, session: AsyncSession, content: ContentStore, i18n: I18n) -> None:
    text = await overview_text(session, content.current.content, i18n.current_locale)
    await message.answer(text, reply_markup=overview_markup())


async def overview_pressed(callback: CallbackQuery, session: AsyncSession, content: ContentStore,
                           i18n: I18n) -> None:
    text = await overview_text(session, content.current.content, i18n.current_locale)
    await reply(callback, text, overview_markup())


async def reload_content(callback: CallbackQuery, bot: Bot, content: ContentStore, settings: Settings,
                         i18n: I18n, session: AsyncSession, clock: Clock) -> None:
    problem = content.reload()
    if problem is None:
        library = content.current
        await activities.sync_content(session, library.activities, clock.now())
        await reply(callback, _("Content reloaded: {services} services and {faq} questions and answers.").format(
            services=len(library.services), faq=len(library.faq)))
        return
    # Every admin hears of it, in their own language: the bot keeps running on the last good content.
    languages = await users.languages_of(session, settings.admin_ids)
    for admin_id in settings.admin_ids:
        text = i18n.gettext("The content was NOT reloaded; the bot keeps using the last good version. "
                            "Problem:", locale=languages.get(admin_id, i18n.default_locale))
        with suppress(TelegramAPIError):
            await bot.send_message(admin_id, f"{text}\n<code>{escape(problem[:3000])}</code>")


# --- invites ----------------------------------------------------------------------------------------------

async def choose_group(callback: CallbackQuery, content: ContentStore, i18n: I18n) -> None:
    locale = i18n.current_locale
    rows = [[_button(text_in(group.name, locale), InviteCallback(role=roles.THEME_GROUP, scope=group.id))]
            for group in content.current.content.theme_groups]
    await reply(callback, _("Which theme group should the new member join?"), _with_way_back(rows))


async def make_invite(callback: CallbackQuery, callback_data: InviteCallback, callback_answer: CallbackAnswer,
                      bot: Bot, session: AsyncSession, clock: Clock, settings: Settings, content: ContentStore,
                      i18n: I18n) -> None:
    library = content.current.content
    role, scope = callback_data.role, callback_data.scope
    if not ((role == roles.STAFF and not scope) or (role == roles.THEME_GROUP and library.theme_group(scope))):
        await stale_button(callback, callback_answer)  # forged, or a group removed from the content since
        return
    invite = await invites.create_invite(session, clock.now(), callback.from_user.id, role, scope)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={invite.code}"
    locale = i18n.current_locale
    expires = invite.expires_at.astimezone(settings.tz)
    if role == roles.STAFF:
        title = _("Invite link for <b>staff</b> (they can send announcements to residents):")
    else:
        title = _("Invite link for the theme group <b>{group}</b>:").format(
            group=escape(invites.group_name(library, scope, locale)))
    note = _("It works once, for one person, until {day} at {time}. Send it only to the person who should get "
             "the role: they open it and press Start.").format(day=format_day(expires, locale, settings.tz),
                                                               time=clock_time(expires.time(), locale))
    await reply(callback, f"{title}\n{escape(link)}\n\n{note}", _with_way_back([]))


# --- members ----------------------------------------------------------------------------------------------

def _holder(role: Role) -> str:
    return role.holder_name or _("user {id}").format(id=role.user_id)


async def show_members(callback: CallbackQuery, callback_data: MembersCallback, session: AsyncSession,
                       content: ContentStore, settings: Settings, i18n: I18n) -> None:
    locale = i18n.current_locale
    library = content.current.content
    listing = await invites.members(session, callback_data.page)
    if not listing.members:
        await reply(callback, _("No one has a staff or theme-group role yet. Invite someone with the buttons "
                                "in /admin."), _with_way_back([]))
        return
    first = listing.page * invites.MEMBERS_PER_PAGE + 1
    lines = [_("<b>Members</b> (page {page} of {pages})").format(page=listing.page + 1, pages=listing.pages)]
    rows = []
    for number, member in enumerate(listing.members, start=first):
        since = format_day(member.granted_at, locale, settings.tz)
        lines.append(_("{number}. {name} — {role} — since {day}").format(
            number=number, name=escape(_holder(member)),
            role=escape(invites.role_label(library, member.role, member.scope, locale)), day=since))
        rows.append([_button(f"🗑 {number}. {_holder(member)[:_NAME_ON_BUTTON]}",
                             RemoveCallback(action="ask", role_id=member.id, page=listing.page))])
    lines += ["", _("To take a role away, press 🗑 and the number.")]
    paging = []
    if listing.page > 0:
        paging.append(_button(_("◀️ Previous"), MembersCallback(page=listing.page - 1)))
    if listing.page + 1 < listing.pages:
        paging.append(_button(_("Next ▶️"), MembersCallback(page=listing.page + 1)))
    await reply(callback, "\n".join(lines), _with_way_back([*rows, paging] if paging else rows))


async def ask_to_remove(callback: CallbackQuery, callback_data: RemoveCallback, session: AsyncSession,
                        content: ContentStore, i18n: I18n) -> None:
    member = await invites.find_role(session, callback_data.role_id)
    back = [_button(_("⬅️ Members"), MembersCallback(page=callback_data.page))]
    if member is None:
        await reply(callback, _("This person no longer has that role."), _with_way_back([back]))
        return
    role = invites.role_label(content.current.content, member.role, member.scope, i18n.current_locale)
    buttons = [[_button(_("Yes, remove"), RemoveCallback(action="yes", role_id=member.id, page=callback_data.page)),
                _button(_("No, keep"), MembersCallback(page=callback_data.page))]]
    await reply(callback, _("Take the role <b>{role}</b> away from <b>{name}</b>? I will tell them, and their "
                            "commands change at once.").format(role=escape(role), name=escape(_holder(member))),
                InlineKeyboardMarkup(inline_keyboard=buttons))


async def remove(callback: CallbackQuery, callback_data: RemoveCallback, bot: Bot, session: AsyncSession,
                 clock: Clock, settings: Settings, content: ContentStore, i18n: I18n) -> None:
    await remove_buttons(callback)
    removed = await invites.revoke(session, clock.now(), callback.from_user.id, callback_data.role_id)
    back = [_button(_("⬅️ Members"), MembersCallback(page=callback_data.page))]
    if removed is None:  # a double tap, or another admin was quicker
        await reply(callback, _("This person no longer has that role."), _with_way_back([back]))
        return
    library = content.current.content
    role = invites.role_label(library, removed.role, removed.scope, i18n.current_locale)
    await reply(callback, _("Done: {name} no longer has the role {role}.").format(
        name=escape(_holder(removed)), role=escape(role)), _with_way_back([back]))
    await tell_removed(bot, session, settings, library, i18n, removed)


async def tell_removed(bot: Bot, session: AsyncSession, settings: Settings, library: Content, i18n: I18n,
                       removed: Role) -> None:
    """The former holder hears it in their own language and loses the commands at once; if they blocked
    the bot, neither can happen and neither matters."""
    locale = (await users.languages_of(session, frozenset({removed.user_id}))).get(removed.user_id,
                                                                                  i18n.default_locale)
    with i18n.use_locale(locale):
        if removed.role == roles.STAFF:
            text = _("An administrator has taken away your staff role, so you can no longer send announcements. "
                     "You can still use me like every resident.")
        else:
            text = _("An administrator has removed you from the theme group {group}. You can still use me like "
                     "every resident.").format(group=escape(invites.group_name(library, removed.scope, locale)))
    with suppress(TelegramAPIError):
        await bot.send_message(removed.user_id, text)
    with suppress(TelegramAPIError):
        await refresh_commands(bot, i18n, session, removed.user_id, settings)


# --- audit log --------------------------------------------------------------------------------------------

async def show_audit_log(callback: CallbackQuery, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    entries = await audit.latest(session, 20)
    if not entries:
        await reply(callback, _("Nothing in the audit log yet."), _with_way_back([]))
        return
    locale = BABEL_LOCALES.get(i18n.current_locale, i18n.current_locale)
    lines = [_("<b>Audit log</b>, newest first:")]
    for entry in entries:
        when = format_datetime(entry.at.astimezone(settings.tz), format="short", locale=locale)
        subject = f" · {escape(entry.subject)}" if entry.subject else ""
        lines.append(f"{escape(when)} · {escape(entry.action)}{subject}")
    await reply(callback, "\n".join(lines), _with_way_back([]))


# --- unanswered questions ---------------------------------------------------------------------------------

UNANSWERED_GROUPS = 10  # groups shown; the biggest first
EXAMPLES_PER_GROUP = 3


async def show_unanswered(callback: CallbackQuery, session: AsyncSession, settings: Settings) -> None:
    """What residents asked that the bot could not answer, grouped, so the FAQ grows where it is needed."""
    groups = await unanswered.grouped(session)
    if not groups:
        await reply(callback, _("No unanswered questions in the last {days} days.").format(
            days=settings.retention_questions_days), _with_way_back([]))
        return
    lines = [_("<b>Unanswered questions</b> (last {days} days, personal details hidden)").format(
        days=settings.retention_questions_days)]
    for group in groups[:UNANSWERED_GROUPS]:
        count = ngettext("{count} time", "{count} times", len(group.questions)).format(count=len(group.questions))
        examples = sorted(set(group.questions), key=len)[:EXAMPLES_PER_GROUP]
        block = [f"\n<b>{escape(LANGUAGES.get(group.language, group.language))}</b> · {count}",
                 *(f"• {escape(example[:200])}" for example in examples)]
        if len("\n".join(lines + block)) > 3500:  # whole groups only: a cut could break the HTML
            break
        lines += block
    await reply(callback, "\n".join(lines), _with_way_back([]))


def create_router() -> Router:
    router = Router(name="admin")
    router.message.filter(F.chat.type == "private", IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(overview, Command("admin"))
    router.callback_query.register(overview_pressed, AdminCallback.filter(F.action == "overview"))
    router.callback_query.register(reload_content, AdminCallback.filter(F.action == "reload"))
    router.callback_query.register(choose_group, AdminCallback.filter(F.action == "groups"))
    router.callback_query.register(show_audit_log, AdminCallback.filter(F.action == "audit"))
    router.callback_query.register(show_unanswered, AdminCallback.filter(F.action == "unanswered"))
    router.callback_query.register(make_invite, InviteCallback.filter())
    router.callback_query.register(show_members, MembersCallback.filter())
    router.callback_query.register(ask_to_remove, RemoveCallback.filter(F.action == "ask"))
    router.callback_query.register(remove, RemoveCallback.filter(F.action == "yes"))
    return router
