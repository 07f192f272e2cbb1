"""Where a probability comes from and what a stage change does to it: one rule for every path."""

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.probability import (
    Probability,
    ProbabilitySource,
    parse_probability,
    reset_to_stage_default,
    resolve_probability,
    stage_default,
)
from oppbot.domain.stages import Stage

STAGE, MANUAL = ProbabilitySource.STAGE, ProbabilitySource.MANUAL


def test_a_new_deal_without_a_probability_takes_the_stage_default():
    out = resolve_probability(None, Stage.PROPOSAL)
    assert out.probability == Probability(50, STAGE) and not out.review_suggested


def test_a_new_deal_with_a_probability_keeps_it_as_manual():
    assert resolve_probability(None, Stage.LEAD, 40).probability == Probability(40, MANUAL)


def test_a_new_deal_whose_probability_equals_the_default_stays_stage_sourced():
    assert resolve_probability(None, Stage.LEAD, 15).probability == Probability(15, STAGE)


def test_a_stage_sourced_probability_follows_the_new_stage():
    out = resolve_probability(Probability(15, STAGE), Stage.NEGOTIATION)
    assert out.probability == Probability(75, STAGE) and not out.review_suggested


def test_a_manual_probability_survives_a_stage_change_and_suggests_a_review():
    out = resolve_probability(Probability(40, MANUAL), Stage.NEGOTIATION)
    assert out.probability == Probability(40, MANUAL)
    assert out.review_suggested


def test_a_manual_probability_is_not_flagged_when_the_stage_did_not_change():
    out = resolve_probability(Probability(40, MANUAL), Stage.LEAD, stage_changed=False)
    assert out.probability == Probability(40, MANUAL) and not out.review_suggested


def test_a_manual_probability_equal_to_the_new_default_needs_no_review():
    out = resolve_probability(Probability(75, MANUAL), Stage.NEGOTIATION)
    assert not out.review_suggested


def test_submitting_the_current_value_again_counts_as_no_change():
    # An edit modal shows the current value prefilled: sending it back must not turn it manual.
    out = resolve_probability(Probability(15, STAGE), Stage.QUALIFICATION, 15)
    assert out.probability == Probability(30, STAGE)


def test_submitting_a_new_value_on_an_existing_deal_makes_it_manual():
    out = resolve_probability(Probability(15, STAGE), Stage.LEAD, 60, stage_changed=False)
    assert out.probability == Probability(60, MANUAL)


@pytest.mark.parametrize("current", [None, Probability(40, MANUAL), Probability(30, STAGE)])
@pytest.mark.parametrize("submitted", [None, 40, 0])
def test_closed_won_is_always_100_and_closed_lost_always_0(current, submitted):
    assert resolve_probability(current, Stage.CLOSED_WON, submitted).probability == Probability(100, STAGE)
    assert resolve_probability(current, Stage.CLOSED_LOST, submitted).probability == Probability(0, STAGE)


def test_closed_stages_ignore_a_workspace_s_own_defaults():
    odd = {Stage.CLOSED_WON: 90, Stage.CLOSED_LOST: 5}
    assert stage_default(Stage.CLOSED_WON, odd) == 100
    assert stage_default(Stage.CLOSED_LOST, odd) == 0


def test_reset_returns_the_stage_default_as_stage_sourced():
    assert reset_to_stage_default(Stage.PROPOSAL) == Probability(50, STAGE)


def test_reset_uses_the_workspace_s_own_default():
    assert reset_to_stage_default(Stage.PROPOSAL, {Stage.PROPOSAL: 60}) == Probability(60, STAGE)


def test_workspace_specific_defaults_drive_stage_sourced_probabilities():
    defaults = {Stage.LEAD: 10, Stage.QUALIFICATION: 25}
    assert resolve_probability(None, Stage.LEAD, None, defaults).probability == Probability(10, STAGE)
    assert resolve_probability(None, Stage.LEAD, 10, defaults).probability == Probability(10, STAGE)
    assert resolve_probability(None, Stage.LEAD, 15, defaults).probability == Probability(15, MANUAL)
    moved = resolve_probability(Probability(10, STAGE), Stage.QUALIFICATION, None, defaults)
    assert moved.probability == Probability(25, STAGE)
    # a stage the workspace did not override keeps the product's default
    assert resolve_probability(None, Stage.PROPOSAL, None, defaults).probability == Probability(50, STAGE)


@pytest.mark.parametrize("raw, value", [("40", 40), ("40%", 40), (" 0 ", 0), (100, 100), ("100 %", 100)])
def test_a_probability_is_read_from_a_number_or_a_percentage(raw, value):
    assert parse_probability(raw) == value


@pytest.mark.parametrize("raw", ["101", "-1", "forty", "", None, "40.5"])
def test_a_probability_outside_0_to_100_or_not_a_whole_number_is_refused(raw):
    with pytest.raises(InvalidInput) as exc:
        parse_probability(raw)
    assert set(exc.value.errors) == {"probability"}
    assert "Probability must" in exc.value.message
