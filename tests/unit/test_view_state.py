"""Modal state.values parse once into typed forms; field errors land on the block they belong to."""

from __future__ import annotations

from oppbot.domain.opportunity import CustomerKind, CustomerRef
from oppbot.slack import view_state
from oppbot.slack.ids import Block, input_action
from oppbot.slack.listeners.shortcuts.message import prefill_from_message


def state(**fields) -> dict:
    return {Block(name).value: {input_action(Block(name)): element} for name, element in fields.items()}


def test_a_full_deal_form_becomes_a_draft():
    values = state(
        title={"type": "plain_text_input", "value": "Acme"},
        customer={"type": "external_select", "selected_option": {"value": "organization:3"}},
        value={"type": "plain_text_input", "value": "50,000"},
        currency={"type": "external_select", "selected_option": {"value": "NOK"}},
        stage={"type": "static_select", "selected_option": {"value": "proposal"}},
        probability={"type": "plain_text_input", "value": None},
        expected_close={"type": "datepicker", "selected_date": "2026-12-31"},
        description={"type": "plain_text_input", "value": ""},
        external_ref={"type": "plain_text_input", "value": "CRM-1"},
        assignee={"type": "users_select", "selected_user": "U1"},
    )
    draft = view_state.deal_draft(values)
    assert draft.title == "Acme"
    assert draft.customer == CustomerRef(CustomerKind.ORGANIZATION, 3)
    assert (draft.value, draft.currency, draft.stage) == ("50,000", "NOK", "proposal")
    assert draft.probability is None and draft.description is None
    assert (draft.expected_close, draft.external_ref, draft.assignee) == ("2026-12-31", "CRM-1", "U1")


def test_missing_blocks_and_garbage_customer_values_read_as_empty():
    draft = view_state.deal_draft(state(customer={"type": "external_select", "selected_option": {"value": "x:y"}}))
    assert draft.customer is None and draft.title is None and draft.assignee is None


def test_the_customer_form_reads_the_radio_choice():
    form = view_state.customer_form(
        state(
            name={"type": "plain_text_input", "value": "Ada"},
            kind={"type": "radio_buttons", "selected_option": {"value": "individual"}},
            email={"type": "plain_text_input", "value": "ada@example.com"},
        )
    )
    assert form.kind == CustomerKind.INDIVIDUAL and form.name == "Ada" and form.email == "ada@example.com"
    assert form.domain is None


def test_errors_go_to_their_block_and_unknown_fields_to_the_first_input():
    blocks = ["title", "customer", "value"]
    errors = view_state.errors_for({"value": "Not a number.", "ref": "Lost.", "title": "Too long."}, blocks)
    assert set(errors) == {"value", "title"}
    assert errors["value"] == "Not a number."
    assert "Too long." in errors["title"] and "Lost." in errors["title"]


def test_the_shortcut_takes_the_first_line_as_title_and_the_whole_message_as_description():
    title, description = prefill_from_message("\n\n  Acme wants   50 seats  \nbudget approved\n")
    assert title == "Acme wants 50 seats"
    assert description == "Acme wants   50 seats  \nbudget approved"
    long_title, _ = prefill_from_message("x" * 500)
    assert len(long_title) == 200
    assert prefill_from_message("") == (None, None)


def test_forged_blocks_name_no_field_and_never_break_the_refusal():
    # Found by `make fuzz`: a submission whose input block_id was a list made the refusal itself fail (HTTP 500).
    view = {
        "blocks": [
            {"type": "input", "block_id": [None]},
            {"type": "input", "block_id": {"a": 1}},
            {"type": "input", "block_id": "x" * 256},
            "not a block",
            {"type": "input", "block_id": "title"},
        ]
    }
    blocks = view_state.input_block_ids(view)
    assert blocks == ["title"]
    assert view_state.errors_for({"": "Nothing was saved."}, blocks) == {"title": "Nothing was saved."}
    assert view_state.input_block_ids({"blocks": "nope"}) == []
    assert view_state.input_block_ids({"blocks": [{"type": "input", "block_id": 7}]}) == []
