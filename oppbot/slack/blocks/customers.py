"""The customer page: who they are, their deals by status, won/lost/open totals per currency, recent activity."""

from __future__ import annotations

from typing import Any

from oppbot.domain.billing import from_minor
from oppbot.domain.refs import format_ref
from oppbot.services.customers import CurrencyTotal, CustomerOverview
from oppbot.slack.blocks.common import actions, button, context, divider, section
from oppbot.slack.ids import Action
from oppbot.slack.text import escape, money, truncate, user, when

DEALS_PER_STATUS = 8  # three lists of 8 keep the page far below 50 blocks and 3,000 characters per section

TEXT_MAX = 2900


def _totals(label: str, totals: list[CurrencyTotal]) -> str:
    if not totals:
        return f"*{label}:* none"
    parts = [f"{money(from_minor(t.amount_minor, t.currency), t.currency)} ({t.count})" for t in totals]
    return f"*{label}:* " + ", ".join(parts)


def _deal_lines(deals: list, tz: str) -> str:
    lines = [
        f"• {format_ref(d.number)} {escape(truncate(d.title, 80))} — {money(d.amount, d.currency)}"
        + (f" · {user(d.assignee_id)}" if d.assignee_id else "")
        for d in deals[:DEALS_PER_STATUS]
    ]
    if len(deals) > DEALS_PER_STATUS:
        lines.append(f"_…and {len(deals) - DEALS_PER_STATUS} more_")
    return "\n".join(lines)


def _activity_line(entry, number: int, tz: str) -> str:
    what = entry.kind.replace("_", " ")
    extra = ""
    if entry.kind == "note_added" and entry.detail.get("note"):
        extra = f": “{escape(truncate(str(entry.detail['note']), 120))}”"
    return f"• {when(entry.created_at, tz)} {user(entry.actor_id)} {what} on {format_ref(number)}{extra}"


def build_customer_page(page: CustomerOverview, *, tz: str = "UTC") -> list[dict[str, Any]]:
    kind = "Organization" if page.ref.kind.value == "organization" else "Individual"
    facts = [f"*{escape(truncate(page.name, 150))}* · {kind}"]
    for label, value in (
        ("Email", page.email),
        ("Phone", page.phone),
        ("Domain", page.domain),
        ("Organization", page.organization_name),
    ):
        if value:
            facts.append(f"{label}: {escape(truncate(value, 200))}")
    blocks: list[dict[str, Any]] = [
        section("\n".join(facts)),
        context(
            f"{page.deal_count} deal(s) · "
            + " · ".join(
                (
                    _totals("Won", page.won_totals),
                    _totals("Lost", page.lost_totals),
                    _totals("Open", page.open_totals),
                )
            ),
            limit=TEXT_MAX,
        ),
    ]
    for label, deals in (("Open", page.open_deals), ("Won", page.won_deals), ("Lost", page.lost_deals)):
        if deals:
            blocks.append(section(f"*{label}*\n" + _deal_lines(deals, tz), limit=TEXT_MAX))
    if page.deal_count == 0:
        blocks.append(section("_No deals with this customer yet._"))
    blocks.append(actions(button("Edit customer", Action.EDIT_CUSTOMER.value, page.ref.encode())))
    if page.activity:
        blocks.append(divider())
        text = "*Recent activity*\n" + "\n".join(_activity_line(e, n, tz) for e, n in page.activity)
        blocks.append(section(text, limit=TEXT_MAX))
    return blocks


def customer_page_text(page: CustomerOverview) -> str:
    """The notification fallback: escaped like everything else."""
    return f"Customer {escape(truncate(page.name, 100))}: {page.deal_count} deal(s)"
