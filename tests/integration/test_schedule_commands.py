"""/opp digest, /opp alerts and /opp settings through Bolt and the fake Slack."""

from __future__ import annotations

import pytest
from fakeslack.signing import SIGNING_SECRET, sign, slash_command_body
from slack_bolt.request import BoltRequest
from sqlalchemy import select

from oppbot.db.models import ScheduleSubscription
from oppbot.db.session import unit_of_work

SECRET = SIGNING_SECRET  # what the shared `app` fixture verifies


@pytest.fixture(autouse=True)
def boss_is_admin(fake_slack):
    fake_slack.users["U_BOSS"] = {"is_admin": True}


def opp(app, fake_slack, text: str, user: str = "U_BOSS", channel: str = "C_SALES") -> str:
    url = fake_slack.response_url()
    body = slash_command_body(text, user_id=user, channel_id=channel, response_url=url)
    response = app.dispatch(
        BoltRequest(
            body=body.decode(), headers={"content-type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        )
    )
    assert response.status == 200
    return fake_slack.wait_for_responses(key=url)[0].body["text"]


def test_a_manager_subscribes_a_channel_to_the_digest_and_everyone_can_see_it(app, fake_slack, sessions):
    reply = opp(app, fake_slack, "digest here weekly fri 16:30 tz Europe/Oslo")
    assert "every Friday at 16:30 (Europe/Oslo)" in reply
    assert "every Friday at 16:30" in opp(app, fake_slack, "digest show", user="U_REP")
    with unit_of_work(sessions) as session:
        sub = session.scalars(select(ScheduleSubscription)).one()
    assert (sub.kind, sub.weekday, sub.time_of_day, sub.timezone) == ("digest", 4, "16:30", "Europe/Oslo")
    assert "no longer" in opp(app, fake_slack, "digest off")
    assert "gets no digest" in opp(app, fake_slack, "digest show")


def test_members_cannot_change_subscriptions_or_settings(app, fake_slack, sessions):
    assert "Only managers" in opp(app, fake_slack, "digest here", user="U_REP")
    assert "Only managers" in opp(app, fake_slack, "alerts here", user="U_REP")
    assert "Only managers" in opp(app, fake_slack, "settings tz Europe/Oslo", user="U_REP")
    with unit_of_work(sessions) as session:
        assert session.scalars(select(ScheduleSubscription)).all() == []


def test_bad_options_get_a_helpful_reply(app, fake_slack):
    assert "not a time of day" in opp(app, fake_slack, "digest here weekly mon 25:00")
    assert "not a time zone" in opp(app, fake_slack, "alerts here tz Mars/Olympus")
    assert "Example" in opp(app, fake_slack, "digest here biweekly")


def test_digest_now_posts_this_channels_digest_at_once(app, fake_slack):
    # A manager's: a member's is a private preview (may_post_in_channel, tests/slack/test_front_door_rules.py).
    body = slash_command_body(
        "digest now", user_id="U_BOSS", channel_id="C_SALES", response_url=fake_slack.response_url()
    )
    app.dispatch(
        BoltRequest(
            body=body.decode(), headers={"content-type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        )
    )
    posted = fake_slack.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == "C_SALES")
    assert "digest" in posted[0].args["text"].lower()
