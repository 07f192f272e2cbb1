"""Stale/overdue alert messages: the channel summary, each assignee's DM with buttons, the close-date modal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from oppbot.domain.money import minor_units
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.services.alerts import OVERDUE, STALE, AlertItem
from oppbot.slack import metadata
from oppbot.slack.ids import Action, Block, Callback, input_action
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import day, escape, money, truncate, user

MAX_BLOCKS = 50


def _section(text: str, accessory: dict | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}
    if accessory:
        block["accessory"] = accessory
    return block


def _button(text: str, action: Action, value: str, style: str | None = None) -> dict[str, Any]:
    button = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action.value, "value": value}
    if style:
        button["style"] = style
    return button


def group_by_deal(items: Sequence[AlertItem]) -> list[tuple[AlertItem, list[str]]]:
    """One entry per deal with its reasons (a deal can be both stale and overdue)."""
    seen: dict[int, tuple[AlertItem, list[str]]] = {}
    for item in items:
        entry = seen.setdefault(item.opportunity_id, (item, []))
        entry[1].append(item.kind)
    return list(seen.values())


def reason_text(item: AlertItem, kinds: Sequence[str], today: date) -> str:
    parts = []
    if STALE in kinds:
        idle = (today - item.last_activity_at.date()).days
        parts.append(f"no activity for {idle} days in {Stage(item.stage).label}")
    if OVERDUE in kinds:
        parts.append(f"expected to close {day(item.expected_close)}")
    return "; ".join(parts)


def deal_text(item: AlertItem, kinds: Sequence[str], today: date) -> str:
    amount = Decimal(item.amount_minor).scaleb(-minor_units(item.currency))
    return (
        f"{format_ref(item.number)} *{escape(truncate(item.title, 120))}* · {money(amount, item.currency)}\n"
        f"{reason_text(item, kinds, today)}"
    )


def build_channel_summary(items: Sequence[AlertItem], today: date) -> dict[str, Any]:
    deals = group_by_deal(items)
    stale = sum(1 for _, k in deals if STALE in k)
    overdue = sum(1 for _, k in deals if OVERDUE in k)
    blocks: list[dict[str, Any]] = [_section(f"*Pipeline alerts* · {stale} stale · {overdue} overdue")]
    room = MAX_BLOCKS - 2
    shown = 0
    for item, kinds in deals:
        if shown >= room:
            break
        if item.assignee_id is None:
            # Nobody will get a DM for these: offer them to the channel.
            blocks.append(
                _section(
                    deal_text(item, kinds, today) + " · _unassigned_",
                    _button("Claim", Action.ALERT_CLAIM, str(item.number), "primary"),
                )
            )
        else:
            blocks.append(_section(deal_text(item, kinds, today) + f" · {user(item.assignee_id)}"))
        shown += 1
    if len(deals) > shown:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"…and {len(deals) - shown} more: `/opp list stale` · `/opp list overdue`",
                    }
                ],
            }
        )
    return {"text": f"Pipeline alerts: {stale} stale, {overdue} overdue", "blocks": blocks[:MAX_BLOCKS]}


def build_assignee_dm(items: Sequence[AlertItem], today: date) -> dict[str, Any]:
    deals = group_by_deal(items)
    blocks: list[dict[str, Any]] = [_section(f"*Your deals need attention* ({len(deals)})")]
    # Two blocks per deal; keep one for the "more" line.
    room = (MAX_BLOCKS - 2) // 2
    for item, kinds in deals[:room]:
        value = str(item.number)
        blocks.append(_section(deal_text(item, kinds, today)))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"alert_{item.number}",
                "elements": [
                    _button("Snooze 7 days", Action.ALERT_SNOOZE, value),
                    _button("Update close date", Action.ALERT_CLOSE_DATE, value),
                    _button("Mark lost", Action.ALERT_LOST, value, "danger"),
                ],
            }
        )
    if len(deals) > room:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"…and {len(deals) - room} more: `/opp list mine stale`"}],
            }
        )
    return {"text": f"{len(deals)} of your deals need attention", "blocks": blocks}


def build_close_date_modal(
    number: int, title: str, current: date | None, origin: str = "", *, team_id: str | None = None
) -> dict[str, Any]:
    datepicker: dict[str, Any] = {"type": "datepicker", "action_id": input_action(Block.EXPECTED_CLOSE)}
    if current:
        datepicker["initial_date"] = current.isoformat()
    return {
        "type": "modal",
        "callback_id": Callback.ALERT_CLOSE_DATE.value,
        "private_metadata": metadata.encode(ViewMeta(team_id=team_id, number=number, channel_id=origin or None)),
        "title": {"type": "plain_text", "text": "Update close date"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(f"{format_ref(number)} *{escape(truncate(title, 200))}*"),
            {
                "type": "input",
                "block_id": Block.EXPECTED_CLOSE.value,
                "label": {"type": "plain_text", "text": "Expected close date"},
                "element": datepicker,
            },
        ],
    }
