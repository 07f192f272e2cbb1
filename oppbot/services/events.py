"""Recording what happened: an activity row and an outbox event, added to the caller's transaction together."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from oppbot.db.base import utcnow
from oppbot.db.models import Activity, Opportunity, OutboxEvent
from oppbot.domain.events import EventKind
from oppbot.domain.opportunity import FieldChange, jsonable
from oppbot.services.context import Actor


def record(
    session: Session,
    actor: Actor,
    opp: Opportunity | None,
    kind: EventKind,
    *,
    changes: Iterable[FieldChange] = (),
    detail: dict[str, Any] | None = None,
    notify: bool = True,
    touch: bool = True,
) -> str:
    """Add the activity entry (and, unless `notify` is False, the outbox event) for a change; return the event id.

    Nothing here commits: the change, its activity and its event are one transaction, the caller's.
    """
    event_id = str(uuid.uuid4())
    now = utcnow()
    payload = {k: jsonable(v) for k, v in (detail or {}).items()}
    session.add(
        Activity(
            team_id=actor.team_id,
            event_id=event_id,
            opportunity_id=opp.id if opp is not None else None,
            actor_id=actor.user_id,
            kind=kind,
            changes=[{"field": c.field, "before": jsonable(c.before), "after": jsonable(c.after)} for c in changes],
            detail=payload,
            created_at=now,
        )
    )
    if notify:
        session.add(
            OutboxEvent(
                team_id=actor.team_id,
                event_id=event_id,
                kind=kind,
                opportunity_id=opp.id if opp is not None else None,
                actor_id=actor.user_id,
                payload=payload,
                created_at=now,
            )
        )
    if opp is not None and touch:
        # Activity is what "stale" measures. A new deal passes touch=False: it was just stamped, and a second
        # write would only cost an UPDATE (and a version).
        touch_activity(session, opp, now)
    return event_id


def touch_activity(session: Session, opp: Opportunity, now: datetime) -> None:
    """Stamp the deal's last activity without making an addition a competitor of real changes.

    A change to the deal's own fields (a move, an edit) is one versioned UPDATE and the stamp rides along. An
    addition that owns nothing of the deal (a note, a task, a billable line) must not bump the version: ten people
    noting at once would otherwise refuse each other, and a move opened before a note would be refused as stale.
    So it stamps the time with a plain UPDATE outside the optimistic lock, which only ever moves the time forward.
    """
    if session.is_modified(opp, include_collections=False):
        opp.last_activity_at = now
        return
    table = Opportunity.__table__
    session.execute(
        update(table).where(table.c.id == opp.id, table.c.last_activity_at < now).values(last_activity_at=now)
    )
    set_committed_value(opp, "last_activity_at", now)
