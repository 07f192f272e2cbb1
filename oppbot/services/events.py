"""Recording what happened: an activity row and an outbox event, added to the caller's transaction together."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from oppbot.db.base import utcnow
from oppbot.db.models import Activity, Opportunity, OutboxEvent
from oppbot.domain.opportunity import FieldChange, jsonable
from oppbot.services.context import Actor


class Kind:
    """Activity and event kinds. Outbox kinds are the same names, so a worker can route on them."""

    CREATED = "created"
    EDITED = "edited"
    STAGE_CHANGED = "stage_changed"
    WON = "won"
    LOST = "lost"
    REOPENED = "reopened"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    PROBABILITY_RESET = "probability_reset"
    NOTE_ADDED = "note_added"
    CATEGORY_CHANGED = "category_changed"


def record(
    session: Session,
    actor: Actor,
    opp: Opportunity | None,
    kind: str,
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
        opp.last_activity_at = now
    return event_id
