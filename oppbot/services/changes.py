"""What changed in a period's pipeline: the waterfall from the last weekly digest's snapshot (or from the history
at a date) to now. Each weekly digest stores every open deal's state; `since <date>` rebuilds the states of that
moment by undoing the activity recorded after it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oppbot.db.models import Activity, ForecastSnapshot, Opportunity
from oppbot.domain.events import EventKind
from oppbot.domain.fx import to_major
from oppbot.domain.periods import Period
from oppbot.domain.stages import Stage
from oppbot.domain.waterfall import DealState, Waterfall, waterfall
from oppbot.services import fx, workspaces
from oppbot.services.forecast import OPEN_VALUES, local_midnight

WEEKLY_KEY = "weekly"  # forecast_snapshots.period_key of the deal-state snapshots taken with each weekly digest
CHUNK = 500
WEEK = timedelta(days=7)
_FIELDS = ("stage", "value", "currency", "probability", "expected_close")


@dataclass(frozen=True, slots=True)
class Changes:
    waterfall: Waterfall
    since: datetime  # the moment the start figures describe
    source: str  # "digest" (the last weekly digest's snapshot) or "history"


def _state(number, stage, amount_minor, currency, probability, expected_close) -> DealState:
    return DealState(
        int(number), Stage(stage), to_major(int(amount_minor), currency), currency, int(probability), expected_close
    )


_COLUMNS = (
    Opportunity.number,
    Opportunity.stage,
    Opportunity.amount_minor,
    Opportunity.currency,
    Opportunity.probability,
    Opportunity.expected_close,
)


def _load(session: Session, team_id: str, *where) -> dict[int, DealState]:
    rows = session.execute(select(*_COLUMNS).where(Opportunity.team_id == team_id, *where)).all()
    return {int(r[0]): _state(*r) for r in rows}


def _load_numbers(session: Session, team_id: str, numbers: Iterable[int]) -> dict[int, DealState]:
    wanted, found = sorted(set(numbers)), {}
    for i in range(0, len(wanted), CHUNK):
        found.update(_load(session, team_id, Opportunity.number.in_(wanted[i : i + CHUNK])))
    return found


def _in_period(period: Period) -> list:
    return [
        Opportunity.stage.in_(OPEN_VALUES),
        Opportunity.expected_close >= period.start,
        Opportunity.expected_close <= period.end,
    ]


# --- the weekly snapshot ---------------------------------------------------------------------------------------------


def take_weekly_snapshot(session: Session, team_id: str, now: datetime) -> ForecastSnapshot:
    """Every open deal's state now, compactly; taken with each weekly digest (one per second at most)."""
    rules = workspaces.load_rules(session, team_id)
    today = rules.today(now)
    label = f"weekly-{now.astimezone(UTC):%Y%m%dT%H%M%S}"
    existing = session.scalar(
        select(ForecastSnapshot).where(
            ForecastSnapshot.team_id == team_id,
            ForecastSnapshot.period_key == WEEKLY_KEY,
            ForecastSnapshot.label == label,
        )
    )
    if existing is not None:
        return existing
    rows = session.execute(
        select(*_COLUMNS).where(Opportunity.team_id == team_id, Opportunity.stage.in_(OPEN_VALUES))
    ).all()
    deals = {
        str(n): [stage, int(minor), currency, int(p), close.isoformat() if close else None]
        for n, stage, minor, currency, p, close in rows
    }
    row = ForecastSnapshot(
        team_id=team_id,
        period_key=WEEKLY_KEY,
        label=label,
        period_start=today,
        period_end=today,
        reporting_currency=rules.reporting_currency,
        weighted_total=Decimal(0),
        data={"deals": deals},
        taken_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a second digest channel in the same second: theirs is as good
        return session.scalar(
            select(ForecastSnapshot).where(
                ForecastSnapshot.team_id == team_id,
                ForecastSnapshot.period_key == WEEKLY_KEY,
                ForecastSnapshot.label == label,
            )
        )
    return row


def last_weekly_snapshot(session: Session, team_id: str, before: datetime) -> ForecastSnapshot | None:
    return session.scalar(
        select(ForecastSnapshot)
        .where(
            ForecastSnapshot.team_id == team_id,
            ForecastSnapshot.period_key == WEEKLY_KEY,
            ForecastSnapshot.taken_at <= before,
        )
        .order_by(ForecastSnapshot.taken_at.desc(), ForecastSnapshot.id.desc())
        .limit(1)
    )


def _snapshot_states(snapshot: ForecastSnapshot) -> dict[int, DealState]:
    states = {}
    for number, (stage, minor, currency, probability, close) in snapshot.data.get("deals", {}).items():
        states[int(number)] = _state(
            number, stage, minor, currency, probability, date.fromisoformat(close) if close else None
        )
    return states


# --- states at a past moment, from the activity log ------------------------------------------------------------------


def _undo(state: DealState | None, changes: list[dict]) -> DealState | None:
    if state is None:
        return None
    fields = {
        "stage": state.stage,
        "value": state.amount,
        "currency": state.currency,
        "probability": state.probability,
        "expected_close": state.expected_close,
    }
    for change in changes:
        name = change.get("field")
        if name not in _FIELDS:
            continue
        before = change.get("before")
        if name == "stage" and before:
            fields[name] = Stage(before)
        elif name == "value" and before is not None:
            fields[name] = Decimal(str(before))
        elif name == "probability" and before is not None:
            fields[name] = int(before)
        elif name == "expected_close":
            fields[name] = date.fromisoformat(before) if before else None
        elif name == "currency" and before:
            fields[name] = before
    return DealState(
        state.number,
        fields["stage"],
        fields["value"],
        fields["currency"],
        fields["probability"],
        fields["expected_close"],
    )


def states_at(session: Session, team_id: str, moment: datetime, period: Period) -> dict[int, DealState]:
    """Deal states at `moment`: those in the period now or changed since, with every later change undone."""
    later = session.execute(
        select(Activity.opportunity_id, Activity.kind, Activity.changes, Opportunity.number)
        .join(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(Activity.team_id == team_id, Activity.created_at > moment)
        .order_by(Activity.created_at.desc(), Activity.id.desc())
    ).all()
    touched = {int(number) for _id, _kind, _changes, number in later}
    states = _load(session, team_id, *_in_period(period))
    states.update(_load_numbers(session, team_id, touched - set(states)))
    for _id, kind, changes, number in later:  # newest first
        if kind == EventKind.CREATED:
            states[int(number)] = None
        else:
            states[int(number)] = _undo(states.get(int(number)), list(changes or []))
    return {n: s for n, s in states.items() if s is not None}


# --- the waterfall ---------------------------------------------------------------------------------------------------


def changes(session: Session, team_id: str, period: Period, now: datetime, *, since: date | None = None) -> Changes:
    """From the last weekly digest's snapshot (or, with `since`, from the history at that local midnight) to now."""
    rules = workspaces.load_rules(session, team_id)
    table = fx.load_table(session, team_id, rules.reporting_currency)
    today = rules.today(now)
    snapshot = None if since is not None else last_weekly_snapshot(session, team_id, now)
    if snapshot is not None:
        moment, source = snapshot.taken_at, "digest"
        start = _snapshot_states(snapshot)
        _closed_then(session, team_id, start, moment, period)
    else:
        moment = local_midnight(since, rules.zone) if since is not None else now - WEEK
        source = "history"
        start = states_at(session, team_id, moment, period)
    start_day = rules.today(moment)
    end = _load(session, team_id, *_in_period(period))
    in_start = [
        n
        for n, s in start.items()
        if s.stage.is_open and s.expected_close and period.start <= s.expected_close <= period.end
    ]
    end.update(_load_numbers(session, team_id, set(in_start) - set(end)))

    def start_rate(currency: str) -> Decimal | None:
        rate = table.rate_on(currency, start_day)
        return rate.rate if rate else None

    def end_rate(currency: str) -> Decimal | None:
        rate = table.rate_on(currency, today)
        return rate.rate if rate else None

    result = waterfall(start, end, period, rules.reporting_currency, start_rate, end_rate)
    return Changes(result, moment, source)


def _closed_then(session: Session, team_id: str, start: dict[int, DealState], moment: datetime, period: Period) -> None:
    """The weekly snapshot keeps open deals only: a deal in the period now that existed then but is not in it was
    closed then (it was reopened since), not new."""
    rows = session.execute(
        select(*_COLUMNS).where(Opportunity.team_id == team_id, *_in_period(period), Opportunity.created_at <= moment)
    ).all()
    for row in rows:
        if int(row[0]) not in start:
            state = _state(*row)
            start[state.number] = DealState(
                state.number, Stage.CLOSED_LOST, state.amount, state.currency, 0, state.expected_close
            )


def push_count(session: Session, team_id: str, opportunity_id: int) -> int:
    """How many times the deal's expected close date was moved later ("pushed 3×" on its card)."""
    rows = session.scalars(
        select(Activity.changes).where(
            Activity.team_id == team_id,
            Activity.opportunity_id == opportunity_id,
            or_(Activity.kind == EventKind.EDITED, Activity.kind == EventKind.CREATED),
        )
    )
    pushes = 0
    for changes_ in rows:
        for change in changes_ or []:
            if change.get("field") == "expected_close" and change.get("before") and change.get("after"):
                pushes += change["after"] > change["before"]
    return pushes
