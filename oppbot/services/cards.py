"""Where deal cards live in channels, so every change can refresh each copy (workers read these rows)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.models import CardMessage
from oppbot.services.context import Actor


def remember_card(session: Session, actor: Actor, number: int, channel_id: str, ts: str) -> CardMessage:
    opp = repo.get_opportunity(session, actor.team_id, number)
    card = CardMessage(team_id=actor.team_id, opportunity_id=opp.id, channel_id=channel_id, ts=ts)
    session.add(card)
    session.flush()
    return card
