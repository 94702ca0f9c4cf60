"""Typed models: residents, roles, invites, the audit log, subscriptions, announcements, the delivery outbox,
activities and reminders, and feedback polls."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
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
    # Quiet hours in minutes after local midnight: nothing that is not urgent arrives between them.
    quiet_from: Mapped[int] = mapped_column(SmallInteger, default=21 * 60, server_default="1260")
    quiet_until: Mapped[int] = mapped_column(SmallInteger, default=8 * 60, server_default="480")
    # Activity reminders: the evening before (18:00), two hours before, or a weekly digest instead.
    remind_evening: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    remind_two_hours: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    weekly_digest: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


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
    # The name on the holder's Telegram account when they accepted the invite, so admins know who it is.
    holder_name: Mapped[str] = mapped_column(String(128), default="", server_default="")


class Invite(Base):
    """A one-time, expiring deep-link code for the staff role or a theme group; only its hash is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    """Who changed a role or published what, and when. Kept when a resident is forgotten."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class Subscription(Base):
    """A resident follows an activity category, in one area or ("") everywhere."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "category", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(64), index=True)
    area: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]


class Delivery(Base):
    """One message to many people (an announcement, a reminder, a poll invitation), in language variants."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    # The staff member who gets progress and the final report, if anyone.
    report_to: Mapped[int | None] = mapped_column(BigInteger, default=None)
    report_language: Mapped[str] = mapped_column(String(8), default="sv")
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    total: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # Makes a delivery idempotent: "reminder:<activity>:<occurrence>:<kind>" is created once however often
    # (and by however many processes) the scheduler looks.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)


class DeliveryVariant(Base):
    """What recipients of one language see: HTML text (or a caption), an optional photo and buttons."""

    __tablename__ = "delivery_variants"

    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(256), default=None)
    buttons: Mapped[list | None] = mapped_column(JSON, default=None)


class OutboxMessage(Base):
    """One recipient of one delivery: pending → sending → sent | blocked | failed. The unit of crash safety."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("delivery_id", "user_id"),
        Index("ix_outbox_due", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    not_before: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    # Not sent after this moment (a reminder after its activity has started helps nobody).
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class Announcement(Base):
    """A staff announcement: texts per language (HTML from Telegram's entities), audience and timing."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    texts: Mapped[dict] = mapped_column(JSON)
    photo: Mapped[str | None] = mapped_column(String(256), default=None)
    # {"areas": [...], "languages": [...], "categories": [...]}; an empty list means no limit on that.
    audience: Mapped[dict] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(default=False)
    send_at: Mapped[datetime] = mapped_column(index=True)
    # scheduled → sent (a delivery exists) | cancelled
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime]
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"), default=None)


class UnansweredQuestion(Base):
    """A question the bot could not answer, masked, with no link to who asked; kept 90 days to grow the FAQ."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    # The day only (midnight UTC): the exact time could be matched against a resident's last_seen.
    asked_on: Mapped[datetime] = mapped_column(index=True)


class Activity(Base):
    """An activity in the programme (from content/activities/ or added by staff); times are local wall-clock."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # the content id, or "staff-<n>"
    source: Mapped[str] = mapped_column(String(16))  # "content" | "staff"
    titles: Mapped[dict] = mapped_column(JSON)
    descriptions: Mapped[dict] = mapped_column(JSON)
    category: Mapped[str] = mapped_column(String(64), index=True)
    area: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    venue_service: Mapped[str | None] = mapped_column(String(64), default=None)
    address: Mapped[str | None] = mapped_column(String(200), default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    age_min: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    age_max: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    free: Mapped[bool] = mapped_column(default=True)
    registration_url: Mapped[str | None] = mapped_column(String(300), default=None)
    organiser: Mapped[str] = mapped_column(String(200), default="")
    first_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))  # local, naive
    duration_minutes: Mapped[int] = mapped_column(Integer)
    rrule: Mapped[str | None] = mapped_column(String(300), default=None)
    cancelled: Mapped[bool] = mapped_column(default=False)  # the whole series
    verified: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    updated_at: Mapped[datetime]


class OccurrenceChange(Base):
    """One occurrence cancelled (new_start NULL and cancelled) or moved (new_start set), by its planned start."""

    __tablename__ = "occurrence_changes"
    __table_args__ = (UniqueConstraint("activity_id", "planned_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    planned_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    cancelled: Mapped[bool] = mapped_column(default=False)
    new_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=False), default=None)
    changed_at: Mapped[datetime]


class ActivityReminder(Base):
    """"Remind me": one occurrence (its planned start as YYYYMMDDTHHMM) or, with occurrence "", the series."""

    __tablename__ = "activity_reminders"
    __table_args__ = (UniqueConstraint("user_id", "activity_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    occurrence: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime]


class Poll(Base):
    """A feedback poll of a theme group: texts per language, a type, an audience and an open period.

    Options are stored as a list of {language: text}; an answer stores the chosen options as a bit mask
    (option i ↔ bit i), so counting a million answers per option is one scan with bit operations."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_group: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # single | multiple | rating | yesno
    questions: Mapped[dict] = mapped_column(JSON)  # {language: text}; Swedish is required
    options: Mapped[list] = mapped_column(JSON)  # [{language: text}, ...]; empty for rating and yes/no
    comment_step: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[dict] = mapped_column(JSON)  # as for announcements
    opens_at: Mapped[datetime] = mapped_column(index=True)
    closes_at: Mapped[datetime] = mapped_column(index=True)
    # After closing, residents who answered get the results (and /polls shows them).
    public_results: Mapped[bool] = mapped_column(default=False)
    # Theme-group members may read results while the poll is still open (otherwise only after closing).
    live_results: Mapped[bool] = mapped_column(default=False)
    # One reminder to those invited who have not answered, at this time (optional).
    remind_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    # Work the scheduler has done, each once: invitations, the reminder, the results message, "you said, we did".
    invited_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    results_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    followup_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled: Mapped[bool] = mapped_column(default=False)


class PollAnswer(Base):
    """One resident's answer to one poll, under a keyed pseudonym (HMAC of poll and Telegram id).

    Nothing else about the person: the area and language they had when answering, and the source tag of the
    link they came by. No time and no surrogate id, so rows cannot be ordered against comments."""

    __tablename__ = "poll_answers"
    # The results card groups a poll's answers by choices and by (area, language, source): covering indexes let
    # SQLite count a million answers without reading the table (about 4 s without them, under 1 s with).
    __table_args__ = (
        Index("ix_poll_answers_choices", "poll_id", "choices"),
        Index("ix_poll_answers_groups", "poll_id", "area", "language", "source"),
    )

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    choices: Mapped[int] = mapped_column(Integer)  # bit mask of the chosen options
    area: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(32), default="")


class PollComment(Base):
    """A free-text comment, masked before storage and with no link to the person (a random id, no time)."""

    __tablename__ = "poll_comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)


class PollReach(Base):
    """How many invitations of a poll were delivered, per language and area, counted once the invitations have
    all gone out. Kept with the poll: the outbox rows it is counted from are purged after 30 days."""

    __tablename__ = "poll_reach"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True)  # the area when invited; "" = none
    sent: Mapped[int] = mapped_column(Integer)
