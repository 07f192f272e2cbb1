"""Shared set-up for worker tests: FakeSlack, the actors' runtime pointed at it, and waiting on outcomes."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select

from oppbot.config import get_settings
from oppbot.db.models import ProcessedEvent
from workers.actors import EVENT_DONE, Runtime
from workers.ratelimit import RateGate, gated_client


def settings_for(db_url: str, fake, redis_url: str | None = None):
    return get_settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=db_url,
        REDIS_URL=redis_url or "",
    )


def runtime_for(settings, sessions, before_effect: Callable[[str], None] | None = None) -> Runtime:
    gate = RateGate()
    client = gated_client(settings, gate)
    return Runtime(
        settings=settings, sessions=sessions, slack=lambda _team: client, before_effect=before_effect, gate=gate
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
