"""APScheduler jobs that only enqueue Dramatiq actors; the actors (workers/scheduled.py) do the work."""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from oppbot.config import Settings

log = logging.getLogger(__name__)

# A tick that fires late (process paused, host asleep) still runs once within this window; later ones are
# dropped and coalesced, which is safe: each tick recomputes what is due now from the database.
MISFIRE_GRACE_SECONDS = 300
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS}


def setup_broker(settings: Settings) -> None:
    """The workers branch's broker choice (workers/broker.py); the one seam, so actors import after it."""
    from workers.broker import setup_broker as _setup

    _setup(settings)


def enqueue_tick() -> None:
    from workers.scheduled import scheduled_tick

    scheduled_tick.send()


def enqueue_snapshots() -> None:
    from workers.scheduled import snapshot_tick

    snapshot_tick.send()


def enqueue_reminders() -> None:
    from workers.scheduled import reminders_tick

    reminders_tick.send()


def build_scheduler(*, background: bool = False) -> BaseScheduler:
    """BlockingScheduler for `oppbot scheduler`, BackgroundScheduler for `oppbot dev`. Jobs run in UTC; each
    subscription's own time zone is applied by oppbot.domain.schedule when the tick looks for due runs."""
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(timezone=UTC, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(enqueue_tick, "cron", second=0, id="scheduled_tick", replace_existing=True)
    # Snapshots: the job checks which periods start today, so running it hourly is safe and catches up after downtime.
    scheduler.add_job(enqueue_snapshots, "cron", minute=5, id="forecast_snapshots", replace_existing=True)
    scheduler.add_job(enqueue_reminders, "cron", second=30, id="task_reminders", replace_existing=True)
    return scheduler


def run_scheduler(settings: Settings) -> None:
    setup_broker(settings)
    scheduler = build_scheduler()
    log.info("Scheduler started: jobs %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("Scheduler stopped")
