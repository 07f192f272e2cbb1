"""Moving deals through the stages, closing them won or lost, reopening, and resetting the probability."""

from decimal import Decimal

import pytest
from integration.helpers import make_deal
from integration.rows import activity_of, counts, deal, form_of, history_of, outbox_of

from oppbot.db.models import Workspace
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import Stage
from oppbot.services import opportunities


def move(sessions, actor, number, stage, **kwargs):
    with unit_of_work(sessions) as s:
        return opportunities.move(s, actor, number, stage, **kwargs)


def test_a_move_writes_a_stage_history_row_with_from_to_who_value_and_probability(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, value="1234.56", currency="EUR")
    out = move(sessions, rep, number, Stage.QUALIFICATION)
    assert out.warnings == []
    lead, qual = history_of(sessions, rep, number)
    assert (qual.from_stage, qual.to_stage, qual.changed_by) == ("lead", "qualification", rep.user_id)
    assert (qual.amount_minor, qual.currency, qual.probability) == (123456, "EUR", 30)
    assert qual.skipped == [] and qual.changed_at >= lead.changed_at
    moved = activity_of(sessions, rep, number)[-1]
    assert moved.kind == "stage_changed"
    assert moved.changes == [
        {"field": "stage", "before": "lead", "after": "qualification"},
        {"field": "probability", "before": 15, "after": 30},
    ]


def test_skipping_a_stage_warns_and_is_recorded_in_the_history(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    out = move(sessions, rep, number, Stage.PROPOSAL)
    assert out.warnings == ["Qualification was skipped. Deals usually pass through every stage."]
    assert history_of(sessions, rep, number)[-1].skipped == ["qualification"]
    assert activity_of(sessions, rep, number)[-1].detail["skipped"] == ["qualification"]


def test_moving_to_the_stage_the_deal_is_in_changes_nothing(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    out = move(sessions, rep, number, Stage.LEAD)
    assert not out.changed and "already in Lead" in out.warnings[0]
    assert counts(sessions) == before


def test_a_manual_probability_survives_a_stage_change_and_the_reply_suggests_a_review(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, probability="40")
    out = move(sessions, rep, number, Stage.QUALIFICATION)
    opp = deal(sessions, rep, number)
    assert (opp.probability, opp.probability_source) == (40, "manual")
    assert any("set by hand" in w and "30%" in w for w in out.warnings)


def test_a_stage_sourced_probability_follows_the_workspace_s_own_defaults(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        s.get(Workspace, rep.team_id).stage_probabilities = {"negotiation": 90}
    move(sessions, rep, number, Stage.NEGOTIATION)
    assert deal(sessions, rep, number).probability == 90


def test_closing_won_sets_100_percent_and_the_closing_time(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, probability="40", stage="neg")
    with unit_of_work(sessions) as s:
        out = opportunities.close_won(s, rep, number)
    assert out.warnings == []
    opp = deal(sessions, rep, number)
    assert (opp.stage, opp.probability, opp.probability_source) == ("closed_won", 100, "stage")
    assert opp.closed_at is not None
    assert activity_of(sessions, rep, number)[-1].kind == "won"
    assert outbox_of(sessions, rep, number)[-1].kind == "won"


def test_closing_lost_needs_a_reason(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    with pytest.raises(InvalidInput) as exc, unit_of_work(sessions) as s:
        opportunities.close_lost(s, rep, number, None)
    assert set(exc.value.errors) == {"loss_reason"}
    assert "Say why the deal was lost: Price, Competitor" in exc.value.message
    assert counts(sessions) == before and deal(sessions, rep, number).stage == "lead"


def test_closing_lost_stores_the_reason_the_note_and_the_stage_it_was_lost_at(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, stage="prop")
    with unit_of_work(sessions) as s:
        out = opportunities.close_lost(s, rep, number, "comp", "Went with a cheaper vendor")
    assert out.warnings == []  # Closed-Lost never warns about skipped stages
    opp = deal(sessions, rep, number)
    assert (opp.stage, opp.probability) == ("closed_lost", 0)
    assert (opp.lost_reason, opp.lost_note, opp.lost_at_stage) == (
        "Competitor",
        "Went with a cheaper vendor",
        "proposal",
    )
    lost = activity_of(sessions, rep, number)[-1]
    assert lost.kind == "lost" and lost.detail["loss_reason"] == "Competitor"
    assert lost.detail["lost_at_stage"] == "proposal"
    assert history_of(sessions, rep, number)[-1].skipped == []


def test_a_workspace_s_own_loss_reasons_are_the_ones_accepted(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        s.get(Workspace, rep.team_id).loss_reasons = ["Budget cut", "Ghosted"]
    with pytest.raises(InvalidInput, match="Use one of: Budget cut, Ghosted"), unit_of_work(sessions) as s:
        opportunities.close_lost(s, rep, number, "Price")
    with unit_of_work(sessions) as s:
        opportunities.close_lost(s, rep, number, "ghost")
    assert deal(sessions, rep, number).lost_reason == "Ghosted"


def test_reopening_a_lost_deal_clears_its_loss_and_lets_the_probability_follow_the_stage(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.close_lost(s, rep, number, "Timing")
    out = move(sessions, rep, number, Stage.QUALIFICATION)
    assert out.warnings == []
    opp = deal(sessions, rep, number)
    assert (opp.stage, opp.probability, opp.probability_source) == ("qualification", 30, "stage")
    assert opp.closed_at is None and (opp.lost_reason, opp.lost_at_stage) == (None, None)
    assert activity_of(sessions, rep, number)[-1].kind == "reopened"
    assert [h.to_stage for h in history_of(sessions, rep, number)] == ["lead", "closed_lost", "qualification"]


def test_winning_a_deal_that_was_lost_clears_the_loss_reason(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.close_lost(s, rep, number, "Price", "too dear")
    with unit_of_work(sessions) as s:
        opportunities.close_won(s, rep, number)
    opp = deal(sessions, rep, number)
    assert opp.stage == "closed_won"
    assert (opp.lost_reason, opp.lost_note, opp.lost_at_stage) == (None, None, None)


def test_resetting_the_probability_returns_it_to_the_stage_default(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, probability="40", stage="prop")
    with unit_of_work(sessions) as s:
        out = opportunities.reset_probability(s, rep, number)
    assert out.changed
    opp = deal(sessions, rep, number)
    assert (opp.probability, opp.probability_source) == (50, "stage")
    reset = activity_of(sessions, rep, number)[-1]
    assert reset.kind == "probability_reset"
    assert reset.changes == [{"field": "probability", "before": 40, "after": 50}]


def test_resetting_a_probability_already_at_its_default_records_nothing(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        assert not opportunities.reset_probability(s, rep, number).changed
    assert counts(sessions) == before


def test_the_history_keeps_the_value_at_each_moment(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, value="100")
    opp = deal(sessions, rep, number)
    with unit_of_work(sessions) as s:
        opportunities.edit(s, rep, number, form_of(opp, value="250.50"))
    move(sessions, rep, number, Stage.QUALIFICATION)
    assert [(h.amount_minor, h.probability) for h in history_of(sessions, rep, number)] == [(10000, 15), (25050, 30)]
    assert deal(sessions, rep, number).amount == Decimal("250.50")
