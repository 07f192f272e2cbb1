"""The deal card: fields, Overview / Billables / Activity sections and the buttons that act on the deal."""

from __future__ import annotations

from typing import Any

from oppbot.domain.categories import OPEN_CATEGORIES, Category
from oppbot.domain.events import EventKind
from oppbot.domain.money import weighted_value
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import STAGES, Stage
from oppbot.services.queries import DealView
from oppbot.slack.blocks.common import (
    actions as actions_block,
)
from oppbot.slack.blocks.common import (
    button,
    confirm,
    context,
    deal_value,
    divider,
    header,
    message,
    mrkdwn,
    option,
    plain_text,
    section,
)
from oppbot.slack.ids import Action
from oppbot.slack.text import day, escape, money, truncate, user, when

ACTIVITY_LINES = 8
ACTIVITY_VALUE_MAX = 60
BLOCK_ID_PREFIX = "deal"  # actions block_id "deal:42:3": users_select carries no value, so the block does

_KIND_WORDS = {
    EventKind.CREATED: "created the deal",
    EventKind.EDITED: "edited",
    EventKind.STAGE_CHANGED: "moved it",
    EventKind.WON: "closed it as won",
    EventKind.LOST: "closed it as lost",
    EventKind.REOPENED: "reopened it",
    EventKind.ASSIGNED: "assigned it",
    EventKind.UNASSIGNED: "unassigned it",
    EventKind.PROBABILITY_RESET: "reset the probability",
    EventKind.NOTE_ADDED: "added a note",
    EventKind.CATEGORY_CHANGED: "changed the forecast category",
    # Workspace-level kinds (no deal): words for completeness, never on a card's activity.
    EventKind.QUOTA_SET: "set a quota",
    EventKind.FORECAST_ADJUSTED: "adjusted a forecast",
}
_FIELD_LABELS = {
    "title": "title",
    "customer": "customer",
    "value": "value",
    "currency": "currency",
    "stage": "stage",
    "probability": "probability",
    "expected_close": "close date",
    "description": "description",
    "external_ref": "external ref",
    "assignee": "assignee",
    "category": "forecast category",
}


def block_id(number: int, version: int) -> str:
    return f"{BLOCK_ID_PREFIX}:{number}:{version}"


def _shown_value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "_none_"
    if field == "assignee":
        return user(str(value))
    if field == "stage":
        try:
            return Stage(value).label
        except ValueError:
            pass
    if field == "probability":
        return f"{value}%"
    if field == "category":
        try:
            return Category(value).label
        except ValueError:
            pass
    return escape(truncate(" ".join(str(value).split()), ACTIVITY_VALUE_MAX))


def activity_line(entry: Any, tz: str) -> str:
    """'<time> <@U1> moved it: stage Lead → Proposal' — who, when, what, before → after."""
    words = _KIND_WORDS.get(entry.kind, escape(entry.kind.replace("_", " ")))
    line = f"{when(entry.created_at, tz)} {user(entry.actor_id)} {words}"
    if entry.kind == "note_added":
        note = (entry.detail or {}).get("note") or ""
        return f"{line}: “{escape(truncate(' '.join(note.split()), 200))}”"
    if entry.kind == "lost" and (entry.detail or {}).get("loss_reason"):
        line += f" ({escape(entry.detail['loss_reason'])})"
    changes = [c for c in (entry.changes or []) if entry.kind != EventKind.CREATED]
    parts = [
        f"{_FIELD_LABELS.get(c.get('field'), escape(str(c.get('field'))))} "
        f"{_shown_value(c.get('field'), c.get('before'))} → {_shown_value(c.get('field'), c.get('after'))}"
        for c in changes[:4]
    ]
    if len(changes) > 4:
        parts.append(f"and {len(changes) - 4} more")
    skipped = (entry.detail or {}).get("skipped")
    if skipped:
        parts.append("skipped " + ", ".join(_shown_value("stage", s) for s in skipped))
    return line + (": " + "; ".join(parts) if parts else "")


def _fields(view: DealView) -> list[dict]:
    opp = view.opportunity
    source = "set by hand" if opp.probability_source == "manual" else "stage default"
    close = day(opp.expected_close)
    if view.is_overdue:
        close += " :warning: *overdue*"
    customer = escape(opp.customer_name) or "_none_"
    kind = "organization" if opp.organization_id else "person"
    fields = [
        f"*Stage*\n{opp.stage_enum.label}",
        f"*Probability*\n{opp.probability}% ({source})",
        f"*Value*\n{money(opp.amount, opp.currency)}",
        f"*Weighted value*\n{money(weighted_value(opp.amount, opp.probability), opp.currency)}",
        f"*Assignee*\n{user(opp.assignee_id)}",
        f"*Customer*\n{customer} ({kind})",
        f"*Expected close*\n{close}" + (f" · pushed {view.pushes}×" if view.pushes else ""),
    ]
    if view.category is not None:
        fields.append(
            f"*Forecast category*\n{view.category.label}" + (" (set by rep)" if opp.forecast_category else "")
        )
    if opp.external_ref:
        fields.append(f"*External ref*\n{escape(truncate(opp.external_ref, 200))}")
    if opp.stage_enum == Stage.CLOSED_LOST and opp.lost_reason:
        at = f" at {Stage(opp.lost_at_stage).label}" if opp.lost_at_stage else ""
        fields.append(f"*Lost{at}*\n{escape(opp.lost_reason)}")
    return [mrkdwn(text) for text in fields[:10]]


def actions(view: DealView) -> dict:
    """Move, Claim/Assign, Edit, Add note, Won, Lost, Reset probability: what the deal's state allows."""
    opp = view.opportunity
    value = deal_value(opp.number, opp.version)
    others = [s for s in STAGES if s != opp.stage_enum]
    elements: list[dict] = [
        {
            "type": "static_select",
            "action_id": Action.MOVE.value,
            "placeholder": plain_text("Reopen as…" if opp.stage_enum.is_closed else "Move to…"),
            "options": [option(s.label, deal_value(opp.number, opp.version, s.value)) for s in others],
        }
    ]
    if opp.assignee_id is None and opp.stage_enum.is_open:
        elements.append(button("Claim", Action.CLAIM.value, value, style="primary"))
    elements.append({"type": "users_select", "action_id": Action.ASSIGN.value, "placeholder": plain_text("Assign to…")})
    elements.append(button("Edit", Action.EDIT.value, value))
    elements.append(button("Add note", Action.NOTE.value, value))
    if opp.stage_enum.is_open:
        ref = format_ref(opp.number)
        elements.append(
            button(
                "Won",
                Action.WON.value,
                value,
                style="primary",
                confirm=confirm("Close as won?", f"Mark deal {ref} as Closed-Won (100%)?", "Close won"),
            )
        )
        elements.append(button("Lost", Action.LOST.value, value, style="danger"))
    if opp.probability_source == "manual" and opp.stage_enum.is_open:
        elements.append(button("Reset probability", Action.RESET_PROBABILITY.value, value))
    if opp.stage_enum.is_open:
        elements.append(category_menu(opp.number, opp.version))
    return actions_block(*elements, block_id=block_id(opp.number, opp.version))


def category_menu(number: int, version: int) -> dict:
    """The rep's forecast category for the deal; "Follow stage" hands it back to the stage's default."""
    choices = [option(c.label, deal_value(number, version, c.value)) for c in OPEN_CATEGORIES]
    choices.append(option("Follow stage", deal_value(number, version, "stage")))
    return {
        "type": "static_select",
        "action_id": Action.CATEGORY.value,
        "placeholder": plain_text("Forecast category…"),
        "options": choices,
    }


def deal_blocks(view: DealView, *, tz: str = "UTC", billables: list[dict] | None = None) -> list[dict]:
    opp = view.opportunity
    blocks: list[dict] = [header(f"{format_ref(opp.number)} {opp.title}")]
    flags = []
    if view.is_overdue:
        flags.append(":warning: overdue")
    if view.is_stale:
        flags.append(f":hourglass: stale: no activity since {when(opp.last_activity_at, tz)}")
    blocks.append(section("*Overview*", fields=_fields(view)))
    if opp.description:
        blocks.append(section(escape(truncate(opp.description, 2900))))
    meta = [f"Created by {user(opp.created_by)} {when(opp.created_at, tz)}", f"v{opp.version}"]
    blocks.append(context(" · ".join(meta + flags)))
    blocks.append(actions(view))
    blocks.append(divider())
    # The billables builder brings its own "*Billables*" heading, lines, total and buttons.
    blocks.extend(billables if billables else [section("*Billables*"), context("No billables yet.")])
    blocks.append(divider())
    lines = [activity_line(entry, tz) for entry in view.activity[:ACTIVITY_LINES]]
    text = "*Activity*\n" + ("\n".join(f"• {line}" for line in lines) if lines else "_Nothing yet._")
    blocks.append(section(truncate(text, 3000)))
    return blocks


def fallback(view: DealView) -> str:
    opp = view.opportunity
    return (
        f"Deal {format_ref(opp.number)}: {escape(truncate(opp.title, 150))} · {opp.stage_enum.label} · "
        f"{money(opp.amount, opp.currency)} · {opp.probability}%"
    )


def deal_message(
    view: DealView, *, tz: str = "UTC", billables: list[dict] | None = None, note: str | None = None
) -> dict:
    """The card as a message: {"text": fallback, "blocks": [...]}.

    `note` (already mrkdwn) goes on top, e.g. a warning.
    """
    blocks = deal_blocks(view, tz=tz, billables=billables)
    if note:
        blocks.insert(0, section(note))
    return message(fallback(view), blocks)
