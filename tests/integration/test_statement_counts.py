"""SQL statements per deal change stay small and fixed: no per-row queries, no redundant writes."""

from __future__ import annotations

import csv
import io

from integration.helpers import make_customer, make_deal
from sqlalchemy import event

from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import Draft
from oppbot.domain.stages import Stage
from oppbot.services import deal_import, opportunities, queries
from oppbot.services.context import Actor


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement.split()[0].upper())


def test_a_new_deal_is_written_once_and_starts_at_version_one(engine, sessions, rep):
    customer = make_customer(sessions, rep)
    with Statements(engine) as statements, unit_of_work(sessions) as session:
        opp = opportunities.create(session, rep, Draft(title="Acme", customer=customer, value="10")).opportunity
    assert opp.version == 1
    # No UPDATE of the deal after its INSERT (the workspace counter is the one UPDATE).
    assert statements.seen.count("UPDATE") == 1


def test_showing_a_deal_costs_the_same_whatever_its_history(engine, sessions, rep):
    small = make_deal(sessions, rep, assignee=rep.user_id)
    big = make_deal(sessions, rep, assignee=rep.user_id)
    for stage in (Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.PROPOSAL, Stage.NEGOTIATION):
        with unit_of_work(sessions) as session:
            opportunities.move(session, rep, big, stage)
        with unit_of_work(sessions) as session:
            opportunities.add_note(session, rep, big, f"moved to {stage.label}")

    counts = []
    for number in (small, big):
        with Statements(engine) as statements, sessions() as session:
            queries.show(session, rep, number)
        counts.append(len(statements.seen))
    assert counts[0] == counts[1]


def _deals_csv(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Record ID", "Deal Name", "Associated Company", "Amount", "Deal Stage", "Close Date", "Deal owner"]
    )
    for i in range(count):
        close, owner = "2026-12-31", "U_REP"
        writer.writerow([f"hs-{i}", f"Deal {i}", f"Company {i % 7}", f"{100 + i}", "contractsent", close, owner])
    return out.getvalue().encode()


def _import_statements(engine, sessions, monkeypatch, rows: int, batch: int) -> list[str]:
    monkeypatch.setattr(deal_import, "BATCH", batch)
    data = _deals_csv(rows)
    actor = Actor(f"T_STMT{rows}", "cli", is_manager=True)
    with Statements(engine) as statements:
        report = deal_import.run_import(sessions, actor, lambda: io.BytesIO(data))
    assert (report.created, report.bad_count) == (rows, 0)
    return statements.seen


def test_an_import_costs_statements_per_batch_not_per_row(engine, sessions, monkeypatch):
    # Ten batches either way: twice the rows in each batch must not cost one statement more. (COPY on PostgreSQL
    # goes past SQLAlchemy's events: there this counts the lookups, locks and id reservations around the COPYs.)
    small = _import_statements(engine, sessions, monkeypatch, 500, 50)
    large = _import_statements(engine, sessions, monkeypatch, 1000, 100)
    assert len(large) == len(small)
    assert len(large) <= 20 + 12 * 10  # set-up and the 7 new customers' duplicate hints, then a few per batch


def test_a_second_import_of_the_same_rows_reads_and_writes_nothing_per_row(engine, sessions, monkeypatch):
    _import_statements(engine, sessions, monkeypatch, 300, 100)
    data = _deals_csv(300)
    with Statements(engine) as statements:
        report = deal_import.run_import(sessions, Actor("T_STMT300", "cli", is_manager=True), lambda: io.BytesIO(data))
    assert (report.created, report.updated, report.skipped) == (0, 0, 300)
    assert "INSERT" not in statements.seen and "UPDATE" not in statements.seen
    assert len(statements.seen) <= 10
