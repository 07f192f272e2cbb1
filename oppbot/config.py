"""Settings from the environment and `.env`, built on demand by get_settings(); nothing is read at import."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from oppbot.domain.errors import OppbotError
from oppbot.domain.money import normalise_currency


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field(default="sqlite:///oppbot.db", alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    default_currency: str = Field(default="USD", alias="OPPBOT_DEFAULT_CURRENCY")
    secret_key: str | None = Field(default=None, alias="OPPBOT_SECRET_KEY")
    # Signs modals' private_metadata; comma-separated to rotate (first signs, all verify). Unset: derived from
    # SLACK_SIGNING_SECRET.
    metadata_key: str | None = Field(default=None, alias="OPPBOT_METADATA_KEY")
    # Requests with a larger body are refused (413) before it is read; Slack's own payloads are a few KB.
    max_request_bytes: int = Field(default=1_048_576, alias="OPPBOT_MAX_REQUEST_BYTES", ge=1024)
    # Background work (README "Background work"): how long a dispatched event may stay unfinished before the relay
    # hands it over again (doubling each time, up to an hour), how many times before it is parked, and how long a
    # claimed Slack effect may stay unrecorded before another delivery looks for its post and takes it over.
    outbox_lease_seconds: float = Field(default=60.0, gt=0, alias="OPPBOT_OUTBOX_LEASE_SECONDS")
    outbox_max_redispatches: int = Field(default=8, ge=0, alias="OPPBOT_OUTBOX_MAX_REDISPATCHES")
    claim_lease_seconds: float = Field(default=150.0, gt=0, alias="OPPBOT_CLAIM_LEASE_SECONDS")
    # Posts to one channel from one worker process are spaced this far apart (Slack: about one a second).
    channel_post_interval: float = Field(default=1.0, ge=0, alias="OPPBOT_CHANNEL_POST_INTERVAL")

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        try:
            return normalise_currency(value)
        except OppbotError as exc:  # not a ValueError: pydantic would let it through as a traceback
            raise ValueError(exc.message) from exc

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from oppbot.startup import normalise_database_url

        return normalise_database_url(value)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        # slack_sdk joins method names onto the base URL, so it must end in a slash.
        return value if value.endswith("/") else value + "/"

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "redis_url",
        "secret_key",
        "metadata_key",
    )
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_mode(self) -> str:
        """How `oppbot dev` (and `make run`) talks to Slack: "socket" with an app token, else "http"."""
        return "socket" if self.slack_app_token else "http"

    def describe_mode(self) -> str:
        """One phrase for `oppbot doctor` and start-up logs."""
        tokens = "OAuth (many workspaces, tokens in the database)" if self.oauth_enabled else "a bot token"
        if self.slack_mode == "socket":
            return f"Socket Mode with {tokens}"
        return f"HTTP with {tokens}"


def get_settings(**overrides) -> Settings:
    """Fresh settings from the environment; keyword overrides win (tests, CLI flags)."""
    return Settings(**overrides)


@lru_cache(maxsize=1)
def cached_settings() -> Settings:
    """One Settings per process for long-running entry points (workers), built on first use."""
    return Settings()
