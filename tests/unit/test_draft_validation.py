"""What a valid deal is: each field's rule, reported all at once and keyed by field name."""

from datetime import date
from decimal import Decimal

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.opportunity import (
    CustomerKind,
    CustomerRef,
    Draft,
    diff_fields,
    validate_draft,
    validate_loss_reason,
    validate_note,
)
from oppbot.domain.stages import Stage

ACME = CustomerRef(CustomerKind.ORGANIZATION, 7)


def errors_of(draft: Draft, default_currency: str = "USD") -> dict[str, str]:
    with pytest.raises(InvalidInput) as exc:
        validate_draft(draft, default_currency=default_currency)
    return exc.value.errors


def test_a_minimal_draft_gets_the_defaults():
    valid = validate_draft(Draft(title="  Acme   deal ", customer=ACME), default_currency="NOK")
    assert valid.title == "Acme deal"
    assert valid.amount == Decimal("0.00") and valid.currency == "NOK"
    assert valid.stage == Stage.LEAD and valid.probability is None
    assert valid.description is None and valid.external_ref is None and valid.assignee is None


def test_a_full_draft_is_read_field_by_field():
    valid = validate_draft(
        Draft(
            title="Deal",
            customer=ACME,
            value="1.5k",
            currency="eur",
            stage="Forslag",
            probability="40%",
            expected_close="2026-12-31",
            description=" d ",
            external_ref="CRM-1",
            assignee="U1",
        ),
        default_currency="USD",
    )
    assert (valid.amount, valid.currency, valid.stage, valid.probability) == (
        Decimal("1500.00"),
        "EUR",
        Stage.PROPOSAL,
        40,
    )
    assert valid.expected_close == date(2026, 12, 31)
    assert (valid.description, valid.external_ref, valid.assignee) == ("d", "CRM-1", "U1")


def test_a_missing_title_is_reported_on_the_title_field():
    assert "Give the deal a title" in errors_of(Draft(title="   ", customer=ACME))["title"]


def test_a_title_of_201_characters_is_too_long_but_200_is_fine():
    assert "201 characters; 200 at most" in errors_of(Draft(title="x" * 201, customer=ACME))["title"]
    assert validate_draft(Draft(title="x" * 200, customer=ACME), default_currency="USD").title == "x" * 200


def test_a_missing_customer_is_reported_on_the_customer_field():
    assert "Choose a customer" in errors_of(Draft(title="Deal"))["customer"]


def test_a_negative_value_is_reported_on_the_value_field():
    assert "negative" in errors_of(Draft(title="Deal", customer=ACME, value="-1"))["value"]


def test_a_non_numeric_value_is_reported_on_the_value_field():
    assert "not a number" in errors_of(Draft(title="Deal", customer=ACME, value="lots"))["value"]


def test_an_unknown_currency_is_reported_on_the_currency_field():
    assert "ISO 4217" in errors_of(Draft(title="Deal", customer=ACME, currency="XYZ"))["currency"]


def test_an_unknown_stage_is_reported_on_the_stage_field():
    assert "is not a stage" in errors_of(Draft(title="Deal", customer=ACME, stage="maybe"))["stage"]


@pytest.mark.parametrize("probability", ["101", "-1", "high"])
def test_a_probability_outside_0_to_100_is_reported_on_the_probability_field(probability):
    assert "Probability must" in errors_of(Draft(title="Deal", customer=ACME, probability=probability))["probability"]


def test_a_bad_date_is_reported_on_the_expected_close_field():
    assert (
        "is not a date" in errors_of(Draft(title="Deal", customer=ACME, expected_close="31/12/2026"))["expected_close"]
    )


def test_over_long_description_and_external_reference_are_reported_on_their_fields():
    errors = errors_of(Draft(title="Deal", customer=ACME, description="d" * 3001, external_ref="e" * 201))
    assert "3001 characters; 3,000 at most" in errors["description"]
    assert "201 characters; 200 at most" in errors["external_ref"]


def test_every_problem_is_reported_at_once():
    errors = errors_of(Draft(title="", value="-3", stage="nope", probability="200", expected_close="soon"))
    assert set(errors) == {"title", "customer", "value", "stage", "probability", "expected_close"}


def test_cents_on_a_yen_deal_are_refused():
    assert (
        "JPY has no minor units" in errors_of(Draft(title="Deal", customer=ACME, value="12.5", currency="JPY"))["value"]
    )


def test_a_customer_is_one_individual_or_one_organization_never_both():
    assert CustomerRef.from_ids(3, None) == CustomerRef(CustomerKind.INDIVIDUAL, 3)
    assert CustomerRef.from_ids(None, 4) == CustomerRef(CustomerKind.ORGANIZATION, 4)
    with pytest.raises(InvalidInput, match="not both") as exc:
        CustomerRef.from_ids(3, 4)
    assert set(exc.value.errors) == {"customer"}
    with pytest.raises(InvalidInput, match="Choose a customer"):
        CustomerRef.from_ids(None, None)


def test_a_customer_reference_round_trips_through_its_encoding():
    assert CustomerRef.decode(ACME.encode()) == ACME
    with pytest.raises(InvalidInput):
        CustomerRef.decode("planet:3")


@pytest.mark.parametrize("typed, reason", [("price", "Price"), ("comp", "Competitor"), ("NO DECISION", "No decision")])
def test_a_loss_reason_is_matched_by_name_or_unique_prefix(typed, reason):
    assert validate_loss_reason(typed, ("Price", "Competitor", "No decision", "Timing", "Fit", "Other")) == reason


@pytest.mark.parametrize("typed, message", [("", "Say why the deal was lost"), ("zzz", "is not a loss reason")])
def test_a_missing_or_unknown_loss_reason_is_refused(typed, message):
    with pytest.raises(InvalidInput, match=message) as exc:
        validate_loss_reason(typed, ("Price", "Competitor"))
    assert set(exc.value.errors) == {"loss_reason"}


def test_an_ambiguous_prefix_is_not_a_loss_reason():
    with pytest.raises(InvalidInput):
        validate_loss_reason("p", ("Price", "Process"))


def test_an_empty_note_is_refused():
    with pytest.raises(InvalidInput, match="Write something"):
        validate_note("  ")


def test_a_diff_lists_only_the_fields_that_changed():
    changes = diff_fields({"title": "a", "value": 1}, {"title": "b", "value": 1})
    assert [(c.field, c.before, c.after) for c in changes] == [("title", "a", "b")]
