"""Misconfigurations as one line each: what is wrong and how to fix it.

Every `oppbot` command runs inside cli.main, which turns a StartupError (and the library errors `explain` knows: a
database that is down or missing, a malformed URL, an unreadable .env, a port in use, Redis down) into one line on
stderr and exit code 2; the traceback is shown only with --verbose. Checks raise the typed errors below; a new
subcommand gets the same treatment by raising them (or letting the library error through) from its run function.
"""

from __future__ import annotations

import errno
import re

from sqlalchemy.engine import URL, make_url


class StartupError(Exception):
    """Something the person running oppbot must change: `problem` says what, `fix` says how."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}. Fix: {fix}")
        self.problem = problem.rstrip(". ")
        self.fix = fix

    def line(self) -> str:
        # One line, whatever the libraries' messages contained.
        return " ".join(f"oppbot: {self.problem}. Fix: {self.fix}".split())


class SettingsError(StartupError):
    """A variable is missing, malformed or of the wrong kind (or .env cannot be read)."""


class DatabaseError(StartupError):
    """The database is unreachable, missing, not migrated, or the revision asked for does not exist."""


class BrokerError(StartupError):
    """Redis is configured but does not answer, or is needed and not configured."""


class SlackError(StartupError):
    """Slack refused the token, or the app lacks scopes."""


class ServerError(StartupError):
    """The HTTP server cannot listen (port in use, address not available)."""


# --- settings ----------------------------------------------------------------------------------------------------

SETUP = "create the app from manifest.yml and copy its credentials into .env (README: Create the Slack app)"


def token_kind(token: str) -> str:
    """'bot', 'app', 'user', 'config' or 'unknown', from Slack's token prefixes."""
    prefixes = {"xoxb-": "bot", "xapp-": "app", "xoxp-": "user", "xoxe": "config"}
    return next((kind for prefix, kind in prefixes.items() if token.startswith(prefix)), "unknown")


def check_token(variable: str, token: str | None, expected: str) -> None:
    """A token of the wrong kind (an xapp- where xoxb- belongs) is a one-line error, not a 401 later."""
    if not token:
        return
    kind = token_kind(token)
    if kind == expected:
        return
    where = {
        "bot": "the Bot User OAuth Token (xoxb-…, OAuth & Permissions)",
        "app": "an App-Level Token (xapp-…, Basic Information → App-Level Tokens, scope connections:write)",
    }[expected]
    names = {"bot": "a bot token", "app": "an app-level token", "user": "a user token", "config": "a config token"}
    found = f"{names[kind]} ({token[:5]}…)" if kind in names else f"not a Slack token ({token[:5]}…)"
    hint = {"app": "; xapp- tokens belong in SLACK_APP_TOKEN", "bot": "; xoxb- tokens belong in SLACK_BOT_TOKEN"}
    raise SettingsError(f"{variable} is {found}", f"put {where} in {variable}{hint.get(kind, '')}")


# --- database URLs -----------------------------------------------------------------------------------------------

DATABASE_URL_FIX = (
    "use postgresql://user:password@host:5432/name (or postgres://…) or sqlite:///oppbot.db in DATABASE_URL"
)
_DRIVERS = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}
_SUPPORTED = ("postgresql+psycopg", "sqlite", "sqlite+pysqlite")


def normalise_database_url(url: str) -> str:
    """`postgres://` and `postgresql://` (what hosting providers hand out) mean PostgreSQL through psycopg 3.

    Raises ValueError with the fix for a string that is not a URL or names a database oppbot does not run on.
    """
    try:
        parsed = make_url(url.strip())
    except Exception as exc:  # sqlalchemy.exc.ArgumentError: "Could not parse SQLAlchemy URL…"
        raise ValueError(f"not a database URL ({_shown(url)})") from exc
    parsed = parsed.set(drivername=_DRIVERS.get(parsed.drivername, parsed.drivername))
    if parsed.drivername not in _SUPPORTED:
        raise ValueError(f"oppbot runs on PostgreSQL or SQLite, not {parsed.drivername}")
    return parsed.render_as_string(hide_password=False)


def safe_url(url: str | URL) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def _shown(value: str) -> str:
    return repr(value[:40]) if "@" not in value else "(hidden: it may contain a password)"


def _where(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return f"the SQLite file {parsed.database or ':memory:'}"
    return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}"


def database_error(exc: BaseException, url: str) -> DatabaseError:
    """A connection failure in words: which database, what happened, what to do."""
    message = str(getattr(exc, "orig", None) or exc)
    where = _where(url)
    name = make_url(url).database
    if "does not exist" in message and "database" in message:
        return DatabaseError(
            f'the database "{name}" does not exist on {where}',
            f"create it (createdb {name}) or correct DATABASE_URL, then run oppbot db upgrade",
        )
    if "password authentication failed" in message or ("role" in message and "does not exist" in message):
        return DatabaseError(f"{where} refused the user or password", "correct them in DATABASE_URL")
    if "unable to open database file" in message:
        return DatabaseError(
            f"cannot open {where}", "make its directory exist and be writable, or correct DATABASE_URL"
        )
    if "no such table" in message or "UndefinedTable" in type(getattr(exc, "orig", exc)).__name__:
        return not_migrated(url, None)
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return DatabaseError(
        f"cannot connect to {where} ({_short(first)})", "start the database or correct host and port in DATABASE_URL"
    )


def not_migrated(url: str, current: str | None, head: str | None = None) -> DatabaseError:
    at = f"at revision {current}" if current else "never migrated"
    to = f", head is {head}" if head else ""
    return DatabaseError(f"the database at {safe_url(url)} is not migrated ({at}{to})", "run oppbot db upgrade")


def _short(message: str) -> str:
    message = re.sub(r"^connection failed: ", "", message)
    return message if len(message) <= 160 else message[:157] + "…"


# --- anything else -------------------------------------------------------------------------------------------------


def explain(exc: BaseException, settings=None) -> StartupError | None:
    """The StartupError for a library error a misconfiguration causes, or None for a real bug (shown in full)."""
    if isinstance(exc, StartupError):
        return exc
    for rule in (_settings_error, _database_error, _redis_error, _address_error, _slack_error):
        found = rule(exc, settings)
        if found is not None:
            return found
    return None


def _settings_error(exc: BaseException, _settings) -> StartupError | None:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        problems, fixes = [], []
        for error in exc.errors():
            variable = str(error["loc"][0]).upper() if error.get("loc") else "a setting"
            problems.append(f"{variable}: {error['msg'].removeprefix('Value error, ')}")
            fixes.append(_SETTING_FIXES.get(variable, f"correct {variable} in the environment or in .env"))
        return SettingsError("; ".join(problems), "; ".join(dict.fromkeys(fixes)))
    if isinstance(exc, UnicodeDecodeError):
        return SettingsError(".env is not UTF-8 text", "save .env as UTF-8 (one VARIABLE=value per line)")
    return None


_SETTING_FIXES = {
    "DATABASE_URL": DATABASE_URL_FIX,
    "OPPBOT_DEFAULT_CURRENCY": "set OPPBOT_DEFAULT_CURRENCY to an ISO 4217 code such as USD, EUR or NOK",
}


def _database_error(exc: BaseException, settings) -> StartupError | None:
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    if isinstance(exc, NoSuchModuleError):
        return SettingsError(f"DATABASE_URL names an unknown database driver ({exc})", DATABASE_URL_FIX)
    if isinstance(exc, DBAPIError) and settings is not None:
        return database_error(exc, settings.database_url)
    return None


def _redis_error(exc: BaseException, settings) -> StartupError | None:
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(exc, redis.exceptions.ConnectionError) and settings is not None and settings.redis_url:
        return redis_down(settings.redis_url, exc)
    return None


def _slack_error(exc: BaseException, settings) -> StartupError | None:
    from urllib.error import URLError

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, BoltError) and "auth.test" in str(exc):  # Bolt checks the bot token when the app is built
        found = re.search(r"'error': '([^']+)'", str(exc))
        return slack_refused("SLACK_BOT_TOKEN", found.group(1) if found else "invalid_auth")
    if isinstance(exc, SlackApiError):
        # apps.connections.open is the app-level token's (Socket Mode); every other method runs on the bot token.
        method = str(getattr(exc.response, "api_url", ""))
        variable = "SLACK_APP_TOKEN" if method.endswith("apps.connections.open") else "SLACK_BOT_TOKEN"
        return slack_refused(variable, str(exc.response.get("error", "error")))
    if isinstance(exc, URLError) and settings is not None:  # only slack_sdk speaks HTTP while a command starts
        return SlackError(
            f"cannot reach Slack at {settings.slack_api_url} ({_short(str(exc.reason))})",
            "check the network (or proxy), or unset SLACK_API_URL to use https://slack.com/api/",
        )
    return None


def slack_refused(variable: str, error: str) -> SlackError:
    where = {
        "SLACK_BOT_TOKEN": "the Bot User OAuth Token (OAuth & Permissions)",
        "SLACK_APP_TOKEN": "the App-Level Token with connections:write (Basic Information)",
    }[variable]
    return SlackError(
        f"Slack refused {variable} ({error})",
        f"copy {where} again into {variable}; if the app was uninstalled or the token revoked, reinstall it",
    )


def redis_down(url: str, exc: BaseException) -> BrokerError:
    return BrokerError(
        f"Redis at {redis_location(url)} does not answer ({_short(str(exc).splitlines()[0])})",
        "start Redis or correct REDIS_URL (or unset it and run everything in one process with oppbot dev)",
    )


def redis_location(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or ''}"


def _address_error(exc: BaseException, _settings) -> StartupError | None:
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return ServerError("the port is already in use", "stop what listens there or choose another with --port")
    if isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL:
        return ServerError("cannot listen on that address", "use --host 0.0.0.0 or an address of this machine")
    if isinstance(exc, OSError) and exc.filename and str(exc.filename).endswith(".env"):
        return SettingsError(f"cannot read {exc.filename} ({exc.strerror})", "fix its permissions or remove it")
    return None


# --- checks the commands run before they start ---------------------------------------------------------------------


def check_env_file(path) -> None:
    """A .env that exists must be a readable UTF-8 file of VARIABLE=value lines (pydantic would skip a directory
    silently and python-dotenv only warns about a line it cannot parse)."""
    import io

    from dotenv.parser import parse_stream

    if not path.exists():
        return
    if not path.is_file():
        raise SettingsError(f"{path} is not a file", "remove it, or make it a file of VARIABLE=value lines")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} is not UTF-8 text", "save it as UTF-8, one VARIABLE=value per line") from exc
    except OSError as exc:
        raise SettingsError(
            f"cannot read {path} ({exc.strerror})", "fix its permissions (chmod 600) or remove it"
        ) from exc
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:  # the line itself is not shown: it may be a pasted secret
            raise SettingsError(
                f"line {binding.original.line} of {path} is not VARIABLE=value",
                "write it as VARIABLE=value, or start it with # to make it a comment",
            )


_MODE_NAMES = {"http": "HTTP mode", "socket": "Socket Mode", "api": "the workers (they post to Slack)"}


def check_slack(settings, transport: str) -> None:
    """The Slack settings `transport` needs: "http" (serve), "socket" (socket, dev) or "api" (workers)."""
    if bool(settings.slack_client_id) != bool(settings.slack_client_secret):
        have, lack = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
        if not settings.slack_client_id:
            have, lack = lack, have
        raise SettingsError(f"{have} is set but {lack} is not", "set both for OAuth (Basic Information) or neither")
    if settings.oauth_enabled and not settings.secret_key:
        raise SettingsError(
            "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET enable OAuth but OPPBOT_SECRET_KEY is not set",
            'set OPPBOT_SECRET_KEY to a long random secret, which encrypts the stored tokens (python -c "import '
            'secrets; print(secrets.token_urlsafe(32))"), and keep it: a new key means every workspace reinstalls',
        )
    check_token("SLACK_BOT_TOKEN", settings.slack_bot_token, "bot")
    check_token("SLACK_APP_TOKEN", settings.slack_app_token, "app")
    needed = [] if settings.oauth_enabled else ["slack_bot_token"]
    needed += {"http": ["slack_signing_secret"], "socket": ["slack_app_token"], "api": []}[transport]
    missing = [name.upper() for name in needed if not getattr(settings, name)]
    if not missing:
        return
    if missing == ["SLACK_APP_TOKEN"]:
        fix = (
            "make an App-Level Token with connections:write (Basic Information) and set SLACK_APP_TOKEN, or run "
            "HTTP mode (oppbot serve, oppbot dev --http) with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"
        )
    else:
        fix = f"{SETUP}, then run oppbot doctor"
    verb = "is" if len(missing) == 1 else "are"
    raise SettingsError(f"{_MODE_NAMES[transport]} needs {' and '.join(missing)}, which {verb} not set", fix)


def check_redis(url: str | None, command: str) -> None:
    """`oppbot worker` and `oppbot scheduler` need a Redis that answers."""
    if not url:
        raise BrokerError(
            f"oppbot {command} needs REDIS_URL, which is not set",
            "set REDIS_URL=redis://localhost:6379/0 for every oppbot process (or run everything in one process "
            "with oppbot dev, which needs no Redis)",
        )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        raise redis_down(url, exc) from exc
