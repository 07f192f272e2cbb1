"""Forecast categories, quotas, attainment, coverage, gap and adjustments equal a plain-Python computation over a
generated quarter of 3,000 deals in five currencies, to the minor unit, on SQLite and PostgreSQL."""

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from integration.pipeline_gen import OPEN, TEAM, TODAY, category, cents, load, local_day, major, rate_on

from oppbot.db.session import unit_of_work
from oppbot.domain.categories import Category
from oppbot.domain.errors import PermissionDenied
from oppbot.domain.periods import parse_period
from oppbot.services import quotas
from oppbot.services.context import Actor
from oppbot.services.forecast import category_board, take_snapshot

PERIOD = parse_period("2026-Q4", TODAY)
MANAGER = Actor(TEAM, "U_BOSS", is_manager=True)
QUOTAS = {"U_REP": ("2500000", "USD"), "U_OTHER": ("1800000", "EUR"), None: ("500000000", "JPY")}


@pytest.fixture
def deals(sessions):
    generated = load(sessions, 3000)
    with unit_of_work(sessions) as session:
        for who, (amount, currency) in QUOTAS.items():
            quotas.set_quota(session, MANAGER, who, PERIOD, amount, currency)
        quotas.adjust(session, MANAGER, "U_REP", PERIOD, "1234567.89", "two deals look shaky")
    return generated


def oracle(deals, rate_on=rate_on):
    """{assignee or 'total': {category: [count, value, weighted]}}: open deals in the period at today's rate,
    Closed: won in the period (Oslo dates) at the close date's rate. Deals with no rate are left out."""
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


def quota_in_usd(who, rate_on=rate_on):
    amount, currency = QUOTAS[who]
    return Decimal(amount) * rate_on(currency, min(TODAY, PERIOD.end))


def check_line(line, expected, quota):
    for cat in Category:
        count, value, weighted = expected.get(cat.value, [0, Decimal(0), Decimal(0)])
        got = line.categories[cat]
        assert (got.count, cents(got.value), cents(got.weighted)) == (count, cents(value), cents(weighted)), cat

    def val(category: str) -> Decimal:
        return expected.get(category, [0, Decimal(0)])[1]

    closed, commit = val("closed"), val("commit")
    assert cents(line.closed_commit) == cents(closed + commit)
    assert cents(line.closed_commit_best) == cents(closed + commit + val("best_case"))
    assert cents(line.quota) == cents(quota)
    assert line.attainment.quantize(Decimal("0.000001")) == (closed / quota).quantize(Decimal("0.000001"))
    open_pipeline = val("pipeline") + val("best_case") + val("commit")
    if quota > closed:
        expected_coverage = open_pipeline / (quota - closed)
        assert line.coverage.quantize(Decimal("0.000001")) == expected_coverage.quantize(Decimal("0.000001"))
    else:
        assert line.coverage is None
    assert cents(line.gap) == cents(quota - closed - commit)


def test_categories_quotas_attainment_coverage_and_gap_match(sessions, deals):
    with sessions() as s:
        board = category_board(s, TEAM, PERIOD, today=TODAY)
    expected = oracle(deals)
    check_line(board.total, expected["total"], quota_in_usd(None))  # the team's quota, set in JPY
    reps = {line.assignee_id: line for line in board.reps}
    check_line(reps["U_REP"], expected["U_REP"], quota_in_usd("U_REP"))
    check_line(reps["U_OTHER"], expected["U_OTHER"], quota_in_usd("U_OTHER"))  # set in EUR
    assert reps[None].quota is None and reps[None].attainment is None and reps[None].gap is None
    assert reps["U_REP"].adjusted.amount == Decimal("1234567.89")
    assert reps["U_REP"].adjusted.note == "two deals look shaky"
    assert reps["U_OTHER"].adjusted is None
    # (the checks below share the 3,000 deals loaded above: each load costs seconds)
    check_one_reps_board(sessions, deals)
    check_snapshot(sessions, deals)
    check_a_quota_without_a_rate(sessions)


def euro_rates() -> list[tuple[str, Decimal, date]]:
    """The generated USD-based rates restated with EUR as the reporting currency, at each date either changes."""
    from integration.pipeline_gen import RATES

    rows = []
    for currency in ("USD", "JPY", "NOK"):
        days = sorted({d for c, _r, d in RATES if c in (currency, "EUR")})
        for day in days:
            mine, euro = rate_on(currency, day), rate_on("EUR", day)
            if mine is not None and euro is not None:
                rows.append((currency, (mine / euro).quantize(Decimal("0.0000000001")), day))
    return rows


def test_with_euros_as_the_reporting_currency_the_same_figures_hold(sessions, deals):
    from sqlalchemy import update

    from oppbot.db.models import FxRate, Workspace

    rows = euro_rates()
    with unit_of_work(sessions) as session:
        session.execute(update(Workspace).where(Workspace.team_id == TEAM).values(reporting_currency="EUR"))
        session.add_all(FxRate(team_id=TEAM, base="EUR", currency=c, rate=r, effective_date=d) for c, r, d in rows)

    def in_euros(currency, day):
        if currency == "EUR":
            return Decimal(1)
        found = [(d, r) for c, r, d in rows if c == currency and d <= day]
        return max(found)[1] if found else None

    with sessions() as s:
        board = category_board(s, TEAM, PERIOD, today=TODAY)
    assert board.reporting == "EUR"
    expected = oracle(deals, in_euros)
    check_line(board.total, expected["total"], quota_in_usd(None, in_euros))
    reps = {line.assignee_id: line for line in board.reps}
    check_line(reps["U_REP"], expected["U_REP"], quota_in_usd("U_REP", in_euros))  # set in USD
    check_line(reps["U_OTHER"], expected["U_OTHER"], quota_in_usd("U_OTHER", in_euros))  # set in EUR: as is
    assert reps["U_OTHER"].quota == Decimal("1800000")


def check_one_reps_board(sessions, deals):
    with sessions() as s:
        board = category_board(s, TEAM, PERIOD, today=TODAY, assignee_id="U_OTHER")
    check_line(board.total, oracle(deals)["U_OTHER"], quota_in_usd("U_OTHER"))
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
