"""Editing what exists, through the real `oppbot serve` and the fake Slack: a customer from its page and from the deal
modal's picker, a billable line from the card's Billables section (edit and delete)."""

from __future__ import annotations

import json
import time

from integration.helpers import make_customer, make_deal
from sqlalchemy import select

from oppbot.db.models import Activity, Billable, Organization
from oppbot.db.session import unit_of_work
from oppbot.services import billables
from oppbot.slack import metadata
from oppbot.slack.ids import Action, BillingAction, BillingBlock, BillingCallback, Block, Callback, input_action


def find_element(message: dict, action_id: str) -> tuple[dict, dict]:
    for block in message.get("blocks") or []:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
    raise AssertionError(f"no {action_id} in {json.dumps(message)[:1500]}")


def choose(slack, message: dict, action_id: str, value: str, user: str = "U_REP"):
    block, element = find_element(message, action_id)
    option = next(o for o in element["options"] if o["value"] == value)
    action = {"action_id": action_id, "type": "static_select", "selected_option": option}
    return slack.click(action, user=user, block_id=block.get("block_id"))


def wait_view(slack, callback: str, timeout: float = 15.0) -> dict:
    return slack.opened_view(callback, timeout=timeout)


def text_values(**by_block) -> dict:
    return {
        block: {f"{block}_input": {"type": "plain_text_input", "value": value}} for block, value in by_block.items()
    }


def test_a_billable_line_is_edited_and_deleted_from_the_cards_billables_section(slack):
    number = make_deal(slack.sessions, slack.actor(), value="1000", assignee="U_REP")
    with unit_of_work(slack.sessions) as session:
        line = billables.add_billable(
            session, slack.actor(), number, description="Workshop", quantity="2", unit_price="500"
        ).billable
    card = slack.ask(f"billables {number}")
    choose(slack, card, BillingAction.EDIT_LINE.value, str(line.id))
    form = wait_view(slack, BillingCallback.BILLABLE_EDIT)
    assert "Workshop" in json.dumps(form["blocks"])

    bad = text_values(bill_description="Workshop", bill_quantity="0", bill_unit_price="5.555")
    _, answer = slack.submit(form, bad)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {BillingBlock.QUANTITY.value, BillingBlock.UNIT_PRICE.value}

    good = text_values(bill_description="Workshop, day 2", bill_quantity="3", bill_unit_price="450")
    _, answer = slack.submit(form, good)
    assert answer == {}
    with unit_of_work(slack.sessions) as session:
        saved = session.get(Billable, line.id)
        assert (saved.description, saved.quantity, saved.unit_price_minor) == ("Workshop, day 2", 3, 45000)
        kinds = list(session.scalars(select(Activity.kind).where(Activity.team_id == slack.team_id)))
    assert "billable_edited" in kinds

    delete = {
        **good,
        BillingBlock.DELETE.value: {
            "bill_delete_input": {"type": "checkboxes", "selected_options": [{"value": "delete"}]}
        },
    }
    _, answer = slack.submit(form, delete)
    assert answer == {}
    with unit_of_work(slack.sessions) as session:
        assert session.get(Billable, line.id) is None
        assert "billable_removed" in set(
            session.scalars(select(Activity.kind).where(Activity.team_id == slack.team_id))
        )


def test_someone_who_may_not_change_the_deal_gets_a_refusal_instead_of_the_form(slack):
    number = make_deal(slack.sessions, slack.actor(), value="1000", assignee="U_REP")
    with unit_of_work(slack.sessions) as session:
        line = billables.add_billable(
            session, slack.actor(), number, description="Audit", quantity="1", unit_price="9"
        ).billable
    card = slack.ask(f"billables {number}")
    choose(slack, card, BillingAction.EDIT_LINE.value, str(line.id), user="U_OTHER")
    deadline = time.monotonic() + 15
    while not any("assigned to" in json.dumps(v["blocks"]) for v in slack.fake.views.values()):
        assert time.monotonic() < deadline, list(slack.fake.views.values())
        time.sleep(0.05)
    assert BillingCallback.BILLABLE_EDIT.value not in {v.get("callback_id") for v in slack.fake.views.values()}


def test_a_customer_is_edited_from_its_page_with_duplicate_hints_and_activity(slack):
    make_customer(slack.sessions, slack.actor(), "Globex")
    acme = make_customer(slack.sessions, slack.actor(), "Acme Corp")
    page = slack.ask("customer Acme Corp")
    block, element = find_element(page, Action.EDIT_CUSTOMER.value)
    slack.click(
        {"action_id": element["action_id"], "type": "button", "value": element["value"]}, block_id=block.get("block_id")
    )
    form = wait_view(slack, Callback.CUSTOMER_EDIT)
    assert "Acme Corp" in json.dumps(form["blocks"])

    _, answer = slack.submit(form, text_values(name="", domain="acme.example"))
    assert answer["response_action"] == "errors" and Block.CUSTOMER_NAME.value in answer["errors"]
    _, answer = slack.submit(form, text_values(name="Globex.", domain="ACME.example.org"))
    assert answer == {}
    with unit_of_work(slack.sessions) as session:
        org = session.get(Organization, acme.id)
        assert (org.name, org.domain) == ("Globex.", "acme.example.org")
        edited = session.scalars(
            select(Activity).where(Activity.kind == "customer_edited", Activity.team_id == slack.team_id)
        ).one()
        assert {c["field"] for c in edited.changes} == {"name", "domain"}
    hint = slack.fake.wait_for("chat.postEphemeral", predicate=lambda c: "Saved customer" in c.args.get("text", ""))
    assert "Globex" in hint[0].args["text"] and "already exists" in hint[0].args["text"]


def test_the_customer_chosen_in_the_deal_modals_picker_can_be_edited_on_top_of_it(slack):
    acme = make_customer(slack.sessions, slack.actor(), "Acme Corp")
    from fakeslack.signing import new_trigger_id

    slack.command("new Big deal", trigger_id=new_trigger_id())
    deal_form = wait_view(slack, Callback.CREATE_DEAL)
    find_element(deal_form, Action.EDIT_CUSTOMER.value)
    picked = {
        **deal_form,
        "state": {
            "values": {
                Block.CUSTOMER.value: {
                    input_action(Block.CUSTOMER): {
                        "type": "external_select",
                        "selected_option": {
                            "value": acme.encode(),
                            "text": {"type": "plain_text", "text": "Acme Corp"},
                        },
                    }
                }
            }
        },
    }
    block, element = find_element(deal_form, Action.EDIT_CUSTOMER.value)
    action = {
        "action_id": element["action_id"],
        "type": "button",
        "value": element["value"],
        "block_id": block["block_id"],
        "action_ts": f"{time.time():.6f}",
    }
    payload = {
        "type": "block_actions",
        "user": {"id": "U_REP", "username": "u_rep", "name": "u_rep", "team_id": slack.team_id},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {"type": "view", "view_id": deal_form["id"]},
        "trigger_id": new_trigger_id(),
        "team": {"id": slack.team_id, "domain": "workspace-domain"},
        "view": {**picked, "team_id": slack.team_id},
        "actions": [action],
    }
    slack.interact(payload)
    slack.fake.wait_for("views.push")
    form = wait_view(slack, Callback.CUSTOMER_EDIT)
    assert metadata.decode(form["private_metadata"]).customer == acme.encode()
