"""Forecast categories: the stage's default through the workspace mapping, the rep's own choice (command, card,
form), won is Closed and lost Omitted whatever was chosen, each change an activity entry; permissions and tenancy
of /opp category, quotas and adjustments."""

from datetime import date

import pytest
from integration.helpers import make_customer, make_deal
from sqlalchemy import select

from oppbot.db.models import Activity, Opportunity, OutboxEvent
from oppbot.db.session import unit_of_work
from oppbot.domain.categories import Category
from oppbot.domain.errors import InvalidInput, NotFound, PermissionDenied
from oppbot.domain.events import EventKind as Kind
from oppbot.domain.opportunity import Draft
from oppbot.domain.periods import parse_period
from oppbot.domain.stages import Stage
from oppbot.services import opportunities, quotas, settings

Q = parse_period("2027-Q1", date(2026, 12, 1))


def category(sessions, actor, number) -> Category:
    with unit_of_work(sessions) as s:
        return opportunities.category_of(s, opportunities.repo.get_opportunity(s, actor.team_id, number))


def test_the_stage_decides_until_the_rep_does_and_closing_decides_after(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id, stage="proposal")
    assert category(sessions, rep, number) == Category.BEST_CASE
    with unit_of_work(sessions) as s:
        settings.set_stage_category(s, manager, Stage.PROPOSAL, Category.COMMIT)
    assert category(sessions, rep, number) == Category.COMMIT
    with unit_of_work(sessions) as s:
        done = opportunities.set_category(s, rep, number, Category.OMITTED)
    assert done.changed and category(sessions, rep, number) == Category.OMITTED
    with sessions() as s:
        entry = s.scalar(select(Activity).where(Activity.kind == Kind.CATEGORY_CHANGED))
        assert entry.changes == [{"field": "category", "before": "commit", "after": "omitted"}]
        assert s.scalar(select(OutboxEvent).where(OutboxEvent.event_id == entry.event_id)) is not None
    with unit_of_work(sessions) as s:
        assert not opportunities.set_category(s, rep, number, Category.OMITTED).changed  # no second entry
        opportunities.close_won(s, rep, number)
    assert category(sessions, rep, number) == Category.CLOSED
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput):
        opportunities.set_category(s, rep, number, Category.COMMIT)  # a won deal is always Closed


def test_lost_is_omitted_and_closed_is_not_a_reps_choice(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id, stage="negotiation")
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput):
        opportunities.set_category(s, rep, number, Category.CLOSED)
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput):
        settings.set_stage_category(s, manager, Stage.CLOSED_LOST, Category.COMMIT)
    with unit_of_work(sessions) as s:
        opportunities.set_category(s, rep, number, Category.COMMIT)
        opportunities.close_lost(s, rep, number, "Price")
    assert category(sessions, rep, number) == Category.OMITTED


def test_the_form_sets_keeps_and_clears_the_category(sessions, rep):
    customer = make_customer(sessions, rep)
    with unit_of_work(sessions) as s:
        opp = opportunities.create(s, rep, Draft(title="T", customer=customer, category="commit")).opportunity
        number = opp.number
    assert category(sessions, rep, number) == Category.COMMIT
    base = dict(title="T", customer=customer, stage="lead")
    with unit_of_work(sessions) as s:
        assert not opportunities.edit(s, rep, number, Draft(**base)).changed  # not given: kept
    with unit_of_work(sessions) as s:
        opportunities.edit(s, rep, number, Draft(**base, category="stage"))
    assert category(sessions, rep, number) == Category.PIPELINE
    with sessions() as s:
        edited = s.scalars(select(Activity).where(Activity.kind == Kind.EDITED)).all()[-1]
        assert {"field": "category", "before": "commit", "after": None} in edited.changes
        assert s.scalar(select(Opportunity.forecast_category).where(Opportunity.number == number)) is None


def test_only_the_deals_owner_or_a_manager_sets_its_category(sessions, rep, other_rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
        opportunities.set_category(s, other_rep, number, Category.COMMIT)
    with unit_of_work(sessions) as s:
        assert opportunities.set_category(s, manager, number, Category.COMMIT).changed
    with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
        settings.set_stage_category(s, rep, Stage.LEAD, Category.COMMIT)


def test_other_workspaces_deals_quotas_and_adjustments_are_out_of_reach(sessions, rep, manager, outsider):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s, pytest.raises(NotFound):
        opportunities.set_category(s, outsider, number, Category.COMMIT)
    with unit_of_work(sessions) as s:
        quotas.set_quota(s, manager, rep.user_id, Q, "1000", None)
        quotas.adjust(s, manager, rep.user_id, Q, "900", "why")
    with sessions() as s:
        assert quotas.list_quotas(s, outsider.team_id, None) == []
        assert len(quotas.list_quotas(s, manager.team_id, Q)) == 1
