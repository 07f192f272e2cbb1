"""Each actor effect against FakeSlack, on Dramatiq's StubBroker: notifications, filters, cards, DMs, once only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integration.helpers import make_customer, make_deal
from integration.workers_support import deliver_all, processed_count
from sqlalchemy import select

from oppbot.db.models import CardMessage, FxRate, OutboxEvent, ProcessedEvent
from oppbot.db.session import unit_of_work
from oppbot.domain.stages import Stage
from oppbot.services import notifications, opportunities
from workers.actors import QUEUE
from workers.relay import event_message

CHANNEL = "C_SALES"


def deliver(sessions, broker) -> None:
    """Relay everything in the outbox, then wait until the workers have handled it."""
    deliver_all(sessions, broker)


def subscribe(sessions, manager, channel=CHANNEL, stages=(), minimum=None, currency=None):
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, channel, stages, minimum, currency)


def posts(fake_slack, channel=CHANNEL):
    return [c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == channel]


def test_a_new_deal_is_announced_once_in_a_subscribed_channel_with_its_title_escaped(
    sessions, stub, fake_slack, rep, manager
):
    subscribe(sessions, manager)
    make_deal(sessions, rep, title="<!channel> Big & bold", value="1200")
    deliver(sessions, stub)

    (call,) = posts(fake_slack)
    text = str(call.args["blocks"])
    assert "&lt;!channel&gt; Big &amp; bold" in text and "<!channel>" not in text
    assert "#1" in call.args["text"]
    assert processed_count(sessions) == 1
    fake_slack.assert_clean()


def test_an_event_delivered_twice_posts_once(sessions, stub, fake_slack, rep, manager):
    subscribe(sessions, manager)
    make_deal(sessions, rep)
    deliver(sessions, stub)
    with sessions() as session:
        event_id = session.scalars(select(OutboxEvent.event_id)).one()
    stub.enqueue(event_message(event_id))
    stub.enqueue(event_message(event_id))
    stub.join(QUEUE, timeout=10_000)

    assert len(posts(fake_slack)) == 1
    assert processed_count(sessions) == 1


def test_a_channel_hears_only_moves_into_the_stages_it_chose(sessions, stub, fake_slack, rep, manager):
    subscribe(sessions, manager, stages=[Stage.PROPOSAL, Stage.CLOSED_WON])
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        opportunities.move(session, rep, number, Stage.QUALIFICATION)
    with unit_of_work(sessions) as session:
        opportunities.move(session, rep, number, Stage.PROPOSAL)
    with unit_of_work(sessions) as session:
        opportunities.close_won(session, rep, number)
    deliver(sessions, stub)

    texts = sorted(c.args["text"] for c in posts(fake_slack))
    assert len(texts) == 2
    assert any("Qualification → Proposal" in t for t in texts)
    assert any("won" in t for t in texts)


def test_a_minimum_value_filters_deals_in_its_currency_and_converts_others_by_rate(
    sessions, stub, fake_slack, rep, manager
):
    subscribe(sessions, manager, minimum="10000", currency="USD")
    with unit_of_work(sessions) as session:
        session.add(
            FxRate(
                team_id=rep.team_id, base="USD", currency="EUR", rate=Decimal("1.10"), effective_date=date(2020, 1, 1)
            )
        )
    customer = make_customer(sessions, rep)
    make_deal(sessions, rep, customer, title="Small USD", value="9999.99", currency="USD")
    make_deal(sessions, rep, customer, title="Big USD", value="10000", currency="USD")
    make_deal(sessions, rep, customer, title="Small EUR", value="9000", currency="EUR")  # 9,900 USD
    make_deal(sessions, rep, customer, title="Big EUR", value="9500", currency="EUR")  # 10,450 USD
    make_deal(sessions, rep, customer, title="Unconvertible NOK", value="5", currency="NOK")
    deliver(sessions, stub)

    announced = {
        title
        for c in posts(fake_slack)
        for title in ("Small USD", "Big USD", "Small EUR", "Big EUR", "Unconvertible NOK")
        if title in str(c.args["blocks"])
    }
    # A deal we can't convert is shown rather than silently dropped (documented in services.notifications).
    assert announced == {"Big USD", "Big EUR", "Unconvertible NOK"}


def test_every_posted_card_of_a_deal_is_refreshed_after_a_change(sessions, stub, fake_slack, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        opp_id = opportunities.repo.get_opportunity(session, rep.team_id, number).id
        session.add_all(
            [
                CardMessage(team_id=rep.team_id, opportunity_id=opp_id, channel_id="C1", ts="100.1"),
                CardMessage(team_id=rep.team_id, opportunity_id=opp_id, channel_id="C2", ts="200.2"),
            ]
        )
    deliver(sessions, stub)
    fake_slack.reset()
    with unit_of_work(sessions) as session:
        opportunities.move(session, rep, number, Stage.NEGOTIATION)
    deliver(sessions, stub)

    updates = fake_slack.calls_to("chat.update")
    assert sorted((c.args["channel"], c.args["ts"]) for c in updates) == [("C1", "100.1"), ("C2", "200.2")]
    assert all("Negotiation" in str(c.args["blocks"]) for c in updates)
    fake_slack.assert_clean()


def test_a_card_whose_message_was_deleted_is_forgotten_not_retried_forever(sessions, stub, fake_slack, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        opp_id = opportunities.repo.get_opportunity(session, rep.team_id, number).id
        session.add(CardMessage(team_id=rep.team_id, opportunity_id=opp_id, channel_id="C1", ts="1.1"))
    fake_slack.on("chat.update", lambda call: {"ok": False, "error": "message_not_found"})
    with unit_of_work(sessions) as session:
        opportunities.move(session, rep, number, Stage.PROPOSAL)
    deliver(sessions, stub)

    with sessions() as session:
        assert session.scalars(select(CardMessage)).all() == []
    assert processed_count(sessions) == 2


def test_an_assignee_gets_a_direct_message_and_the_channel_hears_of_the_reassignment(
    sessions, stub, fake_slack, rep, other_rep, manager
):
    subscribe(sessions, manager)
    number = make_deal(sessions, rep, assignee=rep.user_id)
    deliver(sessions, stub)
    fake_slack.reset()
    with unit_of_work(sessions) as session:
        opportunities.assign(session, manager, number, other_rep.user_id)
    deliver(sessions, stub)

    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.args["users"] == other_rep.user_id
    (dm,) = posts(fake_slack, channel="D" + other_rep.user_id)
    assert "assigned you" in str(dm.args["blocks"])
    (note,) = posts(fake_slack)
    assert f"<@{rep.user_id}> → <@{other_rep.user_id}>" in str(note.args["blocks"])


def test_assigning_a_deal_to_yourself_sends_no_direct_message(sessions, stub, fake_slack, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        opportunities.claim(session, rep, number)
    deliver(sessions, stub)

    assert fake_slack.calls_to("conversations.open") == []


def test_a_lost_deal_notification_names_the_reason(sessions, stub, fake_slack, rep, manager):
    subscribe(sessions, manager, stages=[Stage.CLOSED_LOST])
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        reason = opportunities.workspaces.load_rules(session, rep.team_id).loss_reasons[0]
        opportunities.close_lost(session, rep, number, reason)
    deliver(sessions, stub)

    (call,) = posts(fake_slack)
    assert "Deal lost" in call.args["text"] and reason in str(call.args["blocks"])


def test_effects_are_recorded_per_consumer_with_the_slack_result(sessions, stub, fake_slack, rep, manager):
    subscribe(sessions, manager)
    make_deal(sessions, rep)
    deliver(sessions, stub)

    with sessions() as session:
        row = session.scalars(select(ProcessedEvent).where(ProcessedEvent.consumer == f"notify:{CHANNEL}")).one()
    assert row.result["state"] == "done" and row.result["ts"]


def test_the_new_assignee_and_the_previous_one_get_their_app_home_republished(
    sessions, stub, fake_slack, rep, other_rep, manager
):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    deliver(sessions, stub)
    fake_slack.reset()
    with unit_of_work(sessions) as session:
        opportunities.assign(session, manager, number, other_rep.user_id)
    deliver(sessions, stub)

    published = sorted(c.args["user_id"] for c in fake_slack.calls_to("views.publish"))
    assert published == sorted([rep.user_id, other_rep.user_id])
    assert fake_slack.home_views[other_rep.user_id]["type"] == "home"
    fake_slack.assert_clean()


def test_the_refreshed_card_shows_who_changed_what_in_its_activity(sessions, stub, fake_slack, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as session:
        opp_id = opportunities.repo.get_opportunity(session, rep.team_id, number).id
        session.add(CardMessage(team_id=rep.team_id, opportunity_id=opp_id, channel_id="C1", ts="1.1"))
    with unit_of_work(sessions) as session:
        opportunities.move(session, rep, number, Stage.PROPOSAL)
    deliver(sessions, stub)

    card = str(fake_slack.messages[("C1", "1.1")]["blocks"])
    assert "Activity" in card and f"<@{rep.user_id}>" in card
