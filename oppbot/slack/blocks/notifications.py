"""Deal notification messages for subscribed channels and assignment DMs: pure builders, user text escaped."""

from __future__ import annotations

from typing import Any

from oppbot.domain.categories import Category
from oppbot.domain.events import EventKind
from oppbot.domain.refs import format_ref
from oppbot.i18n import _
from oppbot.services.notifications import DealEvent
from oppbot.slack.blocks.common import context, section
from oppbot.slack.text import escape, money, percent, truncate, user

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
    who = user(event.actor_id, nobody=_("someone"))
    if event.kind == EventKind.CREATED:
        return ":new: " + _("New deal in {stage} by {who}", stage=(event.to_stage or event.stage).label, who=who)
    if event.kind == EventKind.WON:
        return ":trophy: " + _("Deal won! Closed by {who}", who=who)
    if event.kind == EventKind.LOST:
        if event.loss_reason:
            return ":x: " + _("Deal lost ({reason}), marked by {who}", reason=escape(event.loss_reason), who=who)
        return ":x: " + _("Deal lost, marked by {who}", who=who)
    if event.kind in (EventKind.STAGE_CHANGED, EventKind.REOPENED):
        return ":arrow_right: " + _moved(event, who)
    return _other_headline(event, who)


def _moved(event: DealEvent, who: str) -> str:
    before = event.from_stage.label if event.from_stage else "?"
    after = (event.to_stage or event.stage).label
    if event.kind == EventKind.REOPENED:
        return _("Deal reopened {before} → {after} by {who}", before=before, after=after, who=who)
    return _("Deal moved {before} → {after} by {who}", before=before, after=after, who=who)


def _other_headline(event: DealEvent, who: str) -> str:
    if event.kind == EventKind.ASSIGNED:
        return ":bust_in_silhouette: " + _(
            "Deal reassigned {before} → {after} by {who}",
            before=user(event.from_user),
            after=user(event.to_user),
            who=who,
        )
    if event.kind == EventKind.UNASSIGNED:
        return ":bust_in_silhouette: " + _("Deal unassigned from {user} by {who}", user=user(event.from_user), who=who)
    if event.kind == EventKind.NOTE_ADDED and event.note:
        note = escape(truncate(" ".join(event.note.split()), 500))
        return ":memo: " + _("Note by {who}: “{note}”", who=who, note=note)
    if event.kind == EventKind.CATEGORY_CHANGED and event.to_category:
        change = f"{_category(event.from_category)} → {_category(event.to_category)}"
        return ":crystal_ball: " + _("Forecast category {change} by {who}", change=change, who=who)
    if event.kind == EventKind.EDITED:
        return ":pencil2: " + _("Deal edited by {who}", who=who)
    return _("Deal updated by {who}", who=who)


def _category(value: str | None) -> str:
    try:
        return Category(value or "").label
    except ValueError:
        return "?"


def _facts(event: DealEvent) -> str:
    owner = _("owner {user}", user=user(event.assignee_id))
    return f"{money(event.amount, event.currency)} · {event.stage.label} · {percent(event.probability)} · {owner}"


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
    who = user(event.actor_id, nobody=_("someone"))
    body = truncate(":wave: " + _("{who} assigned you a deal", who=who) + f"\n{_deal_line(event)}", TEXT_LIMIT)
    return {
        "text": truncate(_("{ref} is now assigned to you", ref=format_ref(event.number)), FALLBACK_LIMIT),
        "blocks": [
            section(body),
            context(_facts(event), limit=TEXT_LIMIT),
            context(_("See it with `/opp show {number}`.", number=event.number)),
        ],
    }
