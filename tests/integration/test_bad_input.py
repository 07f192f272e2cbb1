"""Bad input to every service: a typed error naming the field, and nothing written."""

from dataclasses import replace

import pytest
from integration.helpers import make_customer, make_deal
from integration.rows import counts, deal, form_of

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput
from oppbot.domain.opportunity import CustomerRef, Draft
from oppbot.domain.stages import Stage, parse_stage
from oppbot.services import opportunities

# (field the error is keyed on, words the message must contain, the bad fields of the form)
BAD_FORMS = [
    ("value", "can't be negative", {"value": "-5"}),
    ("value", "is not a number", {"value": "fifty"}),
    ("value", "JPY has no minor units", {"value": "12.5", "currency": "JPY"}),
    ("probability", "from 0 to 100 (got 101)", {"probability": "101"}),
    ("probability", "from 0 to 100 (got -1)", {"probability": "-1"}),
    ("currency", "'XYZ' is not an ISO 4217 currency code", {"currency": "XYZ"}),
    ("stage", "'someday' is not a stage", {"stage": "someday"}),
    ("title", "Give the deal a title", {"title": "   "}),
    ("title", "The title is 201 characters; 200 at most", {"title": "x" * 201}),
    ("customer", "Choose a customer", {"customer": None}),
    ("expected_close", "is not a date", {"expected_close": "next week"}),
]


def assert_refused(sessions, field, words, call):
    before = counts(sessions)
    with pytest.raises(InvalidInput) as exc, unit_of_work(sessions) as s:
        call(s)
    assert field in exc.value.errors, exc.value.errors
    assert words in exc.value.errors[field] and words in exc.value.message
    assert counts(sessions) == before


@pytest.mark.parametrize("field, words, bad", BAD_FORMS, ids=[f"{f}:{w[:20]}" for f, w, _ in BAD_FORMS])
def test_create_refuses_a_bad_form_and_writes_nothing(sessions, rep, field, words, bad):
    customer = make_customer(sessions, rep)
    draft = replace(Draft(title="Deal", customer=customer, value="100"), **bad)
    assert_refused(sessions, field, words, lambda s: opportunities.create(s, rep, draft))


# The edit form goes through the same validation as create; one bad field of each kind is enough here.
EDIT_FORMS = [BAD_FORMS[0], BAD_FORMS[3], BAD_FORMS[5], BAD_FORMS[8], BAD_FORMS[9]]


@pytest.mark.parametrize("field, words, bad", EDIT_FORMS, ids=[f"{f}:{w[:20]}" for f, w, _ in EDIT_FORMS])
def test_edit_refuses_a_bad_form_and_writes_nothing(sessions, rep, field, words, bad):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    draft = form_of(deal(sessions, rep, number), **bad)
    assert_refused(sessions, field, words, lambda s: opportunities.edit(s, rep, number, draft))
    assert deal(sessions, rep, number).title == "Acme Corp - Software licence"


def test_a_customer_given_as_both_an_individual_and_an_organization_is_refused(sessions, rep):
    # The Slack layer builds the customer with CustomerRef.from_ids, which refuses both before any service runs.
    before = counts(sessions)
    with pytest.raises(InvalidInput) as exc, unit_of_work(sessions) as s:
        opportunities.create(s, rep, Draft(title="Deal", customer=CustomerRef.from_ids(1, 2)))
    assert exc.value.errors == {
        "customer": "A deal belongs to one customer: an individual or an organization, not both."
    }
    assert counts(sessions) == before


def test_several_bad_fields_are_all_reported_at_once(sessions, rep):
    before = counts(sessions)
    with pytest.raises(InvalidInput) as exc, unit_of_work(sessions) as s:
        opportunities.create(s, rep, Draft(title="", value="-1", probability="101", stage="maybe"))
    assert set(exc.value.errors) == {"title", "customer", "value", "probability", "stage"}
    assert counts(sessions) == before


def test_a_new_deal_cannot_start_as_closed_lost(sessions, rep):
    customer = make_customer(sessions, rep)
    assert_refused(
        sessions,
        "stage",
        "can't start as Closed-Lost",
        lambda s: opportunities.create(s, rep, Draft(title="Deal", customer=customer, stage="lost")),
    )


def test_an_edit_cannot_close_a_deal_lost_without_a_reason(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    draft = form_of(deal(sessions, rep, number), stage="Lukket-Tapt")
    assert_refused(sessions, "stage", "Use Close lost", lambda s: opportunities.edit(s, rep, number, draft))


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_closing_lost_without_a_reason_is_refused(sessions, rep, reason):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    assert_refused(
        sessions,
        "loss_reason",
        "Say why the deal was lost",
        lambda s: opportunities.close_lost(s, rep, number, reason),
    )
    assert deal(sessions, rep, number).stage == "lead"


def test_closing_lost_with_an_unknown_reason_is_refused(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    assert_refused(
        sessions,
        "loss_reason",
        "'aliens' is not a loss reason",
        lambda s: opportunities.close_lost(s, rep, number, "aliens"),
    )


def test_a_move_to_an_unknown_stage_is_refused_before_the_service():
    # Services take a Stage; text from Slack goes through parse_stage, which refuses with the stage field.
    with pytest.raises(InvalidInput) as exc:
        parse_stage("someday")
    assert set(exc.value.errors) == {"stage"}


def test_a_loss_note_that_is_too_long_is_refused(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    assert_refused(
        sessions,
        "loss_note",
        "1001 characters; 1,000 at most",
        lambda s: opportunities.close_lost(s, rep, number, "Price", "n" * 1001),
    )


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_note_is_refused(sessions, rep, text):
    number = make_deal(sessions, rep)
    assert_refused(sessions, "note", "Write something", lambda s: opportunities.add_note(s, rep, number, text))


def test_a_note_that_is_too_long_is_refused(sessions, rep):
    number = make_deal(sessions, rep)
    assert_refused(
        sessions,
        "note",
        "3001 characters; 3,000 at most",
        lambda s: opportunities.add_note(s, rep, number, "n" * 3001),
    )


def test_a_bulk_move_reports_bad_input_per_deal_and_writes_nothing_for_it(sessions, rep, manager):
    number = make_deal(sessions, rep)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        out = opportunities.bulk_move(s, manager, [number], Stage.CLOSED_LOST, loss_reason="aliens")
    assert "'aliens' is not a loss reason" in out.failed[number].message
    assert counts(sessions) == before
