"""/opp stats: win rate, deal size, sales cycle, conversion, time in stage, loss reasons, calibration, workload.

A fixed number of grouped statements; medians are taken in Python over one fetched column per deal or stage entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from oppbot.db.models import Opportunity, StageChange
from oppbot.domain import analytics
from oppbot.domain.analytics import BAND_EDGES, Calibration
from oppbot.domain.fx import convert, rounded, to_major, weighted_major
from oppbot.domain.opportunity import loss_reason_label
from oppbot.domain.periods import Period
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.i18n import _
from oppbot.services import fx, workspaces
from oppbot.services.forecast import _bucket, local_midnight

WON, LOST = Stage.CLOSED_WON.value, Stage.CLOSED_LOST.value
OPEN_VALUES = [s.value for s in OPEN_STAGES]


@dataclass(slots=True)
class Conversion:
    stage: Stage
    entered: int
    advanced: int  # left for a later stage (or won), not lost and not backwards

    @property
    def rate(self) -> Decimal | None:
        return analytics.ratio(self.advanced, self.entered)


@dataclass(slots=True)
class Workload:
    assignee_id: str | None
    open_count: int = 0
    value: Decimal = Decimal(0)  # reporting currency, exact
    weighted: Decimal = Decimal(0)
    stale: int = 0
    missing: int = 0  # deals whose currency has no rate today (counted, not summed)


@dataclass(slots=True)
class Stats:
    period: Period | None
    reporting: str
    won: int
    lost: int
    won_total: Decimal  # exact, reporting currency
    won_sizes: list[Decimal]  # per converted won deal, exact
    cycle_days: list[Decimal]
    missing_rate_won: int
    conversion: list[Conversion]
    time_in_stage: dict[Stage, Decimal | None]  # median days
    loss_reasons: dict[Stage | None, dict[str, int]]
    calibration_by_stage: list[Calibration]
    calibration_by_band: list[Calibration]
    workload: list[Workload] = field(default_factory=list)

    @property
    def win_rate(self) -> Decimal | None:
        return analytics.win_rate(self.won, self.lost)

    @property
    def average_won(self) -> Decimal | None:
        mean = analytics.mean(self.won_total, len(self.won_sizes))
        return rounded(mean, self.reporting) if mean is not None else None

    @property
    def median_won(self) -> Decimal | None:
        value = analytics.median(self.won_sizes)
        return rounded(value, self.reporting) if value is not None else None

    @property
    def median_cycle_days(self) -> Decimal | None:
        return analytics.median(self.cycle_days)


def _order_of(column):
    return case(*((column == s.value, s.order) for s in Stage), else_=-1)


def stats(session: Session, team_id: str, period: Period | None, *, today: date, now: datetime) -> Stats:
    """Figures for deals closed in `period` (all time when None); stage entries made in the period."""
    rules = workspaces.load_rules(session, team_id)
    zone, reporting = rules.zone, rules.reporting_currency
    table = fx.load_table(session, team_id, reporting)
    team = Opportunity.team_id == team_id
    closed_in = [team]
    entered_in = [StageChange.team_id == team_id]
    if period is not None:
        low, high = local_midnight(period.start, zone), local_midnight(period.end + timedelta(days=1), zone)
        closed_in += [Opportunity.closed_at >= low, Opportunity.closed_at < high]
        entered_in += [StageChange.changed_at >= low, StageChange.changed_at < high]

    # 1. won and lost counts
    counts = dict(
        session.execute(
            select(Opportunity.stage, func.count())
            .where(*closed_in, Opportunity.stage.in_([WON, LOST]))
            .group_by(Opportunity.stage)
        ).all()
    )

    # 2. each won deal's amount, rate interval and cycle: one row per won deal, for the medians
    points = table.change_points(period.start if period else None, period.end if period else None)
    bucket = _bucket(points, zone)
    sizes, cycles, total, missing = [], [], Decimal(0), 0
    for currency, amount_minor, index, created, closed in session.execute(
        select(
            Opportunity.currency, Opportunity.amount_minor, bucket, Opportunity.created_at, Opportunity.closed_at
        ).where(*closed_in, Opportunity.stage == WON)
    ):
        index = int(index)
        day = points[index - 1] if index else (period.start if period else date.min)
        rate = table.rate_on(currency, day)
        cycles.append(Decimal((closed - created).total_seconds()) / Decimal(86400))
        if rate is None:
            missing += 1
            continue
        size = convert(to_major(amount_minor, currency), rate)
        sizes.append(size)
        total += size

    # 3. stage-to-stage conversion: each entry into a stage, and whether the next move went forward
    nxt = func.lead(StageChange.to_stage).over(
        partition_by=StageChange.opportunity_id, order_by=(StageChange.changed_at, StageChange.id)
    )
    nxt_at = func.lead(StageChange.changed_at).over(
        partition_by=StageChange.opportunity_id, order_by=(StageChange.changed_at, StageChange.id)
    )
    # Entries before the period are never counted, and an entry's next move is never earlier than it: the lower
    # bound goes inside the window, so the database orders only the period's entries, not the workspace's history.
    since = [StageChange.changed_at >= low] if period is not None else []
    moves = (
        select(
            StageChange.to_stage.label("stage"),
            StageChange.changed_at.label("at"),
            nxt.label("next_stage"),
            nxt_at.label("next_at"),
        )
        .where(StageChange.team_id == team_id, *since)
        .subquery()
    )
    window_filter = []
    if period is not None:
        window_filter = [moves.c.at >= low, moves.c.at < high]
    forward = and_(_order_of(moves.c.next_stage) > _order_of(moves.c.stage), moves.c.next_stage != LOST)
    conv_rows = dict(
        (s, (int(n), int(a)))
        for s, n, a in session.execute(
            select(moves.c.stage, func.count(), func.coalesce(func.sum(case((forward, 1), else_=0)), 0))
            .where(moves.c.stage.in_(OPEN_VALUES), *window_filter)
            .group_by(moves.c.stage)
        )
    )
    conversion = [Conversion(s, *conv_rows.get(s.value, (0, 0))) for s in OPEN_STAGES]

    # 4. time in each stage: one row per completed stay
    stays: dict[str, list[Decimal]] = {s.value: [] for s in OPEN_STAGES}
    for stage, at, next_at in session.execute(
        select(moves.c.stage, moves.c.at, moves.c.next_at).where(
            moves.c.stage.in_(OPEN_VALUES), moves.c.next_at.is_not(None), *window_filter
        )
    ):
        stays[stage].append(Decimal((_aware(next_at) - _aware(at)).total_seconds()) / Decimal(86400))
    time_in_stage = {Stage(s): analytics.median(v) for s, v in stays.items()}

    # 5. loss reasons by the stage the deal was lost at
    reasons: dict[Stage | None, dict[str, int]] = {}
    for at_stage, reason, n in session.execute(
        select(Opportunity.lost_at_stage, Opportunity.lost_reason, func.count())
        .where(*closed_in, Opportunity.stage == LOST)
        .group_by(Opportunity.lost_at_stage, Opportunity.lost_reason)
    ):
        key = Stage(at_stage) if at_stage else None
        reasons.setdefault(key, {})[loss_reason_label(reason) if reason else _("No reason")] = int(n)

    # 6. calibration: closed deals, each stage they entered, won or not, beside the probability entered then
    band = case(
        *((StageChange.probability <= high_, i) for i, (_lo, high_) in enumerate(BAND_EDGES)), else_=len(BAND_EDGES) - 1
    )
    joined = (StageChange.opportunity_id == Opportunity.id, StageChange.to_stage.in_(OPEN_VALUES))
    won_case = func.sum(case((Opportunity.stage == WON, 1), else_=0))
    base = (
        select(func.count(), won_case, func.sum(StageChange.probability))
        .join_from(StageChange, Opportunity, and_(*joined))
        .where(*closed_in, Opportunity.stage.in_([WON, LOST]))
    )
    by_stage = {
        s: (int(n), int(w or 0), int(p or 0))
        for n, w, p, s in session.execute(base.add_columns(StageChange.to_stage).group_by(StageChange.to_stage))
    }
    by_band = {
        int(b): (int(n), int(w or 0), int(p or 0))
        for n, w, p, b in session.execute(base.add_columns(band.label("band")).group_by(band))
    }
    cal_stage = [Calibration(s.label, *by_stage.get(s.value, (0, 0, 0))) for s in OPEN_STAGES]
    cal_band = [Calibration(analytics.band_label(i), *by_band.get(i, (0, 0, 0))) for i in range(len(BAND_EDGES))]

    return Stats(
        period=period,
        reporting=reporting,
        won=int(counts.get(WON, 0)),
        lost=int(counts.get(LOST, 0)),
        won_total=total,
        won_sizes=sizes,
        cycle_days=cycles,
        missing_rate_won=missing,
        conversion=conversion,
        time_in_stage=time_in_stage,
        loss_reasons=reasons,
        calibration_by_stage=cal_stage,
        calibration_by_band=cal_band,
        workload=workload(session, team_id, today=today, now=now),
    )


def _aware(moment):
    from datetime import UTC

    if isinstance(moment, str):  # SQLite returns window-function results untyped
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def workload(session: Session, team_id: str, *, today: date, now: datetime) -> list[Workload]:
    """Each rep's open deals, value, weighted value and stale count, in the reporting currency (one statement)."""
    rules = workspaces.load_rules(session, team_id)
    table = fx.load_table(session, team_id, rules.reporting_currency)
    cutoffs = rules.stale_cutoffs(now)
    stale = or_(*(and_(Opportunity.stage == s.value, Opportunity.last_activity_at < c) for s, c in cutoffs.items()))
    rows = session.execute(
        select(
            Opportunity.assignee_id,
            Opportunity.currency,
            func.count(),
            func.coalesce(func.sum(Opportunity.amount_minor), 0),
            func.coalesce(func.sum(Opportunity.amount_minor * Opportunity.probability), 0),
            func.coalesce(func.sum(case((stale, 1), else_=0)), 0),
        )
        .where(Opportunity.team_id == team_id, Opportunity.stage.in_(OPEN_VALUES))
        .group_by(Opportunity.assignee_id, Opportunity.currency)
    ).all()
    people: dict[str | None, Workload] = {}
    for assignee, currency, n, amount, weighted, stale_n in rows:
        entry = people.setdefault(assignee, Workload(assignee))
        entry.open_count += int(n)
        entry.stale += int(stale_n)
        rate = table.rate_on(currency, today)
        if rate is None:
            entry.missing += int(n)
            continue
        entry.value += convert(to_major(int(amount), currency), rate)
        entry.weighted += convert(weighted_major(int(weighted), currency), rate)
    return sorted(people.values(), key=lambda w: (-w.weighted, w.assignee_id or ""))
