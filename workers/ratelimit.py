"""Honouring Slack's Retry-After across a worker's threads: one 429 pauses every thread's calls, not just its own."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from oppbot.config import Settings


class RateGate:
    """Not-before time for the next Slack call from this process; hold() after a 429, wait() before a call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def wait(self) -> None:
        while True:
            with self._lock:
                delay = self._not_before - time.monotonic()
            if delay <= 0:
                return
            time.sleep(delay)


class ChannelPacer:
    """At most one post per channel per `interval` from this process (Slack allows about one message a second per
    channel), so a burst to one channel queues here instead of drawing 429s until the client's retries run out."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, 0.0))
            self._next[channel] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


def retry_after_seconds(headers) -> int:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(1, int(value))
            except (TypeError, ValueError):
                return 1
    return 1


class GatedRateLimitHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (sleeps Retry-After, then retries), also pausing the other threads via the gate."""

    def __init__(self, gate: RateGate, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.gate = gate

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        if response is not None:
            self.gate.hold(retry_after_seconds(response.headers))
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)


def gated_client(settings: Settings, gate: RateGate, token: str | None = None) -> WebClient:
    """oppbot's WebClient (oppbot.slack.app.web_client) with its 429 handler tied to `gate`."""
    from oppbot.slack.app import web_client

    client = web_client(settings, token)
    client.retry_handlers = [
        GatedRateLimitHandler(gate) if isinstance(h, RateLimitErrorRetryHandler) else h for h in client.retry_handlers
    ]
    return client
