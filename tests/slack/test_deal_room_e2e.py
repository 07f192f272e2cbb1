"""/opp room through `oppbot serve`: one channel per deal with the live card pinned, the assignee and the caller
invited; the deal's later changes and notes are posted there once each (the actors run twice, as on a redelivery);
a second /opp room links to the same channel; archiving on won/lost is the workspace's choice."""

from __future__ import annotations

import json

from integration.helpers import make_customer, make_deal
from integration.workers_support import runtime_for, settings_for
from sqlalchemy import select

from oppbot.db.models import DealRoom, OutboxEvent, ProcessedEvent
from workers.actors import process_event


def run_workers(slack, twice: bool = True) -> None:
    """Every outbox event of this workspace through the real actor (twice: a redelivery must post nothing new)."""
    runtime = runtime_for(settings_for(slack.server.db_url, slack.fake), slack.sessions)
    with slack.sessions() as session:
        events = session.scalars(
            select(OutboxEvent.event_id).where(OutboxEvent.team_id == slack.team_id).order_by(OutboxEvent.id)
        ).all()
    for _ in range(2 if twice else 1):
        for event_id in events:
            process_event(runtime, event_id)


def room_posts(slack, channel_id):
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == channel_id]


def test_opp_room_makes_one_channel_with_the_pinned_live_card_and_changes_appear_once_each(slack):
    customer = make_customer(slack.sessions, slack.actor(), "Ærlig Bakeri & Co")
    for _ in range(41):
        make_deal(slack.sessions, slack.actor(), customer, assignee="U_REP")
    number = make_deal(slack.sessions, slack.actor(), customer, assignee="U_REP", title="Big one")
    assert number == 42
    run_workers(slack, twice=False)  # what happened before the room stays out of it

    reply = slack.ask("room #42", user="U_REP")
    (created,) = slack.fake.calls_to("conversations.create")
    assert created.args["name"] == "deal-42-aerlig-bakeri-co"
    channel_id = next(iter(slack.fake.created))
    assert f"<#{channel_id}>" in reply["text"]
    (card,) = room_posts(slack, channel_id)
    assert "Big one" in json.dumps(card.args["blocks"])
    (pin,) = slack.fake.calls_to("pins.add")
    assert pin.args["channel"] == channel_id and slack.fake.created[channel_id]["pins"] == [pin.args.get("timestamp")]
    assert "U_REP" in slack.fake.created[channel_id]["members"]

    again = slack.ask("room 42", user="U_REP")  # idempotent: links to the room, makes nothing
    assert f"<#{channel_id}>" in again["text"] and "already" in again["text"]
    assert len(slack.fake.calls_to("conversations.create")) == 1

    boss = slack.make_manager("U_BOSS")
    slack.ask("move 42 prop", user="U_REP")
    slack.ask("note 42 They want a demo on Friday", user="U_REP")
    slack.ask("category 42 commit", user="U_REP")
    slack.ask("assign 42 <@U_ANA|ana>", user=boss)
    run_workers(slack)
    posts = room_posts(slack, channel_id)[1:]  # after the card
    texts = [p.args["text"] for p in posts]
    assert len(posts) == 4, texts
    assert any("moved" in json.dumps(p.args["blocks"]) for p in posts)
    assert any("demo on Friday" in json.dumps(p.args["blocks"]) for p in posts)
    assert any("Commit" in json.dumps(p.args["blocks"]) for p in posts)
    # the pinned card itself was kept live
    updates = [c for c in slack.fake.calls_to("chat.update") if c.args["channel"] == channel_id]
    assert len(updates) == 4
    assert "Commit" in json.dumps(slack.fake.messages[(channel_id, pin.args["timestamp"])]["blocks"])

    # won, with archiving on: the room hears it, then is archived, once
    slack.ask("settings rooms archive on", user=boss)
    slack.ask("won 42", user="U_ANA")
    run_workers(slack)
    assert len(room_posts(slack, channel_id)) == 1 + 4 + 1
    assert len(slack.fake.calls_to("conversations.archive")) == 1
    assert slack.fake.created[channel_id]["is_archived"] is True
    with slack.sessions() as session:
        room = session.scalar(select(DealRoom).where(DealRoom.team_id == slack.team_id))
        assert room.archived_at is not None
        assert session.scalar(select(ProcessedEvent).where(ProcessedEvent.consumer == f"archive:{channel_id}"))


def test_only_who_may_change_the_deal_opens_its_room_and_rooms_stay_in_their_workspace(slack):
    number = make_deal(slack.sessions, slack.actor(), assignee="U_REP")
    reply = slack.ask(f"room {number}", user="U_OTHER")
    assert "only they or a manager" in reply["text"]
    assert slack.fake.calls_to("conversations.create") == []
    other_team = slack.ask("room 999", user="U_REP")
    assert "#999" in other_team["text"] or "999" in other_team["text"]
    assert slack.fake.calls_to("conversations.create") == []
