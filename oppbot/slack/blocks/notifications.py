"""Deal notification messages for subscribed channels and assignment DMs: pure builders, user text escaped."""

from __future__ import annotations

from typing import Any

from oppbot.domain.categories import Category
from oppbot.domain.events import EventKind
from oppbot.domain.refs import format_ref
from oppbot.services.notifications import DealEvent
from oppbot.slack.blocks.common import context, section
from oppbot.slack.text import escape, money, truncate, user

TEXT_LIMIT = 3000
FALLBACK_LIMIT = 300


def _deal_line(event: DealEvent) -> str:
    title = truncate(escape(event.title), 150)
    customer = truncate(escape(event.customer_name), 100)
    line = f"*{format_ref(event.number)} {title}*"
    if customer:
        line += f" · {customer}"
    return line


def headline(event: DealEvent) -> str:
    """What happened, in one mrkdwn line."""
    who = user(event.actor_id, nobody="someone")
    if event.kind == EventKind.CREATED:
        return f":new: New deal in {(event.to_stage or event.stage).label} by {who}"
    if event.kind == EventKind.WON:
        return f":trophy: Deal won! Closed by {who}"
    if event.kind == EventKind.LOST:
        reason = f" ({escape(event.loss_reason)})" if event.loss_reason else ""
        return f":x: Deal lost{reason}, marked by {who}"
    if event.kind in (EventKind.STAGE_CHANGED, EventKind.REOPENED):
        before = event.from_stage.label if event.from_stage else "?"
        after = (event.to_stage or event.stage).label
        verb = "reopened" if event.kind == EventKind.REOPENED else "moved"
        return f":arrow_right: Deal {verb} {before} → {after} by {who}"
    if event.kind == EventKind.ASSIGNED:
        return f":bust_in_silhouette: Deal reassigned {user(event.from_user)} → {user(event.to_user)} by {who}"
    if event.kind == EventKind.UNASSIGNED:
        return f":bust_in_silhouette: Deal unassigned from {user(event.from_user)} by {who}"
    if event.kind == EventKind.NOTE_ADDED and event.note:
        return f":memo: Note by {who}: “{escape(truncate(' '.join(event.note.split()), 500))}”"
    if event.kind == EventKind.CATEGORY_CHANGED and event.to_category:
        change = f"{_category(event.from_category)} → {_category(event.to_category)}"
        return f":crystal_ball: Forecast category {change} by {who}"
    if event.kind == EventKind.EDITED:
        return f":pencil2: Deal edited by {who}"
    return f"Deal updated by {who}"


def _category(value: str | None) -> str:
    try:
        return Category(value or "").label
    except ValueError:
        return "?"


def _facts(event: DealEvent) -> str:
    return (
        f"{money(event.amount, event.currency)} · {event.stage.label} · {event.probability}% · "
        f"owner {user(event.assignee_id)}"
    )


def deal_notification(event: DealEvent) -> dict[str, Any]:
    """{"text", "blocks"} for a channel that subscribed to deal events."""
    body = truncate(f"{headline(event)}\n{_deal_line(event)}", TEXT_LIMIT)
    return {
        "text": truncate(f"{format_ref(event.number)}: {headline(event)}", FALLBACK_LIMIT),
        "blocks": [
            section(body),
            context(_facts(event), limit=TEXT_LIMIT),
        ],
    }


def assignment_dm(event: DealEvent) -> dict[str, Any]:
    """{"text", "blocks"} telling a user a deal is now theirs."""
    who = user(event.actor_id, nobody="someone")
    body = truncate(f":wave: {who} assigned you a deal\n{_deal_line(event)}", TEXT_LIMIT)
    return {
        "text": truncate(f"{format_ref(event.number)} is now assigned to you", FALLBACK_LIMIT),
        "blocks": [
            section(body),
            context(_facts(event), limit=TEXT_LIMIT),
            context(f"See it with `/opp show {event.number}`."),
        ],
    }
