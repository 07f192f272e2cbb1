"""Shared set-up for worker tests: FakeSlack, the actors' runtime pointed at it, and waiting on outcomes."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select

from oppbot.config import get_settings
from oppbot.db.models import OutboxEvent, ProcessedEvent
from workers.actors import EVENT_DONE, QUEUE, Runtime
from workers.ratelimit import ChannelPacer, RateGate, gated_client
from workers.relay import relay_once


def settings_for(db_url: str, fake, redis_url: str | None = None):
    return get_settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=db_url,
        REDIS_URL=redis_url or "",
    )


def runtime_for(settings, sessions, before_effect: Callable[[str], None] | None = None, **extra) -> Runtime:
    """The actors' runtime on the fake; posts are not paced per channel (the fake has no rate limit unless a test
    sets one) unless `pacer=` is given."""
    gate = RateGate()
    client = gated_client(settings, gate)
    extra.setdefault("pacer", ChannelPacer(0.0))
    return Runtime(
        settings=settings,
        sessions=sessions,
        slack=lambda _team: client,
        before_effect=before_effect,
        gate=gate,
        **extra,
    )


def processed_count(sessions, consumer: str = EVENT_DONE) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.consumer == consumer)
        )


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll for an outcome (not a timing assertion): fail with `what` if it never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def unfinished(sessions) -> int:
    """Outbox events neither finished nor parked: what the workers still owe."""
    with sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.finished_at.is_(None), OutboxEvent.parked_at.is_(None))
        )


def deliver_all(sessions, broker, timeout: float = 60.0) -> None:
    """Relay and let the workers run until the outbox owes nothing: a deal's later change waits for its earlier
    one and comes back through the relay, so one relay pass is not enough."""
    deadline = time.monotonic() + timeout
    while True:
        while relay_once(sessions, broker).more:
            pass
        broker.join(QUEUE, timeout=int(timeout * 1000))
        if unfinished(sessions) == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{unfinished(sessions)} outbox events still unfinished")
        time.sleep(0.05)
