"""Command text the way Slack sends it (should_escape on): mentions, channels and entities in every form."""

from __future__ import annotations

from integration.helpers import make_deal
from sqlalchemy import select

from oppbot.db.models import Opportunity, Workspace


def test_a_mention_whose_label_has_spaces_is_one_user(slack):
    boss = slack.make_manager()
    number = make_deal(slack.sessions, slack.actor())
    reply = slack.ask(f"assign {number} <@U_MARIA|Maria Olsen>", user=boss)
    assert "Assigned" in reply["text"]
    with slack.sessions() as session:
        assert session.scalar(select(Opportunity.assignee_id).where(Opportunity.team_id == slack.team_id)) == "U_MARIA"


def test_a_forecast_for_a_mention_without_a_label_reads_that_user(slack):
    reply = slack.ask("forecast this-month <@U_MARIA>")
    assert "don't understand" not in reply["text"]


def test_a_channel_with_an_empty_label_is_still_the_channel(slack):
    boss = slack.make_manager()
    reply = slack.ask("notify <#C0DEALS|> proposal", user=boss)
    assert "<#C0DEALS>" in reply["text"]


def test_entities_in_settings_text_are_stored_as_typed_and_shown_escaped_once(slack):
    boss = slack.make_manager()
    reply = slack.ask("settings reasons Price, R&amp;D &lt;cut&gt;", user=boss)
    with slack.sessions() as session:
        reasons = session.scalar(select(Workspace.loss_reasons).where(Workspace.team_id == slack.team_id))
    assert "R&D <cut>" in reasons
    assert "R&amp;D &lt;cut&gt;" in reply["text"] and "&amp;amp;" not in reply["text"]
