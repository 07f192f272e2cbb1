"""The outbox relay on real Redis: nothing lost while Redis is down, nothing doubled by concurrent relays."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import dramatiq
import pytest
import redis
from integration.helpers import make_customer
from integration.workers_support import processed_count, runtime_for, settings_for, wait_until
from sqlalchemy import func, select

from oppbot.db.models import OutboxEvent, ProcessedEvent
from oppbot.db.session import make_engine, session_factory, unit_of_work
from oppbot.domain.opportunity import Draft
from oppbot.services import notifications, opportunities
from workers.actors import QUEUE
from workers.broker import BrokerOptions, build_broker, setup_broker
from workers.relay import Relay, relay_once

DOWN_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every send fails at once
CHANNEL = "C_DEALS"


@pytest.fixture
def namespace(redis_url):
    name = f"oppbot-test-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{name}*"))
    if keys:
        client.delete(*keys)


def create_deals(sessions, rep, count: int, per_transaction: int = 50) -> None:
    """`count` deal creations, each a change with its own event; committed a few dozen at a time for speed."""
    customer = make_customer(sessions, rep)
    for start in range(0, count, per_transaction):
        with unit_of_work(sessions) as session:
            for i in range(start, min(count, start + per_transaction)):
                opportunities.create(session, rep, Draft(customer=customer, title=f"Deal {i}", value="100"))


def undispatched(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None)))


# PostgreSQL only: the production database, where worker threads run in parallel; SQLite's single writer is
# covered by the smaller relay and actor tests.
@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_thousand_changes_made_while_redis_is_down_are_each_processed_once_after_it_is_back(
    db_url, sessions, fake_slack, rep, manager, redis_url, namespace
):
    settings = settings_for(db_url, fake_slack)
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, CHANNEL)
    create_deals(sessions, rep, 1000)  # every change commits, whatever Redis is doing

    down = build_broker(settings, BrokerOptions(namespace=namespace), redis_url=DOWN_REDIS)
    for _ in range(3):
        result = relay_once(sessions, down)
        assert result.failed and result.sent == 0
    assert undispatched(sessions) == 1000
    with sessions() as session:
        assert session.scalar(select(OutboxEvent.attempts).order_by(OutboxEvent.id).limit(1)) == 3

    broker = setup_broker(
        settings, BrokerOptions(namespace=namespace), redis_url=redis_url, runtime=runtime_for(settings, sessions)
    )
    worker = dramatiq.Worker(broker, worker_threads=8, worker_timeout=100)
    worker.start()
    relay = Relay(sessions, broker, idle_seconds=0.1).start()
    try:
        wait_until(lambda: processed_count(sessions) == 1000, timeout=120, what="1,000 processed events")
    finally:
        relay.stop()
        worker.stop()

    assert undispatched(sessions) == 0
    texts = Counter(c.args["text"] for c in fake_slack.calls_to("chat.postMessage"))
    assert len(texts) == 1000 and set(texts.values()) == {1}
    with sessions() as session:
        per_event = session.execute(
            select(ProcessedEvent.event_id, func.count()).group_by(ProcessedEvent.event_id)
        ).all()
    assert len(per_event) == 1000 and all(n == 2 for _, n in per_event)  # "event" + "notify:C_DEALS"


def test_two_relays_running_at_once_dispatch_each_event_once(db_url, sessions, fake_slack, rep, redis_url, namespace):
    settings = settings_for(db_url, fake_slack)
    create_deals(sessions, rep, 300)
    broker = build_broker(settings, BrokerOptions(namespace=namespace), redis_url=redis_url)
    broker.declare_queue(QUEUE)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run_relay() -> None:
        engine = make_engine(db_url)  # each relay its own engine and sessions, like two processes
        own_sessions = session_factory(engine)
        try:
            start.wait()
            while relay_once(own_sessions, broker, batch=7).sent:
                pass
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run_relay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    assert undispatched(sessions) == 0
    client = redis.Redis.from_url(redis_url)
    queued = client.hvals(f"{namespace}:{QUEUE}.msgs")
    sent = Counter(dramatiq.Message.decode(raw).args[0] for raw in queued)
    with sessions() as session:
        all_events = set(session.scalars(select(OutboxEvent.event_id)))
    assert set(sent) == all_events and set(sent.values()) == {1}
