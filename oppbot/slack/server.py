"""The HTTP server: Slack traffic on /slack/events (and OAuth routes), /healthz for load balancers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from oppbot.config import Settings

log = logging.getLogger(__name__)


def health(settings: Settings, sessions) -> tuple[int, dict]:
    """Database and broker reachable: 200, else 503. Says which part failed, never how (no URLs, no errors)."""
    checks: dict[str, str] = {}
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        log.warning("health: database check failed", exc_info=True)
        checks["database"] = "unavailable"
    if settings.redis_url:
        try:
            import redis

            redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception:
            log.warning("health: broker check failed", exc_info=True)
            checks["broker"] = "unavailable"
    else:
        checks["broker"] = "ok (in-process)"
    healthy = all(value.startswith("ok") for value in checks.values())
    return (200 if healthy else 503), {
        "status": "ok" if healthy else "unavailable",
        **checks,
        **_outbox_detail(sessions),
    }


def _outbox_detail(sessions) -> dict:
    """Detail only, never the status: what the workers owe (a backlog is not the web process's failure)."""
    from oppbot.services import outbox

    try:
        with sessions() as session:
            return {"outbox": outbox.backlog(session).as_dict()}
    except Exception:
        log.warning("health: outbox backlog unavailable", exc_info=True)
        return {"outbox": "unavailable"}


def wsgi_app(app: App, settings: Settings, sessions) -> Callable:
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = health(settings, sessions)
            payload = json.dumps(body).encode()
            start_response(
                f"{status} {'OK' if status == 200 else 'Service Unavailable'}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        if not _timestamp_is_number(environ):
            return _unauthorized(start_response)
        return slack(environ, start_response)

    return application


def _timestamp_is_number(environ: dict) -> bool:
    """slack_sdk's verifier raises (a 500) on a non-numeric X-Slack-Request-Timestamp; that is a 401, like a bad one."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    return timestamp is None or (timestamp.isascii() and timestamp.isdigit())


def _unauthorized(start_response: Callable) -> Iterable[bytes]:
    start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return [b""]


def serve(settings: Settings, host: str, port: int, threads: int = 16) -> None:
    """Waitress: a production WSGI server, multi-threaded, so slow listeners never block acks of others."""
    import waitress

    from oppbot.db.session import engine_for, session_factory
    from oppbot.slack.app import build_app

    sessions = session_factory(engine_for(settings.database_url))
    app = build_app(settings, sessions=sessions)
    log.info("oppbot serving Slack on http://%s:%s/slack/events", host, port)
    waitress.serve(wsgi_app(app, settings, sessions), host=host, port=port, threads=threads, ident="oppbot")
