"""/opp digest, /opp alerts and /opp settings through Bolt and the fake Slack."""

from __future__ import annotations

import pytest
from fakeslack.server import FakeSlack
from fakeslack.signing import sign, slash_command_body
from slack_bolt.request import BoltRequest
from sqlalchemy import select

from oppbot.config import get_settings
from oppbot.db.models import ScheduleSubscription
from oppbot.db.session import unit_of_work
from oppbot.slack.app import build_app

SECRET = "test-signing-secret"


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        fake.users["U_BOSS"] = {"is_admin": True}
        yield fake
    assert not fake.violations, fake.violations


@pytest.fixture
def app(sessions, slack, monkeypatch):
    monkeypatch.delenv("SLACK_CLIENT_ID", raising=False)
    monkeypatch.delenv("SLACK_CLIENT_SECRET", raising=False)
    settings = get_settings(
        SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.base_url, DATABASE_URL="sqlite://"
    )
    return build_app(settings, sessions=sessions)


def opp(app, slack, text: str, user: str = "U_BOSS", channel: str = "C_SALES") -> str:
    url = slack.response_url()
    body = slash_command_body(text, user_id=user, channel_id=channel, response_url=url)
    response = app.dispatch(
        BoltRequest(
            body=body.decode(), headers={"content-type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        )
    )
    assert response.status == 200
    return slack.wait_for_responses(key=url)[0].body["text"]


def test_a_manager_subscribes_a_channel_to_the_digest_and_everyone_can_see_it(app, slack, sessions):
    reply = opp(app, slack, "digest here weekly fri 16:30 tz Europe/Oslo")
    assert "every Friday at 16:30 (Europe/Oslo)" in reply
    assert "every Friday at 16:30" in opp(app, slack, "digest show", user="U_REP")
    with unit_of_work(sessions) as session:
        sub = session.scalars(select(ScheduleSubscription)).one()
    assert (sub.kind, sub.weekday, sub.time_of_day, sub.timezone) == ("digest", 4, "16:30", "Europe/Oslo")
    assert "no longer" in opp(app, slack, "digest off")
    assert "gets no digest" in opp(app, slack, "digest show")


def test_members_cannot_change_subscriptions_or_settings(app, slack, sessions):
    assert "Only managers" in opp(app, slack, "digest here", user="U_REP")
    assert "Only managers" in opp(app, slack, "alerts here", user="U_REP")
    assert "Only managers" in opp(app, slack, "settings tz Europe/Oslo", user="U_REP")
    with unit_of_work(sessions) as session:
        assert session.scalars(select(ScheduleSubscription)).all() == []


def test_bad_options_get_a_helpful_reply(app, slack):
    assert "not a time of day" in opp(app, slack, "digest here weekly mon 25:00")
    assert "not a time zone" in opp(app, slack, "alerts here tz Mars/Olympus")
    assert "Example" in opp(app, slack, "digest here biweekly")


def test_digest_now_posts_this_channels_digest_at_once(app, slack):
    # A manager's: a member's is a private preview (may_post_in_channel, tests/slack/test_front_door_rules.py).
    body = slash_command_body("digest now", user_id="U_BOSS", channel_id="C_SALES", response_url=slack.response_url())
    app.dispatch(
        BoltRequest(
            body=body.decode(), headers={"content-type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        )
    )
    posted = slack.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == "C_SALES")
    assert "digest" in posted[0].args["text"].lower()
