"""The forecast: one implementation for /opp forecast, /opp pipeline's reporting view, App Home and digests.

Aggregates are computed by the database (GROUP BY stage, currency), converted here with dated rates, summed exactly
and rounded to the reporting currency once at the end. The statement count does not grow with the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import UTCDateTime
from oppbot.db.models import ForecastSnapshot, Opportunity
from oppbot.domain import analytics
from oppbot.domain.categories import CATEGORIES, OPEN_CATEGORIES, Category
from oppbot.domain.errors import InvalidInput
from oppbot.domain.fx import Rate, RateTable, convert, rounded, to_major, weighted_major
from oppbot.domain.periods import Period
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.i18n import N_, _
from oppbot.services import fx, policy, workspaces
from oppbot.services.context import Actor

OPEN_VALUES = tuple(s.value for s in OPEN_STAGES)
MISSING_LIMIT = 50


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day starts: what 'closed in the period, in the workspace's time zone' compares with."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


@dataclass(slots=True)
class StageLine:
    stage: Stage
    count: int = 0
    value: Decimal = Decimal(0)  # exact, in the reporting currency
    weighted: Decimal = Decimal(0)


@dataclass(slots=True)
class CurrencyLine:
    """A per-currency subtotal in its own currency, and converted when a rate exists."""

    currency: str
    count: int = 0
    value: Decimal = Decimal(0)  # in `currency`, exact
    weighted: Decimal = Decimal(0)
    converted_value: Decimal | None = Decimal(0)  # reporting currency, exact; None: no rate
    converted_weighted: Decimal | None = Decimal(0)


@dataclass(slots=True)
class Section:
    """Open deals (or overdue ones): per stage in the reporting currency, per currency natively."""

    reporting: str
    stages: list[StageLine] = field(default_factory=list)
    by_currency: list[CurrencyLine] = field(default_factory=list)
    missing_count: int = 0  # deals left out for want of a rate

    @property
    def count(self) -> int:
        return sum(s.count for s in self.stages)

    @property
    def value(self) -> Decimal:
        """Summed exactly, rounded once to the reporting currency's minor units."""
        return rounded(sum((s.value for s in self.stages), Decimal(0)), self.reporting)

    @property
    def weighted(self) -> Decimal:
        return rounded(sum((s.weighted for s in self.stages), Decimal(0)), self.reporting)

    def stage(self, stage: Stage) -> StageLine:
        return next(s for s in self.stages if s.stage == stage)


@dataclass(slots=True)
class WonSection:
    reporting: str
    count: int = 0
    exact_value: Decimal = Decimal(0)
    by_currency: list[CurrencyLine] = field(default_factory=list)
    missing_count: int = 0
    # assignee → (count, exact value in the reporting currency); None is unassigned
    by_assignee: dict[str | None, tuple[int, Decimal]] = field(default_factory=dict)

    @property
    def value(self) -> Decimal:
        return rounded(self.exact_value, self.reporting)


@dataclass(frozen=True, slots=True)
class MissingRateDeal:
    number: int
    title: str
    currency: str
    amount: Decimal
    section: str  # open | overdue | won

    @property
    def ref(self) -> str:
        return format_ref(self.number)


@dataclass(slots=True)
class Forecast:
    period: Period | None  # None: the whole open pipeline
    reporting: str
    today: date
    open: Section
    overdue: Section
    won: WonSection
    rates_used: list[Rate]
    missing: list[MissingRateDeal]  # at most MISSING_LIMIT; missing_total counts them all
    assignee_id: str | None = None
    stages_filter: tuple[Stage, ...] = ()

    @property
    def missing_total(self) -> int:
        return self.open.missing_count + self.overdue.missing_count + self.won.missing_count


def stage_line(value: Decimal, weighted: Decimal, stage: Stage, count: int) -> StageLine:
    return StageLine(stage, count, value, weighted)


def round_line(line: StageLine, reporting: str) -> tuple[int, Decimal, Decimal]:
    return line.count, rounded(line.value, reporting), rounded(line.weighted, reporting)


# --- queries ---------------------------------------------------------------------------------------------------------


def _base_conditions(team_id: str, assignee_id: str | None) -> list:
    conds = [Opportunity.team_id == team_id]
    if assignee_id:
        conds.append(Opportunity.assignee_id == assignee_id)
    return conds


def _open_stage_values(stages: Iterable[Stage] | None) -> list[str]:
    chosen = [s for s in (stages or ()) if s.is_open]
    return [s.value for s in chosen] if chosen else list(OPEN_VALUES)


def _grouped_open(session: Session, conds: list) -> list[tuple[str, str, int, int, int]]:
    return [
        (row.stage.value, row.currency, row.count, row.amount_minor, row.weighted_minor_x100)
        for row in repo.grouped_totals(session, conds)
    ]


def _summarise(rows, table: RateTable, day: date, stages: list[str], used: dict) -> tuple[Section, set[str]]:
    section = Section(table.reporting, stages=[StageLine(Stage(v)) for v in stages])
    by_stage = {line.stage.value: line for line in section.stages}
    by_currency: dict[str, CurrencyLine] = {}
    missing: set[str] = set()
    for stage, currency, count, amount_minor, weighted_x100 in rows:
        value, weighted = to_major(amount_minor, currency), weighted_major(weighted_x100, currency)
        sub = by_currency.setdefault(currency, CurrencyLine(currency))
        sub.count += count
        sub.value += value
        sub.weighted += weighted
        rate = table.rate_on(currency, day)
        if rate is None:
            sub.converted_value = sub.converted_weighted = None
            section.missing_count += count
            missing.add(currency)
            continue
        if currency != table.reporting:
            used[(currency, rate.effective_date)] = rate
        line = by_stage.setdefault(stage, StageLine(Stage(stage)))
        line.count += count
        line.value += convert(value, rate)
        line.weighted += convert(weighted, rate)
        sub.converted_value += convert(value, rate)
        sub.converted_weighted += convert(weighted, rate)
    section.by_currency = sorted(by_currency.values(), key=lambda c: c.currency)
    section.stages.sort(key=lambda s: s.stage.order)
    return section, missing


def _bucket(points: list[date], zone: ZoneInfo):
    """CASE closed_at → index of the rate interval it falls in (0 before the first change point)."""
    if not points:
        return literal(0)
    whens = [
        (Opportunity.closed_at >= literal(local_midnight(d, zone), UTCDateTime()), index)
        for index, d in reversed(list(enumerate(points, start=1)))
    ]
    return case(*whens, else_=0)


def _won(
    session: Session, conds: list, table: RateTable, zone: ZoneInfo, start: date | None, end: date | None, used: dict
) -> tuple[WonSection, list]:
    """Closed-Won with closed_at in [start, end] local: each deal at the rate of its own close date."""
    points = table.change_points(start, end)
    bucket = _bucket(points, zone)
    where = [*conds, Opportunity.stage == Stage.CLOSED_WON.value]
    if start is not None:
        where.append(Opportunity.closed_at >= local_midnight(start, zone))
    if end is not None:
        where.append(Opportunity.closed_at < local_midnight(end + timedelta(days=1), zone))
    rows = session.execute(
        select(
            Opportunity.currency,
            bucket.label("bucket"),
            func.count(),
            func.coalesce(func.sum(Opportunity.amount_minor), 0),
            Opportunity.assignee_id,
        )
        .where(*where)
        .group_by(Opportunity.currency, bucket, Opportunity.assignee_id)
    ).all()
    won = WonSection(table.reporting)
    by_currency: dict[str, CurrencyLine] = {}
    missing_ranges = []
    for currency, index, count, amount_minor, assignee in rows:
        index, count = int(index), int(count)
        day = points[index - 1] if index else (start or date.min)
        value = to_major(int(amount_minor), currency)
        sub = by_currency.setdefault(currency, CurrencyLine(currency, weighted=Decimal(0)))
        sub.count += count
        sub.value += value
        sub.weighted += value
        rate = table.rate_on(currency, day) if index or start is not None else None
        if rate is None and currency == table.reporting:
            rate = table.rate_on(currency, day)
        if rate is None:
            sub.converted_value = sub.converted_weighted = None
            won.missing_count += count
            low = local_midnight(points[index - 1], zone) if index else (local_midnight(start, zone) if start else None)
            high = (
                local_midnight(points[index], zone)
                if index < len(points)
                else (local_midnight(end + timedelta(days=1), zone) if end else None)
            )
            missing_ranges.append((currency, low, high))
            continue
        if currency != table.reporting:
            used[(currency, rate.effective_date)] = rate
        won.count += count
        won.exact_value += convert(value, rate)
        seen_count, seen_value = won.by_assignee.get(assignee, (0, Decimal(0)))
        won.by_assignee[assignee] = (seen_count + count, seen_value + convert(value, rate))
        if sub.converted_value is not None:
            sub.converted_value += convert(value, rate)
            sub.converted_weighted += convert(value, rate)
    won.by_currency = sorted(by_currency.values(), key=lambda c: c.currency)
    return won, missing_ranges


def _missing_deals(
    session: Session,
    conds: list,
    open_conds: list | None,
    open_currencies: set[str],
    won_ranges: list,
    period: Period | None,
    today: date,
    overdue_before: date,
) -> list[MissingRateDeal]:
    """The bounded list of deals shown apart because their currency has no rate for the day that matters."""
    ors = []
    if open_currencies and open_conds is not None:
        ors.append(and_(*open_conds, Opportunity.currency.in_(sorted(open_currencies))))
    for currency, low, high in won_ranges:
        parts = [Opportunity.stage == Stage.CLOSED_WON.value, Opportunity.currency == currency]
        if low is not None:
            parts.append(Opportunity.closed_at >= low)
        if high is not None:
            parts.append(Opportunity.closed_at < high)
        ors.append(and_(*parts))
    if not ors:  # still one statement: the count per call stays the same whatever the data
        ors.append(false())
    rows = session.execute(
        select(
            Opportunity.number,
            Opportunity.title,
            Opportunity.currency,
            Opportunity.amount_minor,
            Opportunity.stage,
            Opportunity.expected_close,
        )
        .where(*conds, or_(*ors))
        .order_by(Opportunity.number)
        .limit(MISSING_LIMIT)
    ).all()
    found = []
    for number, title, currency, amount_minor, stage, expected in rows:
        if stage == Stage.CLOSED_WON.value:
            section = "won"
        elif expected is not None and expected < overdue_before and (period is None or expected < period.start):
            section = "overdue"
        else:
            section = "open"
        found.append(MissingRateDeal(number, title, currency, to_major(amount_minor, currency), section))
    return found


# --- the one implementation ------------------------------------------------------------------------------------------


def forecast(
    session: Session,
    team_id: str,
    period: Period | None,
    *,
    assignee_id: str | None = None,
    stages: Iterable[Stage] | None = None,
    today: date,
) -> Forecast:
    """Open deals expected to close in `period` (all open deals when None) per stage, converted at today's rates;
    Closed-Won in the period at each deal's close-date rate; overdue open deals carried in; deals with no rate apart.
    """
    rules = workspaces.load_rules(session, team_id)
    zone = rules.zone
    reporting = rules.reporting_currency
    table = fx.load_table(session, team_id, reporting)
    stage_values = _open_stage_values(stages)
    conds = _base_conditions(team_id, assignee_id)
    open_stage = Opportunity.stage.in_(stage_values)
    used: dict = {}

    in_period = [open_stage]
    if period is not None:
        in_period += [Opportunity.expected_close >= period.start, Opportunity.expected_close <= period.end]
    overdue_before = min(period.start, today) if period is not None else today
    overdue_conds = [open_stage, Opportunity.expected_close < overdue_before]

    open_section, open_missing = _summarise(
        _grouped_open(session, [*conds, *in_period]), table, today, stage_values, used
    )
    overdue_section, overdue_missing = _summarise(
        _grouped_open(session, [*conds, *overdue_conds]), table, today, stage_values, used
    )
    won_ranges: list = []
    won = WonSection(reporting)
    if period is not None:
        won, won_ranges = _won(session, conds, table, zone, period.start, period.end, used)

    # Overdue deals are a subset of the whole pipeline when period is None: list them once.
    open_or = [and_(*in_period)] if period is None else [and_(*in_period), and_(*overdue_conds)]
    missing = _missing_deals(
        session,
        conds,
        [or_(*open_or)] if (open_missing | overdue_missing) else None,
        open_missing | overdue_missing,
        won_ranges,
        period,
        today,
        overdue_before,
    )
    rates = sorted(used.values(), key=lambda r: (r.currency, r.effective_date))
    return Forecast(
        period,
        reporting,
        today,
        open_section,
        overdue_section,
        won,
        rates,
        missing,
        assignee_id=assignee_id,
        stages_filter=tuple(stages or ()),
    )


def pipeline_summary(
    session: Session,
    team_id: str,
    *,
    assignee_id: str | None = None,
    stages: Iterable[Stage] | None = None,
    today: date,
) -> Forecast:
    """All open deals by stage in the reporting currency (a Forecast with no period: `open` is the pipeline)."""
    return forecast(session, team_id, None, assignee_id=assignee_id, stages=stages, today=today)


def won_between(session: Session, team_id: str, start: date | None, end: date | None) -> WonSection:
    rules = workspaces.load_rules(session, team_id)
    table = fx.load_table(session, team_id, rules.reporting_currency)
    won, _lines = _won(session, [Opportunity.team_id == team_id], table, rules.zone, start, end, {})
    return won


# --- snapshots -------------------------------------------------------------------------------------------------------


def _snapshot_data(result: Forecast) -> dict:
    r = result.reporting
    return {
        "stages": {
            line.stage.value: {
                "count": line.count,
                "value": str(rounded(line.value, r)),
                "weighted": str(rounded(line.weighted, r)),
            }
            for line in result.open.stages
        },
        "count": result.open.count,
        "value": str(result.open.value),
        "weighted": str(result.open.weighted),
        "won": str(result.won.value),
        "won_count": result.won.count,
        "overdue_weighted": str(result.overdue.weighted),
        "overdue_count": result.overdue.count,
        "missing": result.missing_total,
        "rates": [[x.currency, str(x.rate), x.effective_date.isoformat()] for x in result.rates_used],
    }


@dataclass(frozen=True, slots=True)
class SnapshotTaken:
    snapshot: ForecastSnapshot
    created: bool  # False: a "start" snapshot already existed and was left alone


def take_manual_snapshot(session: Session, actor: Actor, period: Period, *, now: datetime) -> SnapshotTaken:
    """A snapshot someone asked for (`/opp forecast snapshot`): managers only, kept beside the scheduled ones."""
    policy.require_manager(actor, N_("take forecast snapshots"))
    return take_snapshot(session, actor.team_id, period, "manual", now=now, taken_by=actor.user_id)


def take_snapshot(
    session: Session, team_id: str, period: Period, label: str = "start", *, now: datetime, taken_by: str | None = None
) -> SnapshotTaken:
    """Store the forecast for `period` as it stands. "start" is once per period (a second call is a no-op);
    "manual" snapshots are kept side by side, labelled with the time they were taken."""
    if label not in ("start", "manual"):
        raise InvalidInput.field("label", _("A snapshot is 'start' or 'manual'."))
    stored_label = label if label == "start" else f"manual-{now.astimezone(UTC):%Y%m%dT%H%M%S}"
    existing = session.scalar(
        select(ForecastSnapshot).where(
            ForecastSnapshot.team_id == team_id,
            ForecastSnapshot.period_key == period.key,
            ForecastSnapshot.label == stored_label,
        )
    )
    if existing is not None:
        return SnapshotTaken(existing, False)
    today = workspaces.load_rules(session, team_id).today(now)
    result = forecast(session, team_id, period, today=today)
    data = {**_snapshot_data(result), **board_snapshot_data(category_board(session, team_id, period, today=today))}
    row = ForecastSnapshot(
        team_id=team_id,
        period_key=period.key,
        label=stored_label,
        period_start=period.start,
        period_end=period.end,
        reporting_currency=result.reporting,
        weighted_total=result.open.weighted,
        data=data,
        taken_at=now,
        taken_by=taken_by,
    )
    try:
        with session.begin_nested():  # two schedulers at once: the unique key decides, the loser reads the winner
            session.add(row)
    except IntegrityError:
        again = session.scalar(
            select(ForecastSnapshot).where(
                ForecastSnapshot.team_id == team_id,
                ForecastSnapshot.period_key == period.key,
                ForecastSnapshot.label == stored_label,
            )
        )
        return SnapshotTaken(again, False)
    return SnapshotTaken(row, True)


@dataclass(frozen=True, slots=True)
class Accuracy:
    period: Period
    reporting: str
    snapshot: ForecastSnapshot | None  # the start snapshot (or the earliest manual one when no start exists)
    forecast_weighted: Decimal | None
    forecast_value: Decimal | None
    actual_won: Decimal
    actual_count: int
    missing: int  # won deals left out for want of a rate

    @property
    def ratio(self) -> Decimal | None:
        if not self.forecast_weighted:
            return None
        return self.actual_won / self.forecast_weighted


def forecast_accuracy(session: Session, team_id: str, period: Period) -> Accuracy:
    """The period's start snapshot beside what actually closed won in the period."""
    snaps = list(
        session.scalars(
            select(ForecastSnapshot)
            .where(ForecastSnapshot.team_id == team_id, ForecastSnapshot.period_key == period.key)
            .order_by(ForecastSnapshot.taken_at, ForecastSnapshot.id)
        )
    )
    snapshot = next((s for s in snaps if s.label == "start"), snaps[0] if snaps else None)
    won = won_between(session, team_id, period.start, period.end)
    return Accuracy(
        period=period,
        reporting=won.reporting,
        snapshot=snapshot,
        forecast_weighted=Decimal(snapshot.data["weighted"]) if snapshot else None,
        forecast_value=Decimal(snapshot.data["value"]) if snapshot else None,
        actual_won=won.value,
        actual_count=won.count,
        missing=won.missing_count,
    )


# --- forecast categories, quotas and adjustments (the manager's weekly call) -----------------------------------------


@dataclass(slots=True)
class CategoryLine:
    category: Category
    count: int = 0
    value: Decimal = Decimal(0)  # exact, reporting currency
    weighted: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Adjusted:
    amount: Decimal  # the manager's figure, in the reporting currency (exact)
    note: str
    set_by: str
    set_at: datetime


@dataclass(slots=True)
class RepLine:
    """One rep's (or, with assignee_id None and is_total, everyone's) figures for the period, all exact."""

    assignee_id: str | None
    categories: dict[Category, CategoryLine]
    quota: Decimal | None = None  # converted to the reporting currency
    adjusted: Adjusted | None = None
    is_total: bool = False

    def value(self, category: Category) -> Decimal:
        return self.categories[category].value

    @property
    def closed(self) -> Decimal:
        return self.value(Category.CLOSED)

    @property
    def commit(self) -> Decimal:
        return self.value(Category.COMMIT)

    @property
    def closed_commit(self) -> Decimal:
        return self.closed + self.commit

    @property
    def closed_commit_best(self) -> Decimal:
        return self.closed_commit + self.value(Category.BEST_CASE)

    @property
    def open_pipeline(self) -> Decimal:
        """Open deals expected to close in the period, unweighted, leaving out those the rep omitted."""
        return sum((self.value(c) for c in OPEN_CATEGORIES if c != Category.OMITTED), Decimal(0))

    @property
    def attainment(self) -> Decimal | None:
        return self.closed / self.quota if self.quota else None

    @property
    def coverage(self) -> Decimal | None:
        """Open pipeline over what is left of the quota; None when there is no quota or it is met."""
        if self.quota is None or self.quota - self.closed <= 0:
            return None
        return self.open_pipeline / (self.quota - self.closed)

    @property
    def gap(self) -> Decimal | None:
        return None if self.quota is None else self.quota - self.closed - self.commit


@dataclass(slots=True)
class Board:
    """/opp forecast by category: the period's open deals by forecast category (Closed: won in the period), per rep
    and in total, with quotas, attainment, coverage, gap and the managers' adjustments."""

    period: Period
    reporting: str
    today: date
    total: RepLine
    reps: list[RepLine]
    quota_rate_day: date
    missing_quota_rates: list[str] = field(default_factory=list)  # currencies of quotas left out for want of a rate

    @property
    def categories(self) -> list[CategoryLine]:
        return [self.total.categories[c] for c in CATEGORIES]


def _empty_categories() -> dict[Category, CategoryLine]:
    return {c: CategoryLine(c) for c in CATEGORIES}


def board_snapshot_data(board: Board) -> dict:
    """What a snapshot keeps of the board: per category, and per rep the figures accuracy is measured on."""
    r = board.reporting

    def money_text(amount: Decimal | None) -> str | None:
        return None if amount is None else str(rounded(amount, r))

    reps = {}
    for line in [*board.reps, board.total]:
        key = "total" if line.is_total else (line.assignee_id or "")
        reps[key] = {
            "closed": money_text(line.closed),
            "commit": money_text(line.commit),
            "closed_commit": money_text(line.closed_commit),
            "closed_commit_best": money_text(line.closed_commit_best),
            "weighted": money_text(sum((c.weighted for c in line.categories.values()), Decimal(0))),
            "quota": money_text(line.quota),
            "adjusted": money_text(line.adjusted.amount if line.adjusted else None),
        }
    return {
        "categories": {
            line.category.value: {
                "count": line.count,
                "value": money_text(line.value),
                "weighted": money_text(line.weighted),
            }
            for line in board.categories
        },
        "reps": reps,
    }


def category_expression(mapping) -> Any:
    """SQL for an open deal's effective category: its own, else its stage's through the workspace mapping."""
    by_stage = case(*[(Opportunity.stage == s.value, literal(mapping[s].value)) for s in OPEN_STAGES], else_=None)
    return func.coalesce(Opportunity.forecast_category, by_stage)


def quota_rate_day(period: Period, today: date) -> date:
    """The day whose rates convert a quota: today's, as for the open deals, or the period's last day once it is over."""
    return min(today, period.end)


def category_board(
    session: Session, team_id: str, period: Period, *, today: date, assignee_id: str | None = None
) -> Board:
    rules = workspaces.load_rules(session, team_id)
    reporting = rules.reporting_currency
    table = fx.load_table(session, team_id, reporting)
    conds = _base_conditions(team_id, assignee_id)
    category = category_expression(rules.categories).label("category")
    rows = session.execute(
        select(
            Opportunity.assignee_id,
            category,
            Opportunity.currency,
            func.count(),
            func.coalesce(func.sum(Opportunity.amount_minor), 0),
            func.coalesce(func.sum(Opportunity.amount_minor * Opportunity.probability), 0),
        )
        .where(
            *conds,
            Opportunity.stage.in_(OPEN_VALUES),
            Opportunity.expected_close >= period.start,
            Opportunity.expected_close <= period.end,
        )
        .group_by(Opportunity.assignee_id, category, Opportunity.currency)
    ).all()
    total = RepLine(None, _empty_categories(), is_total=True)
    reps: dict[str | None, RepLine] = {}

    def rep(who: str | None) -> RepLine:
        return reps.setdefault(who, RepLine(who, _empty_categories()))

    for who, cat, currency, count, amount_minor, weighted_x100 in rows:
        rate = table.rate_on(currency, today)
        if rate is None:
            continue  # listed apart by forecast(); never guessed
        value = convert(to_major(int(amount_minor), currency), rate)
        weighted = convert(weighted_major(int(weighted_x100), currency), rate)
        for line in (total.categories[Category(cat)], rep(who).categories[Category(cat)]):
            line.count += int(count)
            line.value += value
            line.weighted += weighted
    won, _lines = _won(session, conds, table, rules.zone, period.start, period.end, {})
    for who, (count, value) in won.by_assignee.items():
        for line in (total.categories[Category.CLOSED], rep(who).categories[Category.CLOSED]):
            line.count += count
            line.value += value
            line.weighted += value
    board = Board(period, reporting, today, total, [], quota_rate_day(period, today))
    _apply_quotas(session, team_id, board, table, reps, rep, assignee_id)
    board.reps = sorted(
        (r for r in reps.values() if r.assignee_id is not None), key=lambda r: (-r.closed_commit, r.assignee_id)
    )
    if None in reps:
        board.reps.append(reps[None])
    return board


def _apply_quotas(session: Session, team_id: str, board: Board, table: RateTable, reps, rep, assignee_id) -> None:
    from oppbot.db.models import ForecastAdjustment, Quota

    quotas = session.scalars(
        select(Quota).where(Quota.team_id == team_id, Quota.period_key == board.period.key).order_by(Quota.user_id)
    ).all()
    rep_sum, team_quota = None, None
    for quota in quotas:
        if assignee_id is not None and quota.user_id not in ("", assignee_id):
            continue
        rate = table.rate_on(quota.currency, board.quota_rate_day)
        if rate is None:
            board.missing_quota_rates.append(quota.currency)
            continue
        converted = convert(Decimal(quota.amount), rate)
        if quota.user_id == "":
            team_quota = converted
        else:
            rep(quota.user_id).quota = converted
            rep_sum = (rep_sum or Decimal(0)) + converted
    board.total.quota = team_quota if team_quota is not None and assignee_id is None else rep_sum
    for adj in session.scalars(
        select(ForecastAdjustment).where(
            ForecastAdjustment.team_id == team_id, ForecastAdjustment.period_key == board.period.key
        )
    ):
        if assignee_id is not None and adj.user_id != assignee_id:
            continue
        rate = table.rate_on(adj.currency, board.quota_rate_day)
        if rate is not None:
            rep(adj.user_id).adjusted = Adjusted(convert(Decimal(adj.amount), rate), adj.note, adj.set_by, adj.set_at)


# --- accuracy over several periods, per measure and per rep ----------------------------------------------------------

ACCURACY_PERIODS = 4
TEAM_MEASURES = (  # (name, key in a snapshot's reps.total); the name is translated when the history is built
    (N_("Weighted"), "weighted"),
    (N_("Closed + Commit"), "closed_commit"),
    (N_("Closed + Commit + Best case"), "closed_commit_best"),
    (N_("Adjusted"), "adjusted"),
)


@dataclass(frozen=True, slots=True)
class MeasureAccuracy:
    name: str  # "Closed + Commit", or a rep's id for per-rep lines
    points: tuple[tuple[str, Decimal, Decimal], ...]  # (period key, forecast, actual)
    stats: analytics.ErrorStats
    assignee_id: str | None = None
    adjusted: bool = False  # the manager's figure rather than the rep's


@dataclass(frozen=True, slots=True)
class AccuracyHistory:
    periods: tuple[Period, ...]  # oldest first, the asked-for period last
    reporting: str
    measures: tuple[MeasureAccuracy, ...]
    reps: tuple[MeasureAccuracy, ...]
    without_snapshot: tuple[str, ...]


def _period_snapshot(session: Session, team_id: str, period: Period) -> ForecastSnapshot | None:
    snaps = session.scalars(
        select(ForecastSnapshot)
        .where(ForecastSnapshot.team_id == team_id, ForecastSnapshot.period_key == period.key)
        .order_by(ForecastSnapshot.taken_at, ForecastSnapshot.id)
    ).all()
    return next((s for s in snaps if s.label == "start"), snaps[0] if snaps else None)


def accuracy_history(
    session: Session, team_id: str, period: Period, *, count: int = ACCURACY_PERIODS
) -> AccuracyHistory:
    """Each measure the snapshots kept (team and per rep, the rep's and the manager's figure) against Closed-Won,
    over the `count` periods ending with `period`, as error %, bias and MAPE."""
    rules = workspaces.load_rules(session, team_id)
    table = fx.load_table(session, team_id, rules.reporting_currency)
    periods = [period]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    team: dict[str, list] = {key: [] for _name, key in TEAM_MEASURES}
    reps: dict[tuple[str, str], list] = {}
    missing = []
    for p in periods:
        snapshot = _period_snapshot(session, team_id, p)
        if snapshot is None or "reps" not in snapshot.data:
            missing.append(p.key)
            continue
        won, _lines = _won(session, [Opportunity.team_id == team_id], table, rules.zone, p.start, p.end, {})
        _collect(p, snapshot.data["reps"], won, team, reps)
    return AccuracyHistory(
        periods=tuple(periods),
        reporting=rules.reporting_currency,
        measures=tuple(
            MeasureAccuracy(_(name), tuple(team[key]), analytics.error_stats(team[key]), adjusted=key == "adjusted")
            for name, key in TEAM_MEASURES
            if team[key]
        ),
        reps=tuple(
            MeasureAccuracy(who, tuple(points), analytics.error_stats(points), who, adjusted=key == "adjusted")
            for (who, key), points in sorted(reps.items())
        ),
        without_snapshot=tuple(missing),
    )


def _collect(p: Period, figures: dict, won: WonSection, team: dict, reps: dict) -> None:
    """One period's snapshot figures beside its actual Closed-Won, for the team and for each rep."""
    for _name, key in TEAM_MEASURES:
        value = _adjusted_total(figures) if key == "adjusted" else figures.get("total", {}).get(key)
        if value is not None:
            team[key].append((p.key, Decimal(value), won.value))
    for who, entry in figures.items():
        if who == "total" or not who:
            continue
        actual = rounded(won.by_assignee.get(who, (0, Decimal(0)))[1], won.reporting)
        for key in ("closed_commit", "adjusted"):
            if entry.get(key) is not None:
                reps.setdefault((who, key), []).append((p.key, Decimal(entry[key]), actual))


def _adjusted_total(figures: dict) -> str | None:
    """The manager's view of the team: each rep's adjusted figure where one was set, their Closed + Commit else."""
    if not any(e.get("adjusted") is not None for who, e in figures.items() if who != "total"):
        return None
    return str(
        sum(
            (
                Decimal(e["adjusted"] if e.get("adjusted") is not None else e["closed_commit"])
                for who, e in figures.items()
                if who != "total"
            ),
            Decimal(0),
        )
    )
