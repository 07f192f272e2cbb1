"""Stale/overdue alert messages: the channel summary, each assignee's DM with buttons, the close-date modal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from oppbot.domain.money import minor_units
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import _, ngettext
from oppbot.services.alerts import OVERDUE, STALE, AlertItem
from oppbot.slack.blocks.common import actions, bold, button, context, input_block, modal, section
from oppbot.slack.ids import Action, Block, Callback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import day, escape, money, truncate, user

MAX_BLOCKS = 50


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
        parts.append(
            ngettext(
                "no activity for {n} days in {stage}",
                "no activity for {n} days in {stage}",
                idle,
                stage=Stage(item.stage).label,
            )
        )
    if OVERDUE in kinds:
        parts.append(_("expected to close {date}", date=day(item.expected_close)))
    return "; ".join(parts)


def deal_text(item: AlertItem, kinds: Sequence[str], today: date) -> str:
    amount = Decimal(item.amount_minor).scaleb(-minor_units(item.currency))
    return (
        f"{format_ref(item.number)} *{escape(truncate(item.title, 120))}* · {money(amount, item.currency)}\n"
        f"{reason_text(item, kinds, today)}"
    )


def build_channel_summary(items: Sequence[AlertItem], today: date) -> dict[str, Any]:
    deals = group_by_deal(items)
    stale = sum(1 for _item, k in deals if STALE in k)
    overdue = sum(1 for _item, k in deals if OVERDUE in k)
    counts = ngettext("{n} stale", "{n} stale", stale) + " · " + ngettext("{n} overdue", "{n} overdue", overdue)
    blocks: list[dict[str, Any]] = [section(bold(_("Pipeline alerts")) + f" · {counts}")]
    room = MAX_BLOCKS - 2
    shown = 0
    for item, kinds in deals:
        if shown >= room:
            break
        if item.assignee_id is None:
            # Nobody will get a DM for these: offer them to the channel.
            blocks.append(
                section(
                    deal_text(item, kinds, today) + " · " + _("_unassigned_"),
                    accessory=button(_("Claim"), Action.ALERT_CLAIM, str(item.number), "primary"),
                )
            )
        else:
            blocks.append(section(deal_text(item, kinds, today) + f" · {user(item.assignee_id)}"))
        shown += 1
    if len(deals) > shown:
        more = len(deals) - shown
        blocks.append(
            context(
                ngettext(
                    "…and {n} more: `/opp list stale` · `/opp list overdue`",
                    "…and {n} more: `/opp list stale` · `/opp list overdue`",
                    more,
                )
            )
        )
    text = _("Pipeline alerts: {stale} stale, {overdue} overdue", stale=stale, overdue=overdue)
    return {"text": text, "blocks": blocks[:MAX_BLOCKS]}


def build_assignee_dm(items: Sequence[AlertItem], today: date) -> dict[str, Any]:
    deals = group_by_deal(items)
    blocks: list[dict[str, Any]] = [section(bold(_("Your deals need attention")) + f" ({len(deals)})")]
    # Two blocks per deal; keep one for the "more" line.
    room = (MAX_BLOCKS - 2) // 2
    for item, kinds in deals[:room]:
        value = str(item.number)
        blocks.append(section(deal_text(item, kinds, today)))
        blocks.append(
            actions(
                button(_("Snooze 7 days"), Action.ALERT_SNOOZE, value),
                button(_("Update close date"), Action.ALERT_CLOSE_DATE, value),
                button(_("Mark lost"), Action.ALERT_LOST, value, "danger"),
                block_id=f"alert_{item.number}",
            )
        )
    if len(deals) > room:
        more = len(deals) - room
        blocks.append(
            context(ngettext("…and {n} more: `/opp list mine stale`", "…and {n} more: `/opp list mine stale`", more))
        )
    text = ngettext("{n} of your deals need attention", "{n} of your deals need attention", len(deals))
    return {"text": text, "blocks": blocks}


def build_close_date_modal(
    number: int, title: str, current: date | None, origin: str = "", *, team_id: str | None = None
) -> dict[str, Any]:
    datepicker: dict[str, Any] = {"type": "datepicker"}
    if current:
        datepicker["initial_date"] = current.isoformat()
    blocks = [
        section(f"{format_ref(number)} *{escape(truncate(title, 200))}*"),
        input_block(Block.EXPECTED_CLOSE, _("Expected close date"), datepicker),
    ]
    meta = ViewMeta(team_id=team_id, number=number, channel_id=origin or None)
    return modal(Callback.ALERT_CLOSE_DATE, _("Update close date"), blocks, metadata=meta)
