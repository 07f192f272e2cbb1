"""Multi-workspace installs: Bolt's OAuth flow with SQLAlchemy stores whose tokens are encrypted at rest."""

from __future__ import annotations

import base64
import copy
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from oppbot.config import Settings

log = logging.getLogger(__name__)

# The bot scopes manifest.yml asks for; the install URL must ask for the same.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "users:read",
    "channels:read",
    "groups:read",
    "team:read",
    "channels:manage",
    "pins:write",
    "files:write",
    "files:read",
    "channels:history",
    "groups:history",
    "im:history",
)
_TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
_PREFIX = "enc:v1:"


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC) keyed from OPPBOT_SECRET_KEY: any passphrase is stretched to a Fernet key."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("OPPBOT_SECRET_KEY is required to store OAuth tokens")
        key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
        self._fernet = Fernet(key)

    def encrypt(self, value: str | None) -> str | None:
        if not value or value.startswith(_PREFIX):
            return value
        return _PREFIX + self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        if not value or not value.startswith(_PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(_PREFIX) :].encode()).decode()
        except InvalidToken:
            # A changed key: the token is unusable; the workspace must reinstall. Say so, don't crash.
            log.error("An OAuth token could not be decrypted: was OPPBOT_SECRET_KEY changed?")
            return None


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, with every token encrypted before it reaches the database and decrypted after."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = cipher

    def _sealed(self, item):
        sealed = copy.copy(item)
        for field in _TOKEN_FIELDS:
            if hasattr(sealed, field):
                setattr(sealed, field, self.cipher.encrypt(getattr(sealed, field)))
        return sealed

    def _opened(self, item):
        if item is None:
            return None
        for field in _TOKEN_FIELDS:
            if hasattr(item, field):
                setattr(item, field, self.cipher.decrypt(getattr(item, field)))
        return item

    def save(self, installation: Installation) -> None:
        super().save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._sealed(bot))

    def find_bot(self, *, enterprise_id, team_id, is_enterprise_install=False) -> Bot | None:
        return self._opened(
            super().find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
        )

    def find_installation(self, *, enterprise_id, team_id, user_id=None, is_enterprise_install=False):
        return self._opened(
            super().find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )


def installation_store(settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    if not settings.secret_key:
        raise ValueError("OPPBOT_SECRET_KEY must be set when SLACK_CLIENT_ID/SLACK_CLIENT_SECRET enable OAuth")
    return EncryptedInstallationStore(settings.slack_client_id or "", engine, TokenCipher(settings.secret_key))


def oauth_flow(settings: Settings, engine: Engine, client: WebClient) -> OAuthFlow:
    """Install at /slack/install, callback at /slack/oauth_redirect; oauth.v2.access goes to SLACK_API_URL."""
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installation_store(settings, engine),
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
    )
    return OAuthFlow(client=client, settings=oauth_settings)


def bot_token_for_team(settings: Settings, team_id: str, *, engine: Engine | None = None) -> str | None:
    """The team's bot token: the single-workspace token, or the installed one (None once uninstalled)."""
    if not settings.oauth_enabled:
        return settings.slack_bot_token
    from oppbot.db.session import engine_for

    store = installation_store(settings, engine or engine_for(settings.database_url))
    bot = store.find_bot(enterprise_id=None, team_id=team_id)
    return bot.bot_token if bot is not None and bot.bot_token else None


def client_for_team(settings: Settings, team_id: str, *, engine: Engine | None = None) -> WebClient | None:
    """A WebClient for the team, or None when it has uninstalled: workers never write to a workspace that left."""
    from oppbot.slack.app import web_client

    token = bot_token_for_team(settings, team_id, engine=engine)
    return web_client(settings, token=token) if token else None
