"""`oppbot doctor`: settings, database, Redis, Slack and the signing secret, one line each with the fix.

Every check runs (one failure does not hide the next); the exit code is 0 only when none failed.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from oppbot.config import Settings
from oppbot.startup import (
    SETUP,
    StartupError,
    check_slack,
    check_token,
    database_error,
    not_migrated,
    redis_down,
    redis_location,
    safe_url,
    slack_refused,
)

# Beside the code in a checkout; in the working directory of the Docker image (/app), where the package is installed.
MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
# Slack's signing secrets are 32 lower-case hex characters (Basic Information → App Credentials).
SIGNING_SECRET_SHAPE = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    text: str  # what was found; for a failure, the problem and the fix

    def line(self) -> str:
        return f"{self.name:<9} {'ok  ' if self.ok else 'FAIL'}  {self.text}"


def _failed(name: str, error: StartupError) -> Check:
    return Check(name, False, f"{error.problem}. Fix: {error.fix}")


def check_settings(settings: Settings) -> Check:
    try:
        check_slack(settings, settings.slack_mode)
    except StartupError as error:
        return _failed("settings", error)
    other = (
        "HTTP would need SLACK_SIGNING_SECRET too"
        if settings.slack_mode == "socket" and not settings.slack_signing_secret
        else "unset SLACK_APP_TOKEN for HTTP"
        if settings.slack_mode == "socket"
        else "set SLACK_APP_TOKEN for Socket Mode"
    )
    return Check("settings", True, f"{settings.describe_mode()} (oppbot dev picks it; {other})")


def check_database(settings: Settings) -> Check:
    from oppbot.db.migrate import schema_state
    from oppbot.db.session import make_engine

    engine = make_engine(settings.database_url)
    try:
        state = schema_state(engine)
    except Exception as exc:
        return _failed("database", database_error(exc, settings.database_url))
    finally:
        engine.dispose()
    if not state.migrated:
        return _failed(
            "database", not_migrated(settings.database_url, state.current and state.shown, ", ".join(state.heads))
        )
    return Check("database", True, f"{safe_url(settings.database_url)} at revision {state.shown} (head)")


def check_broker(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check(
            "redis", True, "not set: in-process broker, for oppbot dev only (worker and scheduler need REDIS_URL)"
        )
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        return _failed("redis", redis_down(settings.redis_url, exc))
    return Check("redis", True, f"{redis_location(settings.redis_url)} answers")


def manifest_scopes(path: Path | None = None) -> set[str]:
    """The bot scopes manifest.yml asks for (oppbot.slack.oauth.BOT_SCOPES, kept equal by a test, without one)."""
    from oppbot.slack.oauth import BOT_SCOPES

    path = path or next((p for p in (MANIFEST, Path("manifest.yml")) if p.is_file()), None)
    if path is None:
        return set(BOT_SCOPES)
    import yaml

    return set(yaml.safe_load(path.read_text())["oauth_config"]["scopes"]["bot"])


def check_slack_token(settings: Settings) -> Check:
    if settings.oauth_enabled:
        return _check_installed_workspaces(settings)
    if not settings.slack_bot_token:
        return Check("slack", False, f"no SLACK_BOT_TOKEN to check. Fix: {SETUP}")
    try:
        check_token("SLACK_BOT_TOKEN", settings.slack_bot_token, "bot")
    except StartupError as error:  # an xapp- token would answer auth.test as the app, not as the bot
        return _failed("slack", error)
    found = _auth_test(settings, settings.slack_bot_token, "SLACK_BOT_TOKEN")
    return Check("slack", found.ok, found.text)


def _auth_test(settings: Settings, token: str, whose: str) -> Check:
    """auth.test with `token`: who it is, and the scopes it was granted against the ones manifest.yml asks for."""
    from slack_sdk.errors import SlackApiError

    from oppbot.slack.app import web_client

    try:
        answer = web_client(settings, token=token).auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "error"))
        if whose == "SLACK_BOT_TOKEN":
            return _failed("slack", slack_refused(whose, error))
        return Check("slack", False, f"Slack refused {whose}'s token ({error}). Fix: reinstall the app there")
    except Exception as exc:  # no network, wrong SLACK_API_URL
        return Check(
            "slack",
            False,
            f"cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__}). "
            "Fix: check the network, or unset SLACK_API_URL (default https://slack.com/api/)",
        )
    who = (
        f"team {answer.get('team')} ({answer.get('team_id')}), bot user @{answer.get('user')} ({answer.get('user_id')})"
    )
    header = {k.lower(): v for k, v in answer.headers.items()}.get("x-oauth-scopes")
    if header is None:
        return Check("slack", True, f"{who}; Slack sent no x-oauth-scopes header, scopes not checked")
    granted = {scope.strip() for scope in header.split(",") if scope.strip()}
    missing = sorted(manifest_scopes() - granted)
    if missing:
        return Check(
            "slack",
            False,
            f"{who}; the token lacks {', '.join(missing)} that manifest.yml asks for. Fix: update the app from "
            "manifest.yml (App Manifest), reinstall it (Install App) and copy the new SLACK_BOT_TOKEN",
        )
    return Check("slack", True, f"{who}; scopes: all {len(granted)} manifest.yml asks for")


# OAuth: each installed workspace's token is checked, up to this many (the line stays one line).
MAX_WORKSPACES = 10


def _check_installed_workspaces(settings: Settings) -> Check:
    from sqlalchemy import text

    from oppbot.db.session import make_engine
    from oppbot.slack.oauth import installation_store

    if not settings.secret_key:
        return Check(
            "slack",
            False,
            "OAuth: the installed workspaces' tokens cannot be read without OPPBOT_SECRET_KEY. "
            "Fix: see the settings line",
        )
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            teams = list(
                connection.scalars(
                    text("SELECT DISTINCT team_id FROM slack_bots WHERE client_id = :client ORDER BY team_id"),
                    {"client": settings.slack_client_id},
                )
            )
        store = installation_store(settings, engine)
        bots = {team: store.find_bot(enterprise_id=None, team_id=team) for team in teams[:MAX_WORKSPACES]}
    except Exception as exc:  # the database line says why; this one only that it could not look
        return Check(
            "slack",
            False,
            f"OAuth: cannot read the installed workspaces ({type(exc).__name__}). Fix: see the database line",
        )
    finally:
        engine.dispose()
    if not teams:
        return Check(
            "slack", True, "OAuth: no workspace installed yet; install one at https://<your host>/slack/install"
        )
    undecryptable = (
        "token cannot be decrypted. Fix: restore the OPPBOT_SECRET_KEY it was stored with, or reinstall the app there"
    )
    results = {
        team: _auth_test(settings, bot.bot_token, f"workspace {team}")
        if bot is not None and bot.bot_token
        else Check("slack", False, f"workspace {team}'s {undecryptable}")
        for team, bot in bots.items()
    }
    failed = [check.text for check in results.values() if not check.ok]
    shown = f"OAuth: {len(teams)} workspace(s) installed, {len(results)} checked"
    if failed:
        return Check("slack", False, f"{shown}; {len(failed)} failed, first: {failed[0]}")
    return Check("slack", True, f"{shown}; each answers auth.test with the scopes manifest.yml asks for")


def check_signing_secret(settings: Settings) -> Check:
    secret = settings.slack_signing_secret
    if not secret:
        if settings.slack_mode == "socket":
            return Check("signing", True, "not set: Socket Mode does not need it (HTTP mode does)")
        return Check("signing", False, f"SLACK_SIGNING_SECRET is not set. Fix: {SETUP}")
    if not SIGNING_SECRET_SHAPE.fullmatch(secret):
        return Check(
            "signing",
            False,
            f"SLACK_SIGNING_SECRET is {len(secret)} characters, not Slack's 32 hex digits. Fix: copy the Signing "
            "Secret (Basic Information → App Credentials; not the Client Secret or Verification Token)",
        )
    return Check("signing", True, "SLACK_SIGNING_SECRET has Slack's shape (32 hex digits)")


CHECKS = (check_settings, check_database, check_broker, check_slack_token, check_signing_secret)


def run_doctor(settings: Settings, out=None) -> int:
    out = out or sys.stdout
    results = [check(settings) for check in CHECKS]
    for result in results:
        print(result.line(), file=out)
    failed = [r.name for r in results if not r.ok]
    print(f"{len(failed)} problem(s): {', '.join(failed)}" if failed else "All checks passed.", file=out)
    return 2 if failed else 0
