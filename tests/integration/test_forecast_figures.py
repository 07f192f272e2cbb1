"""Every forecast figure equals a plain-Python computation over a generated pipeline of 3,000 deals."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from integration.pipeline_gen import OPEN, TEAM, TODAY, cents, load, local_day, major, rate_on
from sqlalchemy import update

from oppbot.db.models import FxRate
from oppbot.domain.periods import parse_period
from oppbot.domain.stages import Stage
from oppbot.services.forecast import forecast, pipeline_summary

PERIOD = parse_period("2026-Q4", TODAY)


@pytest.fixture
def deals(sessions):
    return load(sessions, 3000)


def expected_open(deals, keep):
    stages = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    missing = set()
    for d in deals:
        if d["stage"] not in OPEN or not keep(d):
            continue
        rate = rate_on(d["currency"], TODAY)
        if rate is None:
            missing.add(d["number"])
            continue
        entry = stages[d["stage"]]
        entry[0] += 1
        entry[1] += major(d) * rate
        entry[2] += major(d) * rate * d["probability"] / 100
    return stages, missing


def check_section(section, stages):
    for line in section.stages:
        count, value, weighted = stages.get(line.stage.value, [0, Decimal(0), Decimal(0)])
        assert line.count == count
        assert cents(line.value) == cents(value), line.stage
        assert cents(line.weighted) == cents(weighted), line.stage
    assert section.value == cents(sum((v[1] for v in stages.values()), Decimal(0)))
    assert section.weighted == cents(sum((v[2] for v in stages.values()), Decimal(0)))


def test_the_period_forecast_matches_an_independent_computation(sessions, deals):
    with sessions() as s:
        result = forecast(s, TEAM, PERIOD, today=TODAY)

    def in_period(d):
        return d["expected_close"] is not None and PERIOD.start <= d["expected_close"] <= PERIOD.end

    stages, missing_open = expected_open(deals, in_period)
    check_section(result.open, stages)

    def overdue(d):
        return d["expected_close"] is not None and d["expected_close"] < min(PERIOD.start, TODAY)

    o_stages, missing_overdue = expected_open(deals, overdue)
    check_section(result.overdue, o_stages)

    won_total, won_count, missing_won = Decimal(0), 0, set()
    for d in deals:
        if d["stage"] != "closed_won" or local_day(d["closed_at"]) not in PERIOD:
            continue
        rate = rate_on(d["currency"], local_day(d["closed_at"]))
        if rate is None:
            missing_won.add(d["number"])
            continue
        won_total += major(d) * rate
        won_count += 1
    assert result.won.count == won_count
    assert result.won.value == cents(won_total)
    assert result.won.missing_count == len(missing_won)
    assert result.open.missing_count == len(missing_open)
    assert result.overdue.missing_count == len(missing_overdue)
    everything_missing = sorted(missing_open | missing_overdue | missing_won)
    assert [m.number for m in result.missing] == everything_missing[:50]
    assert {m.currency for m in result.missing} <= {"NOK", "SEK"}
    # per-currency subtotals, in their own currency
    eur = next(c for c in result.open.by_currency if c.currency == "EUR")
    assert eur.value == sum(major(d) for d in deals if d["currency"] == "EUR" and d["stage"] in OPEN and in_period(d))
    sek = next(c for c in result.open.by_currency if c.currency == "SEK")
    assert sek.converted_value is None
    assert {(r.currency, r.effective_date) for r in result.rates_used} >= {("EUR", date(2026, 11, 15))}
    assert ("EUR", date(2026, 12, 5)) not in {(r.currency, r.effective_date) for r in result.rates_used}


def test_the_pipeline_in_the_reporting_currency_matches(sessions, deals):
    with sessions() as s:
        result = pipeline_summary(s, TEAM, today=TODAY)
    stages, missing = expected_open(deals, lambda d: True)
    check_section(result.open, stages)
    assert result.open.missing_count == len(missing) > 0
    assert all(m.currency == "SEK" for m in result.missing)  # NOK has a rate today


def test_filters_by_assignee_and_stage(sessions, deals):
    with sessions() as s:
        result = forecast(s, TEAM, PERIOD, assignee_id="U_REP", stages=[Stage.PROPOSAL], today=TODAY)

    def keep(d):
        return (
            d["assignee_id"] == "U_REP"
            and d["stage"] == "proposal"
            and d["expected_close"] is not None
            and PERIOD.start <= d["expected_close"] <= PERIOD.end
        )

    stages, _ = expected_open(deals, keep)
    check_section(result.open, stages)
    assert [line.stage for line in result.open.stages] == [Stage.PROPOSAL]


def test_a_later_rate_does_not_change_a_won_deals_converted_value(sessions, deals):
    october = parse_period("2026-10", TODAY)
    with sessions() as s:
        before = forecast(s, TEAM, october, today=TODAY).won.value
    with sessions() as s, s.begin():
        s.add(FxRate(team_id=TEAM, base="USD", currency="EUR", rate=Decimal("9.99"), effective_date=date(2026, 11, 1)))
        s.execute(
            update(FxRate)
            .where(FxRate.currency == "JPY", FxRate.effective_date == date(2026, 11, 1))
            .values(rate=Decimal(1))
        )
    with sessions() as s:
        after = forecast(s, TEAM, october, today=TODAY)
    assert after.won.value == before
    # while open deals do move with the latest rate
    with sessions() as s:
        assert (
            pipeline_summary(s, TEAM, today=TODAY).open.value
            != pipeline_summary(s, TEAM, today=date(2026, 10, 31)).open.value
        )
