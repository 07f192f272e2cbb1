"""The deal card's Billables section, and the card's buttons inside the App Home finder's modal, end to end."""

from __future__ import annotations

import json

from integration.helpers import form_values, make_deal
from sqlalchemy import select
from unit.blockkit import HOSTILE, assert_escaped

from oppbot.db.models import Billable, Opportunity
from oppbot.db.session import unit_of_work
from oppbot.services import billables
from oppbot.slack.ids import Action, BillingAction, BillingBlock, BillingCallback, Callback


def _deal(slack, number=1) -> Opportunity:
    with slack.sessions() as session:
        return session.scalar(
            select(Opportunity).where(Opportunity.team_id == slack.team_id, Opportunity.number == number)
        )


def _add_line(slack, number: int, description: str, quantity: str = "2", price: str = "100") -> None:
    with unit_of_work(slack.sessions) as session:
        billables.add_billable(
            session, slack.actor(), number, description=description, quantity=quantity, unit_price=price
        )


def _action_ids(surface: dict) -> set[str]:
    return {e.get("action_id") for b in surface["blocks"] for e in (b.get("elements") or []) if isinstance(e, dict)}


def test_the_deal_card_shows_its_billables_lines_total_and_buttons(slack):
    number = make_deal(slack.sessions, slack.actor(), assignee="U_REP")
    empty = slack.ask(f"show {number}")
    assert "*Total: USD 0.00*" in json.dumps(empty) and BillingAction.ADD_LINE in _action_ids(empty)
    _add_line(slack, number, HOSTILE)
    card = slack.ask(f"show {number}")
    text = json.dumps(card, ensure_ascii=False)
    assert "*Total: USD 200.00*" in text and "&lt;!channel&gt;" in text
    assert {BillingAction.ADD_SERVICE, BillingAction.ADD_LINE, BillingAction.SET_VALUE} <= _action_ids(card)
    assert_escaped(card)
    # Someone who may not edit the deal sees the lines but not the buttons.
    other = slack.ask(f"show {number}", user="U_OTHER")
    assert "*Total: USD 200.00*" in json.dumps(other) and BillingAction.ADD_LINE not in _action_ids(other)


def test_add_line_on_the_card_opens_the_modal_before_any_query_and_its_submission_adds_the_line(slack):
    number = make_deal(slack.sessions, slack.actor())
    card = slack.ask(f"show {number}")
    before = len(slack.fake.calls)
    block = next(
        b for b in card["blocks"] if any(e.get("action_id") == BillingAction.ADD_LINE for e in b.get("elements", []))
    )
    element = next(e for e in block["elements"] if e["action_id"] == BillingAction.ADD_LINE)
    result, _ = slack.click(
        {"action_id": element["action_id"], "type": "button", "value": element["value"]}, block_id=block["block_id"]
    )
    assert result.seconds < 3
    slack.fake.wait_for("views.update")
    assert slack.fake.calls[before].method == "views.open"
    view = slack.opened_view(BillingCallback.BILLABLE_ADD)
    values = {
        BillingBlock.DESCRIPTION.value: {
            f"{BillingBlock.DESCRIPTION.value}_input": {"type": "plain_text_input", "value": "Setup"}
        },
        BillingBlock.QUANTITY.value: {
            f"{BillingBlock.QUANTITY.value}_input": {"type": "plain_text_input", "value": "3"}
        },
        BillingBlock.UNIT_PRICE.value: {
            f"{BillingBlock.UNIT_PRICE.value}_input": {"type": "plain_text_input", "value": "50"}
        },
    }
    _, ack = slack.submit(view, values)
    assert ack == {}
    with slack.sessions() as session:
        assert session.scalars(select(Billable.description).where(Billable.team_id == slack.team_id)).all() == ["Setup"]


def _card_in_home_modal(slack, number: int) -> dict:
    home = slack.open_home()
    slack.click_in_view(home, Action.HOME_FIND, option_value=f"deal:{number}")
    return slack.opened_view(Callback.DEAL_FOUND)


def test_the_cards_buttons_work_inside_the_app_home_finders_modal(slack):
    number = make_deal(slack.sessions, slack.actor())
    modal = _card_in_home_modal(slack, number)
    assert BillingAction.ADD_LINE in _action_ids(modal) and Action.CLAIM in _action_ids(modal)

    # Claim: the modal itself is updated with the fresh card (no response_url to answer through).
    updates = len(slack.fake.calls_to("views.update"))
    result = slack.click_in_view(modal, Action.CLAIM)
    assert result.seconds < 3
    update = slack.fake.wait_for("views.update", count=updates + 1)[-1].args
    assert update["view_id"] == modal["id"] and "is yours now" in json.dumps(update["view"])
    assert _deal(slack).assignee_id == "U_REP"
    modal = slack.fake.views[modal["id"]]

    # Someone else's move is refused in words, by DM (a modal has no channel).
    slack.click_in_view(modal, Action.MOVE, user="U_OTHER", option_value="proposal")
    dm = slack.fake.wait_for("chat.postMessage")[-1].args
    assert dm["channel"] == "U_OTHER" and "only they or a manager" in dm["text"]
    assert _deal(slack).stage == "lead"

    # Move from the modal's select works for the assignee.
    updates = len(slack.fake.calls_to("views.update"))
    slack.click_in_view(modal, Action.MOVE, option_value="proposal")
    slack.fake.wait_for("views.update", count=updates + 1)
    assert _deal(slack).stage == "proposal"
    modal = slack.fake.views[modal["id"]]

    # Lost: the loss form is pushed on top of the card; saving it refreshes the card underneath.
    slack.click_in_view(modal, Action.LOST)
    slack.fake.wait_for("views.push")
    loss = slack.opened_view(Callback.LOSS_REASON)
    reason = next(b for b in loss["blocks"] if b.get("block_id") == "loss_reason")["element"]["options"][0]["value"]

    def on_card(call) -> bool:
        return call.args.get("view_id") == modal["id"]

    updates = len([c for c in slack.fake.calls_to("views.update") if on_card(c)])
    _, ack = slack.submit(loss, form_values(loss_reason=reason))
    assert ack == {}
    assert _deal(slack).stage == "closed_lost"
    refreshed = slack.fake.wait_for("views.update", count=updates + 1, predicate=on_card)[-1].args
    assert "Closed-Lost" in json.dumps(refreshed["view"])

    # Add line from inside the modal: pushed too, opened before any query.
    modal = slack.fake.views[modal["id"]]
    pushes = len(slack.fake.calls_to("views.push"))
    slack.click_in_view(modal, BillingAction.ADD_LINE)
    slack.fake.wait_for("views.push", count=pushes + 1)
    assert slack.opened_view(BillingCallback.BILLABLE_ADD)["callback_id"] == BillingCallback.BILLABLE_ADD
