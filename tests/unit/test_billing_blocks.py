"""Billing, customer and task builders: escaping of hostile text, limits, which buttons show."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from oppbot.domain import billing
from oppbot.domain.errors import InvalidInput
from oppbot.domain.opportunity import CustomerKind, CustomerRef
from oppbot.services.billables import BillablesView
from oppbot.services.customers import CurrencyTotal, CustomerOverview
from oppbot.services.tasks import TaskRow
from oppbot.slack.blocks.billables import build_add_line_modal, build_billables_section
from oppbot.slack.blocks.customers import build_customer_page
from oppbot.slack.blocks.invoice import build_invoice
from oppbot.slack.blocks.tasks import build_my_tasks, build_reminder, build_task_modal
from oppbot.slack.ids import BillingAction

HOSTILE = "<!channel> <@U999> <http://x|y> & co"
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def deal(stage="closed_won", amount_minor=100, number=7):
    return SimpleNamespace(
        number=number,
        title=HOSTILE,
        stage=stage,
        amount_minor=amount_minor,
        currency="USD",
        amount=Decimal(amount_minor) / 100,
        assignee_id="U1",
        customer_name=HOSTILE,
    )


def mrkdwn(node) -> list[str]:
    """Every mrkdwn text in the blocks (plain_text is never parsed for mentions, so it may hold raw user text)."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn(item)]
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for value in node.values() for t in mrkdwn(value)]
    return []


def neutral(blocks) -> bool:
    text = json.dumps(mrkdwn(blocks))
    assert text != "[]"
    return "<!channel>" not in text and "<@U999>" not in text and "<http://x|y>" not in text


def actions(blocks) -> set[str]:
    return {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_quantities_take_four_decimals_and_nothing_below_zero():
    assert billing.parse_quantity("2.5000") == Decimal("2.5")
    for raw in ("0", "-1", "1.00001", "x", "", "NaN", "1e12"):
        with pytest.raises(InvalidInput) as err:
            billing.parse_quantity(raw)
        assert list(err.value.errors) == ["quantity"]


def test_a_line_rounds_half_even_to_minor_units():
    assert billing.line_total_minor(Decimal("0.5"), 5) == 2
    assert billing.line_total_minor(Decimal("0.5"), 7) == 4
    assert billing.content_hash(
        "USD",
        [
            {"description": "a", "quantity": "1", "unit_price_minor": 1, "service_id": None},
            {"description": "b", "quantity": "1", "unit_price_minor": 1, "service_id": None},
        ],
    ) == billing.content_hash(
        "USD",
        [
            {"description": "b", "quantity": "1", "unit_price_minor": 1, "service_id": None},
            {"description": "a", "quantity": "1", "unit_price_minor": 1, "service_id": None},
        ],
    )


def test_the_billables_section_escapes_lines_and_offers_invoice_only_when_won():
    line = SimpleNamespace(id=1, description=HOSTILE, quantity=Decimal("2"), unit_price_minor=50, service_id=None)
    won = BillablesView(deal("closed_won", 100), [line], "USD", 100)
    blocks = build_billables_section(won)
    assert neutral(blocks) and "USD 1.00" in json.dumps(blocks)
    assert BillingAction.GENERATE_INVOICE.value in actions(blocks)
    assert BillingAction.SET_VALUE.value not in actions(blocks)  # value already equals the total
    open_ = build_billables_section(BillablesView(deal("proposal", 5), [line], "USD", 100))
    assert BillingAction.GENERATE_INVOICE.value not in actions(open_)
    assert BillingAction.SET_VALUE.value in actions(open_)
    assert actions(build_billables_section(won, can_edit=False)) == set()


def test_the_customer_page_escapes_names_notes_and_titles():
    activity = SimpleNamespace(kind="note_added", detail={"note": HOSTILE}, created_at=NOW, actor_id="U1")
    page = CustomerOverview(
        ref=CustomerRef(CustomerKind.ORGANIZATION, 1),
        name=HOSTILE,
        email=None,
        phone=None,
        domain=HOSTILE,
        organization_name=None,
        open_deals=[deal("lead")],
        won_deals=[deal()],
        lost_deals=[],
        deal_count=2,
        won_totals=[CurrencyTotal("USD", 1, 100)],
        lost_totals=[],
        open_totals=[CurrencyTotal("USD", 1, 100)],
        activity=[(activity, 7)],
    )
    blocks = build_customer_page(page)
    assert neutral(blocks) and len(blocks) <= 50
    assert "&lt;!channel&gt;" in json.dumps(blocks)


def test_the_invoice_message_escapes_the_customer_and_lines():
    invoice = SimpleNamespace(
        number=12,
        currency="USD",
        total_minor=200,
        created_by="U1",
        created_at=NOW,
        lines=[{"description": HOSTILE, "quantity": "2", "unit_price_minor": 100, "total_minor": 200}],
    )
    blocks = build_invoice(invoice, deal_number=7, deal_title=HOSTILE, customer_name=HOSTILE)
    assert neutral(blocks)
    assert blocks[0]["text"]["text"] == "Invoice INV-0012" and "USD 2.00" in json.dumps(blocks)


def test_task_lists_and_reminders_carry_done_and_snooze_and_stay_under_fifty_blocks():
    task = SimpleNamespace(id=3, title=HOSTILE, due_at=NOW, created_by="U2", assignee_id="U1")
    rows = [TaskRow(task, 7, HOSTILE)] * 30
    blocks = build_my_tasks(rows, now=NOW)
    assert len(blocks) <= 50 and neutral(blocks)
    reminder = build_reminder(rows[0])
    assert actions(reminder) == {BillingAction.TASK_DONE.value, BillingAction.TASK_SNOOZE.value} and neutral(reminder)


def test_modal_titles_fit_slacks_24_characters():
    for view in (build_add_line_modal(123456789, "USD", []), build_task_modal(123456789)):
        assert len(view["title"]["text"]) <= 24 and len(view["private_metadata"]) <= 3000


def test_notes_show_author_and_time_and_escape_the_body():
    from oppbot.slack.blocks.notes import build_notes_section

    note = SimpleNamespace(body=HOSTILE + "\nsecond line", author_id="U42", created_at=NOW)
    blocks = build_notes_section([note])
    text = blocks[0]["text"]["text"]
    assert "<@U42>" in text and "<!date^" in text and neutral(blocks)
    assert build_notes_section([]) == []
