"""Residents browse activities, ask for reminders and follow categories (being built)."""

from aiogram import Router


def create_router() -> Router:
    return Router(name="activities")
