"""Thin aiogram routers, one module per feature; `create_routers` fixes their order in one place."""

from aiogram import Router

from handlers import (
    activities,
    activity_admin,
    admin,
    announce,
    errors,
    fallback,
    help,
    membership,
    news,
    poll_admin,
    poll_results,
    polls,
    privacy,
    questions,
    reminders,
    services,
    settings,
    start,
)


def create_routers() -> list[Router]:
    # Order matters: feature routers first, the catch-all fallback last; errors sees every failure. Polls come
    # early: a command or a button ends a pending poll comment before any other router handles it, and answers
    # skip the staff routers, whose role filters would otherwise read the roles for each press.
    return [
        errors.create_router(),
        membership.create_router(),
        polls.create_router(),
        start.create_router(),
        help.create_router(),
        privacy.create_router(),
        admin.create_router(),
        services.create_router(),
        announce.create_router(),
        poll_admin.create_router(),
        news.create_router(),
        poll_results.create_router(),
        settings.create_router(),
        activities.create_router(),
        reminders.create_router(),
        activity_admin.create_router(),
        questions.create_router(),
        fallback.create_router(),
    ]
