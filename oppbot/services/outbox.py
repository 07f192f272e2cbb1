"""What the workers still owe, for operators: the outbox backlog, its oldest event, parked events, and resending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from oppbot.db.base import utcnow
from oppbot.db.models import OutboxEvent


@dataclass(frozen=True, slots=True)
class Backlog:
    unfinished: int  # events the workers still owe (not parked)
    oldest_seconds: float | None  # age of the oldest of them
    parked: int  # events the relay gave up on; `oppbot outbox retry` resends them

    def as_dict(self) -> dict:
        oldest = None if self.oldest_seconds is None else round(self.oldest_seconds)
        return {"backlog": self.unfinished, "oldest_unfinished_seconds": oldest, "parked": self.parked}


def backlog(session: Session, now: datetime | None = None) -> Backlog:
    """One query: unfinished and parked counts and the oldest unfinished event's creation time."""
    unfinished = OutboxEvent.finished_at.is_(None) & OutboxEvent.parked_at.is_(None)
    row = session.execute(
        select(
            func.count().filter(unfinished),
            func.min(OutboxEvent.created_at).filter(unfinished),
            func.count().filter(OutboxEvent.finished_at.is_(None) & OutboxEvent.parked_at.is_not(None)),
        ).where(OutboxEvent.finished_at.is_(None))
    ).one()
    count, oldest, parked = row
    if oldest is not None and oldest.tzinfo is None:  # an aggregate bypasses the column type on SQLite
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=(now or utcnow()).tzinfo)
    age = None if oldest is None else ((now or utcnow()) - oldest).total_seconds()
    return Backlog(unfinished=count or 0, oldest_seconds=age, parked=parked or 0)


@dataclass(frozen=True, slots=True)
class ParkedEvent:
    id: int
    event_id: str
    team_id: str
    kind: str
    created_at: datetime
    parked_at: datetime
    redispatches: int
    last_error: str | None


def parked(session: Session, limit: int = 50) -> list[ParkedEvent]:
    rows = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.finished_at.is_(None), OutboxEvent.parked_at.is_not(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    return [
        ParkedEvent(r.id, r.event_id, r.team_id, r.kind, r.created_at, r.parked_at, r.redispatches, r.last_error)
        for r in rows
    ]


def _resend(where) -> object:
    # Due at once, as if new: no lease, no expired leases counted. Effects already recorded stay recorded.
    return (
        update(OutboxEvent)
        .where(OutboxEvent.finished_at.is_(None), where)
        .values(parked_at=None, dispatched_at=None, due_at=None, redispatches=0)
    )


def retry(session: Session, event: str) -> bool:
    """Resend one unfinished event (outbox id or event id) at the relay's next pass; False when there is none."""
    where = OutboxEvent.id == int(event) if event.isdigit() else OutboxEvent.event_id == event
    return session.execute(_resend(where)).rowcount == 1


def retry_parked(session: Session) -> int:
    """Resend every parked event; how many."""
    return session.execute(_resend(OutboxEvent.parked_at.is_not(None))).rowcount
