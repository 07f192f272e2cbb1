"""The six stages: their order, every name a person may type, and what a move between two of them means."""

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import OPEN_STAGES, STAGES, Stage, is_stage_word, parse_stage, plan_move


def test_the_stages_run_from_lead_to_the_two_closed_stages_in_order():
    assert [s.label for s in sorted(STAGES, key=lambda s: s.order)] == [
        "Lead",
        "Qualification",
        "Proposal",
        "Negotiation",
        "Closed-Won",
        "Closed-Lost",
    ]
    assert OPEN_STAGES == (Stage.LEAD, Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION)
    assert all(s.is_open for s in OPEN_STAGES)
    assert Stage.CLOSED_WON.is_closed and Stage.CLOSED_LOST.is_closed


def test_the_default_probabilities_are_those_of_the_product():
    assert {s: s.default_probability for s in Stage} == {
        Stage.LEAD: 15,
        Stage.QUALIFICATION: 30,
        Stage.PROPOSAL: 50,
        Stage.NEGOTIATION: 75,
        Stage.CLOSED_WON: 100,
        Stage.CLOSED_LOST: 0,
    }


@pytest.mark.parametrize(
    "typed, stage",
    [
        # English labels and stored values
        ("Lead", Stage.LEAD),
        ("Qualification", Stage.QUALIFICATION),
        ("Proposal", Stage.PROPOSAL),
        ("Negotiation", Stage.NEGOTIATION),
        ("Closed-Won", Stage.CLOSED_WON),
        ("Closed-Lost", Stage.CLOSED_LOST),
        ("closed_won", Stage.CLOSED_WON),
        ("closed_lost", Stage.CLOSED_LOST),
        ("closed won", Stage.CLOSED_WON),
        # Norwegian names
        ("Kvalifisering", Stage.QUALIFICATION),
        ("Forslag", Stage.PROPOSAL),
        ("Forhandling", Stage.NEGOTIATION),
        ("Lukket-Vunnet", Stage.CLOSED_WON),
        ("Lukket-Tapt", Stage.CLOSED_LOST),
        ("lukket vunnet", Stage.CLOSED_WON),
        # short forms
        ("lead", Stage.LEAD),
        ("qual", Stage.QUALIFICATION),
        ("prop", Stage.PROPOSAL),
        ("neg", Stage.NEGOTIATION),
        ("won", Stage.CLOSED_WON),
        ("lost", Stage.CLOSED_LOST),
        ("kval", Stage.QUALIFICATION),
        ("vunnet", Stage.CLOSED_WON),
        ("tapt", Stage.CLOSED_LOST),
    ],
)
def test_every_stage_name_alias_and_norwegian_name_is_understood(typed, stage):
    assert parse_stage(typed) == stage
    assert is_stage_word(typed)


@pytest.mark.parametrize("typed", ["LEAD", "qUaL", "  Proposal  ", "FORHANDLING", "LUKKET-TAPT", "Won"])
def test_stage_names_are_case_insensitive_and_trimmed(typed):
    parse_stage(typed)


@pytest.mark.parametrize("typed", ["banana", "", "   ", "closed", "lead!!x"])
def test_an_unknown_stage_is_refused_with_a_message_listing_the_names(typed):
    with pytest.raises(InvalidInput) as exc:
        parse_stage(typed)
    assert set(exc.value.errors) == {"stage"}
    assert "is not a stage" in exc.value.message
    assert "lead, qual, prop, neg, won or lost" in exc.value.message
    assert not is_stage_word(typed)


def test_the_unknown_stage_message_quotes_what_was_typed():
    with pytest.raises(InvalidInput, match="'banana' is not a stage"):
        parse_stage("banana")


def test_moving_lead_to_proposal_warns_that_qualification_was_skipped():
    move = plan_move(Stage.LEAD, Stage.PROPOSAL)
    assert move.skipped == (Stage.QUALIFICATION,)
    assert move.warning == "Qualification was skipped."
    assert move.is_forward


def test_moving_lead_to_closed_won_lists_the_three_skipped_stages():
    move = plan_move(Stage.LEAD, Stage.CLOSED_WON)
    assert move.skipped == (Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION)
    assert move.warning == "Qualification, Proposal, Negotiation were skipped."


@pytest.mark.parametrize("from_stage", list(Stage))
def test_closing_lost_from_any_stage_never_warns(from_stage):
    assert plan_move(from_stage, Stage.CLOSED_LOST).warning is None


@pytest.mark.parametrize(
    "from_stage, to_stage",
    [(Stage.LEAD, Stage.QUALIFICATION), (Stage.NEGOTIATION, Stage.CLOSED_WON), (Stage.PROPOSAL, Stage.NEGOTIATION)],
)
def test_moving_to_the_next_stage_never_warns(from_stage, to_stage):
    assert plan_move(from_stage, to_stage).warning is None


@pytest.mark.parametrize(
    "from_stage, to_stage",
    [(Stage.NEGOTIATION, Stage.LEAD), (Stage.PROPOSAL, Stage.QUALIFICATION), (Stage.NEGOTIATION, Stage.PROPOSAL)],
)
def test_moving_backwards_never_warns(from_stage, to_stage):
    move = plan_move(from_stage, to_stage)
    assert move.warning is None and not move.is_forward


@pytest.mark.parametrize("from_stage", [Stage.CLOSED_WON, Stage.CLOSED_LOST])
@pytest.mark.parametrize("to_stage", list(OPEN_STAGES))
def test_reopening_a_closed_deal_never_warns(from_stage, to_stage):
    move = plan_move(from_stage, to_stage)
    assert move.is_reopen and move.warning is None
