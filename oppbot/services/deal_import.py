"""Importing deals from CSV: a streaming pre-pass that reports what would happen (the dry run, and the check that the
whole file is readable before anything is written), then the import in batches of one transaction each.

Idempotent: a row matches an existing deal by its external reference, or by a hash of title, customer, value and
close date when it has none; a matching row whose fields are the same is skipped, so a second import of a file
changes nothing. Imported deals are not announced one by one: activity rows are written without outbox events, and
the caller posts one summary.
"""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oppbot import i18n
from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.bulk import copy_lines, copy_text, insert_tuples, reserve_ids
from oppbot.db.models import Activity, AssignmentChange, Individual, Opportunity, Organization, StageChange
from oppbot.db.session import unit_of_work
from oppbot.domain.dealcsv import BoundMap, choose_map
from oppbot.domain.dealrows import DealRow, content_hash, parse_row, row_problem
from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.domain.opportunity import CustomerKind, FieldChange, jsonable
from oppbot.domain.stages import Stage
from oppbot.domain.workspace import WorkspaceRules
from oppbot.i18n import N_, _, ngettext
from oppbot.services import customers, workspaces
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.opportunities import require_manager

BATCH = 2000
MAX_ROWS = 200_000  # a bigger file is refused before anything is written: split it
MAX_CELL = 100_000  # characters in one cell (the csv module's default limit is 131,072)
BAD_ROWS_KEPT = 500  # problems listed in the report; all are counted
HINTS_KEPT = 5
HINT_CHECKS = 50  # new customers compared with the existing ones for duplicate hints
IMPORTED = "imported"


class ImportAborted(OppbotError):
    """The file as a whole can't be read (encoding, size, CSV structure, header): nothing was written."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    map_name: str = ""
    dry_run: bool = True
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0  # the same deal already there, unchanged (or a repeat of an earlier line)
    bad_count: int = 0
    bad: list[RowProblem] = field(default_factory=list)
    customers_created: int = 0
    hints: list[str] = field(default_factory=list)
    owners_unknown: int = 0
    formulas: int = 0
    ignored_columns: tuple[str, ...] = ()

    def add_bad(self, line: int, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad) < BAD_ROWS_KEPT:
            self.bad.append(RowProblem(line, reason))

    @property
    def summary(self) -> str:
        def count(n: int) -> str:
            return i18n.number(n)

        if self.dry_run:
            made = [_("{count} would be created", count=count(self.created))]
            made.append(_("{count} would be updated", count=count(self.updated)))
        else:
            made = [_("{count} created", count=count(self.created))]
            made.append(_("{count} updated", count=count(self.updated)))
        parts = [
            *made,
            _("{count} unchanged (skipped)", count=count(self.skipped)),
            ngettext("{count} bad row", "{count} bad rows", self.bad_count, count=count(self.bad_count)),
        ]
        text = ngettext(
            "{count} rows read ({columns} columns): {parts}.",
            "{count} rows read ({columns} columns): {parts}.",
            self.rows,
            count=count(self.rows),
            columns=self.map_name,
            parts=", ".join(parts),
        )
        if self.customers_created:
            n = self.customers_created
            text += " " + ngettext("{count} new customer.", "{count} new customers.", n, count=count(n))
        if self.owners_unknown:
            n = self.owners_unknown
            text += " " + ngettext(
                "{count} owner(s) weren't Slack user ids: those deals are left unassigned.",
                "{count} owner(s) weren't Slack user ids: those deals are left unassigned.",
                n,
                count=count(n),
            )
        if self.formulas:
            n = self.formulas
            text += " " + ngettext(
                "{count} cell(s) looked like spreadsheet formulas: kept as plain text.",
                "{count} cell(s) looked like spreadsheet formulas: kept as plain text.",
                n,
                count=count(n),
            )
        return text


# --- reading ----------------------------------------------------------------------------------------------------------


def _decoder(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # Excel's "Unicode text"
    elif encoding.replace("-", "").lower() == "utf8":
        encoding = "utf-8-sig"  # a BOM, when there is one, is not part of the first header
    return io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")


def read_rows(stream: BinaryIO, encoding: str = "utf-8") -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) per CSV record, the header first; ImportAborted for a file that isn't readable."""
    text = _decoder(stream if hasattr(stream, "peek") else io.BufferedReader(stream), encoding)  # type: ignore[arg-type]
    reader = csv.reader(text, strict=False)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise ImportAborted(
                _(
                    "The file is not {encoding} text (after line {line}). Save it as “CSV UTF-8” from your "
                    "spreadsheet, or name its encoding (`--encoding latin-1`).",
                    encoding=encoding.upper(),
                    line=reader.line_num,
                )
            ) from None
        except csv.Error as exc:
            if "field larger" in str(exc):
                raise ImportAborted(_huge(reader.line_num)) from None
            raise ImportAborted(
                _("Line {line} is not valid CSV: {problem}.", line=reader.line_num, problem=exc)
            ) from None
        if row and max(map(len, row)) > MAX_CELL:
            raise ImportAborted(_huge(line))
        if "\x00" in "".join(row):
            raise ImportAborted(
                _(
                    "Line {line} is not valid CSV: it holds a NUL character (a spreadsheet's binary file, or UTF-16 "
                    "text without its byte-order mark?). Save it as “CSV UTF-8”.",
                    line=line,
                )
            )
        yield line, row
        line = reader.line_num + 1


def _too_many() -> str:
    return _(
        "The file has more than {limit} deals. Nothing was imported: split it into smaller files.",
        limit=i18n.number(MAX_ROWS),
    )


def _huge(line: int) -> str:
    return _(
        "Line {line} has a cell over {limit} characters: is this really a list of deals?",
        line=line,
        limit=i18n.number(MAX_CELL),
    )


# --- what exists ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Existing:
    """The workspace's deals by import key, with a fingerprint of their importable fields; its customers by name."""

    deals: dict[tuple[str, str], tuple[int, tuple]] = field(default_factory=dict)
    customers: dict[tuple[str, str], int] = field(default_factory=dict)


def _fingerprint(values: dict, present: frozenset[str]) -> tuple:
    return tuple(values[name] for name in sorted(present))


def _row_values(row: DealRow) -> dict:
    return {
        "title": row.title,
        "customer": (row.customer_kind.value, row.customer.casefold()),
        "value": (row.amount_minor, row.currency),
        "stage": row.stage.value,
        "probability": (row.probability, row.probability_manual),
        "expected_close": row.expected_close,
        "assignee": row.assignee,
        "description": row.description,
        "lost_reason": row.lost_reason,
        "lost_note": row.lost_note,
        "category": row.category,
    }


def _deal_values(opp: Opportunity, kind: str, customer_name: str) -> dict:
    return {
        "title": opp.title,
        "customer": (kind, customer_name.casefold()),
        "value": (opp.amount_minor, opp.currency),
        "stage": opp.stage,
        "probability": (opp.probability, opp.probability_source == "manual"),
        "expected_close": opp.expected_close,
        "assignee": opp.assignee_id,
        "description": opp.description,
        "lost_reason": opp.lost_reason,
        "lost_note": opp.lost_note,
        "category": opp.forecast_category if Stage(opp.stage).is_open else None,  # closing decides a closed one's
    }


# A file compares (and updates) only the fields it has columns for: a HubSpot file without descriptions never wipes
# the descriptions written in oppbot since.
_COLUMNS_OF = {
    "title": ("title",),
    "customer": ("customer", "contact"),
    "value": ("value",),
    "stage": ("stage", "status"),
    "probability": ("probability",),
    "expected_close": ("expected_close",),
    "assignee": ("assignee",),
    "description": ("description",),
    "lost_reason": ("lost_reason",),
    "lost_note": ("lost_note",),
    "category": ("forecast_category",),
}


def present_fields(bound: BoundMap) -> frozenset[str]:
    return frozenset(name for name, cols in _COLUMNS_OF.items() if any(c in bound.columns for c in cols))


_EXISTING_COLUMNS = (
    "id",
    "title",
    "individual_id",
    "organization_id",
    "amount_minor",
    "currency",
    "stage",
    "probability",
    "probability_source",
    "expected_close",
    "assignee_id",
    "description",
    "lost_reason",
    "lost_note",
    "external_ref",
    "forecast_category",
)


def load_existing(session: Session, team_id: str, present: frozenset[str]) -> Existing:
    existing = Existing()
    for model, kind in ((Organization, "organization"), (Individual, "individual")):
        for row_id, key in session.execute(select(model.id, model.name_key).where(model.team_id == team_id)):
            existing.customers.setdefault((kind, key), row_id)
    names = {(kind, cid): key for (kind, key), cid in existing.customers.items()}
    # Plain rows, not ORM objects: a 100,000-deal workspace is read in a second, not in a minute.
    columns = [getattr(Opportunity, name) for name in _EXISTING_COLUMNS]
    stmt = select(*columns).where(Opportunity.team_id == team_id).execution_options(yield_per=BATCH * 5)
    for opp in session.execute(stmt):
        kind = "individual" if opp.individual_id else "organization"
        customer = names.get((kind, opp.individual_id or opp.organization_id), "")
        values = _deal_values(opp, kind, customer)
        if opp.external_ref:
            key = ("ref", opp.external_ref)
        else:
            key = ("hash", content_hash(opp.title, customer, opp.amount_minor, opp.currency, opp.expected_close))
        existing.deals[key] = (opp.id, _fingerprint(values, present))
    session.expunge_all()
    return existing


# --- the plan of one row ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Pass:
    """One pass over the file: the report, what it has seen, and (on the writing pass) the rows waiting for a batch."""

    report: ImportReport
    existing: Existing
    present: frozenset[str]
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    new_customers: set[tuple[str, str]] = field(default_factory=set)
    creates: list[DealRow] = field(default_factory=list)
    updates: list[tuple[int, DealRow]] = field(default_factory=list)
    hint_checks: int = 0


def classify(p: Pass, row: DealRow) -> str:
    key = row.key()
    if key in p.seen:
        p.report.skipped += 1
        return "repeat"
    p.seen[key] = row.line
    report = p.report
    report.owners_unknown += row.owner_unknown
    report.formulas += row.formulas
    customer_key = (row.customer_kind.value, row.customer.casefold())
    if customer_key not in p.existing.customers and customer_key not in p.new_customers:
        p.new_customers.add(customer_key)
        report.customers_created += 1
    match = p.existing.deals.get(key)
    if match is None:
        report.created += 1
        p.creates.append(row)
        return "create"
    if match[1] == _fingerprint(_row_values(row), p.present):
        report.skipped += 1
        return "skip"
    report.updated += 1
    p.updates.append((match[0], row))
    return "update"


# --- writing one batch ----------------------------------------------------------------------------------------------

_CUSTOMER_MODELS = (("organization", Organization), ("individual", Individual))
_CUSTOMER_COLUMNS = ("team_id", "name", "name_key", "created_by", "created_at")


class Batch(list):
    """One batch's new deals (DealRows), in file order. On PostgreSQL the reading thread also makes ready what the
    writing thread sends (`_prepare`): the batch's new customers with ids from their sequences, and every table's
    rows as COPY text, so that the writer's part is the database's and little Python runs under its lock."""

    def __init__(self, rows=()) -> None:
        super().__init__(rows)
        self.customers: list[tuple[type, list[tuple[tuple[str, str], DealRow]], list[int]]] = []
        self.deal_lines: list[str] | None = None  # opportunities rows after their number (known under the lock)
        self.children: list[tuple[type, tuple[str, ...], list[str]]] = []


def _missing_customers(p: Pass, rows) -> dict[tuple[str, str], DealRow]:
    missing: dict[tuple[str, str], DealRow] = {}
    for row in rows:
        key = (row.customer_kind.value, row.customer.casefold())
        if key not in p.existing.customers:
            missing.setdefault(key, row)
    return missing


def _customer_tuple(actor: Actor, kind: str, key: tuple[str, str], row: DealRow, now) -> tuple:
    values = (actor.team_id, row.customer, key[1], actor.user_id, now)
    return (*values, row.customer_email) if kind == "individual" else values


def _customer_columns(kind: str) -> tuple[str, ...]:
    return (*_CUSTOMER_COLUMNS, "email") if kind == "individual" else _CUSTOMER_COLUMNS


def _hints(session: Session, actor: Actor, p: Pass, new: list[tuple[tuple[str, str], DealRow]]) -> None:
    for _key, row in new[: max(0, HINT_CHECKS - p.hint_checks)]:  # bounded: a few queries, not one per row
        p.hint_checks += 1
        if len(p.report.hints) < HINTS_KEPT:
            p.report.hints.extend(customers.duplicate_warnings(session, actor, row.customer)[:HINTS_KEPT])


def _customer_ids(session: Session, actor: Actor, p: Pass, rows: list[DealRow]) -> list[int]:
    """Each row's customer: matched by kind and name (any case), else created, a batch's new ones in one statement."""
    missing = _missing_customers(p, rows)
    for kind, model in _CUSTOMER_MODELS:
        new = [(key, row) for key, row in missing.items() if key[0] == kind]
        if not new:
            continue
        _hints(session, actor, p, new)
        now = utcnow()
        values = [_customer_tuple(actor, kind, key, row, now) for key, row in new]
        ids = insert_tuples(session, model, _customer_columns(kind), values, with_ids=True)
        for (key, _row), new_id in zip(new, ids, strict=True):
            p.existing.customers[key] = new_id
    return [p.existing.customers[(r.customer_kind.value, r.customer.casefold())] for r in rows]


def _insert_customers(session: Session, actor: Actor, p: Pass, batch: Batch) -> None:
    """The new customers `_prepare` gave ids to, in the batch's transaction (with their duplicate hints)."""
    now = utcnow()
    for model, new, ids in batch.customers:
        kind = "individual" if model is Individual else "organization"
        _hints(session, actor, p, new)
        values = [(i, *_customer_tuple(actor, kind, key, row, now)) for i, (key, row) in zip(ids, new, strict=True)]
        insert_tuples(session, model, ("id", *_customer_columns(kind)), values)


def _history(row: DealRow, now) -> list[tuple[Stage | None, Stage, object]]:
    """(from, to, when) stage rows: the file's entered dates in order, ending in the row's stage (a reopened deal's
    stage was entered before its later ones: it is entered again at the end, its first entry kept)."""
    chain = [(stage, at) for at, stage in sorted((at, stage) for stage, at in row.entered.items())]
    if not chain or chain[-1][0] != row.stage:
        last = chain[-1][1] if chain else None
        at = row.closed_at or last or now
        chain.append((row.stage, max(at, last) if last else at))
    steps, previous = [], None
    for stage, at in chain:
        steps.append((previous, stage, at))
        previous = stage
    return steps


# Column order of the tuples _create_batch writes (one tuple per row: no dict per row and column).
_DEAL_COLUMNS = (
    "number",
    "team_id",
    "title",
    "search_text",
    "description",
    "individual_id",
    "organization_id",
    "amount_minor",
    "currency",
    "stage",
    "probability",
    "probability_source",
    "expected_close",
    "assignee_id",
    "external_ref",
    "created_by",
    "created_at",
    "updated_at",
    "stage_entered_at",
    "last_activity_at",
    "closed_at",
    "lost_reason",
    "lost_note",
    "forecast_category",
    "lost_at_stage",
    "version",
)
_STAGE_COLUMNS = (
    "team_id",
    "opportunity_id",
    "from_stage",
    "to_stage",
    "changed_at",
    "changed_by",
    "amount_minor",
    "currency",
    "probability",
    "skipped",
)
_ASSIGNMENT_COLUMNS = ("team_id", "opportunity_id", "from_user", "to_user", "changed_at", "changed_by")
_ACTIVITY_COLUMNS = ("team_id", "event_id", "opportunity_id", "actor_id", "kind", "changes", "detail", "created_at")


def _deal_tuple(team: str, row: DealRow, customer_id: int, history: list, creator: str, now) -> tuple:
    """A new deal's values in _DEAL_COLUMNS order after the number."""
    entered_at = history[-1][2]
    individual = row.customer_kind == CustomerKind.INDIVIDUAL
    stage = row.stage
    return (
        team,
        row.title,
        repo.build_search_text(row.title, row.customer, row.description),
        row.description,
        customer_id if individual else None,
        None if individual else customer_id,
        row.amount_minor,
        row.currency,
        stage.value,
        row.probability,
        "manual" if row.probability_manual else "stage",
        row.expected_close,
        row.assignee,
        row.external_ref,
        creator,
        now,
        now,
        entered_at,
        entered_at if row.entered else now,
        (row.closed_at or entered_at) if stage.is_closed else None,
        row.lost_reason,
        row.lost_note,
        row.category,
        _lost_at(history) if stage == Stage.CLOSED_LOST else None,
        1,
    )


def _child_rows(actor: Actor, ids, rows, histories, creators, now, source: str) -> list[tuple]:
    """(model, columns, rows) of the new deals' stage history, assignments and activity (one "imported" each)."""
    team, user = actor.team_id, actor.user_id
    stage_rows, assignment_rows, activity_rows = [], [], []
    for opp_id, row, history, creator in zip(ids, rows, histories, creators, strict=True):
        amount, currency, probability = row.amount_minor, row.currency, row.probability
        stage_rows.extend(
            (team, opp_id, f.value if f else None, t.value, at, creator, amount, currency, probability, [])
            for f, t, at in history
        )
        if row.assignee:
            assignment_rows.append((team, opp_id, None, row.assignee, now, user))
        detail = {"source": source, "line": row.line, "created": True}
        activity_rows.append((team, str(uuid.uuid4()), opp_id, user, IMPORTED, [], detail, now))
    return [
        (StageChange, _STAGE_COLUMNS, stage_rows),
        (AssignmentChange, _ASSIGNMENT_COLUMNS, assignment_rows),
        (Activity, _ACTIVITY_COLUMNS, activity_rows),
    ]


def _prepare(reserve: Callable[[type, int], list[int]], actor: Actor, p: Pass, batch: Batch, updates, source) -> None:
    """PostgreSQL, in the reading thread: ids for the batch's new customers and deals (from the tables' sequences)
    and every row as COPY text. What needs the batch's transaction (the deal numbers, under the workspace lock;
    the duplicate hints; the writes) is left to `_create_batch` in the writing thread."""
    rows = list(batch) + ([row for _id, row in updates] if "customer" in p.present else [])
    missing = _missing_customers(p, rows)
    for _kind, model in _CUSTOMER_MODELS:
        new = [(key, row) for key, row in missing.items() if key[0] == _kind]
        if new:
            ids = reserve(model, len(new))
            batch.customers.append((model, new, ids))
            p.existing.customers.update((key, i) for (key, _row), i in zip(new, ids, strict=True))
    if not batch:
        return
    now = utcnow()
    histories = [_history(row, now) for row in batch]
    creators = [row.created_by or actor.user_id for row in batch]
    ids = reserve(Opportunity, len(batch))
    customer_ids = [p.existing.customers[(row.customer_kind.value, row.customer.casefold())] for row in batch]
    deals = [
        (opp_id, *_deal_tuple(actor.team_id, row, customer_id, history, creator, now))
        for opp_id, row, customer_id, history, creator in zip(
            ids, batch, customer_ids, histories, creators, strict=True
        )
    ]
    batch.deal_lines = ["\t" + line for line in copy_text(Opportunity, ("id", *_DEAL_COLUMNS[1:]), deals)]
    batch.children = [
        (model, columns, copy_text(model, columns, child))
        for model, columns, child in _child_rows(actor, ids, batch, histories, creators, now, source)
    ]


def _create_batch(session: Session, actor: Actor, p: Pass, rows: list[DealRow], source: str) -> None:
    """A batch of new deals with their stage history, assignments and activity: one bulk write per table (COPY on
    PostgreSQL), whatever the number of rows."""
    workspace = repo.lock_workspace(session, actor.team_id)
    first = workspace.next_deal_number
    workspace.next_deal_number = first + len(rows)
    if isinstance(rows, Batch) and rows.deal_lines is not None:  # made ready by _prepare
        numbered = [f"{first + offset}{line}" for offset, line in enumerate(rows.deal_lines)]
        copy_lines(session, Opportunity, (_DEAL_COLUMNS[0], "id", *_DEAL_COLUMNS[1:]), numbered)
        for model, columns, lines in rows.children:
            copy_lines(session, model, columns, lines)
        return
    now = utcnow()
    customer_ids = _customer_ids(session, actor, p, rows)
    histories = [_history(row, now) for row in rows]
    creators = [row.created_by or actor.user_id for row in rows]
    deals = [
        (first + offset, *_deal_tuple(actor.team_id, row, customer_id, history, creator, now))
        for offset, (row, customer_id, history, creator) in enumerate(
            zip(rows, customer_ids, histories, creators, strict=True)
        )
    ]
    ids = insert_tuples(session, Opportunity, _DEAL_COLUMNS, deals, with_ids=True)
    for model, columns, child in _child_rows(actor, ids, rows, histories, creators, now, source):
        insert_tuples(session, model, columns, child)


def _lost_at(history: list) -> str | None:
    return history[-2][1].value if len(history) > 1 else None


def _update_batch(session: Session, actor: Actor, p: Pass, updates: list[tuple[int, DealRow]], source: str) -> None:
    by_id = {
        o.id: o
        for o in session.scalars(
            select(Opportunity).where(Opportunity.team_id == actor.team_id, Opportunity.id.in_([i for i, _ in updates]))
        )
    }
    for opp_id, row in updates:
        opp = by_id[opp_id]
        customer_id = _customer_ids(session, actor, p, [row])[0] if "customer" in p.present else None
        changes = _apply(opp, row, p.present, customer_id, actor, session)
        record(
            session,
            actor,
            opp,
            IMPORTED,
            changes=changes,
            detail={"source": source, "line": row.line, "created": False},
            notify=False,
        )


def _apply(opp: Opportunity, row: DealRow, present, customer_id, actor: Actor, session: Session) -> list[FieldChange]:
    changes: list[FieldChange] = []

    def put(attr: str, value) -> None:
        before = getattr(opp, attr)
        if before != value:
            changes.append(FieldChange(attr, jsonable(before), jsonable(value)))
            setattr(opp, attr, value)

    if customer_id is not None:
        individual = row.customer_kind == CustomerKind.INDIVIDUAL
        put("individual_id", customer_id if individual else None)
        put("organization_id", None if individual else customer_id)
    for name, attrs in _UPDATES.items():
        if name in present:
            for attr, value in attrs(row):
                put(attr, value)
    if "stage" in present and opp.stage != row.stage.value:
        if "probability" not in present and opp.probability_source == "stage":
            put("probability", row.probability)  # the new stage's default, as a move would set it
        _move(session, actor, opp, row.stage, put)
    opp.updated_at = utcnow()
    return changes


_UPDATES = {
    "title": lambda r: [("title", r.title)],
    "value": lambda r: [("amount_minor", r.amount_minor), ("currency", r.currency)],
    "expected_close": lambda r: [("expected_close", r.expected_close)],
    "description": lambda r: [("description", r.description)],
    "lost_reason": lambda r: [("lost_reason", r.lost_reason)],
    "lost_note": lambda r: [("lost_note", r.lost_note)],
    "assignee": lambda r: [("assignee_id", r.assignee)],
    "category": lambda r: [("forecast_category", r.category)] if r.stage.is_open else [],  # a closed one's is kept
    "probability": lambda r: [
        ("probability", r.probability),
        ("probability_source", "manual" if r.probability_manual else "stage"),
    ],
}


def _move(session: Session, actor: Actor, opp: Opportunity, stage: Stage, put) -> None:
    previous = opp.stage
    put("stage", stage.value)
    now = utcnow()
    opp.stage_entered_at = now
    opp.closed_at = now if stage.is_closed else None
    session.add(
        StageChange(
            team_id=actor.team_id,
            opportunity_id=opp.id,
            from_stage=previous,
            to_stage=stage.value,
            changed_at=now,
            changed_by=actor.user_id,
            amount_minor=opp.amount_minor,
            currency=opp.currency,
            probability=opp.probability,
            skipped=[],
        )
    )


# --- the whole run ----------------------------------------------------------------------------------------------------


Opener = Callable[[], BinaryIO]
Progress = Callable[[int, ImportReport], None]


def _bound_rows(opener: Opener, map_name: str, encoding: str) -> tuple[BoundMap, Iterator[tuple[int, list[str]]]]:
    rows = read_rows(opener(), encoding)
    try:
        _first, header = next(rows)
    except StopIteration:
        raise ImportAborted(_("The file is empty: the first line should name the columns.")) from None
    try:
        return choose_map(map_name, [h.strip() for h in header]), rows
    except InvalidInput as exc:
        raise ImportAborted(exc.message) from None


def _walk(p: Pass, bound: BoundMap, rows, rules: WorkspaceRules, on_row, progress: Progress | None) -> None:
    for line, cells in rows:
        if not "".join(cells).strip():
            continue  # blank lines (and a trailing newline) are not rows
        p.report.rows += 1
        if p.report.rows > MAX_ROWS:
            raise ImportAborted(_too_many())
        try:
            row = parse_row(bound, cells, line, rules)
        except InvalidInput as exc:
            p.report.add_bad(line, row_problem(exc))
            continue
        classify(p, row)
        on_row()
        if progress is not None and p.report.rows % BATCH == 0:
            progress(p.report.rows, p.report)


def _new_pass(sessions: sessionmaker[Session], actor: Actor, bound: BoundMap, dry_run: bool) -> tuple[Pass, object]:
    with unit_of_work(sessions) as session:
        rules = workspaces.load_rules(session, actor.team_id)
        present = present_fields(bound)
        existing = load_existing(session, actor.team_id, present)
    report = ImportReport(map_name=bound.map.name, dry_run=dry_run, ignored_columns=bound.ignored)
    return Pass(report, existing, present), rules


def check_readable(opener: Opener, map_name: str, encoding: str) -> int:
    """Read the whole file once (text, CSV, header, size) without judging rows: ImportAborted before anything is
    written when it can't be read to the end. How many non-blank rows it has."""
    _bound, rows = _bound_rows(opener, map_name, encoding)
    count = 0
    for _line, cells in rows:
        if "".join(cells).strip():
            count += 1
            if count > MAX_ROWS:
                raise ImportAborted(_too_many())
    return count


def preview(
    sessions: sessionmaker[Session],
    actor: Actor,
    opener: Opener,
    *,
    map_name: str = "auto",
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> ImportReport:
    """What an import would do, row by row, writing nothing. ImportAborted when the file can't be imported at all."""
    require_manager(actor, N_("import deals"))
    bound, rows = _bound_rows(opener, map_name, encoding)
    p, rules = _new_pass(sessions, actor, bound, dry_run=True)
    _walk(p, bound, rows, rules, lambda: None, progress)
    return p.report


class _Writer:
    """Writes the batches in one background thread, each in its own transaction, while the caller reads and checks
    the next: the database's work on batch N (COPY, indexes, foreign-key checks, commit) overlaps the parsing of
    batch N+1 instead of following it. On PostgreSQL the caller also turns the batch into COPY text (`_prepare`)
    before handing it over, so the writing thread mostly waits on the server instead of holding the GIL.

    At most one batch is in flight: a batch is handed over only once the one before it has committed, so a failure
    stops the run at that batch (raised here) and nothing after it is written."""

    def __init__(self, sessions: sessionmaker[Session], actor: Actor, p: Pass, currency: str, source: str) -> None:
        self.sessions, self.actor, self.p, self.currency, self.source = sessions, actor, p, currency, source
        self.reserve = _reserver(sessions)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oppbot-import")
        self.pending: Future | None = None

    def send(self) -> None:
        """Hand the rows waiting in the pass to the thread (after the previous batch has committed)."""
        p = self.p
        if not p.creates and not p.updates:
            return
        batch, updates = Batch(p.creates), p.updates
        p.creates, p.updates = [], []
        if self.reserve is not None:
            _prepare(self.reserve, self.actor, p, batch, updates, self.source)
        self.wait()
        self.pending = self.pool.submit(self._write, batch, updates)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()  # the batch's own exception, when it failed and rolled back

    def _write(self, batch: Batch, updates: list[tuple[int, DealRow]]) -> None:
        with unit_of_work(self.sessions) as session:
            workspaces.ensure_workspace(session, self.actor.team_id, default_currency=self.currency)
            if batch.customers:
                _insert_customers(session, self.actor, self.p, batch)
            if batch:
                _create_batch(session, self.actor, self.p, batch, self.source)
            if updates:
                _update_batch(session, self.actor, self.p, updates, self.source)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            self.pool.shutdown(wait=True)  # a batch in flight when reading failed still finishes whole


def _reserver(sessions: sessionmaker[Session]) -> Callable[[type, int], list[int]] | None:
    """On PostgreSQL, ids for the reading thread: `count` values of a table's sequence on a connection of its own."""
    bind = sessions.kw.get("bind")
    if bind is None or bind.dialect.name != "postgresql":
        return None

    def reserve(model: type, count: int) -> list[int]:
        with sessions() as session:
            return reserve_ids(session, model, count)

    return reserve


def run_import(
    sessions: sessionmaker[Session],
    actor: Actor,
    opener: Opener,
    *,
    map_name: str = "auto",
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> ImportReport:
    """Check the whole file (nothing written if it can't be read to the end), then import it batch by batch: each
    batch of BATCH rows is one transaction with its activity rows, so a failure leaves whole batches only."""
    require_manager(actor, N_("import deals"))
    check_readable(opener, map_name, encoding)
    bound, rows = _bound_rows(opener, map_name, encoding)
    p, rules = _new_pass(sessions, actor, bound, dry_run=False)
    source = bound.map.name
    writer = _Writer(sessions, actor, p, rules.currency, source)

    def on_row() -> None:
        if len(p.creates) + len(p.updates) >= BATCH:
            writer.send()

    with writer:
        _walk(p, bound, rows, rules, on_row, progress)
        writer.send()
    if progress is not None:
        progress(p.report.rows, p.report)
    return p.report
