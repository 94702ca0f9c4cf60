"""Staff add, change, move and cancel activities, also by CSV (being built)."""

from aiogram import Router


def create_router() -> Router:
    return Router(name="activity_admin")
