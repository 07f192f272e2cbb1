"""/opp changes' waterfall over a generated pipeline: after a scripted week of changes made through the services,
each step equals what a plain-Python count of those changes says, start + steps = end, the end equals the forecast,
and the history rebuilt from the activity log gives the same waterfall as the weekly snapshot."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from integration.pipeline_gen import OPEN, PROB, TEAM, cents, load, major, rate_on
from sqlalchemy import select

from oppbot.db.base import utcnow
from oppbot.db.models import Opportunity
from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerKind, CustomerRef, Draft
from oppbot.domain.periods import quarter_of
from oppbot.domain.waterfall import STEPS, Step, waterfall
from oppbot.services import changes, fx, opportunities, workspaces
from oppbot.services.context import Actor
from oppbot.services.forecast import forecast

BOSS = Actor(TEAM, "U_BOSS", is_manager=True)


def _draft(opp: Opportunity, **changed) -> Draft:
    fields = dict(
        title=opp.title,
        customer=CustomerRef(CustomerKind.ORGANIZATION, opp.organization_id),
        value=str(opp.amount),
        currency=opp.currency,
        stage=opp.stage,
        probability=None,
        expected_close=opp.expected_close.isoformat() if opp.expected_close else None,
        assignee=opp.assignee_id,
    )
    fields.update(changed)
    return Draft(**fields)


@pytest.fixture
def week(sessions):
    deals = load(sessions, 600, seed=11)
    now0 = utcnow()
    with unit_of_work(sessions) as session:
        today = workspaces.load_rules(session, TEAM).today(now0)
        changes.take_weekly_snapshot(session, TEAM, now0)
    period = quarter_of(today)

    def v(d):
        return major(d) * rate_on(d["currency"], today)

    rated = [d for d in deals if d["currency"] != "SEK" and d["stage"] in OPEN and d["expected_close"]]
    inside = [d for d in rated if d["expected_close"] in period]
    later = [d for d in rated if d["expected_close"] > period.end]
    random.Random(3).shuffle(inside)
    won, lost, slipped, up, down = (inside[i * 8 : i * 8 + 8] for i in range(5))
    forward = [d for d in inside[40:] if d["stage"] == "lead"][:8]
    pulled = later[:8]
    lost_before = [
        d
        for d in deals
        if d["stage"] == "closed_lost"
        and d["currency"] != "SEK"
        and d["expected_close"]
        and d["expected_close"] in period
    ][:3]
    expected = {s: Decimal(0) for s in STEPS}
    expected_weighted = {s: Decimal(0) for s in STEPS}
    with unit_of_work(sessions) as s:
        for d in won:
            opportunities.close_won(s, BOSS, d["number"])
            expected[Step.WON] -= v(d)
        for d in lost:
            opportunities.close_lost(s, BOSS, d["number"], "Price")
            expected[Step.LOST] -= v(d)
        for d in slipped:
            opp = s.get(Opportunity, d["id"])
            opportunities.edit(s, BOSS, d["number"], _draft(opp, expected_close=(period.end + timedelta(days=9))))
            expected[Step.SLIPPED] -= v(d)
        for d in pulled:
            opp = s.get(Opportunity, d["id"])
            opportunities.edit(s, BOSS, d["number"], _draft(opp, expected_close=period.end.isoformat()))
            expected[Step.PULLED_IN] += v(d)
        for d, factor, step in [(d, 2, Step.VALUE_UP) for d in up] + [
            (d, Decimal("0.5"), Step.VALUE_DOWN) for d in down
        ]:
            opp = s.get(Opportunity, d["id"])
            new = (opp.amount * factor).quantize(Decimal(1).scaleb(-2 if d["currency"] != "JPY" else 0))
            delta = (new - opp.amount) * rate_on(d["currency"], today)
            opportunities.edit(s, BOSS, d["number"], _draft(opp, value=str(new)))
            expected[step] += delta
            expected_weighted[step] += delta * d["probability"] / 100
        for d in lost_before:  # lost before last week's digest, reopened since: not new
            opportunities.move(s, BOSS, d["number"], opportunities.Stage.PROPOSAL)
            expected[Step.REOPENED] += v(d)
        for d in forward:
            opportunities.move(s, BOSS, d["number"], opportunities.Stage.NEGOTIATION)
            expected_weighted[Step.MOVED_FORWARD] += v(d) * (PROB["negotiation"] - d["probability"]) / 100
        customer = CustomerRef(CustomerKind.ORGANIZATION, deals[0]["organization_id"])
        for n in range(5):
            value = Decimal(1000 + n * 250)
            opportunities.create(
                s, BOSS, Draft(title=f"New {n}", customer=customer, value=str(value), expected_close=period.end)
            )
            expected[Step.NEW] += value  # in USD, the reporting currency
    start_value = sum((v(d) for d in inside), Decimal(0))
    return period, now0, today, expected, expected_weighted, start_value


def test_each_step_equals_the_scripted_changes_and_the_end_is_the_forecast(sessions, week):
    period, _now0, today, expected, expected_weighted, start_value = week
    now = utcnow()
    with sessions() as s:
        result = changes.changes(s, TEAM, period, now)
        fc = forecast(s, TEAM, period, today=today)
    fall = result.waterfall
    assert result.source == "digest"
    assert cents(fall.start_value) == cents(start_value)
    for step in STEPS:
        assert cents(fall.steps[step].value) == cents(expected[step]), step
    for step in (Step.VALUE_UP, Step.VALUE_DOWN, Step.MOVED_FORWARD):
        assert cents(fall.steps[step].weighted) == cents(expected_weighted[step]), step
    assert fall.steps[Step.WON].count == fall.steps[Step.LOST].count == 8
    assert fall.steps[Step.NEW].count == 5 and fall.steps[Step.REOPENED].count == 3
    start, shown, end = fall.shown()
    assert start + sum(a for _, a in shown) == end == fc.open.value
    assert cents(fall.end_weighted) == fc.open.weighted
    check_push_counts(sessions, period)


def test_the_history_rebuilt_from_activity_gives_the_same_waterfall(sessions, week):
    period, now0, today, *_ = week
    now = utcnow()
    with sessions() as s:
        from_snapshot = changes.changes(s, TEAM, period, now).waterfall
        rules = workspaces.load_rules(s, TEAM)
        table = fx.load_table(s, TEAM, rules.reporting_currency)
        rebuilt = changes.states_at(s, TEAM, now0, period)
        end = changes._load(s, TEAM, Opportunity.stage.in_(OPEN))
        end.update(changes._load_numbers(s, TEAM, rebuilt))

    def rates(currency):
        rate = table.rate_on(currency, today)
        return rate.rate if rate else None

    again = waterfall(rebuilt, end, period, "USD", rates, rates)
    assert again.start_value == from_snapshot.start_value
    assert again.start_weighted == from_snapshot.start_weighted
    for step in STEPS:
        assert again.steps[step].value == from_snapshot.steps[step].value, step
        assert again.steps[step].numbers == from_snapshot.steps[step].numbers, step
    with sessions() as s:  # `since <date>` reads the history, not the snapshot
        assert changes.changes(s, TEAM, period, utcnow(), since=today).source == "history"


def check_push_counts(sessions, period):
    with sessions() as s:
        pushed = s.scalars(select(Opportunity.id).where(Opportunity.expected_close == period.end + timedelta(days=9)))
        assert sorted(changes.push_count(s, TEAM, i) for i in pushed)[-8:] == [1] * 8  # the 8 slipped ones
        assert sum(changes.push_count(s, TEAM, i) for i in s.scalars(select(Opportunity.id))) == 8
        pulled = s.scalars(select(Opportunity.id).where(Opportunity.expected_close == period.end))
        assert {changes.push_count(s, TEAM, i) for i in pulled} == {0}
