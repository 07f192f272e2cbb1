"""Which URLs oppbot may POST a reply to: Slack's own webhook hosts, never whatever a payload names.

A `response_url` arrives in the request body (and, today, inside a modal's private_metadata). Posting a deal card to
any URL found there would let a forged or tampered value make the server send workspace data to any host. Slack's
response URLs live on `hooks.slack.com` (and `hooks.slack-gov.com` for GovSlack), over https. The origin (scheme,
host and port) of `SLACK_API_URL` is allowed as well when it is set to something else than Slack, so a deployment
or a test pointed at another Slack API (the fake Slack in tests) keeps working.

Replies are posted by a ReplyPoster, from threads of its own: a slow hook host delays replies, never an ack.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
DEFAULT_API_HOST = "slack.com"


def allowed_origins(slack_api_url: str | None) -> frozenset[tuple[str, str, int]]:
    """(scheme, host, port) triples a reply may go to: Slack's hooks over https, plus SLACK_API_URL's own."""
    origins = {("https", host, 443) for host in SLACK_HOOK_HOSTS}
    api = _origin(slack_api_url or "")
    if api and api[1] != DEFAULT_API_HOST:
        origins.add(api)
    return frozenset(origins)


def is_slack_response_url(url: object, slack_api_url: str | None) -> bool:
    """True only for a URL on Slack's hooks (or SLACK_API_URL's scheme, host and port), without userinfo tricks."""
    if not isinstance(url, str) or not url or len(url) > 2000 or "\\" in url:
        return False
    origin = _origin(url)
    return origin is not None and origin in allowed_origins(slack_api_url)


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname.lower().rstrip("."), port or (443 if parts.scheme == "https" else 80)


# --- posting replies off the listener threads --------------------------------------------------------------------

REPLY_THREADS = 8
REPLY_TIMEOUT_S = 5  # Slack's hooks answer in milliseconds; WebhookClient's own default is 30 s
REPLY_BACKLOG_MAX = 2000  # replies waiting for a host that stopped answering; beyond it they are dropped, logged


class ReplyPoster:
    """Posts replies to response_urls from a pool of its own, so no listener thread waits on Slack's hooks.

    Bolt runs each listener on its listener pool, and a listener acks on that thread: when replies were posted there,
    a response_url host that did not answer kept every thread for WebhookClient's 30 s, and the next requests could
    not even ack (Bolt gives up after 3 s). Now a listener hands its reply here and is done; the replies of one
    request go out in the order it made them (each waits for the one before it), with a short timeout and one retry
    on a dropped connection, 429 or 5xx. `inline` posts them on the caller's thread, for Bolt's
    process_before_response mode, where a request's work must be finished when its HTTP answer goes.
    """

    def __init__(self, *, threads: int = REPLY_THREADS, timeout: float = REPLY_TIMEOUT_S, inline: bool = False) -> None:
        self.timeout, self.inline = timeout, inline
        self._pool = None if inline else ThreadPoolExecutor(max_workers=threads, thread_name_prefix="oppbot-reply")
        self._changed = threading.Condition()
        self.backlog = 0  # replies queued or being posted

    def to(self, response_url: str) -> QueuedRespond:
        """A respond(...) for one request's response_url."""
        return QueuedRespond(self, response_url)

    def post(self, url: str, message: dict) -> None:
        from slack_sdk.webhook import WebhookClient

        from oppbot.slack.app import retry_handlers

        retries = retry_handlers(connection=1, rate_limited=1, server=1)
        try:
            answer = WebhookClient(url, timeout=self.timeout, retry_handlers=retries).send_dict(message)
        except Exception as exc:  # the reply is lost; the request's change (if any) is committed and its card says so
            log.warning("a reply to a response_url failed: %s", type(exc).__name__)
            return
        if answer.status_code != 200:
            log.warning("a response_url refused a reply: HTTP %s %s", answer.status_code, (answer.body or "")[:100])

    def submit(self, url: str, message: dict, after: Future | None) -> Future | None:
        if self._pool is None:
            self.post(url, message)
            return None
        with self._changed:
            if self.backlog >= REPLY_BACKLOG_MAX:
                log.warning("reply dropped: %s replies already wait for response_url hosts", self.backlog)
                return after
            self.backlog += 1
        return self._pool.submit(self._post_after, url, message, after)

    def _post_after(self, url: str, message: dict, after: Future | None) -> None:
        try:
            if after is not None:
                # Started before this one (the pool's queue is first in, first out), so this never waits on work
                # that is still queued behind it.
                wait([after])
            self.post(url, message)
        finally:
            with self._changed:
                self.backlog -= 1
                self._changed.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued reply has been posted (or given up); False if `timeout` ran out first."""
        with self._changed:
            return self._changed.wait_for(lambda: self.backlog == 0, timeout)


class QueuedRespond:
    """Bolt's respond(text=…, blocks=…, response_type=…, replace_original=…), queued on a ReplyPoster."""

    def __init__(self, poster: ReplyPoster, response_url: str) -> None:
        self.poster, self.response_url = poster, response_url
        self._last: Future | None = None

    def __call__(self, text: str | dict = "", blocks: list | None = None, **fields: Any) -> None:
        message = dict(text) if isinstance(text, dict) else {"text": text, "blocks": blocks, **fields}
        message = {k: v for k, v in message.items() if v is not None}
        if isinstance(message.get("blocks"), list):
            message["blocks"] = [b.to_dict() if hasattr(b, "to_dict") else b for b in message["blocks"]]
        self._last = self.poster.submit(self.response_url, message, self._last)
