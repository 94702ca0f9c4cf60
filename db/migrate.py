"""Applies Alembic migrations programmatically (on start and by `python -m bot migrate`)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class DatabaseUnavailable(Exception):
    """The database named by DATABASE_URL cannot be reached or used; the message is one line."""


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run, "upgrade", revision)
    except (OSError, SQLAlchemyError) as error:
        where = engine.url.render_as_string(hide_password=True)
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise DatabaseUnavailable(f"cannot use DATABASE_URL {where}: {reason}") from error


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_run, "downgrade", revision)


def _run(connection, direction: str, revision: str) -> None:  # noqa: ANN001 - a sync Connection
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)
