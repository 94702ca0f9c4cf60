"""The command line: clear one-line errors with exit code 2 for bad configuration, and a working demo."""

import os
import subprocess
import sys

import pytest

from bot import PROJECT_ROOT
from tests.support import TOKEN


def run_bot(*args: str, env: dict[str, str] | None = None, stdin: str = "", cwd=None) -> subprocess.CompletedProcess:  # noqa: ANN001
    clean = {key: value for key, value in os.environ.items()
             if key not in {"BOT_TOKEN", "DATABASE_URL", "DEFAULT_LOCALE", "TIMEZONE", "ADMIN_IDS"}}
    clean["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, timeout=60,
        env={**clean, **(env or {})}, cwd=cwd,
    )


@pytest.mark.parametrize(
    ("env", "args", "says"),
    [
        ({}, ("run",), "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "not-a-token"}, (), "BOT_TOKEN does not look like a token"),
        ({"BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://localhost/bot"}, (), "DATABASE_URL only SQLite and PostgreSQL"),
        ({"BOT_TOKEN": TOKEN, "DATABASE_URL": "::nonsense::"}, (), "DATABASE_URL is not a database URL"),
        ({"BOT_TOKEN": TOKEN, "DEFAULT_LOCALE": "de"}, (), "DEFAULT_LOCALE unknown locale 'de'"),
        ({"TIMEZONE": "Mars/Olympus"}, ("migrate",), "TIMEZONE unknown time zone"),
        ({"ADMIN_IDS": "12,abc"}, ("migrate",), "ADMIN_IDS must be comma-separated"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}, ("migrate",), "Database error: cannot use"),
    ],
)
def test_bad_configuration_is_one_clear_line_and_exit_code_2(env, args, says, tmp_path) -> None:  # noqa: ANN001
    result = run_bot(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "not-a-token" not in result.stderr, "a token, even a malformed one, is never echoed"


def test_help_lists_the_sub_commands() -> None:
    result = run_bot("--help")
    assert result.returncode == 0
    for command in ("run", "demo", "migrate", "content"):
        assert command in result.stdout


def test_migrate_creates_the_database(tmp_path) -> None:  # noqa: ANN001
    result = run_bot("migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert (tmp_path / "fresh.db").exists()


def test_the_demo_shows_the_language_buttons_after_start(tmp_path) -> None:  # noqa: ANN001
    result = run_bot("demo", stdin="/start\n1\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[1] Svenska" in result.stdout and "العربية" in result.stdout, result.stdout
    assert "Klart!" in result.stdout, "pressing [1] chose Swedish and the bot confirmed it"
    assert (tmp_path / "data" / "demo.db").exists()
