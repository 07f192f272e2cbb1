"""Digests are posted at local time, exactly once per channel and period, with one catch-up after downtime."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fakeslack.server import FakeSlack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from oppbot.db.models import ScheduledSend, ScheduleSubscription
from oppbot.db.session import make_engine, session_factory, unit_of_work
from oppbot.domain.errors import PermissionDenied
from oppbot.services import schedules
from oppbot.services.workspaces import ensure_workspace
from workers.scheduled import deliver_digest, find_due

CHANNEL = "C_DIGEST"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def client_for(fake_slack: FakeSlack) -> WebClient:
    # No retry handlers here: a failure must surface so the claim's release is what gets tested.
    return WebClient(token="xoxb-test", base_url=fake_slack.base_url)


def posts(fake_slack: FakeSlack, channel: str) -> list[dict]:
    return [c.args for c in fake_slack.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def subscribe(sessions, manager, created_at: datetime, **options) -> int:
    with unit_of_work(sessions) as session:
        ensure_workspace(session, manager.team_id, default_currency="USD")
        view = schedules.subscribe(session, manager, CHANNEL, schedules.DIGEST, **options)
        session.get(ScheduleSubscription, view.id).created_at = created_at
        return view.id


def tick(sessions, client, now) -> list[str]:
    """What `scheduled_tick` then `send_digest` do, minus the broker."""
    sent = []
    for run in find_due(sessions, now):
        if deliver_digest(sessions, client, run.subscription_id, run.period_key, now=now):
            sent.append(run.period_key)
    return sent


def test_only_managers_may_subscribe_a_channel(sessions, rep, manager):
    with unit_of_work(sessions) as session:
        ensure_workspace(session, rep.team_id, default_currency="USD")
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as session:
        schedules.subscribe(session, rep, CHANNEL, schedules.DIGEST)
    with unit_of_work(sessions) as session:
        view = schedules.subscribe(
            session, manager, CHANNEL, schedules.DIGEST, weekday=2, time_of_day="7:30", timezone="Europe/Oslo"
        )
    assert view.schedule.describe() == "every Wednesday at 07:30 (Europe/Oslo)"
    with unit_of_work(sessions) as session:
        assert schedules.show(session, rep, CHANNEL, schedules.DIGEST).schedule.weekday == 2
        assert schedules.unsubscribe(session, manager, CHANNEL, schedules.DIGEST)
        assert schedules.show(session, rep, CHANNEL, schedules.DIGEST) is None


def test_the_digest_fires_at_local_time_across_the_oslo_spring_forward(sessions, manager, fake_slack):
    # Sunday 02:30 does not exist on 29 Mar 2026 in Oslo: the digest goes at 03:00 CEST = 01:00 UTC, once.
    subscribe(sessions, manager, utc(2026, 3, 1), weekday=6, time_of_day="02:30", timezone="Europe/Oslo")
    client = client_for(fake_slack)
    fired = []
    now = utc(2026, 3, 28, 22)
    while now < utc(2026, 3, 29, 6):
        if tick(sessions, client, now):
            fired.append(now)
        now += timedelta(minutes=5)
    # The tick of 22:00 on the 28th sends the owed W12 run (subscription started 1 March); then W13 at 01:00 UTC.
    assert fired[-1] == utc(2026, 3, 29, 1, 0)
    with unit_of_work(sessions) as session:
        keys = sorted(session.scalars(select(ScheduledSend.period_key)))
    assert keys == ["2026-W12", "2026-W13"]
    assert len(posts(fake_slack, CHANNEL)) == 2


def test_the_digest_fires_once_at_the_first_0130_of_new_yorks_fall_back(sessions, manager, fake_slack):
    subscribe(sessions, manager, utc(2026, 10, 31, 12), weekday=6, time_of_day="01:30", timezone="America/New_York")
    client = client_for(fake_slack)
    fired = [
        now
        for now in (utc(2026, 11, 1, 5, 0) + timedelta(minutes=15 * i) for i in range(12))
        if tick(sessions, client, now)
    ]
    assert fired == [utc(2026, 11, 1, 5, 30)]
    assert len(posts(fake_slack, CHANNEL)) == 1


def test_a_scheduler_down_over_two_periods_posts_one_catch_up_digest(sessions, manager, fake_slack):
    subscribe(sessions, manager, utc(2026, 11, 1), weekday=0, time_of_day="09:00", timezone="UTC")
    client = client_for(fake_slack)
    assert tick(sessions, client, utc(2026, 11, 9, 9, 0)) == ["2026-W46"]
    # Down from 10 Nov to Wednesday 25 Nov: the runs of W47 and W48 were missed.
    assert tick(sessions, client, utc(2026, 11, 25, 14, 0)) == ["2026-W48"]
    assert tick(sessions, client, utc(2026, 11, 25, 14, 1)) == []
    assert tick(sessions, client, utc(2026, 11, 30, 9, 0)) == ["2026-W49"]
    assert len(posts(fake_slack, CHANNEL)) == 3


def test_a_failed_post_frees_the_period_for_the_next_tick_and_is_never_doubled(sessions, manager, fake_slack):
    subscribe(sessions, manager, utc(2026, 11, 1), weekday=0, time_of_day="09:00", timezone="UTC")
    client = client_for(fake_slack)
    fake_slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        tick(sessions, client, utc(2026, 11, 9, 9, 0))
    with unit_of_work(sessions) as session:
        assert session.scalars(select(ScheduledSend)).all() == []
    assert tick(sessions, client, utc(2026, 11, 9, 9, 1)) == ["2026-W46"]
    assert tick(sessions, client, utc(2026, 11, 9, 9, 2)) == []
    with unit_of_work(sessions) as session:
        row = session.scalars(select(ScheduledSend)).one()
    assert row.sent_at is not None and row.message_ts


def test_a_claim_abandoned_by_a_dead_process_is_taken_over_after_its_lease(sessions, manager):
    with unit_of_work(sessions) as session:
        ensure_workspace(session, manager.team_id, default_currency="USD")
    start = utc(2026, 11, 9, 9)
    first = schedules.claim(sessions, manager.team_id, CHANNEL, "digest", "2026-W46", now=start)
    assert first is not None
    assert (
        schedules.claim(sessions, manager.team_id, CHANNEL, "digest", "2026-W46", now=start + timedelta(minutes=1))
        is None
    )
    later = start + schedules.CLAIM_LEASE + timedelta(minutes=1)
    assert schedules.claim(sessions, manager.team_id, CHANNEL, "digest", "2026-W46", now=later) == first
    assert schedules.claim(sessions, manager.team_id, CHANNEL, "digest", "2026-W46", now=later) is None


def test_three_schedulers_racing_on_one_database_post_each_digest_once(db_url, sessions, manager, fake_slack):
    channels = [f"C{i}" for i in range(5)]
    with unit_of_work(sessions) as session:
        ensure_workspace(session, manager.team_id, default_currency="USD")
        for channel in channels:
            view = schedules.subscribe(session, manager, channel, schedules.DIGEST, weekday=0, time_of_day="09:00")
            session.get(ScheduleSubscription, view.id).created_at = utc(2026, 11, 1)
    now = utc(2026, 11, 9, 9, 0)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def scheduler_process() -> None:
        engine = make_engine(db_url)  # each "process" has its own engine and pool
        try:
            own = session_factory(engine)
            client = client_for(fake_slack)
            barrier.wait()
            for _ in range(3):  # several ticks each, all at the same minute
                tick(own, client, now)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=scheduler_process) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    for channel in channels:
        assert len(posts(fake_slack, channel)) == 1, channel
    with unit_of_work(sessions) as session:
        rows = session.scalars(select(ScheduledSend)).all()
    assert len(rows) == len(channels) and all(r.sent_at and r.message_ts for r in rows)


def test_a_fan_out_builds_the_workspaces_digest_once_and_again_after_a_change(
    sessions, manager, fake_slack, monkeypatch
):
    from integration.helpers import make_deal

    from oppbot.services import digests

    built = []
    real_build = digests.build_digest
    monkeypatch.setattr(digests, "build_digest", lambda *a, **kw: built.append(1) or real_build(*a, **kw))
    channels = [f"CFAN{i}" for i in range(6)]
    with unit_of_work(sessions) as session:
        ensure_workspace(session, manager.team_id, default_currency="USD")
        subs = [schedules.subscribe(session, manager, channel, schedules.DIGEST).id for channel in channels]
    monday = utc(2026, 11, 30, 9, 5)

    for sub_id in subs[:5]:
        assert deliver_digest(sessions, client_for(fake_slack), sub_id, "2026-W49", now=monday)
    assert len(built) == 1
    assert all(len(posts(fake_slack, channel)) == 1 for channel in channels[:5])

    # Anything new in the workspace (here a deal) makes the next channel's send build afresh.
    make_deal(sessions, manager, title="Fresh")
    assert deliver_digest(sessions, client_for(fake_slack), subs[5], "2026-W49", now=monday + timedelta(seconds=10))
    assert len(built) == 2
