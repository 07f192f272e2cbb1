"""Billing and tasks through Bolt in-process against the fake Slack: inline modal errors, the invoice button twice."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from fakeslack import interactive_body, sign, slash_command_body
from fakeslack.signing import SIGNING_SECRET
from integration.helpers import make_customer, make_deal
from slack_bolt.request import BoltRequest
from sqlalchemy import func, select

from oppbot.db.models import CardMessage, Invoice, Task
from oppbot.db.session import unit_of_work
from oppbot.services import billables, catalog, opportunities, tasks
from oppbot.services.context import Actor
from oppbot.slack.blocks.billables import build_add_line_modal
from oppbot.slack.blocks.tasks import build_task_modal
from oppbot.slack.deps import Deps
from oppbot.slack.ids import BillingAction, BillingBlock
from oppbot.slack.reminders import send_due_reminders

SECRET = SIGNING_SECRET  # what the shared `app` fixture verifies
TEAM, USER = "T111", "W111"
HOSTILE = "<!channel> <@U999> <http://x|y> & co"


@pytest.fixture
def me() -> Actor:
    return Actor(team_id=TEAM, user_id=USER)


def dispatch(app, body: bytes):
    headers = {k: [v] for k, v in sign(SECRET, body).items()}
    headers["content-type"] = ["application/x-www-form-urlencoded"]
    return app.dispatch(BoltRequest(body=body.decode(), headers=headers))


def submit(app, view: dict, values: dict[str, dict]):
    """Submit `view` (as built) with the given element states keyed by block_id."""
    state = {block: {f"{block}_input": element} for block, element in values.items()}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "x"},
        "user": {"id": USER, "team_id": TEAM},
        "api_app_id": "A111",
        "trigger_id": "1.1.x",
        "view": {**view, "id": "V1", "team_id": TEAM, "state": {"values": state}, "hash": "h"},
    }
    return dispatch(app, interactive_body(payload))


def click(app, fake_slack, action: BillingAction, value: str, response_key: str):
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "x"},
        "user": {"id": USER, "team_id": TEAM},
        "api_app_id": "A111",
        "trigger_id": f"{time.time()}.1.x",
        "container": {"type": "message", "channel_id": "C1"},
        "channel": {"id": "C1"},
        "response_url": fake_slack.response_url(response_key),
        "actions": [{"action_id": action.value, "block_id": "b", "value": value, "type": "button"}],
    }
    return dispatch(app, interactive_body(payload))


def won_deal_with_lines(sessions, me) -> int:
    number = make_deal(sessions, me, make_customer(sessions, me, HOSTILE), assignee=me.user_id)
    with unit_of_work(sessions) as s:
        billables.add_billable(s, me, number, description="Hours <b>", quantity="2", unit_price="100")
        opportunities.close_won(s, me, number)
    return number


def test_an_invalid_quantity_and_price_come_back_inline_beside_their_fields(app, sessions, me):
    number = make_deal(sessions, me, assignee=me.user_id)
    view = build_add_line_modal(number, "USD")
    response = submit(
        app,
        view,
        {
            BillingBlock.DESCRIPTION.value: {"type": "plain_text_input", "value": "Workshop"},
            BillingBlock.QUANTITY.value: {"type": "plain_text_input", "value": "0"},
            BillingBlock.UNIT_PRICE.value: {"type": "plain_text_input", "value": "-3"},
        },
    )
    assert response.status == 200
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {BillingBlock.QUANTITY.value, BillingBlock.UNIT_PRICE.value}
    assert "more than 0" in body["errors"][BillingBlock.QUANTITY.value]
    with unit_of_work(sessions) as s:
        assert billables.billables_for(s, me, number).lines == []


def test_a_catalog_service_in_another_currency_is_refused_beside_the_service_select(app, sessions, me):
    number = make_deal(sessions, me, assignee=me.user_id, currency="USD")
    with unit_of_work(sessions) as s:
        service = catalog.add_service(s, Actor(TEAM, "U_BOSS", is_manager=True), "Audit", "500", "EUR")
    view = build_add_line_modal(number, "USD", [service], custom=False)
    body = json.loads(
        submit(
            app,
            view,
            {
                BillingBlock.SERVICE.value: {"type": "static_select", "selected_option": {"value": str(service.id)}},
                BillingBlock.QUANTITY.value: {"type": "plain_text_input", "value": "1"},
            },
        ).body
    )
    message = body["errors"][BillingBlock.SERVICE.value]
    assert "EUR" in message and "USD" in message


def test_a_valid_line_is_added_and_the_modal_closes(app, sessions, me):
    number = make_deal(sessions, me, assignee=me.user_id)
    view = build_add_line_modal(number, "USD")
    response = submit(
        app,
        view,
        {
            BillingBlock.DESCRIPTION.value: {"type": "plain_text_input", "value": "Workshop"},
            BillingBlock.QUANTITY.value: {"type": "plain_text_input", "value": "1.5"},
            BillingBlock.UNIT_PRICE.value: {"type": "plain_text_input", "value": "1,000"},
        },
    )
    assert response.status == 200 and not response.body
    with unit_of_work(sessions) as s:
        assert str(billables.billables_for(s, me, number).total) == "1500.00"


def test_the_task_modal_reports_a_missing_title_inline(app, sessions, me):
    number = make_deal(sessions, me, assignee=me.user_id)
    body = json.loads(
        submit(
            app,
            build_task_modal(number),
            {
                BillingBlock.TASK_TITLE.value: {"type": "plain_text_input", "value": " "},
                BillingBlock.TASK_DUE_DATE.value: {"type": "datepicker", "selected_date": "2026-12-01"},
                BillingBlock.TASK_DUE_TIME.value: {"type": "timepicker", "selected_time": "14:00"},
                BillingBlock.TASK_ASSIGNEE.value: {"type": "users_select", "selected_user": None},
            },
        ).body
    )
    assert list(body["errors"]) == [BillingBlock.TASK_TITLE.value]


def test_the_invoice_button_clicked_twice_posts_one_invoice_in_the_cards_thread(app, fake_slack, sessions, me):
    fake_slack.users[USER] = {"is_admin": True}  # a manager: members get their invoice in a DM (next test)
    number = won_deal_with_lines(sessions, me)
    with unit_of_work(sessions) as s:
        opp_id = opportunities.repo.get_opportunity(s, TEAM, number).id
        s.add(CardMessage(team_id=TEAM, opportunity_id=opp_id, channel_id="C1", ts="123.456"))
    click(app, fake_slack, BillingAction.GENERATE_INVOICE, str(number), "first")
    [first] = fake_slack.wait_for_responses(1, key="first")
    click(app, fake_slack, BillingAction.GENERATE_INVOICE, str(number), "second")
    [second] = fake_slack.wait_for_responses(1, key="second")
    assert "INV-0001 created" in first.body["text"]
    assert "Invoice INV-0001 already exists" in second.body["text"]
    [post] = fake_slack.calls_to("chat.postMessage")
    assert (post.args["channel"], post.args["thread_ts"]) == ("C1", "123.456")
    shown = json.dumps(post.args["blocks"])
    assert "<!channel>" not in shown and "<@U999>" not in shown and "&lt;!channel&gt;" in shown
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 1
    fake_slack.assert_clean()


def test_a_members_invoice_goes_to_their_dm_even_when_the_card_is_in_a_channel(app, fake_slack, sessions, me):
    number = won_deal_with_lines(sessions, me)
    with unit_of_work(sessions) as s:
        opp_id = opportunities.repo.get_opportunity(s, TEAM, number).id
        s.add(CardMessage(team_id=TEAM, opportunity_id=opp_id, channel_id="C1", ts="123.456"))
    click(app, fake_slack, BillingAction.GENERATE_INVOICE, str(number), "member")
    [reply] = fake_slack.wait_for_responses(1, key="member")
    assert "sent it to you in a DM (only managers post invoices in a channel)" in reply.body["text"]
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.args["channel"] == USER and "thread_ts" not in post.args
    fake_slack.assert_clean()


def test_the_customer_page_escapes_a_hostile_name(app, fake_slack, sessions, me):
    make_deal(sessions, me, make_customer(sessions, me, HOSTILE))
    response = dispatch(
        app,
        slash_command_body(
            "customer <!channel>", team_id=TEAM, user_id=USER, response_url=fake_slack.response_url("cust")
        ),
    )
    assert response.status == 200
    [reply] = fake_slack.wait_for_responses(1, key="cust")
    shown = json.dumps(reply.body)
    assert (
        "<!channel>" not in shown
        and "<http://x|y>" not in shown
        and "&lt;@U999&gt; &lt;http://x|y&gt; &amp; co" in shown
    )


def test_a_task_reminder_is_sent_once_and_retried_when_the_post_fails(app, fake_slack, sessions, me):
    number = make_deal(sessions, me, assignee=me.user_id)
    with unit_of_work(sessions) as s:
        tasks.add_task(s, me, number, "Call <!here>", "2026-12-01", "09:00", tz="UTC")
    due = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    client = app.client
    fake_slack.fail_next("chat.postMessage", status=500)
    client.retry_handlers.clear()  # the failed post must reach our code, not be retried inside slack_sdk
    assert send_due_reminders(Deps(settings=None, sessions=sessions), client, due) == 0
    with unit_of_work(sessions) as s:
        assert s.scalar(select(Task.reminded_at)) is None
    assert send_due_reminders(sessions, client, due) == 1
    assert send_due_reminders(sessions, client, due) == 0
    [dm] = [c for c in fake_slack.calls_to("chat.postMessage")]
    assert dm.args["channel"] == USER
    assert {e["action_id"] for b in dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]} == {
        BillingAction.TASK_DONE.value,
        BillingAction.TASK_SNOOZE.value,
    }
    assert "<!here>" not in json.dumps(dm.args["blocks"])


def test_done_under_a_reminder_replaces_the_reminder(app, fake_slack, sessions, me):
    number = make_deal(sessions, me, assignee=me.user_id)
    with unit_of_work(sessions) as s:
        task = tasks.add_task(s, me, number, "Call", "2026-12-01", "09:00", tz="UTC")
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "x"},
        "user": {"id": USER, "team_id": TEAM},
        "api_app_id": "A111",
        "trigger_id": "9.9.x",
        "container": {"type": "message", "channel_id": "D1"},
        "channel": {"id": "D1"},
        "response_url": fake_slack.response_url("done"),
        "actions": [
            {
                "action_id": BillingAction.TASK_DONE.value,
                "block_id": f"task_reminder_{task.id}",
                "value": str(task.id),
                "type": "button",
            }
        ],
    }
    dispatch(app, interactive_body(payload))
    [reply] = fake_slack.wait_for_responses(1, key="done")
    assert reply.body["replace_original"] is True and "Done" in reply.body["text"]
    with unit_of_work(sessions) as s:
        assert tasks.my_open_tasks(s, me) == []


def command(app, fake_slack, text: str, key: str, user_id: str = USER) -> dict:
    dispatch(app, slash_command_body(text, team_id=TEAM, user_id=user_id, response_url=fake_slack.response_url(key)))
    [reply] = fake_slack.wait_for_responses(1, key=key)
    return reply.body


def test_catalog_tasks_billables_and_invoice_commands_answer_in_words(app, fake_slack, sessions, me):
    fake_slack.users["U_BOSS"] = {"is_admin": True}
    assert "Only managers" in command(app, fake_slack, "catalog add Workshop 1200 USD", "member")["text"]
    assert "Added" in command(app, fake_slack, "catalog add Onboarding workshop 1,200.50 usd", "boss", "U_BOSS")["text"]
    listing = command(app, fake_slack, "catalog", "list")
    assert "Onboarding workshop" in json.dumps(listing["blocks"]) and "USD 1,200.50" in json.dumps(listing["blocks"])
    number = won_deal_with_lines(sessions, me)
    assert (
        "Task added"
        in command(app, fake_slack, f"task #{number} 2026-12-01 Send the <!channel> proposal", "task")["text"]
    )
    tasks_reply = command(app, fake_slack, "tasks", "tasks")
    assert "&lt;!channel&gt;" in json.dumps(tasks_reply["blocks"]) and "<!channel>" not in json.dumps(
        tasks_reply["blocks"]
    )
    assert "USD 200.00" in command(app, fake_slack, f"billables {number}", "bill")["text"]
    assert "INV-0001 created" in command(app, fake_slack, f"invoice {number}", "inv1")["text"]
    assert "already exists" in command(app, fake_slack, f"invoice {number}", "inv2")["text"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # no card posted: the invoice went to the user, once
    assert "not a date" in command(app, fake_slack, f"task #{number} tomorrow Call", "bad")["text"]
    # `customer new` opens the customer modal (the modals module's), not a text reply.
    dispatch(
        app, slash_command_body("customer new", team_id=TEAM, user_id=USER, response_url=fake_slack.response_url("new"))
    )
    [opened] = fake_slack.wait_for("views.open", 1)
    assert opened.args["view"]["callback_id"] == "customer_new"
    fake_slack.assert_clean()
