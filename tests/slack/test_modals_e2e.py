"""Modals, App Home, the message shortcut and the customer picker through the running `oppbot serve`."""

from __future__ import annotations

import json

import pytest
from integration.helpers import bulk_deals, form_values, make_customer, make_deal
from sqlalchemy import func, select
from unit.blockkit import HOSTILE, assert_escaped

from oppbot.db.models import Opportunity
from oppbot.slack.ids import Action, Block, Callback, input_action
from oppbot.slack.metadata import decode as decode_metadata


def _deal(slack, number=1) -> Opportunity | None:
    with slack.sessions() as session:
        return session.scalar(
            select(Opportunity).where(Opportunity.team_id == slack.team_id, Opportunity.number == number)
        )


def _deal_count(slack) -> int:
    with slack.sessions() as session:
        return session.scalar(select(func.count()).select_from(Opportunity).where(Opportunity.team_id == slack.team_id))


def _deal_values(chosen, **overrides) -> dict:
    fields = dict(
        title="Acme - licence",
        customer=chosen.encode(),
        value="50000",
        currency="USD",
        stage="lead",
        probability=None,
        expected_close="2026-12-31",
        description="Two years",
        external_ref="CRM-1",
    )
    fields.update(overrides)
    return form_values(**fields)


def _open_create(slack, text: str = "new Acme") -> dict:
    """`/opp new <title>`: views.open is the first Web API call; returns the modal once its currency arrived."""
    before = len(slack.fake.calls)
    result, _ = slack.command(text)
    assert result.status == 200 and result.body in (b"", b"null")
    slack.fake.wait_for("views.update")
    assert slack.fake.calls[before].method == "views.open"
    return slack.opened_view(Callback.CREATE_DEAL)


# --- create ----------------------------------------------------------------------------------------------------------


def test_opp_new_opens_the_modal_first_and_a_valid_submission_creates_a_deal_whose_life_goes_on(slack):
    customer = make_customer(slack.sessions, slack.actor())
    view = _open_create(slack, "new Acme")
    opened = slack.fake.calls_to("views.open")[0].args["view"]
    title = next(b for b in opened["blocks"] if b.get("block_id") == Block.TITLE)
    assert title["element"]["initial_value"] == "Acme"

    result, ack = slack.submit(view, _deal_values(customer))
    assert result.status == 200 and ack == {}
    opp = _deal(slack)
    assert (opp.title, opp.amount_minor, opp.currency, opp.stage, opp.external_ref, opp.created_by) == (
        "Acme - licence",
        5_000_000,
        "USD",
        "lead",
        "CRM-1",
        "U_REP",
    )
    confirmation = slack.fake.wait_for("chat.postEphemeral")[0].args
    assert confirmation["channel"] == slack.channel_id and confirmation["user"] == "U_REP"
    assert "Created deal *#1*" in confirmation["text"]

    card = slack.ask("show 1")
    card = slack.press(card, Action.CLAIM)
    assert _deal(slack).assignee_id == "U_REP"
    card = slack.press(card, Action.MOVE, option_value="proposal")
    assert "Qualification was skipped" in card["text"]
    card = slack.press(card, Action.WON)
    assert _deal(slack).stage == "closed_won"


@pytest.mark.parametrize(
    ("field", "bad", "block"),
    [
        ("value", "abc", Block.VALUE),
        ("value", "-5", Block.VALUE),
        ("probability", "101", Block.PROBABILITY),
        ("currency", "XXQ", Block.CURRENCY),
        ("customer", None, Block.CUSTOMER),
        ("title", "T" * 201, Block.TITLE),
    ],
)
def test_an_invalid_field_is_answered_inline_on_its_block_in_the_http_response_and_nothing_is_written(
    slack, field, bad, block
):
    customer = make_customer(slack.sessions, slack.actor())
    view = _open_create(slack)
    result, ack = slack.submit(view, _deal_values(customer, **{field: bad}))
    assert result.status == 200 and result.seconds < 3
    assert ack["response_action"] == "errors"
    assert list(ack["errors"]) == [block.value] and ack["errors"][block.value]
    assert _deal_count(slack) == 0
    assert slack.fake.calls_to("chat.postEphemeral") == []


def test_a_stale_edit_is_refused_inline_and_does_not_overwrite(slack):
    customer = make_customer(slack.sessions, slack.actor())
    number = make_deal(slack.sessions, slack.actor(), customer)
    card = slack.ask(f"show {number}")
    block, element = next(
        (b, e) for b in card["blocks"] for e in b.get("elements", []) if e.get("action_id") == Action.EDIT
    )
    slack.click(
        {"action_id": Action.EDIT.value, "type": "button", "value": element["value"]}, block_id=block["block_id"]
    )
    edit_view = slack.opened_view(Callback.EDIT_DEAL)
    assert decode_metadata(edit_view["private_metadata"]).version == _deal(slack).version
    slack.ask(f"move {number} qual")  # someone changes the deal meanwhile (a note would not: it owns nothing)
    _, ack = slack.submit(edit_view, _deal_values(customer, title="My stale edit"))
    assert ack["response_action"] == "errors"
    assert "changed by someone else" in ack["errors"][Block.TITLE.value]
    assert _deal(slack).title == "Acme Corp - Software licence"


def test_a_note_added_while_the_edit_form_is_open_does_not_make_it_stale(slack):
    customer = make_customer(slack.sessions, slack.actor())
    number = make_deal(slack.sessions, slack.actor(), customer)
    card = slack.ask(f"show {number}")
    block, element = next(
        (b, e) for b in card["blocks"] for e in b.get("elements", []) if e.get("action_id") == Action.EDIT
    )
    slack.click(
        {"action_id": Action.EDIT.value, "type": "button", "value": element["value"]}, block_id=block["block_id"]
    )
    edit_view = slack.opened_view(Callback.EDIT_DEAL)
    slack.ask(f"note {number} called them", user="U_OTHER")
    _, ack = slack.submit(edit_view, _deal_values(customer, title="My edit", stage="qual"))
    assert ack == {}
    assert _deal(slack).title == "My edit"


# --- loss reason -----------------------------------------------------------------------------------------------------


def _loss_values(view: dict, note: str = "Went with X") -> tuple[str, dict]:
    block = next(b for b in view["blocks"] if b.get("block_id") == Block.LOSS_REASON)
    reason = block["element"]["options"][1]["value"]
    return reason, form_values(loss_reason=reason, loss_note=note)


def test_the_loss_modal_from_the_command_closes_the_deal_lost_with_its_reason(slack):
    number = make_deal(slack.sessions, slack.actor())
    slack.ask(f"move {number} prop")
    slack.command(f"lost {number}")
    view = slack.opened_view(Callback.LOSS_REASON)
    _, ack = slack.submit(view, form_values(loss_reason=None))
    assert ack["response_action"] == "errors" and list(ack["errors"]) == [Block.LOSS_REASON.value]
    assert _deal(slack).stage == "proposal"
    reason, values = _loss_values(view)
    _, ack = slack.submit(view, values)
    assert ack == {}
    opp = _deal(slack)
    assert (opp.stage, opp.lost_reason, opp.lost_note, opp.lost_at_stage) == (
        "closed_lost",
        reason,
        "Went with X",
        "proposal",
    )


def test_the_loss_modal_from_the_lost_button_closes_the_deal_and_refreshes_the_card_it_came_from(slack):
    number = make_deal(slack.sessions, slack.actor())
    card = slack.ask(f"show {number}")
    block, element = next(
        (b, e) for b in card["blocks"] for e in b.get("elements", []) if e.get("action_id") == Action.LOST
    )
    _, key = slack.click(
        {"action_id": Action.LOST.value, "type": "button", "value": element["value"]}, block_id=block["block_id"]
    )
    view = slack.opened_view(Callback.LOSS_REASON)
    reason, values = _loss_values(view, note="")
    _, ack = slack.submit(view, values)
    assert ack == {}
    assert (_deal(slack).stage, _deal(slack).lost_reason) == ("closed_lost", reason)
    refreshed = slack.reply(key)
    assert refreshed["replace_original"] is True and "Closed-Lost" in json.dumps(refreshed)


# --- App Home, shortcut, picker --------------------------------------------------------------------------------------


def test_app_home_opened_publishes_a_home_that_stays_within_100_blocks(slack):
    bulk_deals(slack.sessions, slack.actor(), 300, assignee_id="U_REP")
    home = slack.open_home()
    assert home["type"] == "home" and len(home["blocks"]) <= 100
    text = json.dumps(home)
    assert "300 deals" in text and "more" in text


def test_the_message_shortcut_opens_the_create_modal_prefilled_from_the_message(slack):
    result = slack.message_shortcut(Callback.MESSAGE_SHORTCUT.value, "Acme wants 50 seats\nBudget approved")
    assert result.status == 200
    view = slack.opened_view()
    assert view["callback_id"] == Callback.CREATE_DEAL
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[Block.TITLE]["element"]["initial_value"] == "Acme wants 50 seats"
    assert blocks[Block.DESCRIPTION]["element"]["initial_value"] == "Acme wants 50 seats\nBudget approved"
    assert decode_metadata(view["private_metadata"]).channel_id == slack.channel_id


def test_the_customer_picker_suggests_matching_customers_of_this_workspace_only(slack):
    make_customer(slack.sessions, slack.actor(), "Acme Corp")
    make_customer(slack.sessions, slack.actor(), "Globex")
    view = _open_create(slack)
    answer = slack.suggest(view, Block.CUSTOMER.value, input_action(Block.CUSTOMER), "acm")
    names = [o["text"]["text"].split(" ·")[0] for g in answer["option_groups"] for o in g["options"]]
    assert names == ["Acme Corp"]
    assert answer["option_groups"][0]["options"][0]["value"].startswith("organization:")


# --- escaping --------------------------------------------------------------------------------------------------------


def test_a_hostile_title_note_and_customer_name_are_escaped_on_every_surface(slack):
    customer = make_customer(slack.sessions, slack.actor(), HOSTILE)
    view = _open_create(slack)
    _, ack = slack.submit(view, _deal_values(customer, title=HOSTILE, description=HOSTILE, assignee="U_REP"))
    assert ack == {}
    confirmation = slack.fake.wait_for("chat.postEphemeral")[0].args
    assert_escaped(confirmation)

    slack.ask(f"note 1 {HOSTILE}")
    card = slack.ask("show 1")
    assert_escaped(card)
    assert HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in json.dumps(card)
    assert_escaped(slack.ask("list"))
    assert_escaped(slack.ask("search co"))
    assert_escaped(slack.open_home())

    # Modals that show the deal: loss reason and note (mrkdwn context).
    slack.command("lost 1")
    assert_escaped(slack.opened_view(Callback.LOSS_REASON))
    block, element = next(
        (b, e) for b in card["blocks"] for e in b.get("elements", []) if e.get("action_id") == Action.NOTE
    )
    slack.click(
        {"action_id": Action.NOTE.value, "type": "button", "value": element["value"]}, block_id=block["block_id"]
    )
    slack.fake.wait_for("views.update", count=3)
    note_view = [v for v in slack.fake.views.values() if v.get("callback_id") == Callback.NOTE][-1]
    assert_escaped(note_view)
