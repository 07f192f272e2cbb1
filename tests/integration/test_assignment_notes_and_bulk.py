"""Claiming, assigning and unassigning deals, notes, and the managers' bulk operations."""

import pytest
from integration.helpers import make_customer, make_deal
from integration.rows import activity_of, counts, deal, history_of

from oppbot.db import repositories as repo
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import PermissionDenied
from oppbot.domain.stages import Stage
from oppbot.services import opportunities


def assignments(sessions, actor, number):
    with unit_of_work(sessions) as s:
        opp = repo.get_opportunity(s, actor.team_id, number)
        return [(a.from_user, a.to_user, a.changed_by) for a in repo.assignment_history(s, actor.team_id, opp.id)]


def test_a_member_claims_an_unassigned_deal(sessions, rep, other_rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        out = opportunities.claim(s, other_rep, number)
    assert out.changed and deal(sessions, rep, number).assignee_id == other_rep.user_id
    assert assignments(sessions, rep, number) == [(None, other_rep.user_id, other_rep.user_id)]
    claimed = activity_of(sessions, rep, number)[-1]
    assert claimed.kind == "assigned"
    assert claimed.changes == [{"field": "assignee", "before": None, "after": other_rep.user_id}]


def test_claiming_your_own_deal_again_changes_nothing(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        out = opportunities.claim(s, rep, number)
    assert not out.changed and "already yours" in out.warnings[0]
    assert counts(sessions) == before


def test_a_member_cannot_claim_a_deal_assigned_to_someone_else(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    with pytest.raises(PermissionDenied) as exc, unit_of_work(sessions) as s:
        opportunities.claim(s, other_rep, number)
    assert "already assigned to {user}" in exc.value.template and exc.value.user_id == "U_REP"
    assert "Only unassigned deals can be claimed" in exc.value.message
    assert counts(sessions) == before and deal(sessions, rep, number).assignee_id == rep.user_id


def test_a_manager_can_claim_a_deal_assigned_to_someone_else(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.claim(s, manager, number)
    assert deal(sessions, rep, number).assignee_id == manager.user_id
    assert assignments(sessions, rep, number)[-1] == (rep.user_id, manager.user_id, manager.user_id)


def test_a_manager_assigns_and_reassigns_a_deal_and_the_history_keeps_both(sessions, rep, other_rep, manager):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        opportunities.assign(s, manager, number, rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.assign(s, manager, number, other_rep.user_id)
    assert deal(sessions, rep, number).assignee_id == other_rep.user_id
    assert assignments(sessions, rep, number) == [
        (None, rep.user_id, manager.user_id),
        (rep.user_id, other_rep.user_id, manager.user_id),
    ]
    assert [a.kind for a in activity_of(sessions, rep, number)] == ["created", "assigned", "assigned"]


def test_assigning_to_the_current_assignee_changes_nothing(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        assert not opportunities.assign(s, manager, number, rep.user_id).changed
    assert counts(sessions) == before


def test_the_assignee_unassigns_their_deal(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.unassign(s, rep, number)
    assert deal(sessions, rep, number).assignee_id is None
    unassigned = activity_of(sessions, rep, number)[-1]
    assert unassigned.kind == "unassigned"
    assert unassigned.changes == [{"field": "assignee", "before": rep.user_id, "after": None}]


def test_unassigning_an_unassigned_deal_changes_nothing(sessions, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        out = opportunities.unassign(s, rep, number)
    assert not out.changed and "not assigned to anyone" in out.warnings[0]


def test_anyone_in_the_workspace_can_add_a_note(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        out = opportunities.add_note(s, other_rep, number, "  Called them; budget approved in Q1.  ")
    with unit_of_work(sessions) as s:
        opp = repo.get_opportunity(s, rep.team_id, number)
        [note] = repo.recent_notes(s, rep.team_id, opp.id)
    assert (note.author_id, note.body) == (other_rep.user_id, "Called them; budget approved in Q1.")
    noted = activity_of(sessions, rep, number)[-1]
    assert noted.kind == "note_added" and noted.actor_id == other_rep.user_id
    assert noted.detail == {"note": "Called them; budget approved in Q1."}
    assert out.event_ids == [noted.event_id]


def test_a_manager_moves_deals_in_bulk_and_a_missing_one_does_not_undo_the_others(sessions, rep, manager):
    customer = make_customer(sessions, rep)
    first = make_deal(sessions, rep, customer, assignee=rep.user_id)
    second = make_deal(sessions, rep, customer, probability="60")
    with unit_of_work(sessions) as s:
        out = opportunities.bulk_move(s, manager, [first, 999, second, first], Stage.QUALIFICATION)
    assert [o.opportunity.number for o in out.done] == [first, second]
    assert {n: e.message for n, e in out.failed.items()} == {999: "There is no deal #999."}
    assert deal(sessions, rep, first).stage == deal(sessions, rep, second).stage == "qualification"
    # the same probability rule as a single move: stage-sourced follows, manual is kept
    assert (deal(sessions, rep, first).probability, deal(sessions, rep, second).probability) == (30, 60)
    assert [h.to_stage for h in history_of(sessions, rep, first)] == ["lead", "qualification"]


def test_a_bulk_close_lost_without_a_reason_refuses_each_deal_and_writes_nothing(sessions, rep, manager):
    number = make_deal(sessions, rep)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        out = opportunities.bulk_move(s, manager, [number], Stage.CLOSED_LOST)
    assert out.done == [] and "Say why the deal was lost" in out.failed[number].message
    assert counts(sessions) == before


def test_a_manager_assigns_and_unassigns_deals_in_bulk(sessions, rep, other_rep, manager):
    customer = make_customer(sessions, rep)
    numbers = [make_deal(sessions, rep, customer) for _ in range(3)]
    with unit_of_work(sessions) as s:
        out = opportunities.bulk_assign(s, manager, [*numbers, 404], other_rep.user_id)
    assert len(out.done) == 3 and {n: e.message for n, e in out.failed.items()} == {404: "There is no deal #404."}
    assert {deal(sessions, rep, n).assignee_id for n in numbers} == {other_rep.user_id}
    with unit_of_work(sessions) as s:
        opportunities.bulk_assign(s, manager, numbers[:2], None)
    assert [deal(sessions, rep, n).assignee_id for n in numbers] == [None, None, other_rep.user_id]


@pytest.mark.parametrize("operation", ["bulk_move", "bulk_assign"])
def test_bulk_operations_are_for_managers_only(sessions, rep, operation):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    with (
        pytest.raises(PermissionDenied, match=r"Only managers can (move|assign) deals in bulk"),
        unit_of_work(sessions) as s,
    ):
        if operation == "bulk_move":
            opportunities.bulk_move(s, rep, [number], Stage.QUALIFICATION)
        else:
            opportunities.bulk_assign(s, rep, [number], rep.user_id)
    assert counts(sessions) == before
