"""Residents' rights: everything stored about them (/mydata) and deleting it (/forget)."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import polls
from bot.preferences import quiet_hours_label
from db import users as queries
from db.models import Activity, ActivityReminder, Delivery, OutboxMessage, Subscription, User


async def stored_about(session: AsyncSession, user: User, poll_key: bytes) -> dict:
    """All we keep about this person, as plain data (also sent to them as JSON). Poll answers carry no id of
    theirs: they are found by recomputing the person's pseudonyms with the poll key."""
    roles = sorted(await queries.roles_of(session, user.id))
    subscriptions = await session.scalars(select(Subscription).where(Subscription.user_id == user.id)
                                          .order_by(Subscription.id))
    reminders = await session.execute(
        select(ActivityReminder.occurrence, Activity.slug).join(Activity, Activity.id == ActivityReminder.activity_id)
        .where(ActivityReminder.user_id == user.id).order_by(ActivityReminder.id))
    deliveries = await session.execute(
        select(OutboxMessage, Delivery.kind).join(Delivery, Delivery.id == OutboxMessage.delivery_id)
        .where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.not_before))
    answers = await polls.answers_of_user(session, poll_key, user.id)
    return {
        "telegram_user_id": user.id,
        "language": user.language,
        "area": user.area,
        "privacy_notice_accepted_at": _iso(user.consent_at),
        "first_seen": _iso(user.first_seen),
        "last_seen": _iso(user.last_seen),
        "receives_messages": user.is_active,
        "quiet_hours": quiet_hours_label(user.quiet_from, user.quiet_until),
        "roles": [{"role": role, "scope": scope} for role, scope in roles],
        "reminder_settings": {"evening_before": user.remind_evening, "two_hours_before": user.remind_two_hours,
                              "weekly_digest": user.weekly_digest},
        "subscriptions": [{"category": s.category, "area": s.area or None} for s in subscriptions],
        "reminders": [{"activity": slug, "date": occurrence or "every time"} for occurrence, slug in reminders.all()],
        # Messages waiting for you, and those sent in the last 30 days (then purged).
        "messages_to_you": [
            {"kind": kind, "status": row.status, "due": _iso(row.not_before), "sent": _iso(row.sent_at)}
            for row, kind in deliveries.all()
        ],
        # Stored under a code made from your id, with the area and language you had when answering.
        "poll_answers": [
            {"poll": poll.id, "question": polls.question_in(poll, user.language),
             "answer": [labels[index] for index in polls.chosen(choices, len(labels))]}
            for poll, choices in answers for labels in [polls.option_labels(poll, user.language)]
        ],
    }


async def forget(session: AsyncSession, user_id: int, poll_key: bytes) -> None:
    """Delete the profile and everything hanging on it: roles, subscriptions and messages waiting to be sent
    go with it by foreign-key cascade (tested), in the same transaction. Poll answers stay in the results (they
    say nothing about the person) but get random pseudonyms, so nobody, the bot included, can link them back."""
    await polls.unlink_answers(session, poll_key, user_id)
    await session.execute(delete(User).where(User.id == user_id))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
