"""Random histories made through the services (hypothesis): whatever happens between two weekly digests, the
waterfall starts at the forecast as it stood at the snapshot, ends at the forecast now, and its shown steps add up."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oppbot.db.base import utcnow
from oppbot.db.models import FxRate, Opportunity
from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerKind, CustomerRef, Draft
from oppbot.domain.periods import quarter_of
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.services import changes, customers, opportunities, workspaces
from oppbot.services.context import Actor
from oppbot.services.forecast import forecast

TEAMS = itertools.count(1)
CURRENCIES = ["USD", "EUR", "JPY"]


def deal_spec():
    return st.tuples(
        st.sampled_from(CURRENCIES),
        st.integers(0, 2_000_000),
        st.sampled_from(list(OPEN_STAGES)),
        st.integers(-100, 200),  # close date, days from the quarter's start
    )


operation = st.one_of(
    st.tuples(st.just("won"), st.integers(0, 9)),
    st.tuples(st.just("lost"), st.integers(0, 9)),
    st.tuples(st.just("move"), st.integers(0, 9), st.sampled_from(list(Stage)[:4])),
    st.tuples(st.just("value"), st.integers(0, 9), st.integers(0, 3_000_000)),
    st.tuples(st.just("close"), st.integers(0, 9), st.integers(-100, 200)),
    st.tuples(st.just("new"), deal_spec()),
)


def draft(customer, currency, minor, stage, close, title="Deal"):
    value = Decimal(minor).scaleb(-2 if currency != "JPY" else 0)
    return Draft(
        title=title,
        customer=customer,
        value=str(value),
        currency=currency,
        stage=stage.value,
        expected_close=close.isoformat(),
    )


def apply(session, boss, customer, quarter, numbers, op) -> None:
    kind = op[0]
    if kind == "new":
        currency, minor, stage, days = op[1]
        made = opportunities.create(
            session, boss, draft(customer, currency, minor, stage, quarter.start + timedelta(days=days))
        )
        numbers.append(made.opportunity.number)
        return
    number = numbers[op[1] % len(numbers)]
    opp = opportunities.repo.get_opportunity(session, boss.team_id, number)
    if opp.stage_enum.is_closed and kind in ("won", "lost"):
        return
    if kind == "won":
        opportunities.close_won(session, boss, number)
    elif kind == "lost":
        opportunities.close_lost(session, boss, number, "Price")
    elif kind == "move" and opp.stage != op[2].value:
        opportunities.move(session, boss, number, op[2])
    elif kind in ("value", "close") and opp.stage_enum.is_open:
        minor = op[2] if kind == "value" else opp.amount_minor
        close = quarter.start + timedelta(days=op[2]) if kind == "close" else opp.expected_close
        edit = draft(customer, opp.currency, minor, opp.stage_enum, close, opp.title)
        edit.assignee = opp.assignee_id
        opportunities.edit(session, boss, number, edit)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(deal_spec(), min_size=1, max_size=8), st.lists(operation, max_size=12))
def test_the_waterfall_runs_from_the_forecast_then_to_the_forecast_now(sessions, deals, operations):
    team = f"TW{next(TEAMS):06d}"  # each example its own workspace, in the test's database
    boss = Actor(team, "U_BOSS", is_manager=True)
    with unit_of_work(sessions) as session:
        workspaces.ensure_workspace(session, team, default_currency="USD")
        org = customers.create_organization(session, boss, "Acme", None)
        customer = CustomerRef(CustomerKind.ORGANIZATION, org.id)
        session.add(
            FxRate(team_id=team, base="USD", currency="EUR", rate=Decimal("1.1"), effective_date=date(2020, 1, 1))
        )
        session.add(
            FxRate(team_id=team, base="USD", currency="JPY", rate=Decimal("0.0067"), effective_date=date(2020, 1, 1))
        )
    moment = utcnow()
    with unit_of_work(sessions) as session:
        today = workspaces.load_rules(session, team).today(moment)
        quarter = quarter_of(today)
        numbers = []
        for currency, minor, stage, days in deals:
            made = opportunities.create(
                session, boss, draft(customer, currency, minor, stage, quarter.start + timedelta(days=days))
            )
            numbers.append(made.opportunity.number)
    with unit_of_work(sessions) as session:
        then = forecast(session, team, quarter, today=today).open
        changes.take_weekly_snapshot(session, team, utcnow())
    with unit_of_work(sessions) as session:
        for op in operations:
            apply(session, boss, customer, quarter, numbers, op)
    with sessions() as session:
        result = changes.changes(session, team, quarter, utcnow())
        now = forecast(session, team, quarter, today=today).open
        assert session.query(Opportunity).filter(Opportunity.team_id == team).count() >= len(deals)
    start, steps, end = result.waterfall.shown()
    assert (start, end) == (then.value, now.value)
    assert start + sum(amount for _, amount in steps) == end
    w_start, w_steps, w_end = result.waterfall.shown(weighted=True)
    assert (w_start, w_end) == (then.weighted, now.weighted)
    assert w_start + sum(amount for _, amount in w_steps) == w_end
