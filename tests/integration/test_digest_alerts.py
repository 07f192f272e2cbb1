"""Digest figures against an independent computation; alerts de-duplicated, snoozed, and their buttons end to end."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from fakeslack.signing import SIGNING_SECRET, interactive_body, new_trigger_id, sign
from integration.helpers import make_customer, make_deal
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import select, update

from oppbot.db.models import Activity, AlertState, Opportunity, ScheduleSubscription
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import PermissionDenied
from oppbot.services import alerts, fx, opportunities, schedules
from oppbot.services.digests import build_digest
from oppbot.services.workspaces import ensure_workspace
from oppbot.slack.blocks.digest import build_digest_message
from oppbot.slack.ids import Action, Block, Callback, input_action
from workers.scheduled import deliver_alerts

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ALERTS_CHANNEL = "C_ALERTS"
SECRET = SIGNING_SECRET  # what the shared `app` fixture verifies


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def set_deal(sessions, number: int, **values) -> None:
    with unit_of_work(sessions) as session:
        session.execute(update(Opportunity).where(Opportunity.number == number).values(**values))


@pytest.fixture
def workspace(sessions, manager):
    with unit_of_work(sessions) as session:
        ensure_workspace(session, manager.team_id, default_currency="USD")
    return manager.team_id


# --- digest figures --------------------------------------------------------------------------------------------------


def test_digest_figures_match_an_independent_computation_in_several_currencies(sessions, workspace, rep, manager):
    with unit_of_work(sessions) as session:
        fx.set_rate(session, manager, "EUR", "1.05", date(2026, 10, 1), today=NOW.date())
        fx.set_rate(session, manager, "EUR", "1.10", date(2026, 11, 15), today=NOW.date())
        fx.set_rate(session, manager, "NOK", "0.095", date(2026, 11, 1), today=NOW.date())
    customer = make_customer(sessions, rep)
    # (value, currency, stage, expected close)
    seeds = [
        ("10000", "USD", "proposal", date(2026, 11, 28)),
        ("5000", "EUR", "negotiation", date(2026, 11, 30)),
        ("100000", "NOK", "lead", date(2026, 12, 10)),
        ("7777.77", "EUR", "qualification", date(2026, 12, 31)),
        ("123", "JPY", "proposal", date(2026, 11, 26)),  # no rate: listed apart, never summed raw
        ("999", "USD", "lead", date(2027, 1, 5)),  # next quarter
    ]
    numbers = [
        make_deal(
            sessions,
            rep,
            customer,
            title=f"<!channel> deal {i} & co",
            value=v,
            currency=c,
            stage=s,
            expected_close=d,
            assignee=rep.user_id,
        )
        for i, (v, c, s, d) in enumerate(seeds)
    ]
    won = make_deal(
        sessions,
        rep,
        customer,
        title="Won one",
        value="2000",
        currency="EUR",
        stage="negotiation",
        assignee=rep.user_id,
    )
    with unit_of_work(sessions) as session:
        opportunities.close_won(session, rep, won)
    set_deal(sessions, won, closed_at=datetime(2026, 11, 10, 12, tzinfo=UTC))  # EUR at 1.05 on its close date
    with unit_of_work(sessions) as session:
        session.execute(update(Activity).values(created_at=NOW - timedelta(days=2)))

    rates = {"USD": Decimal(1), "EUR": Decimal("1.10"), "NOK": Decimal("0.095")}
    probability = {"lead": 15, "qualification": 30, "proposal": 50, "negotiation": 75}

    def expected_weighted(start: date, end: date) -> Decimal:
        total = sum(
            (Decimal(v) * rates[c] * probability[s] / 100 for v, c, s, d in seeds if c in rates and start <= d <= end),
            Decimal(0),
        )
        return cents(total)

    with unit_of_work(sessions) as session:
        digest = build_digest(session, workspace, NOW, since=NOW - timedelta(days=7))
    month, quarter = digest.forecasts
    assert month.open.weighted == expected_weighted(date(2026, 11, 1), date(2026, 11, 30)) == Decimal("9125.00")
    assert quarter.open.weighted == expected_weighted(date(2026, 10, 1), date(2026, 12, 31))
    assert month.won.value == quarter.won.value == cents(Decimal("2000") * Decimal("1.05"))
    assert month.missing_total == 1  # the JPY deal
    assert digest.changes.counts == {"created": 7, "won": 1}
    # Biggest first in USD: 10,000 USD, then 100,000 NOK (9,500), then 5,000 EUR (5,500); JPY, unconvertible, last.
    assert [line.number for line in digest.closing_soon] == [numbers[0], numbers[2], numbers[1], numbers[4]]

    message = build_digest_message(digest)
    text = json.dumps(message)
    assert "<!channel>" not in text and "&lt;!channel&gt; deal 0 &amp; co" in text
    assert "USD 9,125.00" in text and "1 EUR = 1.1 USD" in text
    assert len(message["blocks"]) <= 50


def test_changes_since_the_last_digest_leave_out_what_came_before_it(sessions, workspace, rep):
    old = make_deal(sessions, rep, title="Old news")
    new = make_deal(sessions, rep, title="Fresh")
    with unit_of_work(sessions) as session:
        opp_ids = dict(session.execute(select(Opportunity.number, Opportunity.id)).all())
        session.execute(
            update(Activity).where(Activity.opportunity_id == opp_ids[old]).values(created_at=NOW - timedelta(days=10))
        )
        session.execute(
            update(Activity).where(Activity.opportunity_id == opp_ids[new]).values(created_at=NOW - timedelta(days=1))
        )
    with unit_of_work(sessions) as session:
        digest = build_digest(session, workspace, NOW, since=NOW - timedelta(days=7))
    assert [line.title for line in digest.changes.lines["created"]] == ["Fresh"]


# --- alerts ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def alert_deals(sessions, workspace, rep, other_rep, manager):
    """A stale assigned lead, a stale unassigned proposal, an overdue deal of other_rep's; alerts subscribed."""
    stale_lead = make_deal(sessions, rep, title="Quiet lead", stage="lead", assignee=rep.user_id)
    stale_free = make_deal(sessions, rep, title="Nobody's <b>", stage="proposal")
    overdue = make_deal(
        sessions,
        other_rep,
        title="Late one",
        stage="negotiation",
        assignee=other_rep.user_id,
        expected_close=date(2026, 11, 20),
    )
    set_deal(sessions, stale_lead, last_activity_at=NOW - timedelta(days=20))
    set_deal(sessions, stale_free, last_activity_at=NOW - timedelta(days=10))
    set_deal(sessions, overdue, last_activity_at=NOW - timedelta(days=1))
    with unit_of_work(sessions) as session:
        view = schedules.subscribe(session, manager, ALERTS_CHANNEL, schedules.ALERTS, time_of_day="08:00")
        session.get(ScheduleSubscription, view.id).created_at = NOW - timedelta(days=30)
    return {"sub": view.id, "stale_lead": stale_lead, "stale_free": stale_free, "overdue": overdue}


def run_alerts(sessions, fake_slack, sub_id, now) -> int:
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    return deliver_alerts(sessions, client, sub_id, now.date().isoformat(), now=now)


def dms(fake_slack, user_id):
    return [c.args for c in fake_slack.calls_to("chat.postMessage") if c.args.get("channel") == "D" + user_id]


def test_alerts_go_to_the_channel_and_each_assignee_once_per_state(sessions, fake_slack, alert_deals, rep, other_rep):
    assert run_alerts(sessions, fake_slack, alert_deals["sub"], NOW) == 3
    summary = [c.args for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == ALERTS_CHANNEL]
    assert len(summary) == 1
    text = json.dumps(summary[0]["blocks"])
    assert "Nobody's &lt;b&gt;" in text and Action.ALERT_CLAIM.value in text
    rep_dm, other_dm = dms(fake_slack, rep.user_id), dms(fake_slack, other_rep.user_id)
    assert len(rep_dm) == 1 and len(other_dm) == 1
    actions = [e["action_id"] for b in rep_dm[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [Action.ALERT_SNOOZE, Action.ALERT_CLOSE_DATE, Action.ALERT_LOST]

    # Next day: nothing changed, nothing re-alerted, nothing posted.
    assert run_alerts(sessions, fake_slack, alert_deals["sub"], NOW + timedelta(days=1)) == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 3

    # The overdue deal gets a new (still past) close date: its state changed, so it is alerted again, alone.
    with unit_of_work(sessions) as session:
        alerts.set_expected_close(session, other_rep, alert_deals["overdue"], date(2026, 11, 22))
    assert run_alerts(sessions, fake_slack, alert_deals["sub"], NOW + timedelta(days=2)) == 1
    assert len(dms(fake_slack, other_rep.user_id)) == 2 and len(dms(fake_slack, rep.user_id)) == 1


def test_a_snoozed_deal_comes_back_only_when_the_snooze_ends(sessions, fake_slack, alert_deals, rep, other_rep):
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as session:
        alerts.snooze(session, other_rep, alert_deals["stale_lead"], now=NOW)
    with unit_of_work(sessions) as session:
        alerts.snooze(session, rep, alert_deals["stale_lead"], now=NOW)
    # rep's only alerted deal is the snoozed lead: no DM for them until the snooze ends, then exactly one.
    for day in (0, 3, 6):
        run_alerts(sessions, fake_slack, alert_deals["sub"], NOW + timedelta(days=day))
        assert dms(fake_slack, rep.user_id) == []
    run_alerts(sessions, fake_slack, alert_deals["sub"], NOW + timedelta(days=8))
    assert len(dms(fake_slack, rep.user_id)) == 1
    run_alerts(sessions, fake_slack, alert_deals["sub"], NOW + timedelta(days=9))
    assert len(dms(fake_slack, rep.user_id)) == 1


def test_a_second_alerts_channel_gets_its_own_summary_while_assignees_are_told_once(
    sessions, fake_slack, alert_deals, manager, rep, other_rep
):
    with unit_of_work(sessions) as session:
        second = schedules.subscribe(session, manager, "CALERTS2", schedules.ALERTS, time_of_day="08:00")
        session.get(ScheduleSubscription, second.id).created_at = NOW - timedelta(days=30)

    assert run_alerts(sessions, fake_slack, alert_deals["sub"], NOW) == 3
    assert run_alerts(sessions, fake_slack, second.id, NOW) == 3
    for channel in (ALERTS_CHANNEL, "CALERTS2"):
        assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == channel]) == 1
    assert len(dms(fake_slack, rep.user_id)) == 1 and len(dms(fake_slack, other_rep.user_id)) == 1

    # A snooze is the deal's, not a channel's: neither channel hears of the snoozed lead again while it lasts.
    with unit_of_work(sessions) as session:
        alerts.snooze(session, rep, alert_deals["stale_lead"], now=NOW)
        assert all(
            item.number != alert_deals["stale_lead"]
            for channel in (ALERTS_CHANNEL, "CALERTS2", "CNEW")
            for item in alerts.pending_alerts(session, manager.team_id, NOW + timedelta(days=1), channel)
        )


# --- buttons, through Bolt and the fake Slack ------------------------------------------------------------------------


def click(app, fake_slack, user_id: str, action: Action, number: int, channel: str = "DX") -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "trigger_id": new_trigger_id(),
        "channel": {"id": channel},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": channel},
        "response_url": fake_slack.response_url(),
        "actions": [
            {
                "action_id": action.value,
                "block_id": f"alert_{number}",
                "type": "button",
                "value": str(number),
                "action_ts": "1.2",
            }
        ],
    }
    body = interactive_body(payload)
    response = app.dispatch(
        BoltRequest(
            body=body.decode(), headers={"content-type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        )
    )
    assert response.status == 200
    return payload["response_url"]


def submit_close_date(app, user_id: str, view: dict, picked: str | None) -> dict:
    payload = {
        "type": "view_submission",
        "user": {"id": user_id, "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "trigger_id": new_trigger_id(),
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {
                    Block.EXPECTED_CLOSE.value: {
                        input_action(Block.EXPECTED_CLOSE): {"type": "datepicker", "selected_date": picked}
                    }
                }
            },
        },
    }
    body = interactive_body(payload)
    response = app.dispatch(
        BoltRequest(
            body=body.decode(), headers={"content-type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        )
    )
    assert response.status == 200
    return json.loads(response.body) if response.body else {}


def test_the_snooze_button_snoozes_for_the_assignee_and_refuses_others(
    app, fake_slack, sessions, alert_deals, other_rep, rep
):
    url = click(app, fake_slack, other_rep.user_id, Action.ALERT_SNOOZE, alert_deals["stale_lead"])
    assert "or a manager" in fake_slack.wait_for_responses(key=url)[0].body["text"]
    url = click(app, fake_slack, rep.user_id, Action.ALERT_SNOOZE, alert_deals["stale_lead"])
    assert "snoozed until" in fake_slack.wait_for_responses(key=url)[0].body["text"]
    with unit_of_work(sessions) as session:
        states = session.scalars(select(AlertState)).all()
    assert {s.kind for s in states} == {"stale", "overdue"} and all(s.snoozed_until for s in states)


def test_update_close_date_opens_a_datepicker_and_saves_with_its_activity(
    app, fake_slack, sessions, alert_deals, other_rep, rep
):
    number = alert_deals["overdue"]
    click(app, fake_slack, other_rep.user_id, Action.ALERT_CLOSE_DATE, number)
    view = fake_slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == Callback.ALERT_CLOSE_DATE
    # Someone who may not edit the deal gets the refusal inline, on the date field.
    refused = submit_close_date(app, rep.user_id, view, "2026-12-15")
    assert refused["response_action"] == "errors" and Block.EXPECTED_CLOSE.value in refused["errors"]
    assert submit_close_date(app, other_rep.user_id, view, "2026-12-15") == {}
    with unit_of_work(sessions) as session:
        opp = session.scalar(select(Opportunity).where(Opportunity.number == number))
        activity = session.scalars(
            select(Activity).where(Activity.opportunity_id == opp.id).order_by(Activity.id.desc())
        ).first()
    assert opp.expected_close == date(2026, 12, 15)
    assert activity.changes == [{"field": "expected_close", "before": "2026-11-20", "after": "2026-12-15"}]


def test_mark_lost_opens_the_loss_reason_modal(app, fake_slack, alert_deals, rep):
    click(app, fake_slack, rep.user_id, Action.ALERT_LOST, alert_deals["stale_lead"])
    opened = fake_slack.wait_for("views.open")[0].args["view"]
    assert opened["callback_id"] == Callback.LOSS_REASON
    updated = fake_slack.wait_for("views.update")[0].args["view"]
    assert Block.LOSS_REASON.value in json.dumps(updated)


def test_the_claim_button_gives_an_unassigned_stale_deal_to_whoever_clicks(
    app, fake_slack, sessions, alert_deals, rep, other_rep
):
    url = click(app, fake_slack, other_rep.user_id, Action.ALERT_CLAIM, alert_deals["stale_free"], ALERTS_CHANNEL)
    assert "claimed" in fake_slack.wait_for_responses(key=url)[0].body["text"]
    url = click(app, fake_slack, rep.user_id, Action.ALERT_CLAIM, alert_deals["stale_free"], ALERTS_CHANNEL)
    assert "already assigned" in fake_slack.wait_for_responses(key=url)[0].body["text"]
    with unit_of_work(sessions) as session:
        opp = session.scalar(select(Opportunity).where(Opportunity.number == alert_deals["stale_free"]))
    assert opp.assignee_id == other_rep.user_id
