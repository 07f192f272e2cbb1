"""Forecast categories, quotas, attainment, coverage, gap and adjustments equal a plain-Python computation over a
generated quarter of 3,000 deals in six currencies (KWD's three decimals and JPY's none among them), to the minor
unit, reported in USD, EUR, NOK, JPY and KWD in turn, on SQLite and PostgreSQL."""

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from integration.pipeline_gen import (
    DIGITS,
    OPEN,
    REPORTING,
    TEAM,
    TODAY,
    category,
    cents,
    load,
    local_day,
    major,
    minor,
    rate_on,
    rates_into,
    report_in,
)

from oppbot.db.session import unit_of_work
from oppbot.domain.categories import Category
from oppbot.domain.errors import PermissionDenied
from oppbot.domain.periods import parse_period
from oppbot.services import quotas
from oppbot.services.context import Actor
from oppbot.services.forecast import category_board, take_snapshot
from oppbot.slack.blocks.forecast import category_lines

PERIOD = parse_period("2026-Q4", TODAY)
MANAGER = Actor(TEAM, "U_BOSS", is_manager=True)
QUOTAS = {"U_REP": ("2500000", "USD"), "U_OTHER": ("1800000", "EUR"), None: ("500000000", "JPY")}


@pytest.fixture
def deals(sessions):
    generated = load(sessions, 3000, kwd=True)
    with unit_of_work(sessions) as session:
        for who, (amount, currency) in QUOTAS.items():
            quotas.set_quota(session, MANAGER, who, PERIOD, amount, currency)
        quotas.adjust(session, MANAGER, "U_REP", PERIOD, "1234567.89", "two deals look shaky")
    return generated


def oracle(deals, rate_on=rate_on):
    """{assignee or 'total': {category: [count, value, weighted]}}: open deals in the period at today's rate,
    Closed: won in the period (Oslo dates) at the close date's rate. Deals with no rate are left out. Exact sums."""
    figures = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0), Decimal(0)]))
    for d in deals:
        if d["stage"] in OPEN:
            if d["expected_close"] is None or d["expected_close"] not in PERIOD:
                continue
            rate = rate_on(d["currency"], TODAY)
            weight = Decimal(d["probability"]) / 100
        elif d["stage"] == "closed_won" and local_day(d["closed_at"]) in PERIOD:
            rate, weight = rate_on(d["currency"], local_day(d["closed_at"])), Decimal(1)
        else:
            continue
        if rate is None:
            continue
        for key in (d["assignee_id"], "total"):
            entry = figures[key][category(d)]
            entry[0] += 1
            entry[1] += major(d) * rate
            entry[2] += major(d) * rate * weight
    return figures


def quota_in(who, rate_on=rate_on):
    amount, currency = QUOTAS[who]
    return Decimal(amount) * rate_on(currency, min(TODAY, PERIOD.end))


def check_line(line, expected, quota, reporting="USD"):
    """Each figure rounded to the reporting currency's minor units as shown, ratios to 6 decimals."""
    r = lambda x: minor(x, reporting)  # noqa: E731
    for cat in Category:
        count, value, weighted = expected.get(cat.value, [0, Decimal(0), Decimal(0)])
        got = line.categories[cat]
        assert (got.count, r(got.value), r(got.weighted)) == (count, r(value), r(weighted)), (reporting, cat)

    def val(category: str) -> Decimal:
        return expected.get(category, [0, Decimal(0)])[1]

    closed, commit = val("closed"), val("commit")
    assert r(line.closed_commit) == r(closed + commit)
    assert r(line.closed_commit_best) == r(closed + commit + val("best_case"))
    assert r(line.quota) == r(quota)
    assert line.attainment.quantize(Decimal("0.000001")) == (closed / quota).quantize(Decimal("0.000001"))
    open_pipeline = val("pipeline") + val("best_case") + val("commit")
    if quota > closed:
        expected_coverage = open_pipeline / (quota - closed)
        assert line.coverage.quantize(Decimal("0.000001")) == expected_coverage.quantize(Decimal("0.000001"))
    else:
        assert line.coverage is None
    assert r(line.gap) == r(quota - closed - commit)


def shown(amount: Decimal, reporting: str) -> str:
    return f"{reporting} {minor(amount, reporting):,.{DIGITS[reporting]}f}"


def check_board(board, deals, reporting):
    """The board against the oracle in `reporting`, the team's quota set in JPY, U_REP's in USD, U_OTHER's in EUR;
    and the text /opp forecast shows: each category's figures rounded once, to the reporting currency."""
    rates = rates_into(reporting)
    assert board.reporting == reporting
    expected = oracle(deals, rates)
    check_line(board.total, expected["total"], quota_in(None, rates), reporting)
    reps = {line.assignee_id: line for line in board.reps}
    check_line(reps["U_REP"], expected["U_REP"], quota_in("U_REP", rates), reporting)
    check_line(reps["U_OTHER"], expected["U_OTHER"], quota_in("U_OTHER", rates), reporting)
    assert reps[None].quota is None and reps[None].attainment is None and reps[None].gap is None
    assert reps["U_REP"].adjusted.amount == Decimal("1234567.89") * rates("USD", min(TODAY, PERIOD.end))
    text = category_lines(board)
    for cat in Category:
        count, value, weighted = expected["total"].get(cat.value, [0, Decimal(0), Decimal(0)])
        assert f"*{cat.label}* · {count} · {shown(value, reporting)} · weighted {shown(weighted, reporting)}" in text
    c_c = expected["total"]["closed"][1] + expected["total"]["commit"][1]
    assert f"*Closed + Commit* · {shown(c_c, reporting)}" in text


def test_categories_quotas_attainment_coverage_and_gap_match(sessions, deals):
    with sessions() as s:
        board = category_board(s, TEAM, PERIOD, today=TODAY)
    expected = oracle(deals)
    check_line(board.total, expected["total"], quota_in(None))  # the team's quota, set in JPY
    reps = {line.assignee_id: line for line in board.reps}
    check_line(reps["U_REP"], expected["U_REP"], quota_in("U_REP"))
    check_line(reps["U_OTHER"], expected["U_OTHER"], quota_in("U_OTHER"))  # set in EUR
    assert reps[None].quota is None and reps[None].attainment is None and reps[None].gap is None
    assert reps["U_REP"].adjusted.amount == Decimal("1234567.89")
    assert reps["U_REP"].adjusted.note == "two deals look shaky"
    assert reps["U_OTHER"].adjusted is None
    assert {d["currency"] for d in deals} == {"USD", "EUR", "JPY", "NOK", "SEK", "KWD"}
    # (the checks below share the 3,000 deals loaded above: each load costs seconds)
    check_one_reps_board(sessions, deals)
    check_snapshot(sessions, deals)
    check_every_reporting_currency(sessions, deals)
    check_a_quota_without_a_rate(sessions)


def check_every_reporting_currency(sessions, deals):
    """The same pipeline reported in each of REPORTING in turn (the workspace setting changed, the rates into the new
    currency stored): every figure equals the oracle's, converted and rounded by it."""
    for reporting in REPORTING:
        with unit_of_work(sessions) as session:
            report_in(session, reporting)
        with sessions() as s:
            board = category_board(s, TEAM, PERIOD, today=TODAY)
        check_board(board, deals, reporting)
        if reporting == "EUR":
            assert {line.assignee_id: line for line in board.reps}["U_OTHER"].quota == Decimal("1800000")
    with unit_of_work(sessions) as session:
        report_in(session, "USD")


def check_one_reps_board(sessions, deals):
    with sessions() as s:
        board = category_board(s, TEAM, PERIOD, today=TODAY, assignee_id="U_OTHER")
    check_line(board.total, oracle(deals)["U_OTHER"], quota_in("U_OTHER"))
    assert [line.assignee_id for line in board.reps] == ["U_OTHER"]


def check_a_quota_without_a_rate(sessions):
    with unit_of_work(sessions) as session:
        quotas.set_quota(session, MANAGER, "U_OTHER", PERIOD, "1000", "SEK")
    with sessions() as s:
        board = category_board(s, TEAM, PERIOD, today=TODAY)
    assert board.missing_quota_rates == ["SEK"]
    assert {line.assignee_id: line for line in board.reps}["U_OTHER"].quota is None


def test_members_can_not_set_quotas_or_adjust(sessions):
    from integration.pipeline_gen import setup_workspace

    with unit_of_work(sessions) as session:
        setup_workspace(session)
    member = Actor(TEAM, "U_REP")
    with unit_of_work(sessions) as session, pytest.raises(PermissionDenied):
        quotas.set_quota(session, member, "U_REP", PERIOD, "1", None)
    with unit_of_work(sessions) as session, pytest.raises(PermissionDenied):
        quotas.adjust(session, member, "U_REP", PERIOD, "1", "mine")


def check_snapshot(sessions, deals):
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with unit_of_work(sessions) as session:
        snap = take_snapshot(session, TEAM, PERIOD, "manual", now=now).snapshot
        data = dict(snap.data)
    expected = oracle(deals)
    assert Decimal(data["categories"]["commit"]["value"]) == cents(expected["total"]["commit"][1])
    rep = data["reps"]["U_REP"]
    assert Decimal(rep["adjusted"]) == Decimal("1234567.89")
    closed_commit = expected["U_REP"]["closed"][1] + expected["U_REP"]["commit"][1]
    assert Decimal(rep["closed_commit"]) == cents(closed_commit)


def test_the_board_and_the_waterfall_cost_the_same_statements_for_3000_deals_or_10(engine, sessions, deals):
    from integration.pipeline_gen import StatementCounter
    from sqlalchemy import delete

    from oppbot.db.models import Opportunity
    from oppbot.services import changes

    counts = []
    for keep in (3000, 10):
        with unit_of_work(sessions) as session:
            session.execute(delete(Opportunity).where(Opportunity.team_id == TEAM, Opportunity.number > keep))
        with StatementCounter(engine) as counter, sessions() as s:
            category_board(s, TEAM, PERIOD, today=TODAY)
            changes.changes(s, TEAM, PERIOD, datetime(2026, 11, 20, 12, tzinfo=UTC))
        counts.append(counter.count)
    assert counts[0] == counts[1]
