"""Every Slack request is acted on once: its key is claimed in the transaction that makes its change."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oppbot.db.base import utcnow
from oppbot.db.models import HandledRequest

# Slack retries an event for about an hour and a signed request is valid for five minutes: a day covers both.
KEEP_FOR = timedelta(days=1)
# One claim in PURGE_EVERY also deletes expired keys, so the table stays bounded without a job of its own.
PURGE_EVERY = 100


class Repeated(Exception):
    """This request was already handled: acknowledge it and do nothing."""


def claim(session: Session, key: str, team_id: str, kind: str) -> None:
    """Record `key` in the caller's transaction; Repeated when it is there already (committed by another delivery).

    Called as the transaction's last statement. On PostgreSQL a concurrent delivery waits on the unique key until
    the first one commits (then it is Repeated and its change rolls back) or rolls back (then it goes ahead); on
    SQLite the write lock serialises them.
    """
    if secrets.randbelow(PURGE_EVERY) == 0:
        purge(session)
    try:
        # The transaction's last statement: a conflict rolls back the repeat's whole change.
        session.execute(insert(HandledRequest).values(key=key, team_id=team_id, kind=kind, handled_at=utcnow()))
    except IntegrityError:
        raise Repeated(key) from None


def purge(session: Session) -> int:
    """Delete keys older than KEEP_FOR; returns how many."""
    result = session.execute(delete(HandledRequest).where(HandledRequest.handled_at < utcnow() - KEEP_FOR))
    return result.rowcount or 0
