"""`< > & <!channel>` through every free-text field and every surface, sent the way Slack sends it.

Slack escapes the user's own `&`, `<`, `>` in command and message text; modal inputs arrive as typed. Whatever the
way in, the database holds what the user typed, and every surface shows it escaped exactly once: never the raw
`<!channel>` (a ping), never `&amp;lt;` (a double escape the user would read).
"""

from __future__ import annotations

import json

from integration.helpers import make_customer, make_deal
from sqlalchemy import select
from unit.blockkit import mrkdwn_texts

from oppbot.db.models import Note, Opportunity, Service, Task
from oppbot.slack.ids import Block, Callback, input_action

MEANT = "< > & <!channel>"
SLACK_SENDS = "&lt; &gt; &amp; &lt;!channel&gt;"  # how Slack delivers MEANT typed into a slash command
SHOWN = "&lt; &gt; &amp; &lt;!channel&gt;"  # MEANT escaped once for mrkdwn


def assert_once_escaped(message: dict) -> None:
    for text in mrkdwn_texts(message):
        assert "<!channel>" not in text, text
        assert "&amp;lt;" not in text and "&amp;gt;" not in text and "&amp;amp;" not in text, text


def test_text_is_stored_as_typed_and_shown_escaped_once_everywhere(slack):
    boss = slack.make_manager()
    rep = slack.actor()
    customer = make_customer(slack.sessions, rep, f"Customer {MEANT}")
    number = make_deal(slack.sessions, rep, customer, title=f"Title {MEANT}", assignee=rep.user_id)

    replies = [
        slack.ask(f"note {number} Note {SLACK_SENDS}"),
        slack.ask(f"task {number} 2030-01-15 Task {SLACK_SENDS}"),
        slack.ask(f"catalog add Service{SLACK_SENDS.replace(' ', '')} 10 USD", user=boss),
        slack.ask(f"search {SLACK_SENDS}"),
        slack.ask(f"show {number}"),
        slack.ask("list"),
        slack.ask("tasks"),
        slack.ask("catalog"),
        slack.ask(f"customer Customer {SLACK_SENDS}"),
        slack.ask("digest now"),  # a member: the preview, which lists the deal
        slack.ask(f"lost {number} price Lost {SLACK_SENDS}"),
    ]
    replies.append(slack.open_home())
    for reply in replies:
        assert_once_escaped(reply)

    with slack.sessions() as session:
        assert session.scalar(select(Note.body).where(Note.team_id == slack.team_id)) == f"Note {MEANT}"
        assert session.scalar(select(Task.title).where(Task.team_id == slack.team_id)) == f"Task {MEANT}"
        assert session.scalar(select(Service.name).where(Service.team_id == slack.team_id)) == "Service<>&<!channel>"
        opp = session.scalar(select(Opportunity).where(Opportunity.team_id == slack.team_id))
        assert opp.lost_note == f"Lost {MEANT}"

    card = json.dumps(replies[4], ensure_ascii=False)
    assert f"Note {SHOWN}" in card and f"Title {SHOWN}" in card
    assert f"Task {SHOWN}" in json.dumps(replies[6], ensure_ascii=False)


def test_an_unknown_subcommand_echo_is_escaped_once(slack):
    reply = slack.ask(f"{SLACK_SENDS.split()[0]}x")
    assert "&amp;lt;" not in reply["text"] and "&lt;x" in reply["text"]


def test_a_message_shortcut_title_shows_the_links_label_not_its_markup(slack):
    slack.message_shortcut(Callback.MESSAGE_SHORTCUT, "Try <https://x.example/tool|our tool> &amp; more\nsecond line")
    view = slack.opened_view(Callback.CREATE_DEAL)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    title = blocks[Block.TITLE.value]["element"].get("initial_value")
    description = blocks[Block.DESCRIPTION.value]["element"].get("initial_value")
    assert title == "Try our tool & more"
    assert description.startswith("Try our tool (https://x.example/tool) & more")
    assert input_action(Block.TITLE) == blocks[Block.TITLE.value]["element"]["action_id"]


def test_a_command_with_the_word_payload_is_answered_and_stored_as_typed(slack):
    """Bolt reads any form body containing "payload" as an interaction; the front door keeps commands commands."""
    number = make_deal(slack.sessions, slack.actor())
    reply = slack.ask(f"note {number} the payload=1&x arrived")
    assert "the payload=1&amp;x arrived" in json.dumps(reply)
    with slack.sessions() as session:
        assert session.scalar(select(Note.body).where(Note.team_id == slack.team_id)) == "the payload=1&x arrived"
