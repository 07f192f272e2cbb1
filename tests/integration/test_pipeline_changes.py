"""/opp changes' waterfall over a generated pipeline (six currencies, KWD and JPY among them): after a scripted week
of changes made through the services, each step equals what a plain-Python count of those changes says, to the minor
unit of each reporting currency in turn (USD, EUR, NOK, JPY, KWD), start + steps = end, the end equals the forecast,
and the history rebuilt from the activity log gives the same waterfall as the weekly snapshot."""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from integration.pipeline_gen import DIGITS, OPEN, PROB, REPORTING, TEAM, load, major, minor, rates_into, report_in
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


@dataclass
class Week:
    """The scripted week: which generated deals each change was made to, kept in their own currencies, so the
    expected steps can be worked out in any reporting currency."""

    period: object
    now0: object
    today: object
    inside: list  # open deals in the period at the weekly snapshot
    changed: list = field(default_factory=list)  # (step, deal, new amount or None)
    new_values: list = field(default_factory=list)  # values of the deals created, in USD (the workspace currency)

    def expected(self, rate_on):
        """(start, {step: value}, {step: weighted}) exact, each deal at `rate_on(currency, today)`."""
        v = lambda d: major(d) * rate_on(d["currency"], self.today)  # noqa: E731
        value = {s: Decimal(0) for s in STEPS}
        weighted = {s: Decimal(0) for s in STEPS}
        for step, d, new in self.changed:
            if step in (Step.WON, Step.LOST, Step.SLIPPED):
                value[step] -= v(d)
            elif step in (Step.PULLED_IN, Step.REOPENED):
                value[step] += v(d)
            elif step in (Step.VALUE_UP, Step.VALUE_DOWN):
                delta = (new - major(d)) * rate_on(d["currency"], self.today)
                value[step] += delta
                weighted[step] += delta * d["probability"] / 100
            else:  # moved forward into negotiation
                weighted[step] += v(d) * (PROB["negotiation"] - d["probability"]) / 100
        value[Step.NEW] = sum((x * rate_on("USD", self.today) for x in self.new_values), Decimal(0))
        return sum((v(d) for d in self.inside), Decimal(0)), value, weighted


@pytest.fixture
def week(sessions):
    deals = load(sessions, 600, seed=11, kwd=True)
    now0 = utcnow()
    with unit_of_work(sessions) as session:
        today = workspaces.load_rules(session, TEAM).today(now0)
        changes.take_weekly_snapshot(session, TEAM, now0)
    period = quarter_of(today)
    rated = [d for d in deals if d["currency"] != "SEK" and d["stage"] in OPEN and d["expected_close"]]
    inside = [d for d in rated if d["expected_close"] in period]
    later = [d for d in rated if d["expected_close"] > period.end]
    result = Week(period, now0, today, list(inside))
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
    with unit_of_work(sessions) as s:
        for d in won:
            opportunities.close_won(s, BOSS, d["number"])
            result.changed.append((Step.WON, d, None))
        for d in lost:
            opportunities.close_lost(s, BOSS, d["number"], "Price")
            result.changed.append((Step.LOST, d, None))
        for d in slipped:
            opp = s.get(Opportunity, d["id"])
            opportunities.edit(s, BOSS, d["number"], _draft(opp, expected_close=(period.end + timedelta(days=9))))
            result.changed.append((Step.SLIPPED, d, None))
        for d in pulled:
            opp = s.get(Opportunity, d["id"])
            opportunities.edit(s, BOSS, d["number"], _draft(opp, expected_close=period.end.isoformat()))
            result.changed.append((Step.PULLED_IN, d, None))
        for d, factor, step in [(d, 2, Step.VALUE_UP) for d in up] + [
            (d, Decimal("0.5"), Step.VALUE_DOWN) for d in down
        ]:
            opp = s.get(Opportunity, d["id"])
            new = (opp.amount * factor).quantize(Decimal(1).scaleb(-DIGITS[d["currency"]]))
            opportunities.edit(s, BOSS, d["number"], _draft(opp, value=str(new)))
            result.changed.append((step, d, new))
        for d in lost_before:  # lost before last week's digest, reopened since: not new
            opportunities.move(s, BOSS, d["number"], opportunities.Stage.PROPOSAL)
            result.changed.append((Step.REOPENED, d, None))
        for d in forward:
            opportunities.move(s, BOSS, d["number"], opportunities.Stage.NEGOTIATION)
            result.changed.append((Step.MOVED_FORWARD, d, None))
        customer = CustomerRef(CustomerKind.ORGANIZATION, deals[0]["organization_id"])
        for n in range(5):
            value = Decimal(1000 + n * 250)
            opportunities.create(
                s, BOSS, Draft(title=f"New {n}", customer=customer, value=str(value), expected_close=period.end)
            )
            result.new_values.append(value)
    return result


def test_each_step_equals_the_scripted_changes_and_the_end_is_the_forecast(sessions, week):
    """In each reporting currency in turn (the setting changed, rates into it stored): the weekly snapshot keeps
    deals in their own currencies, so the same week's waterfall is worked out again, converted and rounded apart."""
    assert {d["currency"] for d in week.inside} >= {"USD", "EUR", "JPY", "NOK", "KWD"}
    for reporting in REPORTING:
        with unit_of_work(sessions) as session:
            report_in(session, reporting)
        check_waterfall(sessions, week, reporting)
    check_push_counts(sessions, week.period)


def check_waterfall(sessions, week, reporting):
    r = lambda x: minor(x, reporting)  # noqa: E731
    start_value, expected, expected_weighted = week.expected(rates_into(reporting))
    with sessions() as s:
        result = changes.changes(s, TEAM, week.period, utcnow())
        fc = forecast(s, TEAM, week.period, today=week.today)
    fall = result.waterfall
    assert result.source == "digest" and fall.reporting == fc.reporting == reporting
    assert r(fall.start_value) == r(start_value)
    for step in STEPS:
        assert r(fall.steps[step].value) == r(expected[step]), (reporting, step)
    for step in (Step.VALUE_UP, Step.VALUE_DOWN, Step.MOVED_FORWARD):
        assert r(fall.steps[step].weighted) == r(expected_weighted[step]), (reporting, step)
    assert fall.steps[Step.WON].count == fall.steps[Step.LOST].count == 8
    assert fall.steps[Step.NEW].count == 5 and fall.steps[Step.REOPENED].count == 3
    start, shown, end = fall.shown()
    end_value = start_value + sum(expected.values(), Decimal(0))
    assert start == r(start_value) and end == r(end_value)  # the true figures rounded once, not a sum of roundings
    assert start + sum(a for _, a in shown) == end == fc.open.value
    assert r(fall.end_weighted) == fc.open.weighted


def test_the_history_rebuilt_from_activity_gives_the_same_waterfall(sessions, week):
    period, now0, today = week.period, week.now0, week.today
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
