"""Customers, catalog, billables, invoices and tasks through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from integration.helpers import make_customer, make_deal
from sqlalchemy import func, select

from oppbot.db.models import Activity, Invoice, Workspace
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput, NotFound, PermissionDenied
from oppbot.services import billables, catalog, customers, invoices, opportunities, queries, tasks


def won_deal(sessions, actor, **fields) -> int:
    number = make_deal(sessions, actor, assignee=actor.user_id, **fields)
    with unit_of_work(sessions) as s:
        opportunities.close_won(s, actor, number)
    return number


# --- customers -------------------------------------------------------------------------------------------------------


def test_a_look_alike_name_or_email_is_pointed_out_but_not_refused(sessions, rep):
    make_customer(sessions, rep, "Acme Corp")
    with unit_of_work(sessions) as s:
        created = customers.add_organization(s, rep, "ACME corp.")
        assert created.customer.id and any("Acme Corp" in w for w in created.warnings)
        person = customers.add_individual(s, rep, "Jane Roe", "jane@x.example")
        assert person.warnings == []
        twin = customers.add_individual(s, rep, "J. Roe", "JANE@x.example")
        assert any("jane@x.example" in w for w in twin.warnings)
        assert customers.add_organization(s, rep, "Globex").warnings == []


def test_renaming_a_customer_rebuilds_its_deals_search_text(sessions, rep):
    customer = make_customer(sessions, rep, "Acme Corp")
    make_deal(sessions, rep, customer, title="Licence")
    make_deal(sessions, rep, customer, title="Support")
    with unit_of_work(sessions) as s:
        customers.edit_customer(s, rep, customer, name="Initech Ltd")
    with unit_of_work(sessions) as s:
        assert queries.search(s, rep, "initech").total == 2
        assert queries.search(s, rep, "acme").total == 0


def test_the_customer_overview_groups_deals_and_totals_per_currency(sessions, rep, outsider):
    customer = make_customer(sessions, rep, "Acme Corp")
    won_deal(sessions, rep, customer=customer, value="100", currency="EUR")
    won_deal(sessions, rep, customer=customer, value="50", currency="EUR")
    lost = make_deal(sessions, rep, customer, value="70", assignee=rep.user_id)
    make_deal(sessions, rep, customer, value="10")
    with unit_of_work(sessions) as s:
        opportunities.close_lost(s, rep, lost, "Price")
    with unit_of_work(sessions) as s:
        page = customers.customer_overview(s, rep, "acme corp")
        assert page.deal_count == 4
        assert (len(page.open_deals), len(page.won_deals), len(page.lost_deals)) == (1, 2, 1)
        assert [(t.currency, t.count, t.amount_minor) for t in page.won_totals] == [("EUR", 2, 15000)]
        assert [(t.currency, t.amount_minor) for t in page.lost_totals] == [("USD", 7000)]
        assert page.activity and all(number for _, number in page.activity)
    with unit_of_work(sessions) as s, pytest.raises(NotFound):
        customers.customer_overview(s, outsider, customer)


# --- catalog ---------------------------------------------------------------------------------------------------------


def test_only_managers_keep_the_catalog(sessions, rep, manager):
    with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
        catalog.add_service(s, rep, "Workshop", "1200", "USD")
    with unit_of_work(sessions) as s:
        service = catalog.add_service(s, manager, "Workshop", "1,200.50", "usd")
        assert (service.unit_price_minor, service.currency) == (120050, "USD")
    with unit_of_work(sessions) as s:
        catalog.edit_service(s, manager, service.id, name="Workshop (day)", unit_price="1300")
        catalog.retire_service(s, manager, service.id)
    with unit_of_work(sessions) as s:
        assert catalog.list_services(s, manager) == []
        [kept] = catalog.list_services(s, manager, include_retired=True)
        assert (kept.name, kept.unit_price_minor, kept.active) == ("Workshop (day)", 130000, False)


def test_a_catalog_price_must_be_a_valid_amount(sessions, manager):
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput) as err:
        catalog.add_service(s, manager, "Widget", "-5", "USD")
    assert "unit_price" in err.value.errors


# --- billables -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quantity, price, field",
    [
        ("0", "10", "quantity"),
        ("-1", "10", "quantity"),
        ("1.23456", "10", "quantity"),
        ("abc", "10", "quantity"),
        ("1", "-1", "unit_price"),
        ("1", "10.999", "unit_price"),
        ("1", "ten", "unit_price"),
    ],
)
def test_invalid_quantities_and_prices_are_refused_naming_the_field(sessions, rep, quantity, price, field):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput) as err:
        billables.add_billable(s, rep, number, description="Custom", quantity=quantity, unit_price=price)
    assert field in err.value.errors


def test_line_totals_round_half_even_per_line_and_the_deal_total_adds_them(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        # 0.5 × $0.05 = 2.5 cents → 2 (half-even); 1.5 × $0.01 = 1.5 cents → 2: total 4 cents, not round(4.0)=4 by luck
        billables.add_billable(s, rep, number, description="A", quantity="0.5", unit_price="0.05")
        billables.add_billable(s, rep, number, description="B", quantity="1.5", unit_price="0.01")
        billables.add_billable(s, rep, number, description="C", quantity="2.0001", unit_price="100")
    with unit_of_work(sessions) as s:
        view = billables.billables_for(s, rep, number)
        assert [view.line_total_minor(line) for line in view.lines] == [2, 2, 20001]
        assert view.total == Decimal("200.05")


def test_a_catalog_service_in_another_currency_is_refused_naming_both(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id, currency="USD")
    with unit_of_work(sessions) as s:
        eur = catalog.add_service(s, manager, "Audit", "500", "EUR")
        usd = catalog.add_service(s, manager, "Setup", "250", "USD")
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput) as err:
        billables.add_billable(s, rep, number, service_id=eur.id, quantity="1")
    message = err.value.errors["service"]
    assert "EUR" in message and "USD" in message and "custom line" in message
    with unit_of_work(sessions) as s:
        out = billables.add_billable(s, rep, number, service_id=usd.id, quantity="2")
        assert (out.billable.description, out.billable.unit_price_minor) == ("Setup", 25000)


def test_billables_are_edited_removed_and_set_the_deal_value_with_activity(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id, value="1")
    with unit_of_work(sessions) as s:
        line = billables.add_billable(s, rep, number, description="Hours", quantity="10", unit_price="150").billable
        extra = billables.add_billable(s, rep, number, description="Travel", quantity="1", unit_price="80").billable
    with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
        billables.remove_billable(s, other_rep, extra.id)
    with unit_of_work(sessions) as s:
        billables.edit_billable(s, rep, line.id, quantity="12")
        billables.remove_billable(s, rep, extra.id)
        billables.set_value_to_total(s, rep, number)
    with unit_of_work(sessions) as s:
        opp = queries.show(s, rep, number).opportunity
        assert opp.amount == Decimal("1800.00")
        kinds = s.scalars(select(Activity.kind).where(Activity.opportunity_id == opp.id)).all()
        assert {"billable_added", "billable_edited", "billable_removed", "edited"} <= set(kinds)
        edit = s.scalar(select(Activity).where(Activity.opportunity_id == opp.id, Activity.kind == "edited"))
        assert edit.changes == [{"field": "value", "before": "1.00", "after": "1800.00"}]


# --- invoices --------------------------------------------------------------------------------------------------------


def test_an_invoice_needs_a_won_deal_with_billables(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        billables.add_billable(s, rep, number, description="Hours", quantity="1", unit_price="10")
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput, match="not won"):
        invoices.generate_invoice(s, rep, number)
    empty = won_deal(sessions, rep)
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput, match="no billables"):
        invoices.generate_invoice(s, rep, empty)


def test_invoices_are_numbered_per_workspace_frozen_and_made_once_per_billables(sessions, rep):
    first, second = won_deal(sessions, rep), won_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        line = billables.add_billable(s, rep, first, description="Hours", quantity="2", unit_price="100").billable
        billables.add_billable(s, rep, second, description="Setup", quantity="1", unit_price="5")
    with unit_of_work(sessions) as s:
        a = invoices.generate_invoice(s, rep, first)
    with unit_of_work(sessions) as s:
        again = invoices.generate_invoice(s, rep, first)
        b = invoices.generate_invoice(s, rep, second)
    assert (a.created, a.label, again.created, again.label) == (True, "INV-0001", False, "INV-0001")
    assert b.label == "INV-0002"
    with unit_of_work(sessions) as s:
        billables.edit_billable(s, rep, line.id, quantity="3")
    with unit_of_work(sessions) as s:
        c = invoices.generate_invoice(s, rep, first)
        old = invoices.get_invoice(s, rep, 1)
    assert (c.created, c.label, c.invoice.total_minor) == (True, "INV-0003", 30000)
    assert (old.total_minor, old.lines[0]["quantity"]) == (20000, "2")
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.kind == "invoice_generated")) == 3


def test_two_concurrent_generate_calls_make_one_invoice(sessions, rep):
    number = won_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        billables.add_billable(s, rep, number, description="Hours", quantity="2", unit_price="100")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def click():
        try:
            barrier.wait(timeout=5)
            with unit_of_work(sessions) as s:
                results.append(invoices.generate_invoice(s, rep, number).label)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert results == ["INV-0001", "INV-0001"]
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 1
        assert s.get(Workspace, rep.team_id).next_invoice_number == 2


# --- tasks -----------------------------------------------------------------------------------------------------------


def test_a_task_due_date_is_read_in_the_users_zone_and_stored_utc(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        task = tasks.add_task(s, rep, number, "Call back", "2026-12-01", "14:30", tz="Europe/Oslo")
        default = tasks.add_task(s, rep, number, "Send proposal", "2026-12-02")
    assert task.due_at == datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
    assert default.due_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput) as err:
        tasks.add_task(s, rep, number, "", "tomorrow")
    assert set(err.value.errors) == {"title", "due_date"}


def test_my_tasks_lists_open_ones_and_done_and_snooze_work(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        first = tasks.add_task(s, rep, number, "First", "2026-12-01")
        second = tasks.add_task(s, rep, number, "Second", "2026-12-02")
        tasks.add_task(s, rep, number, "Theirs", "2026-12-01", assignee_id=other_rep.user_id)
    with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
        tasks.complete_task(s, other_rep, first.id)
    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        tasks.complete_task(s, rep, first.id)
        snoozed = tasks.snooze_task(s, rep, second.id, now=now)
    assert snoozed.due_at == now + timedelta(days=1)
    with unit_of_work(sessions) as s:
        assert [row.task.title for row in tasks.my_open_tasks(s, rep)] == ["Second"]
        assert [row.task.title for row in tasks.my_open_tasks(s, other_rep)] == ["Theirs"]


def test_a_task_reminder_is_claimed_once_and_again_after_a_snooze(sessions, rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        task = tasks.add_task(s, rep, number, "Call", "2026-12-01", "09:00", tz="UTC")
    before, at = datetime(2026, 12, 1, 8, 59, tzinfo=UTC), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        assert tasks.due_reminders(s, before) == []
        assert [t.id for t in tasks.due_reminders(s, at)] == [task.id]
        assert tasks.mark_reminded(s, task.id, at) is True
        assert tasks.mark_reminded(s, task.id, at) is False
    with unit_of_work(sessions) as s:
        assert tasks.due_reminders(s, at + timedelta(hours=1)) == []
        tasks.snooze_task(s, rep, task.id, now=at)
    with unit_of_work(sessions) as s:
        assert [t.id for t in tasks.due_reminders(s, at + timedelta(days=1))] == [task.id]
