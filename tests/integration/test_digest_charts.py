"""The scheduled weekly digest carries its two charts, and a chart that can't be drawn never blocks the digest."""

from __future__ import annotations

from datetime import UTC, datetime

from integration.helpers import make_deal
from slack_sdk import WebClient
from sqlalchemy import select

from oppbot import charts
from oppbot.db.models import ScheduledSend
from oppbot.db.session import unit_of_work
from oppbot.services import schedules
from oppbot.services.workspaces import ensure_workspace
from workers.scheduled import deliver_digest

CHANNEL = "C_DIGEST"
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def subscription(sessions, manager) -> int:
    with unit_of_work(sessions) as session:
        ensure_workspace(session, manager.team_id, default_currency="USD")
        return schedules.subscribe(session, manager, CHANNEL, schedules.DIGEST).id


def test_the_scheduled_digest_posts_its_text_then_a_funnel_and_forecast_vs_actual(sessions, manager, fake_slack):
    make_deal(sessions, manager, value="40000", stage="prop")
    sub = subscription(sessions, manager)
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    assert deliver_digest(sessions, client, sub, "2026-W50", now=MONDAY)
    files = fake_slack.shared_files(CHANNEL)
    assert sorted(f["name"] for f in files) == ["forecast-vs-actual.png", "pipeline-funnel.png"]
    for file in files:
        png = file["png"]
        assert png["width"] >= 600 and png["height"] >= 400 and png["bytes"] < 1_000_000 and png["colours"] > 1
    assert not deliver_digest(sessions, client, sub, "2026-W50", now=MONDAY)  # once per period, charts included
    assert len(fake_slack.shared_files(CHANNEL)) == 2


def test_a_chart_that_cannot_be_drawn_leaves_the_digest_posted_and_its_period_done(
    sessions, manager, fake_slack, monkeypatch
):
    def broken(*args, **kwargs):
        raise charts.ChartError("no fonts on this machine")

    monkeypatch.setattr(charts, "funnel_png", broken)
    make_deal(sessions, manager, value="40000")
    sub = subscription(sessions, manager)
    client = WebClient(token="xoxb-test", base_url=fake_slack.base_url)
    assert deliver_digest(sessions, client, sub, "2026-W50", now=MONDAY)
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == [CHANNEL]
    assert fake_slack.shared_files() == []
    with unit_of_work(sessions) as session:
        assert session.scalars(select(ScheduledSend.sent_at)).one() is not None
