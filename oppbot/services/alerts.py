"""Stale and overdue deals: who to alert, de-duplicated by alert_states, snoozes, and the close-date fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import AlertState, Opportunity
from oppbot.domain.errors import InvalidInput
from oppbot.domain.events import EventKind
from oppbot.domain.opportunity import FieldChange
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.domain.workspace import WorkspaceRules
from oppbot.i18n import N_, _
from oppbot.services import policy, workspaces
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.opportunities import _conflicts_as_errors
from oppbot.services.policy import require_edit

STALE = "stale"
OVERDUE = "overdue"
SNOOZE_DAYS = 7
OPEN_VALUES = tuple(stage.value for stage in OPEN_STAGES)


@dataclass(frozen=True, slots=True)
class AlertItem:
    opportunity_id: int
    number: int
    title: str
    stage: str
    assignee_id: str | None
    amount_minor: int
    currency: str
    kind: str  # stale | overdue
    state_key: str
    last_activity_at: datetime
    expected_close: date | None

    @property
    def ref(self) -> str:
        return format_ref(self.number)


def state_key(kind: str, opp: Opportunity) -> str:
    """What the alert described; a different key means the deal changed and may be alerted again."""
    if kind == STALE:
        return f"{opp.stage}|{opp.last_activity_at.isoformat(timespec='seconds')}"
    return f"{opp.expected_close.isoformat() if opp.expected_close else ''}"


def _stale_condition(team_id: str, rules: WorkspaceRules, now: datetime):
    cutoffs = rules.stale_cutoffs(now)
    return or_(*(and_(Opportunity.stage == s.value, Opportunity.last_activity_at < c) for s, c in cutoffs.items()))


def stale_deals(
    session: Session, team_id: str, now: datetime, rules: WorkspaceRules | None = None
) -> list[Opportunity]:
    rules = rules or workspaces.load_rules(session, team_id)
    return list(
        session.scalars(
            select(Opportunity)
            .where(Opportunity.team_id == team_id, _stale_condition(team_id, rules, now))
            .order_by(Opportunity.last_activity_at, Opportunity.number)
        )
    )


def overdue_deals(
    session: Session, team_id: str, now: datetime, rules: WorkspaceRules | None = None
) -> list[Opportunity]:
    rules = rules or workspaces.load_rules(session, team_id)
    return list(
        session.scalars(
            select(Opportunity)
            .where(
                Opportunity.team_id == team_id,
                Opportunity.stage.in_(OPEN_VALUES),
                Opportunity.expected_close < rules.today(now),
            )
            .order_by(Opportunity.expected_close, Opportunity.number)
        )
    )


def counts(session: Session, team_id: str, now: datetime) -> tuple[int, int]:
    """(stale, overdue) open deals right now, for the digest."""
    rules = workspaces.load_rules(session, team_id)
    # Counted by the database: loading every stale deal to count it took seconds at 100,000 deals (bench/).
    stale, overdue = session.execute(
        select(
            func.count().filter(_stale_condition(team_id, rules, now)),
            func.count().filter(Opportunity.stage.in_(OPEN_VALUES), Opportunity.expected_close < rules.today(now)),
        ).where(Opportunity.team_id == team_id)
    ).one()
    return int(stale), int(overdue)


def _item(opp: Opportunity, kind: str) -> AlertItem:
    return AlertItem(
        opp.id,
        opp.number,
        opp.title,
        opp.stage,
        opp.assignee_id,
        opp.amount_minor,
        opp.currency,
        kind,
        state_key(kind, opp),
        opp.last_activity_at,
        opp.expected_close,
    )


# The assignee's DM keeps its alert state under channel_id DM, and that row also carries the deal's snooze.
DM = ""


def _owed(row: AlertState | None, key: str, now: datetime, dm_row: AlertState | None) -> bool:
    """Whether a channel (or the DM) is owed an alert for a deal in state `key`.

    A snooze holds for every channel while the deal stays in the state it was snoozed in; a new state alerts anew.
    """
    snooze = dm_row.snoozed_until if dm_row is not None and dm_row.state_key == key else None
    if snooze is not None and snooze > now:
        return False
    if row is None or row.state_key != key:
        return True
    # Same state: owed again only once a snooze has run out since the last alert.
    return snooze is not None and (row.alerted_at is None or row.alerted_at < snooze)


def _states(session: Session, team_id: str, opportunity_ids: set[int], channels: set[str]) -> dict:
    return {
        (row.opportunity_id, row.kind, row.channel_id): row
        for row in session.scalars(
            select(AlertState).where(
                AlertState.team_id == team_id,
                AlertState.opportunity_id.in_(opportunity_ids),
                AlertState.channel_id.in_(channels),
            )
        )
    }


def pending_alerts(session: Session, team_id: str, now: datetime, channel_id: str = DM) -> list[AlertItem]:
    """Stale and overdue deals that `channel_id` (DM: the assignees) has not been told of in their current state,
    and that are not snoozed."""
    rules = workspaces.load_rules(session, team_id)
    candidates = [_item(o, STALE) for o in stale_deals(session, team_id, now, rules)]
    candidates += [_item(o, OVERDUE) for o in overdue_deals(session, team_id, now, rules)]
    if not candidates:
        return []
    states = _states(session, team_id, {c.opportunity_id for c in candidates}, {channel_id, DM})
    return [
        c
        for c in candidates
        if _owed(
            states.get((c.opportunity_id, c.kind, channel_id)),
            c.state_key,
            now,
            states.get((c.opportunity_id, c.kind, DM)),
        )
    ]


def mark_alerted(
    session: Session, team_id: str, items: Sequence[AlertItem], now: datetime, channel_id: str = DM
) -> None:
    """Remember what `channel_id` was told, so the same state is not alerted there again tomorrow."""
    if not items:
        return
    states = _states(session, team_id, {i.opportunity_id for i in items}, {channel_id})
    for item in items:
        row = states.get((item.opportunity_id, item.kind, channel_id))
        if row is None:
            session.add(
                AlertState(
                    team_id=team_id,
                    opportunity_id=item.opportunity_id,
                    kind=item.kind,
                    channel_id=channel_id,
                    state_key=item.state_key,
                    alerted_at=now,
                )
            )
        else:
            if row.state_key != item.state_key:
                row.snoozed_until = None
            row.state_key = item.state_key
            row.alerted_at = now
    session.flush()


def snooze(
    session: Session, actor: Actor, number: int, *, now: datetime | None = None, days: int = SNOOZE_DAYS
) -> datetime:
    """Silence this deal's alerts for `days` (the assignee or a manager). Returns when they may come back."""
    now = now or utcnow()
    opp = repo.get_opportunity(session, actor.team_id, number)
    policy.require_snooze(actor, opp)
    until = now + timedelta(days=days)
    for kind in (STALE, OVERDUE):
        key = state_key(kind, opp)
        row = session.scalar(
            select(AlertState).where(
                AlertState.opportunity_id == opp.id, AlertState.kind == kind, AlertState.channel_id == DM
            )
        )
        if row is None:
            session.add(
                AlertState(
                    team_id=actor.team_id,
                    opportunity_id=opp.id,
                    kind=kind,
                    channel_id=DM,
                    state_key=key,
                    alerted_at=now,
                    snoozed_until=until,
                )
            )
        else:
            row.state_key = key
            row.snoozed_until = until
            row.alerted_at = row.alerted_at or now
    session.flush()
    return until


def set_expected_close(session: Session, actor: Actor, number: int, new_date: date) -> Opportunity:
    """Move a deal's expected close date (from an alert), recorded like any edit."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    require_edit(actor, opp, N_("change the close date of"))
    if Stage(opp.stage).is_closed:
        raise InvalidInput.field("expected_close", _("Deal {ref} is already closed.", ref=format_ref(number)))
    if not isinstance(new_date, date):
        raise InvalidInput.field("expected_close", _("Pick a date."))
    if opp.expected_close == new_date:
        return opp
    with _conflicts_as_errors(number):
        before = opp.expected_close
        opp.expected_close = new_date
        opp.updated_at = utcnow()
        record(session, actor, opp, EventKind.EDITED, changes=[FieldChange("expected_close", before, new_date)])
        session.flush()
    return opp
