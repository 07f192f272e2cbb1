"""Creating and editing deals: what is stored, and the field-level activity an edit leaves."""

from datetime import date
from decimal import Decimal

import pytest
from integration.helpers import make_customer, make_deal
from integration.rows import activity_of, counts, deal, form_of, history_of

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import Conflict, NotFound, PermissionDenied
from oppbot.domain.opportunity import CustomerKind, CustomerRef, Draft
from oppbot.services import customers, opportunities


def test_a_new_deal_gets_the_next_number_and_the_stage_default_probability(sessions, rep):
    first = make_deal(sessions, rep)
    second = make_deal(sessions, rep, stage="prop")
    assert (first, second) == (1, 2)
    opp = deal(sessions, rep, second)
    assert (opp.stage, opp.probability, opp.probability_source) == ("proposal", 50, "stage")
    assert opp.amount == Decimal("50000.00") and opp.currency == "USD"
    assert opp.created_by == rep.user_id and opp.assignee_id is None


def test_a_new_deal_with_its_own_probability_keeps_it_as_manual(sessions, rep):
    opp = deal(sessions, rep, make_deal(sessions, rep, probability="40"))
    assert (opp.probability, opp.probability_source) == (40, "manual")


def test_a_new_deal_can_belong_to_an_individual(sessions, rep):
    with unit_of_work(sessions) as s:
        person = customers.create_individual(s, rep, "Kari Nordmann", "kari@example.no")
        ref = CustomerRef(CustomerKind.INDIVIDUAL, person.id)
    opp = deal(sessions, rep, make_deal(sessions, rep, customer=ref, value="1 234,5", currency="NOK"))
    assert (opp.individual_id, opp.organization_id) == (ref.id, None)
    assert opp.amount == Decimal("12345.00") and opp.currency == "NOK"
    assert opp.customer_name == "Kari Nordmann"


def test_amounts_are_stored_exactly_in_minor_units_for_each_currency(sessions, rep):
    yen = deal(sessions, rep, make_deal(sessions, rep, value="1200", currency="JPY"))
    dinar = deal(sessions, rep, make_deal(sessions, rep, value="1.234", currency="KWD"))
    assert (yen.amount_minor, yen.amount) == (1200, Decimal("1200"))
    assert (dinar.amount_minor, dinar.amount) == (1234, Decimal("1.234"))


def test_creating_a_deal_records_its_fields_its_first_stage_and_its_assignee(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, expected_close="2026-12-31")
    [created] = activity_of(sessions, rep, number)
    assert created.kind == "created" and created.actor_id == rep.user_id
    fields = {c["field"]: (c["before"], c["after"]) for c in created.changes}
    assert fields["title"] == (None, "Acme Corp - Software licence")
    assert fields["value"] == (None, "50000.00")
    assert fields["expected_close"] == (None, "2026-12-31")
    [first] = history_of(sessions, rep, number)
    assert (first.from_stage, first.to_stage, first.changed_by) == (None, "lead", rep.user_id)


def test_a_member_cannot_create_a_deal_for_someone_else(sessions, rep, other_rep):
    customer = make_customer(sessions, rep)
    with (
        pytest.raises(PermissionDenied, match="Only managers can assign a new deal to someone else"),
        unit_of_work(sessions) as s,
    ):
        opportunities.create(s, rep, Draft(title="T", customer=customer, assignee=other_rep.user_id))


def test_a_manager_can_create_a_deal_for_someone_else(sessions, manager, rep):
    opp = deal(sessions, manager, make_deal(sessions, manager, assignee=rep.user_id))
    assert opp.assignee_id == rep.user_id


def test_a_customer_of_another_workspace_is_not_found(sessions, rep, outsider):
    theirs = make_customer(sessions, outsider, "Outside Ltd")
    with pytest.raises(NotFound, match="That customer does not exist"), unit_of_work(sessions) as s:
        opportunities.create(s, rep, Draft(title="T", customer=theirs))


def test_an_edit_records_each_changed_field_with_its_before_and_after(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    opp = deal(sessions, rep, number)
    with unit_of_work(sessions) as s:
        out = opportunities.edit(
            s, rep, number, form_of(opp, title="Acme - Enterprise", value="60000", expected_close="2027-01-15")
        )
        assert out.changed
    edited = activity_of(sessions, rep, number)[-1]
    assert edited.kind == "edited" and edited.actor_id == rep.user_id
    assert edited.changes == [
        {"field": "title", "before": "Acme Corp - Software licence", "after": "Acme - Enterprise"},
        {"field": "value", "before": "50000.00", "after": "60000.00"},
        {"field": "expected_close", "before": None, "after": "2027-01-15"},
    ]
    after = deal(sessions, rep, number)
    assert after.title == "Acme - Enterprise" and after.expected_close == date(2027, 1, 15)
    assert after.version == opp.version + 1


def test_an_edit_that_changes_nothing_records_nothing(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, description="Three seats")
    opp = deal(sessions, rep, number)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        out = opportunities.edit(s, rep, number, form_of(opp))
    assert not out.changed and out.event_ids == []
    assert counts(sessions) == before
    assert deal(sessions, rep, number).version == opp.version


def test_an_edit_that_moves_the_stage_writes_stage_history_and_one_activity(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    opp = deal(sessions, rep, number)
    with unit_of_work(sessions) as s:
        out = opportunities.edit(s, rep, number, form_of(opp, stage="Forslag"))
    assert any("Qualification was skipped" in w for w in out.warnings)
    after = deal(sessions, rep, number)
    # the probability shown prefilled (15) was sent back unchanged, so it follows the new stage
    assert (after.stage, after.probability, after.probability_source) == ("proposal", 50, "stage")
    assert [h.to_stage for h in history_of(sessions, rep, number)] == ["lead", "proposal"]
    assert [a.kind for a in activity_of(sessions, rep, number)] == ["created", "edited"]


def test_an_edit_of_the_probability_makes_it_manual(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.edit(s, rep, number, form_of(deal(sessions, rep, number), probability="35"))
    after = deal(sessions, rep, number)
    assert (after.probability, after.probability_source) == (35, "manual")


def test_an_edit_from_a_stale_form_is_refused(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    opened = deal(sessions, rep, number)
    with unit_of_work(sessions) as s:
        opportunities.edit(s, rep, number, form_of(opened, title="Changed meanwhile"))
    before = counts(sessions)
    with pytest.raises(Conflict, match="changed by someone else since you opened it"), unit_of_work(sessions) as s:
        opportunities.edit(s, rep, number, form_of(opened, value="1"), expected_version=opened.version)
    assert counts(sessions) == before
    assert deal(sessions, rep, number).title == "Changed meanwhile"
