"""Settings and language negotiation, without Telegram."""

import pytest

from bot.config import ConfigError, load_settings
from bot.languages import negotiate
from tests.support import TOKEN


def test_defaults_match_the_product_contract(monkeypatch) -> None:  # noqa: ANN001
    for name in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "TIMEZONE", "DEFAULT_LOCALE", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert (settings.timezone, settings.default_locale, settings.admin_ids) == ("Europe/Stockholm", "sv", frozenset())


def test_environment_values_are_parsed(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_IDS", " 12, 34 ,")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:secret@db.example/bot")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.database_url == "postgresql+asyncpg://bot:secret@db.example/bot"
    assert settings.token() == TOKEN


def test_problems_are_reported_together_in_one_line() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None, bot_token="x", default_locale="xx")
    assert "BOT_TOKEN" in str(error.value) and "DEFAULT_LOCALE" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("code", "language"),
    [("ar", "ar"), ("AR", "ar"), ("ar-SA", "ar"), ("ckb", "ckb"), ("so", "so"), ("bs", "bs"), ("hr", "bs"),
     ("sr-Latn", "bs"), ("fi", "fi"), ("nb", "sv"), ("pt-br", "sv"), ("", "sv"), (None, "sv")],
)
def test_telegram_language_codes_map_to_launch_languages(code, language) -> None:  # noqa: ANN001
    assert negotiate(code) == language


def test_a_short_poll_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None, poll_secret="hunter2")
    assert "POLL_SECRET must be at least 32 characters" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_without_poll_secret_a_private_key_file_is_made_once_and_kept(tmp_path) -> None:  # noqa: ANN001
    key_file = tmp_path / "data" / "poll.key"
    settings = load_settings(_env_file=None, poll_key_file=str(key_file))
    first = settings.poll_key()
    assert len(first) == 64 and key_file.stat().st_mode & 0o777 == 0o600
    assert settings.poll_key() == first, "the same key after a restart: answers stay linked to their pseudonyms"
    assert load_settings(_env_file=None, poll_secret="s" * 40).poll_key() == b"s" * 40
