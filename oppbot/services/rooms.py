"""Deal rooms: one channel per deal, made once. The database row is the claim; the Slack calls are the caller's."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import DealRoom, Opportunity
from oppbot.domain.errors import Conflict
from oppbot.domain.stages import Stage
from oppbot.i18n import N_, _
from oppbot.services import workspaces
from oppbot.services.context import Actor
from oppbot.services.policy import require_edit

NAME_MAX = 80  # Slack's channel name limit
_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "þ": "th", "đ": "d", "ł": "l", "œ": "oe"})
STUCK_AFTER = timedelta(minutes=2)  # a claim without a channel this old was left by a crash: take it over


def room_name(number: int, customer: str, attempt: int = 0) -> str:
    """`deal-42-acme-corp`: lower case letters, digits and dashes, at most 80; `-2`, `-3`… when the name is taken."""
    spelled = (customer or "").lower().translate(_LETTERS)
    plain = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    suffix = f"-{attempt + 1}" if attempt else ""
    base = f"deal-{number}" + (f"-{slug}" if slug else "")
    return base[: NAME_MAX - len(suffix)].rstrip("-") + suffix


@dataclass(frozen=True, slots=True)
class RoomClaim:
    room_id: int
    number: int
    opportunity_id: int
    name: str
    channel_id: str | None  # set: the room exists already, link to it
    invite: tuple[str, ...]  # the assignee and the caller


def claim_room(session: Session, actor: Actor, number: int, *, now: datetime | None = None) -> RoomClaim:
    """The deal's room, or the claim to make it. Whoever may change the deal may open its room."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    require_edit(actor, opp, N_("open a room for"))
    now = now or utcnow()
    invite = tuple(dict.fromkeys(u for u in (opp.assignee_id, actor.user_id) if u))
    room = session.scalar(select(DealRoom).where(DealRoom.opportunity_id == opp.id))
    if room is None:
        room = DealRoom(
            team_id=actor.team_id,
            opportunity_id=opp.id,
            name=room_name(opp.number, _customer(session, opp)),
            created_by=actor.user_id,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(room)
        except IntegrityError:  # someone else's /opp room got there first
            room = session.scalar(select(DealRoom).where(DealRoom.opportunity_id == opp.id))
    elif room.channel_id is None and now - room.created_at < STUCK_AFTER:
        raise Conflict(_("The room for deal #{number} is being made right now; try again in a moment.", number=number))
    elif room.channel_id is None:
        room.created_at, room.created_by = now, actor.user_id  # taking over a claim a crash left behind
    return RoomClaim(room.id, opp.number, opp.id, room.name, room.channel_id, invite)


def _customer(session: Session, opp: Opportunity) -> str:
    if opp.individual_id:
        return repo.get_individual(session, opp.team_id, opp.individual_id).name
    if opp.organization_id:
        return repo.get_organization(session, opp.team_id, opp.organization_id).name
    return ""


def complete_room(session: Session, team_id: str, room_id: int, channel_id: str, name: str) -> None:
    room = session.get(DealRoom, room_id)
    if room is not None and room.team_id == team_id:
        room.channel_id, room.name = channel_id, name


def release_room(session: Session, team_id: str, room_id: int) -> None:
    """The Slack side failed before a channel existed: free the claim so /opp room can be tried again."""
    room = session.get(DealRoom, room_id)
    if room is not None and room.team_id == team_id and room.channel_id is None:
        session.delete(room)


def room_channels(session: Session, opportunity_id: int) -> list[str]:
    """Where a deal's changes and notes go besides subscribed channels: its room, while it is open."""
    channel = session.scalar(
        select(DealRoom.channel_id).where(
            DealRoom.opportunity_id == opportunity_id, DealRoom.channel_id.is_not(None), DealRoom.archived_at.is_(None)
        )
    )
    return [channel] if channel else []


def rooms_to_archive(session: Session, team_id: str, kind_stage: Stage | None, opportunity_id: int) -> list[str]:
    """The deal's room, when it was just won or lost and the workspace archives rooms then."""
    if kind_stage not in (Stage.CLOSED_WON, Stage.CLOSED_LOST):
        return []
    if not workspaces.load_rules(session, team_id).archive_rooms:
        return []
    return room_channels(session, opportunity_id)


def mark_archived(session: Session, channel_id: str, now: datetime) -> None:
    room = session.scalar(select(DealRoom).where(DealRoom.channel_id == channel_id))
    if room is not None:
        room.archived_at = now
