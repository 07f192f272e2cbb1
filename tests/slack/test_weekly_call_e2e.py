"""A manager's weekly call through `oppbot serve`: forecast by category, quota attainment, what changed since the
last weekly digest and why, an adjustment, accuracy. Every answer is checked against figures worked out by hand
from the deals below, and the digest shows the same numbers as the commands."""

from __future__ import annotations

import json
from datetime import timedelta

from integration.helpers import make_customer, make_deal
from slack_sdk import WebClient
from sqlalchemy import select

from oppbot.db.base import utcnow
from oppbot.db.models import Opportunity, ScheduleSubscription
from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerKind, CustomerRef, Draft
from oppbot.domain.periods import quarter_of
from oppbot.services import opportunities
from oppbot.services.forecast import take_snapshot
from workers.scheduled import deliver_digest

REP, ANA, BOSS = "U_REP", "U_ANA", "U_BOSS"


def text_of(reply: dict) -> str:
    return json.dumps(reply.get("blocks") or reply.get("text"), ensure_ascii=False)


def section_with(message: dict, heading: str) -> str:
    """The text of the first section whose text contains `heading` (the same builder in command and digest)."""
    for block in message["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if heading in text:
            return text
    raise AssertionError(f"no section with {heading!r} in {json.dumps(message)[:2000]}")


def test_a_managers_weekly_call(slack):
    slack.make_manager(BOSS)
    today = utcnow().date()  # the workspace keeps UTC
    quarter = quarter_of(today)
    close = max(today, quarter.end - timedelta(days=5))  # late in this quarter, never overdue
    customer = make_customer(slack.sessions, slack.actor(), "Acme")
    slack.ask("fx set EUR 1.10", user=BOSS)

    def deal(who, value, stage, currency="USD", when=close):
        return make_deal(
            slack.sessions,
            slack.actor(BOSS, is_manager=True),
            customer,
            value=str(value),
            currency=currency,
            stage=stage,
            assignee=who,
            expected_close=when.isoformat(),
        )

    deal(REP, 10000, "negotiation")  # Commit by its stage
    deal(REP, 20000, "proposal", "EUR")  # Best case, USD 22,000
    d3 = deal(REP, 5000, "lead")  # Pipeline, the rep will commit it
    d4 = deal(ANA, 30000, "qualification")  # Pipeline, moves forward to Best case
    d5 = deal(ANA, 8000, "negotiation")  # will be won
    d6 = deal(REP, 4000, "proposal")  # the rep will omit it
    d8 = deal(ANA, 12000, "proposal")  # will slip into next quarter

    # Last week's digest: posted by the scheduler's delivery, which takes the snapshot "what changed" starts from.
    slack.ask("digest here", user=BOSS)
    with slack.sessions() as session:
        sub_id = session.scalar(select(ScheduleSubscription.id).where(ScheduleSubscription.team_id == slack.team_id))
    client = WebClient(token="xoxb-test", base_url=slack.fake.base_url)
    assert deliver_digest(slack.sessions, client, sub_id, "last-week", utcnow())

    # The week: reps change their deals.
    assert "Commit" in slack.ask(f"category {d3} commit", user=REP)["text"]
    assert "Omitted" in slack.ask(f"category {d6} omit", user=REP)["text"]
    slack.ask(f"won {d5}", user=ANA)
    slack.ask(f"move {d4} prop", user=ANA)
    d7 = deal(REP, 7000, "lead")  # new this week
    with unit_of_work(slack.sessions) as session:
        opp = session.scalar(select(Opportunity).where(Opportunity.team_id == slack.team_id, Opportunity.number == d8))
        draft = Draft(
            title=opp.title,
            customer=CustomerRef(CustomerKind.ORGANIZATION, opp.organization_id),
            value="12000",
            stage="proposal",
            expected_close=(quarter.end + timedelta(days=20)).isoformat(),
            assignee=ANA,
        )
        opportunities.edit(session, slack.actor(ANA), d8, draft)

    # Quotas for the quarter: the rep's in USD, Ana's in EUR (USD 55,000 at 1.10), the team's.
    q = quarter.key
    assert "USD 100,000.00" in slack.ask(f"quota <@{REP}|rep> {q} 100000", user=BOSS)["text"]
    slack.ask(f"quota <@{ANA}|ana> {q} 50000 EUR", user=BOSS)
    slack.ask(f"quota team {q} 200000", user=BOSS)
    assert "only managers" in slack.ask(f"quota <@{REP}|rep> {q} 1", user=REP)["text"].lower()
    listed = text_of(slack.ask("quota"))
    assert "EUR 50,000.00" in listed and "USD 200,000.00" in listed

    # 1. Forecast by category, and per rep with quota attainment, coverage and gap.
    forecast = slack.ask(f"forecast {q}", user=BOSS)
    categories = section_with(forecast, "By forecast category")
    assert "*Pipeline* · 1 · USD 7,000.00 · weighted USD 1,050.00" in categories  # d7 at 15%
    assert "*Best case* · 2 · USD 52,000.00 · weighted USD 26,000.00" in categories  # d2 + d4 at 50%
    assert "*Commit* · 2 · USD 15,000.00 · weighted USD 8,250.00" in categories  # d1 75% + d3 15%
    assert "*Closed* · 1 · USD 8,000.00" in categories  # d5
    assert "*Omitted* · 1 · USD 4,000.00 · weighted USD 2,000.00" in categories  # d6
    assert "*Closed + Commit* · USD 23,000.00" in categories
    assert "*Closed + Commit + Best case* · USD 75,000.00" in categories
    reps = section_with(forecast, "Per rep")
    rep_line = next(line for line in reps.split("\n<@") if line.startswith(f"{REP}>"))
    assert "commit USD 15,000.00" in rep_line and "quota USD 100,000.00 · attainment 0%" in rep_line
    assert "coverage 0.44×" in rep_line and "gap USD 85,000.00" in rep_line  # 44,000 / 100,000; 100k - 15k
    ana_line = next(line for line in reps.split("\n<@") if line.startswith(f"{ANA}>"))
    assert "closed USD 8,000.00" in ana_line and "quota USD 55,000.00 · attainment 15%" in ana_line
    assert "coverage 0.64×" in ana_line and "gap USD 47,000.00" in ana_line  # 30,000 / 47,000
    total = reps.split("*Total*")[1]
    assert "quota USD 200,000.00 · attainment 4%" in total and "coverage 0.39×" in total  # 74,000 / 192,000
    assert "gap USD 177,000.00" in total

    # 2. What changed since last week's digest, and why.
    changes = slack.ask("changes", user=BOSS)
    waterfall = section_with(changes, "What changed")
    assert "*Start*" in waterfall and "7 deals · USD 91,000.00" in waterfall
    assert "New deals · 1 · +USD 7,000.00" in waterfall and f"#{d7}" in waterfall
    assert "Won · 1 · -USD 8,000.00" in waterfall and f"#{d5}" in waterfall
    assert "Slipped (close date pushed out) · 1 · -USD 12,000.00" in waterfall and f"#{d8}" in waterfall
    assert "Moved forward · 1 · +USD 0.00" in waterfall and f"#{d4}" in waterfall
    assert "*Now* · 6 deals · USD 78,000.00" in waterfall  # 91,000 - 8,000 + 7,000 - 12,000
    card = text_of(slack.ask(f"show {d8}", user=ANA))
    assert "pushed 1×" in card

    # 3. The manager's own number beside the rep's commit.
    adjusted = slack.ask(f'forecast adjust <@{REP}|rep> {q} 12000 "deal {d3} is a stretch"', user=BOSS)
    assert "USD 12,000.00" in adjusted["text"]
    assert "only managers" in slack.ask(f'forecast adjust <@{REP}|rep> {q} 99 "mine"', user=REP)["text"].lower()
    forecast = slack.ask(f"forecast {q}", user=BOSS)
    rep_line = next(line for line in section_with(forecast, "Per rep").split("\n<@") if line.startswith(f"{REP}>"))
    assert "C+C USD 15,000.00 · adjusted *USD 12,000.00*" in rep_line and f"deal {d3} is a stretch" in rep_line

    # 4. Accuracy: the quarter's start snapshot (the scheduler's) against what closed.
    with unit_of_work(slack.sessions) as session:
        take_snapshot(session, slack.team_id, quarter, "start", now=utcnow())
    accuracy = text_of(slack.ask(f"forecast accuracy {q}", user=BOSS))
    assert "*Closed + Commit*: bias +187.5%" in accuracy  # (23,000 - 8,000) / 8,000
    assert f"<@{ANA}>: bias 0.0%" in accuracy  # committed 8,000 (closed), won 8,000
    assert "*Adjusted*: bias +150.0%" in accuracy  # the rep's 12,000 + Ana's 8,000 against 8,000
    assert f"<@{REP}>: bias – · MAPE –" in accuracy and "not counted" in accuracy  # won nothing yet: apart

    # 5. The digest says what the commands said.
    slack.fake.reset()
    slack.command("digest now", user=BOSS)  # the digest itself is the answer
    (post,) = slack.fake.wait_for("chat.postMessage")
    digest = {"blocks": post.args["blocks"]}
    assert section_with(digest, "By forecast category") == section_with(forecast, "By forecast category")
    assert section_with(digest, "Per rep") == section_with(forecast, "Per rep")
    digest_lines = section_with(digest, "What changed").split("\n")[1:]
    assert digest_lines == waterfall.split("\n")[1:]
