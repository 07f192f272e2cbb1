"""SQL statements per deal change stay small and fixed: no per-row queries, no redundant writes."""

from __future__ import annotations

from integration.helpers import make_customer, make_deal
from sqlalchemy import event

from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import Draft
from oppbot.domain.stages import Stage
from oppbot.services import opportunities, queries


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
