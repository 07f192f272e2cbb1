"""/opp stats figures equal plain-Python computations over a generated pipeline; statement counts stay flat."""

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from integration.pipeline_gen import OPEN, TEAM, TODAY, StatementCounter, cents, load, local_day, major, rate_on

from oppbot.domain.analytics import band_of, median
from oppbot.domain.periods import parse_period
from oppbot.domain.stages import Stage
from oppbot.services.forecast import forecast, pipeline_summary
from oppbot.services.stats import stats

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
YEAR = parse_period("2026-01-01..2026-12-31", TODAY)


def test_stats_match_an_independent_computation(sessions):
    deals = load(sessions, 3000)
    with sessions() as s:
        result = stats(s, TEAM, YEAR, today=TODAY, now=NOW)
    closed = [d for d in deals if d["closed_at"] and local_day(d["closed_at"]) in YEAR]
    won = [d for d in closed if d["stage"] == "closed_won"]
    lost = [d for d in closed if d["stage"] == "closed_lost"]
    assert (result.won, result.lost) == (len(won), len(lost))
    assert result.win_rate == Decimal(len(won)) / Decimal(len(won) + len(lost))
    sizes = [
        major(d) * rate_on(d["currency"], local_day(d["closed_at"]))
        for d in won
        if rate_on(d["currency"], local_day(d["closed_at"])) is not None
    ]
    assert result.missing_rate_won == len(won) - len(sizes) > 0
    assert result.average_won == cents(sum(sizes) / len(sizes))
    assert result.median_won == cents(median(sizes))
    cycles = [Decimal((d["closed_at"] - d["created_at"]).total_seconds()) / 86400 for d in won]
    assert result.median_cycle_days == median(cycles)
    reasons = defaultdict(lambda: defaultdict(int))
    for d in lost:
        reasons[Stage(d["lost_at_stage"])][d["lost_reason"]] += 1
    assert {k: dict(v) for k, v in result.loss_reasons.items()} == {k: dict(v) for k, v in reasons.items()}
    # workload
    people = defaultdict(lambda: [0, Decimal(0)])
    for d in deals:
        if d["stage"] in OPEN and rate_on(d["currency"], TODAY) is not None:
            people[d["assignee_id"]][0] += 1
            people[d["assignee_id"]][1] += major(d) * rate_on(d["currency"], TODAY)
    assert {w.assignee_id: (w.open_count - w.missing, cents(w.value)) for w in result.workload} == {
        k: (n, cents(v)) for k, (n, v) in people.items()
    }


def test_calibration_and_conversion_match_the_stage_history(sessions):
    deals = load(sessions, 1500, seed=11)
    with sessions() as s:
        result = stats(s, TEAM, None, today=TODAY, now=NOW)
        from sqlalchemy import select

        from oppbot.db.models import StageChange

        history = s.execute(
            select(
                StageChange.opportunity_id,
                StageChange.to_stage,
                StageChange.probability,
                StageChange.changed_at,
                StageChange.id,
            )
        ).all()
    per_stage, per_band = _expected_calibration(history, {d["id"]: d for d in deals})
    for cal, stage in zip(result.calibration_by_stage, OPEN, strict=True):
        assert (cal.samples, cal.won, cal.probability_sum) == tuple(per_stage[stage])
    for index, cal in enumerate(result.calibration_by_band):
        assert (cal.samples, cal.won, cal.probability_sum) == tuple(per_band[index])
    entered, advanced, stays = _expected_conversion(history)
    for conv in result.conversion:
        assert (conv.entered, conv.advanced) == (entered[conv.stage.value], advanced[conv.stage.value])
        assert result.time_in_stage[conv.stage] == median(stays[conv.stage.value])


def _expected_calibration(history, by_id):
    """Per open stage and per probability band: entries of deals now closed, how many were won, probability sum."""
    per_stage = defaultdict(lambda: [0, 0, 0])
    per_band = defaultdict(lambda: [0, 0, 0])
    for opp_id, to_stage, prob, _, _ in history:
        deal = by_id[opp_id]
        if to_stage in OPEN and deal["stage"] in ("closed_won", "closed_lost"):
            for table, key in ((per_stage, to_stage), (per_band, band_of(prob))):
                table[key][0] += 1
                table[key][1] += deal["stage"] == "closed_won"
                table[key][2] += prob
    return per_stage, per_band


def _expected_conversion(history):
    """Per open stage: entries, entries followed by a move forward (not to lost), and the days each stay lasted."""
    ordered = defaultdict(list)
    for opp_id, to_stage, _, at, _row_id in sorted(history, key=lambda h: (h[0], h[3], h[4])):
        ordered[opp_id].append((to_stage, at))
    entered, advanced, stays = defaultdict(int), defaultdict(int), defaultdict(list)
    order = [s.value for s in Stage]
    for steps in ordered.values():
        for (stage, at), following in zip(steps, [*steps[1:], None], strict=True):
            if stage not in OPEN:
                continue
            entered[stage] += 1
            if following:
                stays[stage].append(Decimal((following[1] - at).total_seconds()) / 86400)
                if order.index(following[0]) > order.index(stage) and following[0] != "closed_lost":
                    advanced[stage] += 1
    return entered, advanced, stays


@pytest.mark.parametrize("call", ["forecast", "pipeline", "stats"])
def test_statement_count_does_not_grow_with_the_pipeline(engine, sessions, call):
    def run(session):
        if call == "forecast":
            forecast(session, TEAM, parse_period("2026-Q4", TODAY), today=TODAY)
        elif call == "pipeline":
            pipeline_summary(session, TEAM, today=TODAY)
        else:
            stats(session, TEAM, parse_period("2026", TODAY) if False else None, today=TODAY, now=NOW)

    counts = []
    org_id = None
    for size, seed in ((10, 3), (1000, 3)):
        if size == 1000:
            from integration.pipeline_gen import generate

            from oppbot.db.models import Opportunity, StageChange

            deals, history = generate(1000, org_id, seed)
            with sessions() as s, s.begin():
                s.execute(Opportunity.__table__.delete())
                s.execute(Opportunity.__table__.insert(), deals)
                s.execute(StageChange.__table__.insert(), history)
        else:
            org_id = load(sessions, size, seed)[0]["organization_id"]
        with sessions() as session, StatementCounter(engine) as counter:
            run(session)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 15
