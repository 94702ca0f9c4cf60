"""Command line: `python -m bot [run|demo|migrate|content check]`."""

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.content import ContentError
from db.migrate import DatabaseUnavailable

EXIT_CONFIG = 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Norra Hisingen resident assistant, a multilingual Telegram bot. "
        "Configuration comes from the environment or a .env file (see README).",
    )
    commands = parser.add_subparsers(dest="command", metavar="{run,demo,migrate,content}")
    commands.add_parser("run", help="migrate the database, then answer Telegram by long polling (default)")
    commands.add_parser("demo", help="chat with the bot in this terminal, against the local Telegram emulator")
    commands.add_parser("migrate", help="apply database migrations and exit")
    content = commands.add_parser("content", help="work with the content files")
    content.add_argument("action", choices=["check"], help="validate the content files and report problems")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings()
        if args.command in (None, "run"):
            settings.token()  # fail fast, before touching the database
            return _run_async(_run(settings))
        if args.command == "migrate":
            return _run_async(_migrate(settings))
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo())
        if args.command == "content":
            from bot.content_check import check

            return check()
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except ContentError as error:
        print(f"Content error: {' | '.join(error.problems)}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseUnavailable as error:
        print(f"Database error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0
    return 0


def _run_async(coroutine) -> int:  # noqa: ANN001 - a coroutine
    asyncio.run(coroutine)
    return 0


async def _run(settings: Settings) -> None:
    from bot.app import run

    await run(settings)


async def _migrate(settings: Settings) -> None:
    from db.migrate import upgrade
    from db.session import create_engine

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("Database is up to date.")


if __name__ == "__main__":
    sys.exit(main())
