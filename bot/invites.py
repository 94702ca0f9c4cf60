"""Staff and theme-group roles: one-time invite links made by an admin, members, and taking a role away.

Only the SHA-256 of an invite code is stored: someone who reads the database cannot use a pending invite.
"""

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, roles
from bot.content import Content, text_in
from db import users as queries
from db.models import Invite, Role

INVITE_VALIDITY = timedelta(days=7)
MEMBERS_PER_PAGE = 10
# Telegram passes a deep-link payload of at most 64 characters of A-Za-z0-9_-; anything else is not our code.
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HOLDER_NAME_LENGTH = 128  # the column's size


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def describe(role: str, scope: str) -> str:
    """The role as the audit log writes it: "staff" or "theme_group/young-people"."""
    return f"{role}/{scope}" if scope else role


@dataclass(frozen=True)
class NewInvite:
    code: str  # shown once to the admin, never stored
    expires_at: datetime


async def create_invite(session: AsyncSession, now: datetime, created_by: int, role: str,
                        scope: str = "") -> NewInvite:
    if role not in (roles.STAFF, roles.THEME_GROUP) or (role == roles.THEME_GROUP) != bool(scope):
        raise ValueError(f"no invites for role {role!r} with scope {scope!r}")
    code = secrets.token_urlsafe(16)  # 22 characters, 128 bits: cannot be guessed
    expires_at = now + INVITE_VALIDITY
    await queries.add_invite(session, Invite(code_hash=hash_code(code), role=role, scope=scope,
                                             created_by=created_by, created_at=now, expires_at=expires_at))
    await audit.record(session, now, created_by, audit.INVITE_CREATED, subject=describe(role, scope),
                       detail=f"expires {expires_at.isoformat()}")
    return NewInvite(code, expires_at)


class Outcome(enum.Enum):
    GRANTED = "granted"
    ALREADY_HELD = "already held"  # the invite is left unused for the person it was meant for
    ADMIN = "admin"  # admins can do everything already; the invite is left unused too
    INVALID = "invalid"  # unknown, used or expired


@dataclass(frozen=True)
class Redemption:
    outcome: Outcome
    role: str = ""
    scope: str = ""


def holder_name(full_name: str, username: str | None) -> str:
    name = f"{full_name} @{username}" if username else full_name
    return name[:_HOLDER_NAME_LENGTH]


async def redeem_invite(session: AsyncSession, now: datetime, code: str, user_id: int, name: str,
                        is_admin: bool) -> Redemption:
    """Use an invite code: the role is granted and the invite spent in the caller's one transaction."""
    if not _CODE.fullmatch(code):
        return Redemption(Outcome.INVALID)
    code_hash = hash_code(code)
    usable = await queries.find_usable_invite(session, code_hash, now)
    if usable is None:
        return Redemption(Outcome.INVALID)
    if is_admin:
        return Redemption(Outcome.ADMIN, usable.role, usable.scope)
    if (usable.role, usable.scope) in await queries.roles_of(session, user_id):
        return Redemption(Outcome.ALREADY_HELD, usable.role, usable.scope)
    invite = await queries.claim_invite(session, code_hash, user_id, now)
    if invite is None:  # someone else used it a moment ago
        return Redemption(Outcome.INVALID)
    await queries.grant_role(session, user_id, invite.role, now, scope=invite.scope, granted_by=invite.created_by,
                             holder_name=name)
    await audit.record(session, now, invite.created_by, audit.ROLE_GRANTED, subject=str(user_id),
                       detail=describe(invite.role, invite.scope))
    return Redemption(Outcome.GRANTED, invite.role, invite.scope)


@dataclass(frozen=True)
class MembersPage:
    members: list[Role]
    page: int  # from 0, clamped to the pages there are
    pages: int


async def members(session: AsyncSession, page: int) -> MembersPage:
    total = await queries.count_role_holders(session)
    pages = max(1, -(-total // MEMBERS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    rows = await queries.role_holders(session, page * MEMBERS_PER_PAGE, MEMBERS_PER_PAGE)
    return MembersPage(rows, page, pages)


async def find_role(session: AsyncSession, role_id: int) -> Role | None:
    return await queries.get_role(session, role_id)


async def revoke(session: AsyncSession, now: datetime, admin_id: int, role_id: int) -> Role | None:
    """Take one role away; the removed row (for telling its holder), or None if it was already gone."""
    role = await queries.get_role(session, role_id)
    if role is None or not await queries.delete_role(session, role_id):
        return None
    await audit.record(session, now, admin_id, audit.ROLE_REVOKED, subject=str(role.user_id),
                       detail=describe(role.role, role.scope))
    return role


def group_name(content: Content, group_id: str, locale: str) -> str:
    """A theme group's name in this language; its id if the group has since left content/theme_groups.yaml."""
    group = content.theme_group(group_id)
    return text_in(group.name, locale) if group else group_id


def role_label(content: Content, role: str, scope: str, locale: str) -> str:
    """The role in plain words for the reader (not HTML-escaped)."""
    if role == roles.STAFF:
        return _("Staff")
    if role == roles.THEME_GROUP:
        return _("Theme group: {group}").format(group=group_name(content, scope, locale))
    return describe(role, scope)
