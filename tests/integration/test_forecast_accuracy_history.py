"""Accuracy per measure and per rep over four months: error %, bias and MAPE equal a plain-Python computation
from the stored snapshots and the generated won deals; a rep with no Closed-Won is listed apart, not divided by."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from integration.pipeline_gen import TEAM, TODAY, cents, load, local_day, major, rate_on

from oppbot.db.models import ForecastSnapshot
from oppbot.db.session import unit_of_work
from oppbot.domain.periods import parse_period
from oppbot.services.forecast import accuracy_history
from oppbot.slack.blocks.forecast import build_accuracy_history

PERIOD = parse_period("2026-11", TODAY)
MONTHS = ["2026-08", "2026-09", "2026-10", "2026-11"]


def actual(deals, key, who="any"):
    period = parse_period(key, TODAY)
    total = Decimal(0)
    for d in deals:
        if d["stage"] != "closed_won" or local_day(d["closed_at"]) not in period:
            continue
        if who != "any" and d["assignee_id"] != who:
            continue
        rate = rate_on(d["currency"], local_day(d["closed_at"]))
        if rate is not None:
            total += major(d) * rate
    return cents(total)


@pytest.fixture
def deals(sessions):
    generated = load(sessions, 3000)
    with unit_of_work(sessions) as session:
        for n, key in enumerate(MONTHS[1:], start=1):  # August has no snapshot
            period = parse_period(key, TODAY)
            reps = {
                "total": {"weighted": str(400000 * n), "closed_commit": str(900000 + n), "adjusted": None},
                "U_REP": {"closed_commit": str(300000 * n), "adjusted": str(250000 * n) if n > 1 else None},
                "U_OTHER": {"closed_commit": str(310000 + n), "adjusted": None},
                "U_GHOST": {"closed_commit": "1000", "adjusted": None},
            }
            session.add(
                ForecastSnapshot(
                    team_id=TEAM,
                    period_key=key,
                    label="start",
                    period_start=period.start,
                    period_end=period.end,
                    reporting_currency="USD",
                    weighted_total=Decimal(0),
                    data={"reps": reps},
                    taken_at=datetime(period.start.year, period.start.month, 1, 6, tzinfo=UTC),
                )
            )
    return generated


def expected_stats(points):
    errors = [(f - a) / a for f, a in points if a > 0]
    return sum(errors) / len(errors), sum(abs(e) for e in errors) / len(errors), errors


def test_error_bias_and_mape_per_measure_and_per_rep_match(sessions, deals):
    with sessions() as s:
        history = accuracy_history(s, TEAM, PERIOD)
    assert [p.key for p in history.periods] == MONTHS
    assert history.without_snapshot == ("2026-08",)
    measures = {m.name: m for m in history.measures}
    points = [(Decimal(900000 + n), actual(deals, key)) for n, key in enumerate(MONTHS[1:], start=1)]
    bias, mape, errors = expected_stats(points)
    cc = measures["Closed + Commit"]
    assert [e for _, e in cc.stats.errors] == errors
    assert (cc.stats.bias, cc.stats.mape) == (bias, mape)
    # the adjusted team figure: each rep's adjustment where set, their Closed + Commit otherwise
    adjusted = measures["Adjusted"]
    assert [k for k, *_ in adjusted.points] == ["2026-10", "2026-11"]
    assert adjusted.points[0][1] == Decimal(500000) + Decimal(310002) + Decimal(1000)
    reps = {(m.assignee_id, m.adjusted): m for m in history.reps}
    rep_points = [(Decimal(300000 * n), actual(deals, key, "U_REP")) for n, key in enumerate(MONTHS[1:], start=1)]
    rep_bias, rep_mape, _ = expected_stats(rep_points)
    assert (reps[("U_REP", False)].stats.bias, reps[("U_REP", False)].stats.mape) == (rep_bias, rep_mape)
    assert len(reps[("U_REP", True)].points) == 2
    ghost = reps[("U_GHOST", False)]
    assert ghost.stats.errors == () and ghost.stats.bias is None and ghost.stats.no_actual == tuple(MONTHS[1:])
    text = str(build_accuracy_history(history))
    assert "MAPE" in text and "not counted" in text
