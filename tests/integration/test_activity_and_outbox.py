"""Every change leaves exactly one activity row and one outbox event, sharing an event id, in its own transaction."""

import pytest
from integration.helpers import make_customer, make_deal
from integration.rows import counts, deal, form_of
from sqlalchemy import select

from oppbot.db import repositories as repo
from oppbot.db.models import Activity, OutboxEvent
from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import Draft
from oppbot.domain.stages import Stage
from oppbot.services import opportunities as ops

# Each change, made by a manager on a deal assigned to them (unassigned for claim) with a manual probability.
CHANGES = {
    "create": lambda s, a, n, c: ops.create(s, a, Draft(title="New", customer=c, value="10")),
    "edit": lambda s, a, n, c: ops.edit(s, a, n, form_of(repo.get_opportunity(s, a.team_id, n), title="Renamed")),
    "move": lambda s, a, n, c: ops.move(s, a, n, Stage.PROPOSAL),
    "close_won": lambda s, a, n, c: ops.close_won(s, a, n),
    "close_lost": lambda s, a, n, c: ops.close_lost(s, a, n, "Price"),
    "reset_probability": lambda s, a, n, c: ops.reset_probability(s, a, n),
    "claim": lambda s, a, n, c: ops.claim(s, a, n),
    "assign": lambda s, a, n, c: ops.assign(s, a, n, "U_NEW"),
    "unassign": lambda s, a, n, c: ops.unassign(s, a, n),
    "add_note": lambda s, a, n, c: ops.add_note(s, a, n, "A note"),
}


def prepared_deal(sessions, manager, change: str):
    customer = make_customer(sessions, manager)
    assignee = None if change == "claim" else manager.user_id
    number = make_deal(sessions, manager, customer, assignee=assignee, probability="40")
    return number, customer


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_writes_one_activity_and_one_outbox_event_with_the_same_id(sessions, manager, change):
    number, customer = prepared_deal(sessions, manager, change)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        outcome = CHANGES[change](s, manager, number, customer)
    after = counts(sessions)
    assert after["activity"] - before["activity"] == 1
    assert after["outbox"] - before["outbox"] == 1
    [event_id] = outcome.event_ids
    with unit_of_work(sessions) as s:
        activity = s.scalar(select(Activity).where(Activity.event_id == event_id))
        event = s.scalar(select(OutboxEvent).where(OutboxEvent.event_id == event_id))
    assert activity is not None and event is not None
    assert activity.kind == event.kind and activity.actor_id == event.actor_id == manager.user_id
    assert activity.opportunity_id == event.opportunity_id == outcome.opportunity.id
    assert event.dispatched_at is None and event.team_id == manager.team_id


@pytest.mark.parametrize("change", ["create", "edit", "move", "close_lost", "claim", "add_note"])
def test_a_failure_after_the_change_leaves_neither_the_change_nor_its_activity(sessions, manager, change):
    number, customer = prepared_deal(sessions, manager, change)
    before_rows = counts(sessions)
    before_deal = deal(sessions, manager, number)
    with pytest.raises(RuntimeError, match="after the change"), unit_of_work(sessions) as s:
        CHANGES[change](s, manager, number, customer)
        raise RuntimeError("something failed after the change")
    assert counts(sessions) == before_rows
    after_deal = deal(sessions, manager, number)
    columns = ("title", "stage", "probability", "probability_source", "assignee_id", "version", "last_activity_at")
    assert {c: getattr(after_deal, c) for c in columns} == {c: getattr(before_deal, c) for c in columns}
