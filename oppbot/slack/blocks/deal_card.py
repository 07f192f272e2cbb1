"""The deal card: fields, Overview / Billables / Activity sections and the buttons that act on the deal."""

from __future__ import annotations

from typing import Any

from oppbot.domain.categories import OPEN_CATEGORIES, Category
from oppbot.domain.events import EventKind
from oppbot.domain.money import weighted_value
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import STAGES, Stage
from oppbot.i18n import N_, _, ngettext, pgettext
from oppbot.services.queries import DealView
from oppbot.slack.blocks.common import (
    actions as actions_block,
)
from oppbot.slack.blocks.common import (
    bold,
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
from oppbot.slack.text import day, escape, money, percent, truncate, user, when

ACTIVITY_LINES = 8
ACTIVITY_VALUE_MAX = 60
BLOCK_ID_PREFIX = "deal"  # actions block_id "deal:42:3": users_select carries no value, so the block does

_KIND_WORDS = {
    EventKind.CREATED: N_("created the deal"),
    EventKind.EDITED: N_("edited"),
    EventKind.STAGE_CHANGED: N_("moved it"),
    EventKind.WON: N_("closed it as won"),
    EventKind.LOST: N_("closed it as lost"),
    EventKind.REOPENED: N_("reopened it"),
    EventKind.ASSIGNED: N_("assigned it"),
    EventKind.UNASSIGNED: N_("unassigned it"),
    EventKind.PROBABILITY_RESET: N_("reset the probability"),
    EventKind.NOTE_ADDED: N_("added a note"),
    EventKind.CATEGORY_CHANGED: N_("changed the forecast category"),
    # Workspace-level kinds (no deal): words for completeness, never on a card's activity.
    EventKind.QUOTA_SET: N_("set a quota"),
    EventKind.FORECAST_ADJUSTED: N_("adjusted a forecast"),
}
# Billing, task and export kinds, not deal events of their own: the words the card always showed (the kind, spaced).
_OTHER_KIND_WORDS = {
    EventKind.BILLABLE_ADDED: N_("billable added"),
    EventKind.BILLABLE_EDITED: N_("billable edited"),
    EventKind.BILLABLE_REMOVED: N_("billable removed"),
    EventKind.TASK_ADDED: N_("task added"),
    EventKind.TASK_DONE: N_("task done"),
    EventKind.TASK_SNOOZED: N_("task snoozed"),
    EventKind.EXPORT_REQUESTED: N_("export requested"),
}
_FIELD_LABELS = {
    "title": N_("title"),
    "customer": N_("customer"),
    "value": N_("value"),
    "currency": N_("currency"),
    "stage": N_("stage"),
    "probability": N_("probability"),
    "expected_close": N_("close date"),
    "description": N_("description"),
    "external_ref": N_("external ref"),
    "assignee": N_("assignee"),
    "category": N_("forecast category"),
}


def block_id(number: int, version: int) -> str:
    return f"{BLOCK_ID_PREFIX}:{number}:{version}"


def _shown_value(field: str, value: Any) -> str:
    if value is None or value == "":
        return _("_none_")
    if field == "assignee":
        return user(str(value))
    if field == "stage":
        try:
            return Stage(value).label
        except ValueError:
            pass
    if field == "probability":
        return percent(value) if isinstance(value, int) else f"{value}%"
    if field == "category":
        try:
            return Category(value).label
        except ValueError:
            pass
    return escape(truncate(" ".join(str(value).split()), ACTIVITY_VALUE_MAX))


def _field_label(field: Any) -> str:
    label = _FIELD_LABELS.get(field)
    return _(label) if label else escape(str(field))


def activity_line(entry: Any, tz: str) -> str:
    """'<time> <@U1> moved it: stage Lead → Proposal' — who, when, what, before → after."""
    kind_words = _KIND_WORDS.get(entry.kind) or _OTHER_KIND_WORDS.get(entry.kind)
    words = _(kind_words) if kind_words else escape(entry.kind.replace("_", " "))
    line = f"{when(entry.created_at, tz)} {user(entry.actor_id)} {words}"
    if entry.kind == "note_added":
        note = (entry.detail or {}).get("note") or ""
        return f"{line}: “{escape(truncate(' '.join(note.split()), 200))}”"
    if entry.kind == "lost" and (entry.detail or {}).get("loss_reason"):
        line += f" ({escape(entry.detail['loss_reason'])})"
    changes = [c for c in (entry.changes or []) if entry.kind != EventKind.CREATED]
    parts = [
        f"{_field_label(c.get('field'))} "
        f"{_shown_value(c.get('field'), c.get('before'))} → {_shown_value(c.get('field'), c.get('after'))}"
        for c in changes[:4]
    ]
    if len(changes) > 4:
        parts.append(ngettext("and {n} more", "and {n} more", len(changes) - 4))
    skipped = (entry.detail or {}).get("skipped")
    if skipped:
        parts.append(_("skipped {stages}", stages=", ".join(_shown_value("stage", s) for s in skipped)))
    return line + (": " + "; ".join(parts) if parts else "")


def _field(label: str, value: str) -> str:
    return f"{bold(label)}\n{value}"


def _fields(view: DealView) -> list[dict]:
    opp = view.opportunity
    source = _("set by hand") if opp.probability_source == "manual" else _("stage default")
    close = day(opp.expected_close)
    if view.is_overdue:
        close += " " + _(":warning: *overdue*")
    customer = escape(opp.customer_name) or _("_none_")
    kind = _("organization") if opp.organization_id else _("person")
    pushed = (" · " + _("pushed {count}×", count=view.pushes)) if view.pushes else ""
    fields = [
        _field(_("Stage"), opp.stage_enum.label),
        _field(_("Probability"), f"{percent(opp.probability)} ({source})"),
        _field(_("Value"), money(opp.amount, opp.currency)),
        _field(_("Weighted value"), money(weighted_value(opp.amount, opp.probability), opp.currency)),
        _field(_("Assignee"), user(opp.assignee_id)),
        _field(_("Customer"), f"{customer} ({kind})"),
        _field(_("Expected close"), close + pushed),
    ]
    if view.category is not None:
        by_rep = (" (" + _("set by rep") + ")") if opp.forecast_category else ""
        fields.append(_field(_("Forecast category"), view.category.label + by_rep))
    if opp.external_ref:
        fields.append(_field(_("External ref"), escape(truncate(opp.external_ref, 200))))
    if opp.stage_enum == Stage.CLOSED_LOST and opp.lost_reason:
        lost = _("Lost at {stage}", stage=Stage(opp.lost_at_stage).label) if opp.lost_at_stage else _("Lost")
        fields.append(_field(lost, escape(opp.lost_reason)))
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
            "placeholder": plain_text(_("Reopen as…") if opp.stage_enum.is_closed else _("Move to…")),
            "options": [option(s.label, deal_value(opp.number, opp.version, s.value)) for s in others],
        }
    ]
    if opp.assignee_id is None and opp.stage_enum.is_open:
        elements.append(button(_("Claim"), Action.CLAIM.value, value, style="primary"))
    elements.append(
        {"type": "users_select", "action_id": Action.ASSIGN.value, "placeholder": plain_text(_("Assign to…"))}
    )
    elements.append(button(_("Edit"), Action.EDIT.value, value))
    elements.append(button(_("Add note"), Action.NOTE.value, value))
    if opp.stage_enum.is_open:
        ref = format_ref(opp.number)
        elements.append(
            button(
                _("Won"),
                Action.WON.value,
                value,
                style="primary",
                confirm=confirm(
                    _("Close as won?"), _("Mark deal {ref} as Closed-Won (100%)?", ref=ref), _("Close won")
                ),
            )
        )
        elements.append(button(_("Lost"), Action.LOST.value, value, style="danger"))
    if opp.probability_source == "manual" and opp.stage_enum.is_open:
        elements.append(button(_("Reset probability"), Action.RESET_PROBABILITY.value, value))
    if opp.stage_enum.is_open:
        elements.append(category_menu(opp.number, opp.version))
    return actions_block(*elements, block_id=block_id(opp.number, opp.version))


def category_menu(number: int, version: int) -> dict:
    """The rep's forecast category for the deal; "Follow stage" hands it back to the stage's default."""
    choices = [option(c.label, deal_value(number, version, c.value)) for c in OPEN_CATEGORIES]
    choices.append(option(_("Follow stage"), deal_value(number, version, "stage")))
    return {
        "type": "static_select",
        "action_id": Action.CATEGORY.value,
        "placeholder": plain_text(_("Forecast category…")),
        "options": choices,
    }


def _flags(view: DealView, tz: str) -> list[str]:
    flags = []
    if view.is_overdue:
        flags.append(":warning: " + _("overdue"))
    if view.is_stale:
        flags.append(
            ":hourglass: " + _("stale: no activity since {time}", time=when(view.opportunity.last_activity_at, tz))
        )
    return flags


def deal_blocks(view: DealView, *, tz: str = "UTC", billables: list[dict] | None = None) -> list[dict]:
    opp = view.opportunity
    blocks: list[dict] = [header(f"{format_ref(opp.number)} {opp.title}")]
    flags = _flags(view, tz)
    blocks.append(section(bold(_("Overview")), fields=_fields(view)))
    if opp.description:
        blocks.append(section(escape(truncate(opp.description, 2900))))
    created = _("Created by {who} {time}", who=user(opp.created_by), time=when(opp.created_at, tz))
    meta = [created, pgettext("version", "v{version}", version=opp.version)]
    blocks.append(context(" · ".join(meta + flags)))
    blocks.append(actions(view))
    blocks.append(divider())
    # The billables builder brings its own "*Billables*" heading, lines, total and buttons.
    blocks.extend(billables if billables else [section(bold(_("Billables"))), context(_("No billables yet."))])
    blocks.append(divider())
    lines = [activity_line(entry, tz) for entry in view.activity[:ACTIVITY_LINES]]
    text = bold(_("Activity")) + "\n" + ("\n".join(f"• {line}" for line in lines) if lines else _("_Nothing yet._"))
    blocks.append(section(truncate(text, 3000)))
    return blocks


def fallback(view: DealView) -> str:
    opp = view.opportunity
    return _(
        "Deal {ref}: {title} · {stage} · {amount} · {probability}",
        ref=format_ref(opp.number),
        title=escape(truncate(opp.title, 150)),
        stage=opp.stage_enum.label,
        amount=money(opp.amount, opp.currency),
        probability=percent(opp.probability),
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
