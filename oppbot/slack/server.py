"""The HTTP server: Slack traffic on /slack/events (and OAuth routes), /healthz for load balancers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from oppbot.config import Settings
from oppbot.db.migrate import current_revisions, head_revisions
from oppbot.slack.front_door import FrontDoor
from oppbot.startup import ServerError

log = logging.getLogger(__name__)


NOT_MIGRATED = "not migrated (run oppbot db upgrade)"


def health(settings: Settings, sessions) -> tuple[int, dict]:
    """Database reachable and migrated to head, broker reachable: 200, else 503. Says which part failed, never how
    (no URLs, no errors), except what to run when the schema is behind the code."""
    checks: dict[str, str] = {}
    try:
        with sessions() as session:
            migrated = set(current_revisions(session.connection())) == set(head_revisions())
        checks["database"] = "ok" if migrated else NOT_MIGRATED
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
    """/healthz, and Slack's routes behind the front door (size, signature, content type, shape)."""
    slack = FrontDoor(
        SlackRequestHandler(app, path="/slack/events"),
        signing_secret=settings.slack_signing_secret or "",
        slack_api_url=settings.slack_api_url,
        max_body=settings.max_request_bytes,
    )

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = health(settings, sessions)
            payload = json.dumps(body).encode()
            start_response(
                f"{status} {'OK' if status == 200 else 'Service Unavailable'}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        return slack(environ, start_response)

    return application


def make_server(settings: Settings, host: str, port: int, threads: int = 16):
    """Waitress, bound and ready to .run(): a production WSGI server, multi-threaded, so slow listeners never block
    acks of others. Binding happens here, so a busy port is a one-line ServerError before anything else starts."""
    import errno

    from oppbot.db.session import engine_for, session_factory
    from oppbot.slack.app import build_app

    sessions = session_factory(engine_for(settings.database_url))
    app = build_app(settings, sessions=sessions)
    try:
        server = _waitress_server(
            wsgi_app(app, settings, sessions),
            host=host,
            port=port,
            threads=threads,
            ident="oppbot",
            # Waitress buffers a whole body before calling the app; with this it refuses a larger declared (or
            # chunked) body while parsing the headers, so the body is never read. Its check is `>=`, hence the + 1.
            max_request_body_size=settings.max_request_bytes + 1,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(f"port {port} is already in use", "stop what listens there or use --port") from exc
        raise ServerError(f"cannot listen on {host}:{port} ({exc.strerror})", "choose --host and --port") from exc
    log.info("oppbot serving Slack on http://%s:%s/slack/events", host, port)
    return server


def _waitress_server(application: Callable, **kw):
    """waitress.create_server, with channels whose 413s are logged (as one line, like the front door's)."""
    from waitress.server import create_server

    server = create_server(application, **kw)
    for candidate in (server, *getattr(server, "map", {}).values()):
        if hasattr(candidate, "channel_class"):
            candidate.channel_class = _logged_channel()
    return server


def _logged_channel():
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask
    from waitress.utilities import RequestEntityTooLarge

    from oppbot.slack.front_door import Refusal, log_refusal

    class LoggedErrorTask(ErrorTask):
        def execute(self) -> None:
            request = self.request
            if isinstance(request.error, RequestEntityTooLarge):
                length = request.content_length or None
                refusal = Refusal(413, f"body over the {self.channel.adj.max_request_body_size - 1}-byte limit")
                log_refusal(refusal, request.command or "", request.path or "", length)
            super().execute()

    class LoggedChannel(HTTPChannel):
        error_task_class = LoggedErrorTask

    return LoggedChannel
