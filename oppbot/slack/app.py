"""build_app(settings) -> App: the Bolt app with every listener registered. Wiring only."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.orm import Session, sessionmaker

from oppbot.config import Settings
from oppbot.db.session import engine_for, session_factory
from oppbot.slack.deps import Deps
from oppbot.slack.response_urls import ReplyPoster

log = logging.getLogger(__name__)

# Bolt runs each listener (which acks first) on its listener_executor; its default has 5 threads, so a sixth
# concurrent request waited for a free thread before it could even ack (bench: ack p50 ~0.5 s at 20 clients).
# More threads than the HTTP server's (16), within the database pool (10 + 20 overflow).
LISTENER_THREADS = 24


def listener_executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="oppbot-listener")


def retry_handlers(*, connection: int = 2, rate_limited: int = 3, server: int = 2) -> list:
    """429s wait for Retry-After (Slack rate-limits per method and channel); 5xx and dropped connections are retried
    with backoff. The counts are the retries of each kind (replies to response_urls take one of each)."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=connection),
        RateLimitErrorRetryHandler(max_retry_count=rate_limited),
        ServerErrorRetryHandler(max_retry_count=server),
    ]


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """Every WebClient oppbot makes, pointed at SLACK_API_URL (slack_sdk reads no variable for it)."""
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=retry_handlers(),
        timeout=10,
    )


class _UnusedTokenWarning(logging.Filter):
    """Drops Bolt's "As you gave `client` as well, `token` will be unused." The token is not unused: the client
    carries it. Bolt reads SLACK_BOT_TOKEN from the environment itself whenever no `token` argument is given (and
    passing one with the client makes the same warning), so the variable oppbot already used looks like a second
    token."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


@contextmanager
def _token_from_client_only() -> Iterator[None]:
    bolt_log = logging.getLogger("slack_bolt.App")
    quiet = _UnusedTokenWarning()
    bolt_log.addFilter(quiet)
    try:
        yield
    finally:
        bolt_log.removeFilter(quiet)


def build_app(
    settings: Settings, *, sessions: sessionmaker[Session] | None = None, process_before_response: bool = False
) -> App:
    """`process_before_response`: Bolt's FaaS mode, where a request's HTTP answer waits for its listener, replies
    included (the test suite's `sync` fixture uses it so rows are final when a request returns)."""
    sessions = sessions or session_factory(engine_for(settings.database_url))
    deps = Deps(settings=settings, sessions=sessions, replies=ReplyPoster(inline=process_before_response))
    if settings.oauth_enabled:
        # Many workspaces: tokens come from the (encrypted) installation store, per request.
        from oppbot.slack.oauth import oauth_flow

        client = web_client(settings, token=None)
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=client,
            oauth_flow=oauth_flow(settings, sessions.kw["bind"], client),
            process_before_response=process_before_response,
            listener_executor=listener_executor(),
        )
        # app_uninstalled / tokens_revoked delete the stored tokens, so nothing uses them again.
        app.enable_token_revocation_listeners()
    else:
        with _token_from_client_only():
            app = App(
                # The client carries the bot token (and SLACK_API_URL); Bolt takes the token from it.
                signing_secret=settings.slack_signing_secret,
                client=web_client(settings),
                # Explicitly off: with SLACK_CLIENT_ID/SECRET unset Bolt must not look for them.
                oauth_settings=None,
                process_before_response=process_before_response,
                listener_executor=listener_executor(),
            )
    from oppbot.slack import metadata
    from oppbot.slack.error_handler import on_error
    from oppbot.slack.listeners import actions, commands, events, options, shortcuts, views
    from oppbot.slack.pipeline import middleware

    metadata.configure(settings.metadata_key, settings.slack_signing_secret)
    app.use(middleware(deps))
    for package in (commands, actions, views, events, shortcuts, options):
        package.register(app, deps)
    app.error(on_error)
    return app
