"""Configuration from the environment (and an optional .env file), validated before anything starts."""

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.languages import LANGUAGES

TELEGRAM_API_URL = "https://api.telegram.org"
# BotFather tokens look like "123456789:AAH..." (a numeric bot id, a colon and 35 url-safe characters).
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    timezone: str = "Europe/Stockholm"
    default_locale: str = "sv"
    # Flood guard: more than FLOOD_LIMIT updates within FLOOD_WINDOW_SECONDS pauses that user.
    flood_limit: int = Field(default=20, ge=1)
    flood_window_seconds: float = Field(default=10, gt=0)
    flood_pause_seconds: float = Field(default=30, ge=0)
    # Delivery engine: messages per second across all chats (Telegram allows about 30) and how long one
    # send may take before its outcome counts as unknown (then it is reported, never blindly resent).
    delivery_rate: float = Field(default=25, gt=0, le=30)
    delivery_timeout_seconds: float = Field(default=20, gt=0)
    # How often the scheduler looks for due work (scheduled announcements, retention).
    scheduler_tick_seconds: float = Field(default=30, gt=0)
    # Retention (days): silent residents are deleted as by /forget; finished delivery rows and masked
    # unanswered questions are purged. The audit log is kept.
    retention_inactive_days: int = Field(default=730, ge=1)
    retention_outbox_days: int = Field(default=30, ge=1)
    retention_questions_days: int = Field(default=90, ge=1)
    # Key of the poll pseudonyms (HMAC); kept out of the database. Unset: a random key in POLL_KEY_FILE.
    poll_secret: SecretStr | None = None
    poll_key_file: str = "data/poll.key"

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            # Never echo the token itself: it is a secret even when malformed.
            raise ValueError("does not look like a token from BotFather (digits, a colon, then 35 characters)")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"is not a database URL: {value!r}") from None
        backend = url.get_backend_name()
        if backend not in ASYNC_DRIVERS:
            raise ValueError(f"only SQLite and PostgreSQL are supported, got {backend!r}")
        if url.drivername in ("sqlite", "postgresql", "postgres"):
            url = url.set(drivername=ASYNC_DRIVERS[url.drivername])
        if url.drivername not in ASYNC_DRIVERS.values():
            raise ValueError(f"needs an async driver (sqlite+aiosqlite or postgresql+asyncpg), got {url.drivername!r}")
        return url.render_as_string(hide_password=False)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.lstrip("-").isdigit() for part in parts):
                raise ValueError(f"must be comma-separated Telegram user ids, got {value!r}")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (try Europe/Stockholm)") from None
        return value

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"unknown locale {value!r}; supported: {', '.join(LANGUAGES)}")
        return value

    @field_validator("poll_secret")
    @classmethod
    def _strong_poll_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 32:
            raise ValueError("must be at least 32 characters (try: python -c 'import secrets; "
                             "print(secrets.token_hex(32))')")
        return value

    def poll_key(self) -> bytes:
        from bot.polls import load_key

        secret = self.poll_secret.get_secret_value().strip() if self.poll_secret else None
        return load_key(secret, Path(self.poll_key_file))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token(self) -> str:
        if self.bot_token is None:
            raise ConfigError("BOT_TOKEN is not set: get one from @BotFather, or try `python -m bot demo`")
        return self.bot_token.get_secret_value().strip()


class ConfigError(Exception):
    """A configuration problem explained in one line for the operator."""


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's multi-line report into one line per problem."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]).upper() or "settings"
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"{field} {message}")
        raise ConfigError("; ".join(problems)) from None
