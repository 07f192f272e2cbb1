"""Handlers are plain functions of a Request: a test calls one directly, with slack_sdk's WebClient and Bolt's
respond pointed at the fake Slack (the fake stays at the HTTP boundary; the database is real)."""

from __future__ import annotations

from fakeslack import FakeSlack
from integration.helpers import make_deal
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from sqlalchemy import select

from oppbot.db.models import Note, Opportunity
from oppbot.services.context import Actor
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action
from oppbot.slack.listeners import commands
from oppbot.slack.listeners.actions import deals as deal_actions
from oppbot.slack.pipeline import Request

TEAM, USER = "T111", "U_REP"


def request(deps: Deps, fake_slack: FakeSlack, key: str, body: dict) -> Request:
    response_url = fake_slack.response_url(key)
    return Request.for_test(
        deps,
        WebClient(token="xoxb-test", base_url=fake_slack.base_url),
        {**body, "response_url": response_url},
        team_id=TEAM,
        user_id=USER,
        kind=body.get("type", "command"),
        respond=Respond(response_url=response_url),
    )


def test_the_claim_button_handler_called_directly_claims_and_answers_with_the_card(deps, fake_slack, sessions):
    number = make_deal(sessions, Actor(TEAM, "U_OTHER"))
    body = {"type": "block_actions", "actions": [{"action_id": Action.CLAIM.value, "value": f"{number}:1"}]}
    deal_actions.claim(request(deps, fake_slack, "claim", body))
    with sessions() as session:
        assert session.scalar(select(Opportunity.assignee_id)) == USER
    assert "is yours now" in fake_slack.responses_to("claim")[0].body["text"]


def test_the_opp_handler_called_directly_runs_the_subcommand_from_the_table(deps, fake_slack, sessions):
    number = make_deal(sessions, Actor(TEAM, USER), assignee=USER)
    commands.opp(request(deps, fake_slack, "note", {"text": f"note {number} Called them"}))
    with sessions() as session:
        assert session.scalar(select(Note.body)) == "Called them"
    assert f"Note added to #{number}" in fake_slack.responses_to("note")[0].body["text"]
