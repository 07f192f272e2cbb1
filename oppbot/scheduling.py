"""APScheduler jobs that only enqueue Dramatiq actors; the actors (workers/scheduled.py) do the work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from oppbot.config import Settings
from workers.outage import Outage

if TYPE_CHECKING:
    from dramatiq import Actor

    from workers.scheduled import ScheduledActors

log = logging.getLogger(__name__)

# A tick that fires late (process paused, host asleep) still runs once within this window; later ones are
# dropped and coalesced, which is safe: each tick recomputes what is due now from the database.
MISFIRE_GRACE_SECONDS = 300
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS}


# Redis lost while the scheduler runs: one warning per back-off step and one when it is back, not an APScheduler
# traceback per tick. A tick that could not be sent is simply skipped: the next one recomputes what is due.
BROKER_OUTAGE = Outage("Redis (the scheduler's broker)", log)


def _send(pick: Callable[[ScheduledActors], Actor]) -> None:
    from workers import scheduled

    try:
        pick(scheduled.current()).send()
    except Exception as exc:  # redis' ConnectionError/TimeoutError, Dramatiq's BrokerConnectionError
        BROKER_OUTAGE.failed(exc)
        return
    BROKER_OUTAGE.ok()


def enqueue_tick() -> None:
    _send(lambda actors: actors.tick)


def enqueue_snapshots() -> None:
    _send(lambda actors: actors.snapshots)


def enqueue_reminders() -> None:
    _send(lambda actors: actors.reminders)


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


def run_scheduler(settings: Settings) -> int:
    """`oppbot scheduler` (the CLI has checked that REDIS_URL is set and answers)."""
    # The broker (and the actors declared on it) come from workers/broker.py, the one place that picks it.
    from workers.broker import setup_broker

    setup_broker(settings)
    scheduler = build_scheduler()
    log.info("Scheduler started: jobs %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("Scheduler stopped")
    return 0
