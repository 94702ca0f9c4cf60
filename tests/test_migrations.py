"""Migrations: each runs up, down and up again, and the result matches the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db import models  # noqa: F401 - registers the tables
from db.base import Base
from db.migrate import downgrade, upgrade
from db.session import create_engine


async def test_stairway_up_down_up_and_models_match_migrations(clean_database: str) -> None:
    engine = create_engine(clean_database)
    try:
        await upgrade(engine)
        await downgrade(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert set(tables) <= {"alembic_version"}
        await upgrade(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}),
                                              Base.metadata)
            )
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        await engine.dispose()


async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path) -> None:  # noqa: ANN001
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        async with engine.connect() as connection:
            journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (journal, foreign_keys) == ("wal", 1)
    finally:
        await engine.dispose()
