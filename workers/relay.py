"""The outbox relay: hands committed outbox events to Dramatiq in id order and marks them dispatched.

An event is marked only after the broker accepted it, in the same transaction that locked the row; if the send
fails (Redis down) the row stays undispatched and the next pass tries again, with backoff. A crash after the send
but before the mark re-sends the event, which the idempotent actors absorb. Several relays may run at once: on
PostgreSQL each takes its batch with `FOR UPDATE SKIP LOCKED`; on SQLite the single writer lock (BEGIN IMMEDIATE,
oppbot.db.session) serialises them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import dramatiq
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oppbot.db.base import utcnow
from oppbot.db.models import OutboxEvent
from oppbot.db.session import unit_of_work
from workers.outage import Outage

log = logging.getLogger(__name__)

BATCH = 100


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


def relay_once(sessions: sessionmaker[Session], broker: dramatiq.Broker, *, batch: int = BATCH) -> Pass:
    """Send up to `batch` undispatched events, oldest first; stop at the first failed send."""
    from workers.actors import QUEUE

    broker.declare_queue(QUEUE)
    sent = 0
    failed = False
    error: Exception | None = None
    with unit_of_work(sessions) as session:
        stmt = select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None)).order_by(OutboxEvent.id).limit(batch)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = session.scalars(stmt).all()
        for row in rows:
            try:
                broker.enqueue(event_message(row.event_id))
            except Exception as exc:  # any broker failure: keep the row for the next pass, never mark it
                row.attempts += 1
                failed = True
                # Debug only: Relay reports the outage itself, once per back-off step (workers/outage.py).
                log.debug("Outbox relay could not send event %s (attempt %d): %s", row.event_id, row.attempts, exc)
                error = exc
                break
            row.dispatched_at = utcnow()
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
        idle_seconds: float = 0.5,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        broker_outage: Outage | None = None,
    ) -> None:
        self.sessions = sessions
        self.broker = broker
        self.batch = batch
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
                result = relay_once(self.sessions, self.broker, batch=self.batch)
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
