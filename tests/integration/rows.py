"""Reading the database back in integration tests: row counts, a deal's activity and outbox, an edit form."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from oppbot.db import repositories as repo
from oppbot.db.models import Activity, AssignmentChange, Note, Opportunity, OutboxEvent, StageChange
from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerRef, Draft

COUNTED = {
    "opportunities": Opportunity,
    "activity": Activity,
    "outbox": OutboxEvent,
    "stage_history": StageChange,
    "assignment_history": AssignmentChange,
    "notes": Note,
}


def counts(sessions) -> dict[str, int]:
    with unit_of_work(sessions) as s:
        return {name: s.scalar(select(func.count()).select_from(model)) for name, model in COUNTED.items()}


def deal(sessions, actor, number: int) -> Opportunity:
    with unit_of_work(sessions) as s:
        return repo.get_opportunity(s, actor.team_id, number)


def activity_of(sessions, actor, number: int) -> list[Activity]:
    with unit_of_work(sessions) as s:
        opp = repo.get_opportunity(s, actor.team_id, number)
        return list(s.scalars(select(Activity).where(Activity.opportunity_id == opp.id).order_by(Activity.id)))


def outbox_of(sessions, actor, number: int) -> list[OutboxEvent]:
    with unit_of_work(sessions) as s:
        opp = repo.get_opportunity(s, actor.team_id, number)
        return list(s.scalars(select(OutboxEvent).where(OutboxEvent.opportunity_id == opp.id).order_by(OutboxEvent.id)))


def history_of(sessions, actor, number: int) -> list[StageChange]:
    with unit_of_work(sessions) as s:
        opp = repo.get_opportunity(s, actor.team_id, number)
        return repo.stage_history(s, actor.team_id, opp.id)


def form_of(opp: Opportunity, **changes) -> Draft:
    """The edit modal as it opens on `opp` (every field prefilled), with `changes` typed over it."""
    draft = Draft(
        title=opp.title,
        customer=CustomerRef.from_ids(opp.individual_id, opp.organization_id),
        value=str(opp.amount),
        currency=opp.currency,
        stage=opp.stage,
        probability=opp.probability,
        expected_close=opp.expected_close,
        description=opp.description,
        external_ref=opp.external_ref,
        assignee=opp.assignee_id,
    )
    return replace(draft, **changes)
