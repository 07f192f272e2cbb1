"""The outbox relay: hands due outbox events to Dramatiq in id order and leases them to the workers.

The database, not the queue, decides what is done: an event is finished only when the worker has recorded every
effect it owes (`finished_at`). Handing it to the broker sets `dispatched_at` and a lease (`due_at`); an event still
unfinished when its lease runs out (Redis restarted empty, a worker died, Slack kept failing) is handed over again,
each lease twice the last (up to an hour), and after `max_redispatches` of them it is parked (`parked_at`) for an
operator to see (`oppbot status`) and resend (`oppbot outbox retry`). Re-sending is safe: the actors' claim ledger
keeps every effect exactly-once.

An event is leased only after the broker accepted it, in the same transaction that locked the row; if the send
fails (Redis down) the row stays due and the next pass tries again, with backoff. Several relays may run at once:
on PostgreSQL each takes its batch with `FOR UPDATE SKIP LOCKED`; on SQLite the single writer lock (BEGIN
IMMEDIATE, oppbot.db.session) serialises them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import dramatiq
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from oppbot.db.base import utcnow
from oppbot.db.models import OutboxEvent
from oppbot.db.session import unit_of_work
from workers.outage import Outage

log = logging.getLogger(__name__)

BATCH = 100
LEASE_SECONDS = 60.0
MAX_LEASE_SECONDS = 3600.0
MAX_REDISPATCHES = 8


def lease_seconds(base: float, redispatches: int) -> float:
    """The lease after `redispatches` expired ones: base, 2x, 4x, ... up to an hour (or base, if that is longer)."""
    return min(max(MAX_LEASE_SECONDS, base), base * 2 ** min(redispatches, 20))


@dataclass(frozen=True, slots=True)
class Lease:
    seconds: float = LEASE_SECONDS
    max_redispatches: int = MAX_REDISPATCHES


def event_message(event_id: str) -> dramatiq.Message:
    """The Dramatiq message for one outbox event: the event id and nothing else; the actor loads the rest."""
    from workers.actors import HANDLE_EVENT, QUEUE

    return dramatiq.Message(queue_name=QUEUE, actor_name=HANDLE_EVENT, args=(event_id,), kwargs={}, options={})


@dataclass(frozen=True, slots=True)
class Pass:
    sent: int
    failed: bool  # the broker refused a send; the rest of the batch waits for the next pass
    more: bool  # a full batch: there may be more waiting
    error: Exception | None = None  # why the broker refused, when it did


def due_events(now):
    """Unfinished, unparked events whose (re)dispatch time has come, oldest first."""
    return (
        select(OutboxEvent)
        .where(
            OutboxEvent.finished_at.is_(None),
            OutboxEvent.parked_at.is_(None),
            or_(OutboxEvent.due_at.is_(None), OutboxEvent.due_at <= now),
        )
        .order_by(OutboxEvent.id)
    )


def relay_once(
    sessions: sessionmaker[Session], broker: dramatiq.Broker, *, batch: int = BATCH, lease: Lease | None = None
) -> Pass:
    """Send up to `batch` due events, oldest first, each with a lease; stop at the first failed send."""
    from workers.actors import QUEUE

    lease = lease or Lease()
    broker.declare_queue(QUEUE)
    sent = 0
    failed = False
    error: Exception | None = None
    now = utcnow()
    with unit_of_work(sessions) as session:
        stmt = due_events(now).limit(batch)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = session.scalars(stmt).all()
        for row in rows:
            # dispatched_at still set: the lease ran out with the event unfinished (a worker clears it when it
            # asks for the event back on purpose, e.g. to wait for the deal's earlier change).
            expired = row.dispatched_at is not None
            if expired and row.redispatches >= lease.max_redispatches:
                row.parked_at = now
                log.error("Outbox event %s parked after %d expired leases", row.event_id, row.redispatches)
                continue
            try:
                broker.enqueue(event_message(row.event_id))
            except Exception as exc:  # any broker failure: keep the row for the next pass, never mark it
                row.attempts += 1
                failed = True
                # Debug only: Relay reports the outage itself, once per back-off step (workers/outage.py).
                log.debug("Outbox relay could not send event %s (attempt %d): %s", row.event_id, row.attempts, exc)
                error = exc
                break
            if expired:
                row.redispatches += 1
                log.warning("Outbox event %s unfinished after its lease; sent again", row.event_id)
            row.dispatched_at = now
            row.due_at = now + timedelta(seconds=lease_seconds(lease.seconds, row.redispatches))
            sent += 1
    return Pass(sent=sent, failed=failed, more=len(rows) == batch and not failed, error=error)


class Relay:
    """relay_once in a loop: quick while there is work, idle polling when not, exponential backoff on failures."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        broker: dramatiq.Broker,
        *,
        batch: int = BATCH,
        lease: Lease | None = None,
        idle_seconds: float = 0.5,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        broker_outage: Outage | None = None,
    ) -> None:
        self.sessions = sessions
        self.broker = broker
        self.batch = batch
        self.lease = lease or Lease()
        self.idle_seconds = idle_seconds
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        # Shared with `oppbot worker`'s Redis watch, so one outage is reported once per back-off step, not per pass.
        self.broker_outage = broker_outage or Outage("The broker (Redis)", log)
        self.database_outage = Outage("The database", log)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        backoff = 0.0
        while not self._stop.is_set():
            try:
                result = relay_once(self.sessions, self.broker, batch=self.batch, lease=self.lease)
                self.database_outage.ok()
            except Exception as exc:  # the database itself failing: same treatment, the rows are still there
                self.database_outage.failed(exc)
                result = Pass(0, True, False)
            else:
                if result.error is not None:
                    self.broker_outage.failed(result.error)
                elif result.sent:
                    self.broker_outage.ok()
            if result.failed:
                backoff = min(self.max_backoff, max(self.min_backoff, backoff * 2))
                self._stop.wait(backoff)
            elif result.more:
                backoff = 0.0
            else:
                backoff = 0.0
                self._stop.wait(self.idle_seconds)

    def start(self) -> Relay:
        self._thread = threading.Thread(target=self.run, name="oppbot-outbox-relay", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
