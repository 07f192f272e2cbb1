"""A deal's life through the services, on SQLite and PostgreSQL."""

from decimal import Decimal

from integration.helpers import make_deal

from oppbot.db.session import unit_of_work
from oppbot.domain.stages import Stage
from oppbot.services import opportunities, queries


def test_a_deal_moves_from_lead_to_won(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        out = opportunities.move(s, rep, number, Stage.PROPOSAL)
        assert out.warnings and "Qualification was skipped" in out.warnings[0]
    with unit_of_work(sessions) as s:
        opportunities.close_won(s, rep, number)
    with unit_of_work(sessions) as s:
        view = queries.show(s, rep, number)
        assert view.opportunity.stage == "closed_won"
        assert view.opportunity.probability == 100
        assert view.opportunity.amount == Decimal("50000.00")
        assert [c.to_stage for c in view.stages] == ["lead", "proposal", "closed_won"]
