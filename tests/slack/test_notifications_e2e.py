"""End to end: `/opp move` over HTTP, then `oppbot worker` on Redis posts the notification and refreshes the card."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from integration.helpers import make_deal
from sqlalchemy import select

from oppbot.db.models import CardMessage, Opportunity
from oppbot.db.session import unit_of_work

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_db5(redis_url):
    yield redis_url
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter("oppbot:*"))  # the default namespace `oppbot worker` uses, in this run's Redis db
    if keys:
        client.delete(*keys)


def test_a_move_over_http_reaches_the_subscribed_channel_and_the_posted_card_via_oppbot_worker(
    slack, redis_db5, tmp_path
):
    boss = slack.make_manager("U_BOSS")
    reply = slack.ask("notify <#C0DEALS|deals> proposal", user=boss)
    assert "C0DEALS" in reply["text"]
    number = make_deal(slack.sessions, slack.actor("U_REP"), assignee="U_REP")
    with unit_of_work(slack.sessions) as session:
        opp_id = session.scalar(
            select(Opportunity.id).where(Opportunity.team_id == slack.team_id, Opportunity.number == number)
        )
        session.add(CardMessage(team_id=slack.team_id, opportunity_id=opp_id, channel_id="C0CARDS", ts="42.0001"))

    assert "Proposal" in slack.ask(f"move {number} proposal")["text"]

    env = {
        **os.environ,
        "DATABASE_URL": slack.server.db_url,
        "REDIS_URL": redis_db5,
        "SLACK_API_URL": slack.fake.base_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "oppbot.cli", "worker", "--processes", "1", "--threads", "4"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        (note,) = slack.fake.wait_for(
            "chat.postMessage", timeout=60, predicate=lambda c: c.args.get("channel") == "C0DEALS"
        )
        # Two events touch the card: the deal's creation (processed after the card was recorded) and the move.
        updates = slack.fake.wait_for(
            "chat.update", count=2, timeout=60, predicate=lambda c: c.args.get("channel") == "C0CARDS"
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
        log.close()
    assert "Lead → Proposal" in str(note.args["blocks"])
    assert {c.args["ts"] for c in updates} == {"42.0001"}
    assert "Proposal" in str(slack.fake.messages[("C0CARDS", "42.0001")]["blocks"])
    assert len([c for c in slack.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C0DEALS"]) == 1
