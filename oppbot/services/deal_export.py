"""Exporting deals as CSV: one row per deal with its customer, assignee, weighted value and the date it first entered
each stage. Streamed in batches (three statements per batch), so a workspace of any size exports in bounded memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.models import Individual, Opportunity, Organization, StageChange
from oppbot.domain.categories import Category, effective_category
from oppbot.domain.dealcsv import COLUMNS, ENTERED, neutralise
from oppbot.domain.events import EventKind
from oppbot.domain.fx import to_major
from oppbot.domain.money import round_to_minor
from oppbot.domain.stages import Stage
from oppbot.services import workspaces
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.queries import ListQuery, deal_filter

BATCH = 1000
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one


def format_time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else ""


def _money(amount: Decimal) -> str:
    return format(amount, "f")


def weighted_value(amount_minor: int, probability: int, currency: str) -> Decimal:
    return round_to_minor(to_major(amount_minor, currency) * probability / Decimal(100), currency)


def count_deals(session: Session, actor: Actor, query: ListQuery | None = None) -> int:
    conds = repo.deal_conditions(actor.team_id, deal_filter(session, actor, query or ListQuery()))
    return session.scalar(select(func.count()).select_from(Opportunity).where(*conds)) or 0


def _customers(session: Session, opps: list[Opportunity]) -> dict[tuple[str, int], tuple[str, str | None]]:
    people = {o.individual_id for o in opps if o.individual_id}
    orgs = {o.organization_id for o in opps if o.organization_id}
    found: dict[tuple[str, int], tuple[str, str | None]] = {}
    if people:
        for row_id, name, email in session.execute(
            select(Individual.id, Individual.name, Individual.email).where(Individual.id.in_(people))
        ):
            found[("individual", row_id)] = (name, email)
    if orgs:
        for row_id, name in session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(orgs))
        ):
            found[("organization", row_id)] = (name, None)
    return found


def _entered(session: Session, ids: list[int]) -> dict[tuple[int, str], datetime]:
    rows = session.execute(
        select(StageChange.opportunity_id, StageChange.to_stage, func.min(StageChange.changed_at))
        .where(StageChange.opportunity_id.in_(ids))
        .group_by(StageChange.opportunity_id, StageChange.to_stage)
    )
    return {(opp_id, stage): moment for opp_id, stage, moment in rows}


def _category_cells(opp: Opportunity, mapping: dict[Stage, Category]) -> tuple[str, str]:
    """(the category the forecast counts the deal in, "manual" when the rep chose it or "stage" when it follows)."""
    stage = Stage(opp.stage)
    chosen = stage.is_open and opp.forecast_category is not None
    return effective_category(stage, opp.forecast_category, mapping).value, "manual" if chosen else "stage"


def _row(opp: Opportunity, customer: tuple[str, str, str | None], entered: dict, mapping: dict) -> list[str]:
    kind, name, email = customer
    cells = [
        str(opp.number),
        opp.title,
        name,
        kind,
        email or "",
        _money(to_major(opp.amount_minor, opp.currency)),
        opp.currency,
        Stage(opp.stage).value,
        str(opp.probability),
        opp.probability_source,
        _money(weighted_value(opp.amount_minor, opp.probability, opp.currency)),
        opp.expected_close.isoformat() if opp.expected_close else "",
        opp.assignee_id or "",
        opp.external_ref or "",
        opp.description or "",
        opp.lost_reason or "",
        opp.lost_note or "",
        opp.created_by,
        format_time(opp.created_at),
        format_time(opp.closed_at),
        *(format_time(entered.get((opp.id, stage.value))) for stage in ENTERED),
        *_category_cells(opp, mapping),
    ]
    return [neutralise(cell) for cell in cells]


def export_rows(
    session: Session, actor: Actor, query: ListQuery | None = None, *, progress: Callable[[int], None] | None = None
) -> Iterator[list[str]]:
    """The header, then one row per deal the actor may list (the same filters as `/opp list`), by deal number."""
    conds = repo.deal_conditions(actor.team_id, deal_filter(session, actor, query or ListQuery()))
    mapping = dict(workspaces.load_rules(session, actor.team_id).categories)
    yield list(COLUMNS)
    last, done = 0, 0
    while True:
        opps = list(
            session.scalars(
                select(Opportunity).where(*conds, Opportunity.number > last).order_by(Opportunity.number).limit(BATCH)
            )
        )
        if not opps:
            return
        customers = _customers(session, opps)
        entered = _entered(session, [o.id for o in opps])
        for opp in opps:
            key = ("individual", opp.individual_id) if opp.individual_id else ("organization", opp.organization_id)
            name, email = customers.get(key, ("", None))
            yield _row(opp, (key[0], name, email), entered, mapping)
        last = opps[-1].number
        done += len(opps)
        session.expunge_all()  # bounded memory: a batch's rows are written and forgotten
        if progress is not None:
            progress(done)


def write_csv(rows: Iterator[list[str]], out: io.TextIOBase, *, bom: bool = True) -> int:
    """Rows as CSV (RFC 4180, CRLF) to `out`; how many data rows."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    count = -1
    for row in rows:
        writer.writerow(row)
        count += 1
    return max(count, 0)


def export_bytes(session: Session, actor: Actor, query: ListQuery | None = None, **kw) -> tuple[bytes, int]:
    """The whole CSV in memory (for an upload to Slack) and the number of deals."""
    buffer = io.StringIO()
    count = write_csv(export_rows(session, actor, query, **kw), buffer)
    return buffer.getvalue().encode("utf-8"), count


# --- large exports: asked for here, run by a worker (workers/exports.py) ---------------------------------------------

EXPORT_REQUESTED = EventKind.EXPORT_REQUESTED
INLINE_LIMIT = 2_000  # deals exported during the request itself; more go to a worker with a progress message


def request_export(session: Session, actor: Actor, state: str) -> str:
    """An outbox event asking a worker for the export (filters as a list state); its event id."""
    return record(
        session,
        actor,
        None,
        EXPORT_REQUESTED,
        detail={"state": state, "manager": actor.is_manager},
        touch=False,
    )


def export_filename(today) -> str:
    return f"deals-{today.isoformat()}.csv"
