"""Queries, and only queries: every one scoped to a workspace, so no caller can reach another team's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from oppbot.db.models import (
    Activity,
    AssignmentChange,
    Individual,
    Manager,
    Note,
    Opportunity,
    Organization,
    StageChange,
    Workspace,
)
from oppbot.domain.errors import NotFound
from oppbot.domain.refs import MAX_ID, format_ref
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.i18n import _

OPEN_VALUES = tuple(stage.value for stage in OPEN_STAGES)


def _with_customer(stmt: Select) -> Select:
    return stmt.options(selectinload(Opportunity.individual), selectinload(Opportunity.organization))


def lock_workspace(session: Session, team_id: str) -> Workspace:
    """The workspace row under a write lock: per-workspace counters are bumped while holding it."""
    # populate_existing: a copy already in the session would otherwise hide the locked row's current counters.
    workspace = session.scalar(
        select(Workspace)
        .where(Workspace.team_id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if workspace is None:
        raise NotFound(_("This workspace has not been set up yet."))
    return workspace


def get_workspace(session: Session, team_id: str) -> Workspace | None:
    return session.get(Workspace, team_id)


def manager_ids(session: Session, team_id: str) -> set[str]:
    return set(session.scalars(select(Manager.user_id).where(Manager.team_id == team_id)))


def get_opportunity(session: Session, team_id: str, number: int) -> Opportunity:
    """By per-workspace number; another workspace's deal is exactly as missing as a deal that never was.

    A number no deal can have (0, 10^30, a bool from forged metadata) is missing too, without asking the database
    (a 64-digit integer would overflow the query)."""
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number <= MAX_ID:
        raise NotFound(
            _("There is no deal {ref}.", ref=format_ref(number) if isinstance(number, int) else _("(unknown)"))
        )
    opp = session.scalar(
        _with_customer(select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.number == number))
    )
    if opp is None:
        raise NotFound(_("There is no deal {ref}.", ref=format_ref(number)), field="ref", number=number)
    return opp


def get_opportunity_by_id(session: Session, team_id: str, opportunity_id: int) -> Opportunity:
    opp = session.scalar(
        _with_customer(select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.id == opportunity_id))
    )
    if opp is None:
        raise NotFound(_("That deal does not exist."))
    return opp


def get_opportunities(session: Session, team_id: str, numbers: Sequence[int]) -> list[Opportunity]:
    return list(
        session.scalars(
            _with_customer(
                select(Opportunity)
                .where(Opportunity.team_id == team_id, Opportunity.number.in_(list(numbers)))
                .order_by(Opportunity.number)
            )
        )
    )


def get_individual(session: Session, team_id: str, individual_id: int) -> Individual:
    row = session.scalar(select(Individual).where(Individual.team_id == team_id, Individual.id == individual_id))
    if row is None:
        raise NotFound(_("That customer does not exist."), field="customer")
    return row


def get_organization(session: Session, team_id: str, organization_id: int) -> Organization:
    row = session.scalar(
        select(Organization).where(Organization.team_id == team_id, Organization.id == organization_id)
    )
    if row is None:
        raise NotFound(_("That customer does not exist."), field="customer")
    return row


@dataclass(frozen=True, slots=True)
class DealFilter:
    stages: tuple[Stage, ...] = ()
    assignee_id: str | None = None
    unassigned: bool = False
    overdue_before: date | None = None  # open deals expected to close before this local date
    stale_cutoffs: dict[Stage, datetime] | None = None  # open deals idle since before these times
    closing_from: date | None = None
    closing_to: date | None = None  # inclusive
    text: str | None = None
    open_only: bool = False
    customer: tuple[str, int] | None = None  # ("individual" | "organization", id)


@dataclass(slots=True)
class Page:
    items: list[Opportunity]
    total: int  # the matches counted: all of them, or (capped) where the count stopped
    offset: int
    limit: int
    extra: dict = field(default_factory=dict)
    capped: bool = False  # more than `total` match

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total or self.capped


def search_terms(text: str) -> list[str]:
    return [term for term in text.casefold().split() if term][:8]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(team_id: str, f: DealFilter) -> list:
    return [
        Opportunity.team_id == team_id,
        *_stage_conditions(f),
        *_people_and_date_conditions(f),
        *(Opportunity.search_text.like(f"%{_escape_like(term)}%", escape="\\") for term in search_terms(f.text or "")),
    ]


def _stage_conditions(f: DealFilter) -> list:
    conds = []
    stages = list(f.stages)
    if stages:
        conds.append(Opportunity.stage.in_([s.value for s in stages]))
    elif f.open_only or f.overdue_before or f.stale_cutoffs:
        conds.append(Opportunity.stage.in_(OPEN_VALUES))
    if f.overdue_before or f.stale_cutoffs:
        conds.append(Opportunity.stage.in_(OPEN_VALUES))
    if f.stale_cutoffs:
        conds.append(
            or_(
                *(
                    and_(Opportunity.stage == stage.value, Opportunity.last_activity_at < cutoff)
                    for stage, cutoff in f.stale_cutoffs.items()
                )
            )
        )
    return conds


def _people_and_date_conditions(f: DealFilter) -> list:
    conds = []
    if f.assignee_id:
        conds.append(Opportunity.assignee_id == f.assignee_id)
    if f.unassigned:
        conds.append(Opportunity.assignee_id.is_(None))
    if f.overdue_before:
        conds.append(Opportunity.expected_close < f.overdue_before)
    if f.closing_from:
        conds.append(Opportunity.expected_close >= f.closing_from)
    if f.closing_to:
        conds.append(Opportunity.expected_close <= f.closing_to)
    if f.customer:
        kind, customer_id = f.customer
        column = Opportunity.individual_id if kind == "individual" else Opportunity.organization_id
        conds.append(column == customer_id)
    return conds


def deal_conditions(team_id: str, f: DealFilter) -> list:
    """The WHERE clauses of a filter: `/opp list`, its pages and `/opp export` select the same deals."""
    return _conditions(team_id, f)


# A list or search counts its matches up to here and then says "1,000+": a common word (or a plain `/opp list` of a
# big workspace) would otherwise count every deal of the workspace for a figure nobody reads exactly.
COUNT_CAP = 1000


def list_opportunities(session: Session, team_id: str, f: DealFilter, *, offset: int = 0, limit: int = 10) -> Page:
    """Newest activity first, one page, with the count of matches (two statements whatever the pipeline's size).

    The count stops at COUNT_CAP (or at the end of this page, when paged further than that) plus one: `capped` then
    says there are more, and the pager still knows whether a next page exists."""
    conds = _conditions(team_id, f)
    count_limit = max(COUNT_CAP, offset + limit)
    matches = select(Opportunity.id).where(*conds).limit(count_limit + 1).subquery()
    counted = session.scalar(select(func.count()).select_from(matches)) or 0
    items = list(
        session.scalars(
            _with_customer(
                select(Opportunity)
                .where(*conds)
                .order_by(Opportunity.last_activity_at.desc(), Opportunity.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
    )
    return Page(items=items, total=min(counted, count_limit), offset=offset, limit=limit, capped=counted > count_limit)


@dataclass(frozen=True, slots=True)
class StageCurrencyTotal:
    stage: Stage
    currency: str
    count: int
    amount_minor: int
    # Σ amount_minor × probability: exact integer; divide by 100 and the currency's minor units to read it.
    weighted_minor_x100: int


def pipeline_totals(session: Session, team_id: str, f: DealFilter | None = None) -> list[StageCurrencyTotal]:
    return grouped_totals(session, _conditions(team_id, f or DealFilter()))


def grouped_totals(session: Session, conds: list) -> list[StageCurrencyTotal]:
    """Count, Σ value and Σ value × probability per (stage, currency) of the deals matching `conds` (which must
    include the team filter): the one aggregate behind pipeline, forecast, Home and digests."""
    rows = session.execute(
        select(
            Opportunity.stage,
            Opportunity.currency,
            func.count(),
            func.coalesce(func.sum(Opportunity.amount_minor), 0),
            func.coalesce(func.sum(Opportunity.amount_minor * Opportunity.probability), 0),
        )
        .where(*conds)
        .group_by(Opportunity.stage, Opportunity.currency)
    ).all()
    return [StageCurrencyTotal(Stage(s), c, int(n), int(a), int(w)) for s, c, n, a, w in rows]


def recent_activity(session: Session, team_id: str, opportunity_id: int, limit: int = 10) -> list[Activity]:
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.team_id == team_id, Activity.opportunity_id == opportunity_id)
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )


def recent_notes(session: Session, team_id: str, opportunity_id: int, limit: int = 5) -> list[Note]:
    return list(
        session.scalars(
            select(Note)
            .where(Note.team_id == team_id, Note.opportunity_id == opportunity_id)
            .order_by(Note.created_at.desc(), Note.id.desc())
            .limit(limit)
        )
    )


def stage_history(session: Session, team_id: str, opportunity_id: int) -> list[StageChange]:
    return list(
        session.scalars(
            select(StageChange)
            .where(StageChange.team_id == team_id, StageChange.opportunity_id == opportunity_id)
            .order_by(StageChange.changed_at, StageChange.id)
        )
    )


def assignment_history(session: Session, team_id: str, opportunity_id: int) -> list[AssignmentChange]:
    return list(
        session.scalars(
            select(AssignmentChange)
            .where(AssignmentChange.team_id == team_id, AssignmentChange.opportunity_id == opportunity_id)
            .order_by(AssignmentChange.changed_at, AssignmentChange.id)
        )
    )


def refresh_search_text(session: Session, team_id: str, *, individual_id=None, organization_id=None) -> None:
    """After a customer is renamed, its deals' search text is rebuilt: one SELECT and one UPDATE statement
    (executemany by id), whatever the number of deals. The version column is left alone: search text is derived."""
    if individual_id is None and organization_id is None:
        return
    if individual_id is not None:
        column, customer_id = Opportunity.individual_id, individual_id
        name = session.scalar(
            select(Individual.name).where(Individual.team_id == team_id, Individual.id == individual_id)
        )
    else:
        column, customer_id = Opportunity.organization_id, organization_id
        name = session.scalar(
            select(Organization.name).where(Organization.team_id == team_id, Organization.id == organization_id)
        )
    rows = session.execute(
        select(Opportunity.id, Opportunity.title, Opportunity.description).where(
            Opportunity.team_id == team_id, column == customer_id
        )
    ).all()
    if not rows:
        return
    table = Opportunity.__table__
    session.execute(
        update(table).where(table.c.id == bindparam("b_id")).values(search_text=bindparam("b_text")),
        [{"b_id": i, "b_text": build_search_text(t, name or "", d)} for i, t, d in rows],
    )


def build_search_text(title: str, customer_name: str, description: str | None) -> str:
    return " ".join(part for part in (title, customer_name, description or "") if part).casefold()
