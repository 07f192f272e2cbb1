"""Through `oppbot serve`: who may post workspace data in a channel, tampered reply targets, and honest replies.

The channel rule is services.policy.may_post_in_channel, the scheduled digests' rule: managers post, a member
gets the same content privately.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid

from fakeslack import FakeSlack
from integration.helpers import form_values, make_deal
from sqlalchemy import select

from oppbot.db.models import CardMessage, Opportunity, Task
from oppbot.slack import metadata
from oppbot.slack.blocks.tasks import build_task_modal
from oppbot.slack.ids import BillingBlock, BillingCallback, Block, Callback


def _posts(slack) -> list:
    return [c for c in slack.fake.calls_to("chat.postMessage") if not str(c.args.get("channel", "")).startswith("U")]


def test_a_members_digest_now_posts_nothing_publicly_and_shows_them_a_preview(slack):
    make_deal(slack.sessions, slack.actor(), title="Secret pipeline deal", value="90000")
    for _ in range(3):
        reply = slack.ask("digest now")
        assert reply["response_type"] == "ephemeral"
        assert "Only managers post the digest" in reply["text"]
        assert "Secret pipeline deal" in json.dumps(reply)  # the same content, only for them
    assert _posts(slack) == []


def test_a_managers_digest_now_is_posted_in_the_channel(slack):
    boss = slack.make_manager()
    make_deal(slack.sessions, slack.actor(), title="Pipeline deal")
    _, _key = slack.command("digest now", user=boss)
    posted = slack.fake.wait_for("chat.postMessage")
    assert posted[0].args["channel"] == slack.channel_id and "Pipeline deal" in json.dumps(posted[0].args)


def test_show_here_by_a_member_is_a_private_card_and_no_post(slack):
    number = make_deal(slack.sessions, slack.actor(), title="Quiet deal")
    reply = slack.ask(f"show {number} here")
    assert reply["response_type"] == "ephemeral" and "Only managers post deal cards" in reply["text"]
    assert "Quiet deal" in json.dumps(reply)
    assert _posts(slack) == []
    with slack.sessions() as session:
        assert session.scalars(select(CardMessage).where(CardMessage.team_id == slack.team_id)).all() == []


def test_show_here_by_a_manager_posts_the_live_card(slack):
    # A channel of its own: the fake's message ts restart with each test, and (channel, ts) names one card.
    slack.channel_id = f"C{uuid.uuid4().hex[:10].upper()}"
    boss = slack.make_manager()
    number = make_deal(slack.sessions, slack.actor(), title="Shared deal")
    assert "Shared deal #1 here" in slack.ask(f"show {number} here", user=boss)["text"]
    assert len(_posts(slack)) == 1


def test_a_tampered_response_url_in_metadata_is_never_called(slack):
    """The loss modal's metadata names the card to refresh; pointed elsewhere, the change is saved, nothing sent."""
    number = make_deal(slack.sessions, slack.actor())
    slack.command(f"lost {number}")
    view = slack.opened_view(Callback.LOSS_REASON)
    with FakeSlack() as attacker:
        # Signed with the server's own key (a forged signature is refused earlier): the host rule must still hold.
        meta = dataclasses.replace(
            metadata.decode(view["private_metadata"]), response_url=attacker.response_url("stolen")
        )
        view = {**view, "private_metadata": metadata.encode(meta)}
        block = next(b for b in view["blocks"] if b.get("block_id") == Block.LOSS_REASON)
        values = form_values(loss_reason=block["element"]["options"][0]["value"], loss_note="")
        _, ack = slack.submit(view, values)
        assert ack == {}
        with slack.sessions() as session:
            stage = session.scalar(select(Opportunity.stage).where(Opportunity.team_id == slack.team_id))
        assert stage == "closed_lost"
        # With the card not refreshed, the user is told in words; the refresh attempt came before that message.
        deadline = time.monotonic() + 10
        while not [c for c in slack.fake.calls if "closed as lost" in json.dumps(c.args)]:
            assert time.monotonic() < deadline, "the user was never told"
            time.sleep(0.02)
        assert attacker.calls == [] and attacker.responses_to("stolen") == []


def test_forged_metadata_in_the_task_modal_is_refused_beside_the_form(slack):
    number = make_deal(slack.sessions, slack.actor())
    view = {**build_task_modal(number), "id": "V1", "hash": "h"}
    for forged in ("not json", "[1]", json.dumps({"number": 10**30})):
        _, ack = slack.submit({**view, "private_metadata": forged}, _task_values("Call"))
        assert ack["response_action"] == "errors", (forged, ack)
    with slack.sessions() as session:
        assert session.scalars(select(Task).where(Task.team_id == slack.team_id)).all() == []


def _task_values(title: str) -> dict:
    return {
        BillingBlock.TASK_TITLE.value: {
            f"{BillingBlock.TASK_TITLE.value}_input": {"type": "plain_text_input", "value": title}
        },
        BillingBlock.TASK_DUE_DATE.value: {
            f"{BillingBlock.TASK_DUE_DATE.value}_input": {"type": "datepicker", "selected_date": "2030-01-15"}
        },
    }


def test_submitting_the_task_modal_shows_what_was_saved(slack):
    number = make_deal(slack.sessions, slack.actor())
    view = {**build_task_modal(number), "id": "V1", "hash": "h"}
    _, ack = slack.submit(view, _task_values("Call Maria"))
    assert ack["response_action"] == "update"
    shown = json.dumps(ack["view"], ensure_ascii=False)
    assert "Task added" in shown and "Call Maria" in shown and f"#{number}" in shown
    assert ack["view"]["callback_id"] == BillingCallback.TASK_ADD.value and "submit" not in ack["view"]


def test_bulk_move_lists_deals_already_in_the_stage_apart(slack):
    boss = slack.make_manager()
    rep = slack.actor()
    first = make_deal(slack.sessions, rep)
    second = make_deal(slack.sessions, rep)
    slack.ask(f"move {second} prop", user=boss)
    text = slack.ask(f"bulk move {first},{second} prop", user=boss)["text"]
    assert f"Moved to Proposal:* #{first}" in text and f"#{second}" not in text.split("Already")[0]
    assert f"Already in Proposal:* #{second}" in text
