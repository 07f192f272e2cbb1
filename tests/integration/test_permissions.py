"""Who may do what (oppbot.services.policy): each rule allowed once and refused once, and a refusal says why."""

import pytest
from integration.helpers import make_deal
from integration.rows import counts, deal, form_of

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import PermissionDenied
from oppbot.domain.stages import Stage
from oppbot.services import opportunities
from oppbot.slack.text import error_text


def refused(sessions, call) -> str:
    before = counts(sessions)
    with pytest.raises(PermissionDenied) as exc, unit_of_work(sessions) as s:
        call(s)
    assert counts(sessions) == before
    # The error carries the user it names; this is how Slack shows it (oppbot.slack.text.error_text).
    return error_text(exc.value)


def test_a_member_moves_and_edits_a_deal_assigned_to_them(sessions, rep, manager):
    number = make_deal(sessions, manager, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.move(s, rep, number, Stage.QUALIFICATION)
    with unit_of_work(sessions) as s:
        opportunities.edit(s, rep, number, form_of(deal(sessions, rep, number), title="Mine now"))
    assert (deal(sessions, rep, number).stage, deal(sessions, rep, number).title) == ("qualification", "Mine now")


def test_a_member_moves_an_unassigned_deal_they_created(sessions, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        opportunities.move(s, rep, number, Stage.QUALIFICATION)
    assert deal(sessions, rep, number).stage == "qualification"


def test_a_member_may_not_move_or_edit_a_deal_assigned_to_someone_else(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    why = refused(sessions, lambda s: opportunities.move(s, other_rep, number, Stage.PROPOSAL))
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can move it."
    form = form_of(deal(sessions, rep, number), title="Not mine")
    why = refused(sessions, lambda s: opportunities.edit(s, other_rep, number, form))
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can edit it."
    why = refused(sessions, lambda s: opportunities.close_lost(s, other_rep, number, "Price"))
    assert "only they or a manager can move it" in why


def test_a_member_may_not_move_an_unassigned_deal_someone_else_created(sessions, rep, other_rep):
    number = make_deal(sessions, rep)
    why = refused(sessions, lambda s: opportunities.move(s, other_rep, number, Stage.PROPOSAL))
    assert why == f"Deal #{number} is unassigned: claim it first (`/opp claim {number}`) to move it."
    why = refused(sessions, lambda s: opportunities.reset_probability(s, other_rep, number))
    assert "claim it first" in why


def test_a_manager_moves_and_edits_anyone_s_deal(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.move(s, manager, number, Stage.NEGOTIATION)
    with unit_of_work(sessions) as s:
        opportunities.edit(s, manager, number, form_of(deal(sessions, rep, number), title="Checked"))
    assert deal(sessions, rep, number).title == "Checked"


def test_a_member_claims_only_unassigned_deals(sessions, rep, other_rep):
    free = make_deal(sessions, rep)
    taken = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.claim(s, other_rep, free)
    why = refused(sessions, lambda s: opportunities.claim(s, other_rep, taken))
    assert "already assigned to <@U_REP>. Only unassigned deals can be claimed; ask a manager" in why


def test_a_manager_claims_an_assigned_deal(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.claim(s, manager, number)
    assert deal(sessions, rep, number).assignee_id == manager.user_id


def test_a_member_may_not_reassign_someone_else_s_deal(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    why = refused(sessions, lambda s: opportunities.assign(s, other_rep, number, other_rep.user_id))
    # One refusal, one wording (oppbot.services.policy), whether the deal is handed on or let go of.
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can reassign it."
    why = refused(sessions, lambda s: opportunities.unassign(s, other_rep, number))
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can reassign it."
    reassign = form_of(deal(sessions, rep, number), assignee=other_rep.user_id)
    refused(sessions, lambda s: opportunities.edit(s, other_rep, number, reassign))


def test_a_member_may_not_assign_an_unassigned_deal_they_did_not_create(sessions, rep, other_rep):
    number = make_deal(sessions, rep)
    why = refused(sessions, lambda s: opportunities.assign(s, other_rep, number, "U_THIRD"))
    assert why == f"Only managers can assign deal #{number}: it isn't yours. Claim it first."


def test_a_manager_reassigns_someone_else_s_deal(sessions, rep, other_rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.assign(s, manager, number, other_rep.user_id)
    assert deal(sessions, rep, number).assignee_id == other_rep.user_id
    with unit_of_work(sessions) as s:
        opportunities.unassign(s, manager, number)
    assert deal(sessions, rep, number).assignee_id is None


def test_bulk_operations_are_refused_to_members_and_allowed_to_managers(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    why = refused(sessions, lambda s: opportunities.bulk_move(s, rep, [number], Stage.QUALIFICATION))
    assert why.startswith("Only managers can move deals in bulk.")
    why = refused(sessions, lambda s: opportunities.bulk_assign(s, rep, [number], None))
    assert why.startswith("Only managers can assign deals in bulk.")
    with unit_of_work(sessions) as s:
        assert len(opportunities.bulk_move(s, manager, [number], Stage.QUALIFICATION).done) == 1
        assert len(opportunities.bulk_assign(s, manager, [number], None).done) == 1
