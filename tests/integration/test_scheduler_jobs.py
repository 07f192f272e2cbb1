"""The APScheduler jobs only enqueue; the scheduled actors, on the real broker set-up, post the digest once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from oppbot.db.base import utcnow
from oppbot.db.models import ScheduledSend, ScheduleSubscription
from oppbot.db.session import unit_of_work
from oppbot.scheduling import MISFIRE_GRACE_SECONDS, build_scheduler, enqueue_tick
from oppbot.services import schedules
from oppbot.services.workspaces import ensure_workspace
from workers.scheduled import QUEUE


def test_scheduler_jobs_coalesce_and_never_overlap():
    scheduler = build_scheduler(background=True)
    scheduler.start(paused=True)  # resolves the pending jobs' options without running any
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"scheduled_tick", "forecast_snapshots", "task_reminders"}
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS
    finally:
        scheduler.shutdown(wait=False)


def test_a_tick_enqueued_by_the_scheduler_posts_a_due_digest_once(sessions, start_workers, fake_slack, manager):
    broker = start_workers(2)
    with unit_of_work(sessions) as session:
        ensure_workspace(session, manager.team_id, default_currency="USD")
        view = schedules.subscribe(
            session, manager, "C_TICK", schedules.DIGEST, weekday=utcnow().weekday(), time_of_day="00:00"
        )
        session.get(ScheduleSubscription, view.id).created_at = utcnow() - timedelta(days=1)
    for _ in range(3):  # three ticks (e.g. three schedulers) in the same minute
        enqueue_tick()
    broker.join(QUEUE, fail_fast=True)  # the ticks and the sends they enqueued, all processed
    posts = [c for c in fake_slack.calls_to("chat.postMessage") if c.args.get("channel") == "C_TICK"]
    assert len(posts) == 1
    with unit_of_work(sessions) as session:
        claim = session.scalars(select(ScheduledSend)).one()
    assert claim.sent_at is not None and claim.message_ts
