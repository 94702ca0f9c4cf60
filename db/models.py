"""Typed models: residents (users) and the roles staff and theme-group members hold."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class User(Base):
    """A person who has written to the bot; the primary key is their Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    area: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set when the resident has chosen a language after seeing the privacy notice.
    consent_at: Mapped[datetime | None] = mapped_column(default=None)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    # False once the resident blocked the bot; deliveries skip them until they come back.
    is_active: Mapped[bool] = mapped_column(default=True)


class Role(Base):
    """A role granted to a user: `staff`, or `theme_group` with the group's id in `scope`."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("user_id", "role", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64), default="")
    granted_at: Mapped[datetime]
    granted_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
