"""The weekly digest's content: forecast for this month and quarter, changes since the last digest, deals closing
soon, stale and overdue counts. Plain data; oppbot/slack/blocks/digest.py renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oppbot.db.models import Activity, FxRate, Opportunity
from oppbot.domain.events import EventKind
from oppbot.domain.money import minor_units
from oppbot.domain.periods import month_of, quarter_of
from oppbot.domain.stages import OPEN_STAGES
from oppbot.services import alerts, workspaces
from oppbot.services.changes import Changes as WaterfallChanges
from oppbot.services.changes import changes as pipeline_changes
from oppbot.services.forecast import Board, Forecast, category_board, forecast

CLOSING_SOON_DAYS = 30
CLOSING_SOON_LIMIT = 5
CHANGE_LINES = 5
CHANGE_KINDS = (EventKind.CREATED, EventKind.STAGE_CHANGED, EventKind.WON, EventKind.LOST)


@dataclass(frozen=True, slots=True)
class DealLine:
    number: int
    title: str
    amount: Decimal
    currency: str
    stage: str
    expected_close: date | None = None
    assignee_id: str | None = None
    detail: str = ""  # "Lead → Proposal"


@dataclass(slots=True)
class Changes:
    since: datetime | None
    counts: dict[str, int] = field(default_factory=dict)
    lines: dict[str, list[DealLine]] = field(default_factory=dict)


@dataclass(slots=True)
class Digest:
    team_id: str
    today: date
    timezone: str
    reporting_currency: str
    forecasts: list[Forecast]  # this month, then this quarter
    changes: Changes
    closing_soon: list[DealLine]
    stale_count: int
    overdue_count: int
    board: Board | None = None  # this quarter by forecast category, per rep with quotas
    waterfall: WaterfallChanges | None = None  # this quarter's pipeline since the last weekly digest's snapshot


def period_forecasts(session: Session, team_id: str, today: date) -> list[Forecast]:
    """This month's and this quarter's forecast from oppbot.services.forecast: the digest never computes its own."""
    return [forecast(session, team_id, period, today=today) for period in (month_of(today), quarter_of(today))]


def latest_rates(session: Session, team_id: str, base: str, today: date) -> dict[str, Decimal]:
    """Units of `base` per unit of each currency, latest on or before today: only to rank deals by size."""
    rates: dict[str, Decimal] = {base: Decimal(1)}
    rows = session.execute(
        select(FxRate.currency, FxRate.rate)
        .where(FxRate.team_id == team_id, FxRate.base == base, FxRate.effective_date <= today)
        .order_by(FxRate.effective_date)
    )
    for currency, rate in rows:
        rates[currency] = Decimal(rate)
    return rates


def _amount(opp: Opportunity) -> Decimal:
    return Decimal(opp.amount_minor).scaleb(-minor_units(opp.currency))


def changes_since(session: Session, team_id: str, since: datetime | None, now: datetime) -> Changes:
    """New, moved, won and lost deals since `since` (the last digest; a week back when there was none)."""
    start = since or now - timedelta(days=7)
    where = (
        Activity.team_id == team_id,
        Activity.created_at > start,
        Activity.created_at <= now,
        Activity.kind.in_(CHANGE_KINDS),
    )
    joined = (Opportunity, Opportunity.id == Activity.opportunity_id)
    changes = Changes(since=start)
    # Counted by the database, and only the newest CHANGE_LINES of each kind loaded: loading a busy week's every
    # change took a second per digest at 100,000 deals (bench/).
    for kind, n in session.execute(
        select(Activity.kind, func.count()).join(*joined).where(*where).group_by(Activity.kind)
    ):
        changes.counts[kind] = int(n)
    rank = (
        func.row_number()
        .over(partition_by=Activity.kind, order_by=(Activity.created_at.desc(), Activity.id.desc()))
        .label("rank")
    )
    newest = select(Activity.id, rank).join(*joined).where(*where).subquery()
    rows = session.execute(
        select(Activity, Opportunity)
        .join(newest, newest.c.id == Activity.id)
        .join(*joined)
        .where(newest.c.rank <= CHANGE_LINES)
        .order_by(Activity.created_at.desc(), Activity.id.desc())
    ).all()
    for activity, opp in rows:
        kind = activity.kind
        bucket = changes.lines.setdefault(kind, [])
        if len(bucket) < CHANGE_LINES:
            detail = ""
            if kind == EventKind.STAGE_CHANGED:
                stage = next((c for c in activity.changes if c.get("field") == "stage"), None)
                if stage:
                    detail = f"{stage.get('before')} → {stage.get('after')}"
            bucket.append(DealLine(opp.number, opp.title, _amount(opp), opp.currency, opp.stage, detail=detail))
    return changes


def closing_soon(session: Session, team_id: str, today: date, reporting: str) -> list[DealLine]:
    """Open deals expected to close in the next 30 days, biggest first in the reporting currency."""
    opps = session.scalars(
        select(Opportunity).where(
            Opportunity.team_id == team_id,
            Opportunity.stage.in_([s.value for s in OPEN_STAGES]),
            Opportunity.expected_close >= today,
            Opportunity.expected_close <= today + timedelta(days=CLOSING_SOON_DAYS),
        )
    ).all()
    rates = latest_rates(session, team_id, reporting, today)

    def size(opp: Opportunity) -> tuple[int, Decimal, int]:
        rate = rates.get(opp.currency)
        # A deal we cannot convert still shows, after those we can rank.
        return (0, -_amount(opp) * rate, opp.number) if rate is not None else (1, -_amount(opp), opp.number)

    ranked = sorted(opps, key=size)[:CLOSING_SOON_LIMIT]
    return [
        DealLine(o.number, o.title, _amount(o), o.currency, o.stage, o.expected_close, o.assignee_id) for o in ranked
    ]


def build_digest(session: Session, team_id: str, now: datetime, *, since: datetime | None) -> Digest:
    rules = workspaces.load_rules(session, team_id)
    today = rules.today(now)
    forecasts = period_forecasts(session, team_id, today)
    stale, overdue = alerts.counts(session, team_id, now)
    quarter = quarter_of(today)
    return Digest(
        team_id=team_id,
        today=today,
        timezone=rules.timezone,
        reporting_currency=rules.reporting_currency,
        forecasts=forecasts,
        changes=changes_since(session, team_id, since, now),
        closing_soon=closing_soon(session, team_id, today, rules.reporting_currency),
        stale_count=stale,
        overdue_count=overdue,
        board=category_board(session, team_id, quarter, today=today),
        waterfall=pipeline_changes(session, team_id, quarter, now),
    )


def latest_activity_id(session: Session, team_id: str) -> int:
    """The newest activity row of the workspace (0 if none): a cheap fingerprint of "anything changed"."""
    return session.scalar(select(func.max(Activity.id)).where(Activity.team_id == team_id)) or 0
