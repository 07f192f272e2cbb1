"""Reading deals: list filters, search, the deal card and pipeline totals."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from integration.helpers import make_customer, make_deal
from sqlalchemy import update

from oppbot.db.models import Opportunity, Workspace
from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerKind, CustomerRef
from oppbot.domain.stages import Stage
from oppbot.services import customers, opportunities, queries
from oppbot.services.queries import ListQuery

UTC = UTC


def listed(sessions, actor, now=None, **query) -> list[int]:
    with unit_of_work(sessions) as s:
        page = queries.list_deals(s, actor, ListQuery(**query), limit=50, now=now)
        assert page.total == len(page.items)
        return sorted(o.number for o in page.items)


def found(sessions, actor, text) -> list[int]:
    with unit_of_work(sessions) as s:
        return sorted(o.number for o in queries.search(s, actor, text, limit=50).items)


def test_the_list_filters_by_stage_owner_and_assignment(sessions, rep, other_rep, manager):
    customer = make_customer(sessions, rep)
    mine_lead = make_deal(sessions, rep, customer, assignee=rep.user_id)
    mine_prop = make_deal(sessions, rep, customer, assignee=rep.user_id, stage="prop")
    theirs = make_deal(sessions, manager, customer, assignee=other_rep.user_id, stage="prop")
    nobody = make_deal(sessions, rep, customer)
    assert listed(sessions, rep) == [mine_lead, mine_prop, theirs, nobody]
    assert listed(sessions, rep, stages=(Stage.PROPOSAL,)) == [mine_prop, theirs]
    assert listed(sessions, rep, stages=(Stage.LEAD, Stage.PROPOSAL)) == [mine_lead, mine_prop, theirs, nobody]
    assert listed(sessions, rep, mine=True) == [mine_lead, mine_prop]
    assert listed(sessions, rep, mine=True, stages=(Stage.LEAD,)) == [mine_lead]
    assert listed(sessions, rep, assignee_id=other_rep.user_id) == [theirs]
    assert listed(sessions, rep, unassigned=True) == [nobody]


def test_the_list_shows_the_newest_activity_first_and_pages(sessions, rep):
    customer = make_customer(sessions, rep)
    numbers = [make_deal(sessions, rep, customer) for _ in range(3)]
    with unit_of_work(sessions) as s:
        opportunities.add_note(s, rep, numbers[0], "bump")
    with unit_of_work(sessions) as s:
        page = queries.list_deals(s, rep, ListQuery(), limit=2)
        assert [o.number for o in page.items] == [numbers[0], numbers[2]]
        assert page.total == 3 and page.has_next
        rest = queries.list_deals(s, rep, ListQuery(), offset=2, limit=2)
        assert [o.number for o in rest.items] == [numbers[1]] and not rest.has_next


def test_overdue_means_open_and_past_the_expected_close_date_in_the_workspace_s_time(sessions, rep):
    customer = make_customer(sessions, rep)
    late = make_deal(sessions, rep, customer, expected_close="2026-11-30", assignee=rep.user_id)
    today = make_deal(sessions, rep, customer, expected_close="2026-12-01")
    make_deal(sessions, rep, customer)  # no date: never overdue
    won_late = make_deal(sessions, rep, customer, expected_close="2026-11-01", assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.close_won(s, rep, won_late)
    noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert listed(sessions, rep, now=noon, overdue=True) == [late]
    assert listed(sessions, rep, now=noon + timedelta(days=1), overdue=True) == [late, today]
    # 23:30 UTC on Dec 1st is already Dec 2nd in Oslo
    with unit_of_work(sessions) as s:
        s.get(Workspace, rep.team_id).timezone = "Europe/Oslo"
    assert listed(sessions, rep, now=datetime(2026, 12, 1, 23, 30, tzinfo=UTC), overdue=True) == [late, today]


def test_stale_uses_each_stage_s_own_threshold(sessions, rep):
    customer = make_customer(sessions, rep)
    lead = make_deal(sessions, rep, customer)  # 14 days
    qual = make_deal(sessions, rep, customer, stage="qual")  # 7 days
    prop = make_deal(sessions, rep, customer, stage="prop")  # 5 days
    neg = make_deal(sessions, rep, customer, stage="neg")  # 3 days
    won = make_deal(sessions, rep, customer, stage="won")  # never stale
    start = datetime.now(UTC)
    assert listed(sessions, rep, now=start + timedelta(days=2), stale=True) == []
    assert listed(sessions, rep, now=start + timedelta(days=4), stale=True) == [neg]
    assert listed(sessions, rep, now=start + timedelta(days=6), stale=True) == [prop, neg]
    assert listed(sessions, rep, now=start + timedelta(days=8), stale=True) == [qual, prop, neg]
    assert listed(sessions, rep, now=start + timedelta(days=15), stale=True) == [lead, qual, prop, neg]
    assert won not in listed(sessions, rep, now=start + timedelta(days=365), stale=True)
    assert listed(sessions, rep, now=start + timedelta(days=8), stale=True, stages=(Stage.QUALIFICATION,)) == [qual]


def test_activity_on_a_deal_makes_it_fresh_again(sessions, rep):
    number = make_deal(sessions, rep, stage="neg")
    with unit_of_work(sessions) as s:
        s.execute(update(Opportunity).values(last_activity_at=datetime.now(UTC) - timedelta(days=4)))
    assert listed(sessions, rep, stale=True) == [number]
    with unit_of_work(sessions) as s:
        opportunities.add_note(s, rep, number, "still alive")
    assert listed(sessions, rep, stale=True) == []


def test_a_workspace_s_own_stale_thresholds_are_used(sessions, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        s.get(Workspace, rep.team_id).stale_days = {"lead": 1}
    assert listed(sessions, rep, now=datetime.now(UTC) + timedelta(days=2), stale=True) == [number]


def test_search_matches_title_customer_name_and_description_in_any_case(sessions, rep):
    acme = make_customer(sessions, rep, "Acme Corp")
    with unit_of_work(sessions) as s:
        fjord = CustomerRef(CustomerKind.ORGANIZATION, customers.create_organization(s, rep, "Fjord Fisk AS").id)
    by_title = make_deal(sessions, rep, acme, title="Licence renewal")
    by_customer = make_deal(sessions, rep, fjord, title="Boats")
    by_description = make_deal(sessions, rep, acme, title="Support", description="Includes a LICENCE audit")
    assert found(sessions, rep, "licence") == [by_title, by_description]
    assert found(sessions, rep, "FJORD") == [by_customer]
    assert found(sessions, rep, "acme support") == [by_description]  # every word must match
    assert found(sessions, rep, "nothing-like-this") == []


def test_search_treats_like_wildcards_as_literal_characters(sessions, rep):
    customer = make_customer(sessions, rep)
    percent = make_deal(sessions, rep, customer, title="50% discount")
    plain = make_deal(sessions, rep, customer, title="500 discount")
    underscore = make_deal(sessions, rep, customer, title="code a_b")
    axb = make_deal(sessions, rep, customer, title="code axb")
    backslash = make_deal(sessions, rep, customer, title=r"path c:\temp")
    assert found(sessions, rep, "50%") == [percent]
    assert found(sessions, rep, "%") == [percent]
    assert found(sessions, rep, "a_b") == [underscore]
    assert found(sessions, rep, "_") == [underscore]
    assert found(sessions, rep, "\\") == [backslash]
    assert plain not in found(sessions, rep, "50%") and axb not in found(sessions, rep, "a_b")


def test_show_gives_the_deal_with_its_activity_notes_and_histories(sessions, rep):
    number = make_deal(sessions, rep, expected_close="2026-01-01")
    with unit_of_work(sessions) as s:
        opportunities.claim(s, rep, number)
    with unit_of_work(sessions) as s:
        opportunities.move(s, rep, number, Stage.QUALIFICATION)
    with unit_of_work(sessions) as s:
        opportunities.add_note(s, rep, number, "Met the CFO")
    with unit_of_work(sessions) as s:
        view = queries.show(s, rep, number, now=datetime(2026, 6, 1, tzinfo=UTC))
        assert view.opportunity.number == number and view.opportunity.customer_name == "Acme Corp"
        assert [a.kind for a in view.activity] == ["note_added", "stage_changed", "assigned", "created"]
        assert [n.body for n in view.notes] == ["Met the CFO"]
        assert [h.to_stage for h in view.stages] == ["lead", "qualification"]
        assert [(a.from_user, a.to_user) for a in view.assignments] == [(None, rep.user_id)]
        assert view.is_overdue and not view.is_stale


def test_pipeline_totals_are_per_stage_and_currency_and_exact(sessions, rep):
    customer = make_customer(sessions, rep)
    make_deal(sessions, rep, customer, value="33.33")  # lead 15% -> 4.9995
    make_deal(sessions, rep, customer, value="0.01", probability="1")  # lead 1% -> 0.0001
    make_deal(sessions, rep, customer, value="1000", currency="NOK", stage="prop")  # 50% -> 500
    make_deal(sessions, rep, customer, value="1200", currency="JPY", stage="prop", probability="33")  # -> 396
    make_deal(sessions, rep, customer, value="99", stage="won")
    with unit_of_work(sessions) as s:
        pipe = queries.pipeline(s, rep)
    by_stage = {p.stage: p for p in pipe.stages}
    assert [p.stage for p in pipe.stages] == [Stage.LEAD, Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION]
    lead_usd = by_stage[Stage.LEAD].by_currency["USD"]
    assert (lead_usd.count, lead_usd.value, lead_usd.weighted) == (2, Decimal("33.34"), Decimal("4.9996"))
    assert by_stage[Stage.QUALIFICATION].count == 0
    assert by_stage[Stage.PROPOSAL].count == 2
    assert by_stage[Stage.PROPOSAL].by_currency["NOK"].weighted == Decimal("500")
    assert by_stage[Stage.PROPOSAL].by_currency["JPY"].weighted == Decimal("396")
    totals = pipe.open_totals()
    assert set(totals) == {"USD", "NOK", "JPY"}  # never added across currencies
    assert totals["USD"].value == Decimal("33.34") and pipe.open_count == 4
    with unit_of_work(sessions) as s:
        closed = {p.stage: p for p in queries.pipeline(s, rep, include_closed=True).stages}
    assert closed[Stage.CLOSED_WON].by_currency["USD"].weighted == Decimal("99")


def test_lists_and_totals_only_ever_show_the_actor_s_workspace(sessions, rep, outsider):
    make_deal(sessions, rep)
    mine = make_deal(sessions, outsider, make_customer(sessions, outsider, "Outside Ltd"), title="Their deal")
    assert listed(sessions, outsider) == [mine]
    assert found(sessions, outsider, "acme") == []
    with unit_of_work(sessions) as s:
        assert queries.pipeline(s, outsider).open_count == 1
