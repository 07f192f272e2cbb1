"""Slack answering 429: every notification still arrives exactly once, and never before Retry-After."""

from __future__ import annotations

import itertools

import pytest
from integration.helpers import make_customer, make_deal
from integration.workers_support import deliver_all, processed_count

from oppbot.db.session import unit_of_work
from oppbot.services import notifications

CHANNEL = "C_RATE"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_notifications_rate_limited_by_slack_are_delivered_once_and_no_sooner_than_retry_after(
    sessions, start_workers, fake_slack, rep, manager
):
    # One thread, so the calls form one sequence in time; more 429s than the client's own 3 retries, so
    # Dramatiq's Retry (delayed by Retry-After) is exercised too.
    broker = start_workers(1, max_backoff_ms=2000)
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, CHANNEL)
    customer = make_customer(sessions, rep)
    for title in ("First", "Second", "Third"):
        make_deal(sessions, rep, customer, title=title)
    fake_slack.fail_next("chat.postMessage", count=5, status=429, retry_after=1)
    deliver_all(sessions, broker)

    delivered = [c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == CHANNEL]
    titles = sorted(t for c in delivered for t in ("First", "Second", "Third") if t in str(c.args["blocks"]))
    assert titles == ["First", "Second", "Third"]
    assert processed_count(sessions) == 3
    limited = sorted(c.time for c in fake_slack.rejected if c.method == "chat.postMessage")
    assert len(limited) == 5
    # Every call after a 429 came at least Retry-After (1 s) later.
    attempts = sorted([(t, "429") for t in limited] + [(c.time, "ok") for c in delivered])
    for (before, kind), (after, _) in itertools.pairwise(attempts):
        if kind == "429":
            assert after - before >= 1.0
