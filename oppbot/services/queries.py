"""Reading deals: show, list with filters, search, pipeline totals. Statement counts stay flat as pipelines grow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import Activity, AssignmentChange, Note, Opportunity, StageChange
from oppbot.domain.categories import Category, effective_category
from oppbot.domain.money import minor_units
from oppbot.domain.periods import Period
from oppbot.domain.stages import OPEN_STAGES, STAGES, Stage
from oppbot.domain.workspace import WorkspaceRules
from oppbot.services import workspaces
from oppbot.services.changes import push_count
from oppbot.services.context import Actor


@dataclass(slots=True)
class DealView:
    opportunity: Opportunity
    activity: list[Activity]
    notes: list[Note]
    stages: list[StageChange]
    assignments: list[AssignmentChange]
    rules: WorkspaceRules
    is_overdue: bool
    is_stale: bool
    category: Category | None = None  # the forecast category it counts in now
    pushes: int = 0  # times its expected close date was moved later


def deal_flags(opp: Opportunity, rules: WorkspaceRules, now: datetime) -> tuple[bool, bool]:
    """(overdue, stale) for one deal, by the same rules the list filters use."""
    if not opp.stage_enum.is_open:
        return False, False
    overdue = opp.expected_close is not None and opp.expected_close < rules.today(now)
    stale = opp.last_activity_at < rules.stale_cutoffs(now)[opp.stage_enum]
    return overdue, stale


def show(session: Session, actor: Actor, number: int, *, now: datetime | None = None) -> DealView:
    opp = repo.get_opportunity(session, actor.team_id, number)
    rules = workspaces.load_rules(session, actor.team_id)
    overdue, stale = deal_flags(opp, rules, now or utcnow())
    return DealView(
        opportunity=opp,
        activity=repo.recent_activity(session, actor.team_id, opp.id),
        notes=repo.recent_notes(session, actor.team_id, opp.id),
        stages=repo.stage_history(session, actor.team_id, opp.id),
        assignments=repo.assignment_history(session, actor.team_id, opp.id),
        rules=rules,
        is_overdue=overdue,
        is_stale=stale,
        category=effective_category(opp.stage_enum, opp.forecast_category, rules.categories),
        pushes=push_count(session, actor.team_id, opp.id),
    )


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What `/opp list` (and Home, and the deal picker) asks for, already parsed: no Slack in here.

    `period` is resolved already, so the same list can be paged later by its key (slack/parsing.list_state).
    """

    stages: tuple[Stage, ...] = ()
    mine: bool = False
    assignee_id: str | None = None
    unassigned: bool = False
    overdue: bool = False
    stale: bool = False
    period: Period | None = None  # deals expected to close inside it
    text: str | None = None  # set by /opp search, which shares the list's page and buttons
    open_only: bool = False


def deal_filter(session: Session, actor: Actor, query: ListQuery, *, now: datetime | None = None) -> repo.DealFilter:
    """The repository filter for a list query, resolved against the workspace's rules (today, stale cutoffs)."""
    now = now or utcnow()
    rules = workspaces.load_rules(session, actor.team_id)
    return repo.DealFilter(
        stages=query.stages,
        assignee_id=actor.user_id if query.mine else query.assignee_id,
        unassigned=query.unassigned,
        overdue_before=rules.today(now) if query.overdue else None,
        stale_cutoffs=rules.stale_cutoffs(now) if query.stale else None,
        closing_from=query.period.start if query.period else None,
        closing_to=query.period.end if query.period else None,
        text=query.text,
        open_only=query.open_only,
    )


def list_deals(
    session: Session, actor: Actor, query: ListQuery, *, offset: int = 0, limit: int = 10, now: datetime | None = None
) -> repo.Page:
    found = deal_filter(session, actor, query, now=now)
    return repo.list_opportunities(session, actor.team_id, found, offset=max(0, offset), limit=limit)


def search(session: Session, actor: Actor, text: str, *, offset: int = 0, limit: int = 10) -> repo.Page:
    """Every word must appear in the title, the customer's name or the description (any case)."""
    return repo.list_opportunities(session, actor.team_id, repo.DealFilter(text=text), offset=offset, limit=limit)


@dataclass(slots=True)
class CurrencyAmounts:
    count: int = 0
    value: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)


@dataclass(slots=True)
class PipelineStage:
    stage: Stage
    count: int = 0
    by_currency: dict[str, CurrencyAmounts] = field(default_factory=dict)


@dataclass(slots=True)
class Pipeline:
    stages: list[PipelineStage]

    @property
    def open_count(self) -> int:
        return sum(s.count for s in self.stages if s.stage.is_open)

    def open_totals(self) -> dict[str, CurrencyAmounts]:
        """Per currency over open stages: never added across currencies (conversion is the forecast's job)."""
        totals: dict[str, CurrencyAmounts] = defaultdict(CurrencyAmounts)
        for stage in self.stages:
            if not stage.stage.is_open:
                continue
            for code, amounts in stage.by_currency.items():
                total = totals[code]
                total.count += amounts.count
                total.value += amounts.value
                total.weighted += amounts.weighted
        return dict(totals)


def pipeline(session: Session, actor: Actor, *, include_closed: bool = False) -> Pipeline:
    """Count, value and weighted value per stage and currency, from one grouped query."""
    rows = repo.pipeline_totals(session, actor.team_id, repo.DealFilter(open_only=not include_closed))
    by_stage = {stage: PipelineStage(stage) for stage in (STAGES if include_closed else OPEN_STAGES)}
    for row in rows:
        entry = by_stage.setdefault(row.stage, PipelineStage(row.stage))
        scale = minor_units(row.currency)
        entry.count += row.count
        entry.by_currency[row.currency] = CurrencyAmounts(
            count=row.count,
            value=Decimal(row.amount_minor).scaleb(-scale),
            weighted=Decimal(row.weighted_minor_x100).scaleb(-scale) / Decimal(100),
        )
    return Pipeline(stages=sorted(by_stage.values(), key=lambda s: s.stage.order))
