"""/reminders: a resident's reminders and followed categories (being built)."""

from aiogram import Router


def create_router() -> Router:
    return Router(name="reminders")
