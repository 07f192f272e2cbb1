"""The customer page: who they are, their deals by status, won/lost/open totals per currency, recent activity."""

from __future__ import annotations

from typing import Any

from oppbot.domain.billing import from_minor
from oppbot.domain.events import EventKind
from oppbot.domain.refs import format_ref
from oppbot.i18n import N_, _, ngettext
from oppbot.services.customers import CurrencyTotal, CustomerOverview
from oppbot.slack.blocks.common import actions, bold, button, context, divider, section
from oppbot.slack.ids import Action
from oppbot.slack.text import escape, money, truncate, user, when

DEALS_PER_STATUS = 8  # three lists of 8 keep the page far below 50 blocks and 3,000 characters per section

TEXT_MAX = 2900
# What happened, in the customer page's activity ("<@U1> stage changed on #12"): each kind's words.
_KIND_WORDS = {
    EventKind.CREATED: N_("created"),
    EventKind.EDITED: N_("edited"),
    EventKind.STAGE_CHANGED: N_("stage changed"),
    EventKind.WON: N_("won"),
    EventKind.LOST: N_("lost"),
    EventKind.REOPENED: N_("reopened"),
    EventKind.ASSIGNED: N_("assigned"),
    EventKind.UNASSIGNED: N_("unassigned"),
    EventKind.PROBABILITY_RESET: N_("probability reset"),
    EventKind.NOTE_ADDED: N_("note added"),
    EventKind.BILLABLE_ADDED: N_("billable added"),
    EventKind.BILLABLE_EDITED: N_("billable edited"),
    EventKind.BILLABLE_REMOVED: N_("billable removed"),
    EventKind.TASK_ADDED: N_("task added"),
    EventKind.TASK_DONE: N_("task done"),
    EventKind.TASK_SNOOZED: N_("task snoozed"),
    EventKind.EXPORT_REQUESTED: N_("export requested"),
    EventKind.CATEGORY_CHANGED: N_("category changed"),
    EventKind.QUOTA_SET: N_("quota set"),
    EventKind.FORECAST_ADJUSTED: N_("forecast adjusted"),
}


def _totals(label: str, totals: list[CurrencyTotal]) -> str:
    if not totals:
        return bold(label + ":") + " " + _("none")
    parts = [f"{money(from_minor(t.amount_minor, t.currency), t.currency)} ({t.count})" for t in totals]
    return bold(label + ":") + " " + ", ".join(parts)


def _deal_lines(deals: list, tz: str) -> str:
    lines = [
        f"• {format_ref(d.number)} {escape(truncate(d.title, 80))} — {money(d.amount, d.currency)}"
        + (f" · {user(d.assignee_id)}" if d.assignee_id else "")
        for d in deals[:DEALS_PER_STATUS]
    ]
    if len(deals) > DEALS_PER_STATUS:
        lines.append(ngettext("_…and {n} more_", "_…and {n} more_", len(deals) - DEALS_PER_STATUS))
    return "\n".join(lines)


def _activity_line(entry, number: int, tz: str) -> str:
    words = _KIND_WORDS.get(entry.kind)
    what = _(words) if words else entry.kind.replace("_", " ")
    extra = ""
    if entry.kind == "note_added" and entry.detail.get("note"):
        extra = f": “{escape(truncate(str(entry.detail['note']), 120))}”"
    done = _("{what} on {ref}", what=what, ref=format_ref(number))
    return f"• {when(entry.created_at, tz)} {user(entry.actor_id)} {done}{extra}"


def build_customer_page(page: CustomerOverview, *, tz: str = "UTC") -> list[dict[str, Any]]:
    kind = _("Organization") if page.ref.kind.value == "organization" else _("Individual")
    facts = [f"*{escape(truncate(page.name, 150))}* · {kind}"]
    for label, value in (
        (_("Email"), page.email),
        (_("Phone"), page.phone),
        (_("Domain"), page.domain),
        (_("Organization"), page.organization_name),
    ):
        if value:
            facts.append(f"{label}: {escape(truncate(value, 200))}")
    blocks: list[dict[str, Any]] = [
        section("\n".join(facts)),
        context(
            ngettext("{n} deal(s)", "{n} deal(s)", page.deal_count)
            + " · "
            + " · ".join(
                (
                    _totals(_("Won"), page.won_totals),
                    _totals(_("Lost"), page.lost_totals),
                    _totals(_("Open"), page.open_totals),
                )
            ),
            limit=TEXT_MAX,
        ),
    ]
    for label, deals in ((_("Open"), page.open_deals), (_("Won"), page.won_deals), (_("Lost"), page.lost_deals)):
        if deals:
            blocks.append(section(bold(label) + "\n" + _deal_lines(deals, tz), limit=TEXT_MAX))
    if page.deal_count == 0:
        blocks.append(section(_("_No deals with this customer yet._")))
    blocks.append(actions(button(_("Edit customer"), Action.EDIT_CUSTOMER.value, page.ref.encode())))
    if page.activity:
        blocks.append(divider())
        text = bold(_("Recent activity")) + "\n" + "\n".join(_activity_line(e, n, tz) for e, n in page.activity)
        blocks.append(section(text, limit=TEXT_MAX))
    return blocks


def customer_page_text(page: CustomerOverview) -> str:
    """The notification fallback: escaped like everything else."""
    return ngettext(
        "Customer {name}: {n} deal(s)",
        "Customer {name}: {n} deal(s)",
        page.deal_count,
        name=escape(truncate(page.name, 100)),
    )
