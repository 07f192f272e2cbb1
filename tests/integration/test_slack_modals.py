"""The modals, pickers, App Home and shortcut, driven through the real Bolt app in-process against tests/fakeslack."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fakeslack import event_body, interactive_body, sign, slash_command_body
from fakeslack.signing import SIGNING_SECRET, new_trigger_id
from slack_bolt.request import BoltRequest
from sqlalchemy import func, select

from oppbot.config import get_settings
from oppbot.db import repositories as repo
from oppbot.db.models import Individual, Note, Opportunity, Organization
from oppbot.db.session import unit_of_work
from oppbot.slack.ids import Action, Block, Callback, input_action
from oppbot.slack.metadata import decode as decode_metadata
from oppbot.slack.pipeline import Request
from tests.integration.helpers import bulk_deals, form_values, make_customer, make_deal

SECRET = SIGNING_SECRET  # what the shared `app` fixture verifies
TEAM = "T111"


# --- signed requests straight into app.dispatch (no HTTP server in between) --------------------------------------


def _dispatch(app, body: bytes, content_type: str):
    headers = {k.lower(): [v] for k, v in sign(SECRET, body).items()}
    headers["content-type"] = [content_type]
    return app.dispatch(BoltRequest(body=body.decode(), headers=headers))


def interactive(app, payload: dict):
    return _dispatch(app, interactive_body(payload), "application/x-www-form-urlencoded")


def event(app, payload: dict):
    return _dispatch(app, json.dumps(payload).encode(), "application/json")


def slash(app, fake_slack, text: str, *, user: str = "U_REP", team: str = TEAM):
    body = slash_command_body(text, team_id=team, user_id=user, channel_id="C1", response_url=fake_slack.response_url())
    return _dispatch(app, body, "application/x-www-form-urlencoded")


def submission(view: dict, values: dict, *, user: str = "U_REP", team: str = TEAM) -> dict:
    """A view_submission payload for `view` (as the app sent it) with the given state.values."""
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "team_id": team, "name": "rep"},
        "api_app_id": "A111",
        "trigger_id": new_trigger_id(),
        "view": {**view, "id": view.get("id", "V1"), "team_id": team, "state": {"values": values}, "hash": "h"},
    }


def ack_body(response) -> dict:
    return json.loads(response.body) if response.body else {}


def values(**fields) -> dict:
    return form_values(**fields)


def deal_values(chosen, **overrides) -> dict:
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
    return values(**fields)


def deal_count(sessions) -> int:
    with unit_of_work(sessions) as session:
        return session.scalar(select(func.count()).select_from(Opportunity))


def opened_create_view(app, fake_slack) -> dict:
    slash(app, fake_slack, "new Acme renewal")
    return fake_slack.wait_for("views.open")[0].args["view"]


def test_opp_new_opens_the_create_modal_first_with_the_title_prefilled(app, fake_slack):
    view = opened_create_view(app, fake_slack)
    fake_slack.wait_for("views.update")
    methods = [c.method for c in fake_slack.calls]
    assert methods.index("views.open") < methods.index("views.update")  # open first, slow work after
    assert "users.info" not in methods[: methods.index("views.open")]
    assert view["callback_id"] == Callback.CREATE_DEAL
    title = next(b for b in view["blocks"] if b.get("block_id") == Block.TITLE)
    assert title["element"]["initial_value"] == "Acme renewal"
    # the workspace currency arrives after the modal is open
    updated = fake_slack.wait_for("views.update")[0].args["view"]
    currency = next(b for b in updated["blocks"] if b.get("block_id") == Block.CURRENCY)
    assert currency["element"]["initial_option"]["value"] == "USD"
    assert not fake_slack.errors


def test_a_valid_submission_creates_the_deal_and_confirms_it(app, fake_slack, sessions, rep):
    customer = make_customer(sessions, rep)
    view = opened_create_view(app, fake_slack)
    response = interactive(app, submission(view, deal_values(customer)))
    assert response.status == 200 and ack_body(response) == {}
    with unit_of_work(sessions) as session:
        opp = repo.get_opportunity(session, rep.team_id, 1)
        assert (opp.title, opp.amount_minor, opp.stage, opp.external_ref) == (
            "Acme - licence",
            5_000_000,
            "lead",
            "CRM-1",
        )
        assert opp.created_by == "U_REP"
    confirmation = fake_slack.wait_for("chat.postEphemeral")[0].args
    assert confirmation["channel"] == "C1" and "#1" in confirmation["text"]


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
def test_an_invalid_field_comes_back_inline_on_its_block_and_nothing_is_written(
    app, fake_slack, sessions, rep, field, bad, block
):
    customer = make_customer(sessions, rep)
    view = opened_create_view(app, fake_slack)
    response = interactive(app, submission(view, deal_values(customer, **{field: bad})))
    body = ack_body(response)
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [block.value]
    assert deal_count(sessions) == 0


def test_a_stale_edit_is_refused_and_does_not_overwrite(app, fake_slack, sessions, rep):
    customer = make_customer(sessions, rep)
    number = make_deal(sessions, rep, customer)
    from slack_sdk import WebClient

    from oppbot.slack.deps import Deps
    from oppbot.slack.listeners.views.open_views import open_edit

    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    deps = Deps(app_settings(fake_slack), sessions)
    body = {"trigger_id": new_trigger_id()}
    open_edit(Request.for_test(deps, client, body, team_id=rep.team_id, user_id=rep.user_id), number)
    edit_view = fake_slack.wait_for("views.update")[-1].args["view"]
    assert edit_view["callback_id"] == Callback.EDIT_DEAL
    with unit_of_work(sessions) as session:
        current_version = repo.get_opportunity(session, rep.team_id, number).version
    assert decode_metadata(edit_view["private_metadata"]).version == current_version
    with unit_of_work(sessions) as session:  # someone else changes the deal meanwhile
        from oppbot.services import opportunities

        opportunities.add_note(session, rep, number, "bump")
        opp = repo.get_opportunity(session, rep.team_id, number)
        opp.title = "Changed elsewhere"
    response = interactive(app, submission(edit_view, deal_values(customer, title="My stale edit")))
    body = ack_body(response)
    assert body["response_action"] == "errors"
    assert "changed by someone else" in body["errors"][Block.TITLE.value]
    with unit_of_work(sessions) as session:
        assert repo.get_opportunity(session, rep.team_id, number).title == "Changed elsewhere"


def app_settings(fake_slack):
    return get_settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.base_url)


def test_the_loss_modal_closes_the_deal_lost_with_reason_and_stage(app, fake_slack, sessions, rep):
    from slack_sdk import WebClient

    from oppbot.domain.stages import Stage
    from oppbot.services import opportunities
    from oppbot.slack.deps import Deps
    from oppbot.slack.listeners.views.open_views import open_loss

    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        opportunities.move(session, rep, number, Stage.PROPOSAL)
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    deps = Deps(app_settings(fake_slack), sessions)
    req = Request.for_test(deps, client, {"trigger_id": new_trigger_id()}, team_id=rep.team_id, user_id=rep.user_id)
    open_loss(req, number, {"channel": "C9", "ts": "1.5"})
    loss_view = fake_slack.wait_for("views.update")[-1].args["view"]
    assert loss_view["callback_id"] == Callback.LOSS_REASON
    response = interactive(app, submission(loss_view, values(loss_reason="Competitor", loss_note="Went with X")))
    assert ack_body(response) == {}
    with unit_of_work(sessions) as session:
        opp = repo.get_opportunity(session, rep.team_id, number)
        assert (opp.stage, opp.lost_reason, opp.lost_note, opp.lost_at_stage) == (
            "closed_lost",
            "Competitor",
            "Went with X",
            "proposal",
        )
    missing = interactive(app, submission(loss_view, values(loss_reason=None)))
    assert ack_body(missing)["response_action"] == "errors"


def test_the_note_modal_adds_a_note(app, fake_slack, sessions, rep):
    from oppbot.slack.blocks.modals import note_modal

    number = make_deal(sessions, rep)
    view = note_modal(team_id=rep.team_id, number=number, channel_id="C1")
    assert ack_body(interactive(app, submission(view, values(note="Called them")))) == {}
    empty = ack_body(interactive(app, submission(view, values(note=""))))
    assert list(empty["errors"]) == [Block.NOTE.value]
    with unit_of_work(sessions) as session:
        assert session.scalars(select(Note.body)).all() == ["Called them"]


def test_the_customer_modal_creates_an_organization_and_an_individual(app, fake_slack, sessions, rep):
    slash(app, fake_slack, "customer new")
    view = fake_slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == Callback.CUSTOMER_NEW
    org = values(name="Acme Corp", kind="organization", domain="Acme.example")
    person = values(name="Ada Lovelace", kind="individual", email="ada@example.com", phone="+47 1234")
    assert ack_body(interactive(app, submission(view, org))) == {}
    assert ack_body(interactive(app, submission(view, person))) == {}
    bad = ack_body(interactive(app, submission(view, values(name="Bob", kind="individual", email="nope"))))
    assert list(bad["errors"]) == [Block.CUSTOMER_EMAIL.value]
    with unit_of_work(sessions) as session:
        assert session.scalars(select(Organization.domain)).all() == ["acme.example"]
        assert session.scalars(select(Individual.email)).all() == ["ada@example.com"]


def test_customer_options_are_grouped_and_scoped_to_the_workspace(app, sessions, rep, outsider):
    make_customer(sessions, rep, "Acme Corp")
    make_customer(sessions, outsider, "Acme Secret Rival")
    payload = {
        "type": "block_suggestion",
        "team": {"id": rep.team_id},
        "user": {"id": rep.user_id},
        "action_id": input_action(Block.CUSTOMER),
        "block_id": Block.CUSTOMER.value,
        "value": "acme",
        "view": {"id": "V1", "team_id": rep.team_id},
    }
    body = ack_body(interactive(app, payload))
    groups = body["option_groups"]
    assert [g["label"]["text"] for g in groups] == ["Organizations"]
    assert [o["text"]["text"].split(" ·")[0] for o in groups[0]["options"]] == ["Acme Corp"]
    assert groups[0]["options"][0]["value"].startswith("organization:")


def test_app_home_opened_publishes_a_valid_home_even_with_500_deals(app, fake_slack, sessions, rep):
    # Volume only matters here, so the 500 deals go in as one bulk insert, not 500 service calls.
    bulk_deals(
        sessions, rep, 500, title="<!channel> deal {n}", expected_close=date(2020, 1, 1), assignee_id=rep.user_id
    )
    response = event(
        app,
        json.loads(
            event_body(
                {"type": "app_home_opened", "user": rep.user_id, "channel": "D1", "tab": "home"}, team_id=rep.team_id
            )
        ),
    )
    assert response.status == 200
    published = fake_slack.wait_for("views.publish", timeout=20)[0].args
    assert published["user_id"] == rep.user_id
    blocks = published["view"]["blocks"]
    assert len(blocks) <= 100 and not fake_slack.errors
    text = str(blocks)
    assert "*Lead* — 500 deals" in text and "and 490 more" in text and "<!channel>" not in text


def test_the_message_shortcut_opens_a_prefilled_create_modal(app, fake_slack):
    payload = {
        "type": "message_action",
        "callback_id": Callback.MESSAGE_SHORTCUT.value,
        "trigger_id": new_trigger_id(),
        "team": {"id": "T111"},
        "user": {"id": "U_REP"},
        "channel": {"id": "C7"},
        "message": {"type": "message", "text": "Acme wants 50 seats\nBudget approved", "ts": "1.1"},
        "response_url": fake_slack.response_url(),
    }
    assert interactive(app, payload).status == 200
    view = fake_slack.wait_for("views.open")[0].args["view"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[Block.TITLE]["element"]["initial_value"] == "Acme wants 50 seats"
    assert blocks[Block.DESCRIPTION]["element"]["initial_value"] == "Acme wants 50 seats\nBudget approved"
    assert decode_metadata(view["private_metadata"]).channel_id == "C7"


def test_the_new_customer_button_pushes_the_customer_modal(app, fake_slack):
    payload = {
        "type": "block_actions",
        "team": {"id": "T111"},
        "user": {"id": "U_REP"},
        "trigger_id": new_trigger_id(),
        "view": {"id": "V1", "team_id": "T111", "private_metadata": '{"t":"T111","c":"C1"}'},
        "actions": [
            {
                "action_id": Action.NEW_CUSTOMER.value,
                "block_id": Block.CUSTOMER_ACTIONS.value,
                "type": "button",
                "value": "new",
            }
        ],
    }
    assert interactive(app, payload).status == 200
    pushed = fake_slack.wait_for("views.push")[0].args["view"]
    assert pushed["callback_id"] == Callback.CUSTOMER_NEW
