"""The real server answers /opp help and /opp show over signed HTTP."""

from integration.helpers import make_deal
from unit.blockkit import mrkdwn_texts


def test_help_lists_the_commands_with_examples(slack):
    reply = slack.ask("help")
    assert reply.get("response_type") == "ephemeral"
    assert reply["text"].startswith("*oppbot*")  # the fallback a notification shows: the one-line intro
    assert "/opp show #42" in "\n".join(mrkdwn_texts(reply["blocks"]))


def test_show_replies_with_the_deal_card(slack):
    number = make_deal(slack.sessions, slack.actor())
    reply = slack.ask(f"show #{number}")
    assert "Acme Corp - Software licence" in reply["text"]
    assert any(b["type"] == "actions" for b in reply["blocks"])
