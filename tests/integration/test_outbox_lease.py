"""The outbox decides what is done: leases and parking in the relay, claims taken over after a worker died, a
deal's changes in order, Slack's refusals, and what an operator sees (`oppbot status`, /healthz) and resends."""

from __future__ import annotations

import json
from datetime import timedelta

import dramatiq
import pytest
from integration.helpers import make_customer, make_deal
from integration.workers_support import deliver_all, runtime_for, settings_for, unfinished
from sqlalchemy import select, update

from oppbot import cli
from oppbot.db.base import utcnow
from oppbot.db.models import OutboxEvent, ProcessedEvent
from oppbot.db.session import unit_of_work
from oppbot.domain.stages import Stage
from oppbot.services import notifications, opportunities, outbox
from oppbot.slack.server import health
from workers import actors
from workers.relay import Lease, lease_seconds, relay_once

CHANNEL = "C_LEASE"


class Recording:
    """A broker that takes every message and remembers the event ids, in order."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def declare_queue(self, _name: str) -> None:
        pass

    def enqueue(self, message: dramatiq.Message) -> None:
        self.sent.append(message.args[0])


def expire_leases(sessions) -> None:
    with unit_of_work(sessions) as session:
        session.execute(update(OutboxEvent).values(due_at=utcnow() - timedelta(seconds=1)))


def test_an_unfinished_event_is_sent_again_when_its_lease_runs_out_then_parked(sessions, rep):
    make_deal(sessions, rep)
    broker = Recording()
    lease = Lease(seconds=10, max_redispatches=2)

    assert relay_once(sessions, broker, lease=lease).sent == 1
    assert relay_once(sessions, broker, lease=lease).sent == 0  # leased: not due again yet
    for expected in (1, 2):
        expire_leases(sessions)
        assert relay_once(sessions, broker, lease=lease).sent == 1
        with sessions() as session:
            row = session.scalars(select(OutboxEvent)).one()
            assert row.redispatches == expected
            # Each lease twice the last: 10 s, 20 s, 40 s.
            assert (row.due_at - row.dispatched_at).total_seconds() == pytest.approx(10 * 2**expected)
    expire_leases(sessions)
    assert relay_once(sessions, broker, lease=lease).sent == 0
    with sessions() as session:
        assert session.scalars(select(OutboxEvent.parked_at)).one() is not None
        assert outbox.backlog(session).as_dict()["parked"] == 1
    assert len(broker.sent) == 3 and len(set(broker.sent)) == 1

    with unit_of_work(sessions) as session:
        assert outbox.retry_parked(session) == 1
    assert relay_once(sessions, broker, lease=lease).sent == 1
    with sessions() as session:
        assert session.scalars(select(OutboxEvent.redispatches)).one() == 0


def test_a_finished_event_is_never_sent_again(sessions, rep):
    make_deal(sessions, rep)
    broker = Recording()
    relay_once(sessions, broker)
    with unit_of_work(sessions) as session:
        session.execute(update(OutboxEvent).values(finished_at=utcnow()))
    expire_leases(sessions)
    assert relay_once(sessions, broker).sent == 0
    with unit_of_work(sessions) as session:
        (event_id,) = broker.sent
        assert not outbox.retry(session, event_id)  # nothing left to resend


def test_the_lease_doubles_up_to_an_hour():
    assert [lease_seconds(60, n) for n in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert lease_seconds(7200, 3) == 7200  # a base longer than the cap stays


# --- claims ------------------------------------------------------------------------------------------------------


@pytest.fixture
def runtime(db_url, sessions, fake_slack):
    return runtime_for(settings_for(db_url, fake_slack), sessions)


def stale(sessions, event_id: str, consumer: str) -> None:
    with unit_of_work(sessions) as session:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.event_id == event_id, ProcessedEvent.consumer == consumer)
            .values(processed_at=utcnow() - timedelta(hours=1))
        )


def state(sessions, event_id: str, consumer: str) -> dict:
    with sessions() as session:
        return session.get(ProcessedEvent, (event_id, consumer)).result


def test_a_live_claim_is_left_alone_and_a_recorded_effect_is_not_run_again(runtime, sessions):
    ran: list[str] = []
    assert actors.claim(runtime, "e1", "notify:C") is not None  # another delivery, still within its lease
    outcome = actors.once(runtime, "e1", "notify:C", lambda: ran.append("again"))
    assert isinstance(outcome, actors.Busy) and ran == []

    assert actors.once(runtime, "e2", "notify:C", lambda: {"ts": "1.0"}) == actors.RAN
    assert actors.once(runtime, "e2", "notify:C", lambda: ran.append("again")) == actors.RECORDED
    assert ran == [] and state(sessions, "e2", "notify:C") == {"state": "done", "ts": "1.0"}


def test_a_claim_left_by_a_dead_worker_is_taken_over_and_a_post_slack_took_is_recorded_not_repeated(runtime, sessions):
    ran: list[str] = []
    actors.claim(runtime, "e1", "notify:C")  # the dead worker's claim: its post reached Slack
    stale(sessions, "e1", "notify:C")
    outcome = actors.once(
        runtime, "e1", "notify:C", lambda: ran.append("posted again"), find=lambda _since: {"ts": "9.9"}
    )
    assert outcome == actors.RAN and ran == []
    assert state(sessions, "e1", "notify:C") == {"state": "done", "recovered": True, "ts": "9.9"}

    actors.claim(runtime, "e2", "notify:C")  # this one's post never reached Slack
    stale(sessions, "e2", "notify:C")
    actors.once(runtime, "e2", "notify:C", lambda: {"ts": "10.1"}, find=lambda _since: None)
    assert state(sessions, "e2", "notify:C") == {"state": "done", "ts": "10.1"}


def test_a_post_whose_outcome_is_unknown_is_looked_up_in_history_before_posting_again(
    db_url, sessions, fake_slack, rep
):
    """The post reached Slack but the worker never heard back (a dropped connection): the marker finds it."""
    settings = settings_for(db_url, fake_slack)
    runtime = runtime_for(settings, sessions)
    client = runtime.slack("T111")
    marker = actors.effect_marker("e1", "notify:C1")
    client.chat_postMessage(channel="C1", text="earlier", metadata=marker)
    for n in range(3):
        client.chat_postMessage(channel="C1", text=f"other {n}")
    assert actors.find_post(client, "C1", marker)["ts"] == fake_slack.history("C1")[-1]["ts"]
    assert actors.find_post(client, "C1", actors.effect_marker("e2", "notify:C1")) is None


# --- the whole event ---------------------------------------------------------------------------------------------


def test_ten_quick_moves_of_one_deal_reach_the_channel_in_order(sessions, start_workers, fake_slack, rep, manager):
    stub = start_workers(4)
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, CHANNEL)
    number = make_deal(sessions, rep, make_customer(sessions, rep))
    stages = [Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.LEAD] * 3
    for stage in stages[:10]:
        with unit_of_work(sessions) as session:
            opportunities.move(session, rep, number, stage)
    deliver_all(sessions, stub)

    said = [c.args["text"] for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == CHANNEL][1:]
    befores = [Stage.LEAD, *stages[:9]]
    assert len(said) == 10
    for text, before, after in zip(said, befores, stages[:10], strict=True):
        assert f"{before.label} → {after.label}" in text, (text, before, after)


def test_a_channel_slack_refuses_is_recorded_refused_and_the_event_finishes(
    sessions, start_workers, fake_slack, rep, manager
):
    stub = start_workers(4)
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, CHANNEL)
    fake_slack.on("chat.postMessage", lambda _call: {"ok": False, "error": "channel_not_found"})
    make_deal(sessions, rep)
    deliver_all(sessions, stub)

    assert unfinished(sessions) == 0
    with sessions() as session:
        (row,) = session.scalars(select(ProcessedEvent).where(ProcessedEvent.consumer == f"notify:{CHANNEL}"))
        assert row.result == {"state": "refused", "error": "channel_not_found"}


# --- what an operator sees -----------------------------------------------------------------------------------------


def test_status_healthz_and_retry_show_and_resend_a_parked_event(
    db_url, sessions, fake_slack, rep, monkeypatch, capsys
):
    make_deal(sessions, rep)
    make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        first, _second = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        first.parked_at = utcnow()
        first.last_error = "SlackApiError: fatal_error"
        first_id = first.id

    _, body = health(settings_for(db_url, fake_slack), sessions)
    assert body["outbox"]["backlog"] == 1 and body["outbox"]["parked"] == 1
    assert body["outbox"]["oldest_unfinished_seconds"] >= 0
    json.dumps(body)

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["status"]) == 1  # something is parked: a script can tell
    out = capsys.readouterr().out
    assert "1 unfinished" in out and "1 parked" in out and f"parked #{first_id}" in out and "fatal_error" in out

    assert cli.main(["outbox", "retry", str(first_id)]) == 0
    assert cli.main(["outbox", "retry", "999999"]) == 2
    with sessions() as session:
        assert outbox.backlog(session).as_dict()["parked"] == 0
    assert unfinished(sessions) == 2
    assert cli.main(["status"]) == 0
