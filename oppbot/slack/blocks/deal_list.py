"""A page of deals: filter summary, stage filter buttons, one row per deal with a quick-action menu, Prev/Next."""

from __future__ import annotations

import re
from collections.abc import Sequence

from oppbot.db.models import Opportunity
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import STAGES, Stage
from oppbot.i18n import _, ngettext, number
from oppbot.slack.blocks.common import actions, button, context, deal_value, header, message, option, section
from oppbot.slack.ids import Action
from oppbot.slack.parsing import ListArgs, list_state, with_stages
from oppbot.slack.text import day, escape, money, percent, truncate, user

ROW_PREFIX = "row"
_USER_ID = re.compile(r"[UW][A-Z0-9_]{1,20}")
PAGER_BLOCK = "list_pager"
STAGES_BLOCK = "list_stages"


def page_action(direction: str) -> str:
    return f"{Action.LIST_PAGE.value}:{direction}"


def stage_action(stage: Stage | None) -> str:
    return f"{Action.LIST_STAGE.value}:{stage.value if stage else 'all'}"


def row_text(opp: Opportunity) -> str:
    customer = escape(truncate(opp.customer_name, 80))
    close = _("closes {date}", date=day(opp.expected_close)) if opp.expected_close else _("no close date")
    return (
        f"*{format_ref(opp.number)}* {escape(truncate(opp.title, 150))}\n"
        f"{customer} · {opp.stage_enum.label} · {money(opp.amount, opp.currency)} ({percent(opp.probability)}) · "
        f"{user(opp.assignee_id)} · {close}"
    )


def row_menu(opp: Opportunity) -> dict:
    """Up to five quick actions (Slack's overflow limit), each value 'verb:number:version'."""
    value = deal_value(opp.number, opp.version)
    options = [option(_("Show card"), f"show:{value}")]
    if opp.stage_enum.is_open and opp.assignee_id is None:
        options.append(option(_("Claim"), f"claim:{value}"))
    else:
        options.append(option(_("Edit"), f"edit:{value}"))
    options.append(option(_("Add note"), f"note:{value}"))
    if opp.stage_enum.is_open:
        options.append(option(_("Close won"), f"won:{value}"))
        options.append(option(_("Close lost"), f"lost:{value}"))
    return {"type": "overflow", "action_id": Action.ROW_MENU.value, "options": options}


def stage_buttons(args: ListArgs) -> dict:
    current = set(args.stages)
    elements = [
        button(_("All"), stage_action(None), list_state(with_stages(args, ())), style=None if current else "primary")
    ]
    for stage in STAGES:
        chosen = current == {stage}
        elements.append(
            button(
                stage.label,
                stage_action(stage),
                list_state(with_stages(args, (stage,))),
                style="primary" if chosen else None,
            )
        )
    return actions(*elements, block_id=STAGES_BLOCK)


def describe(args: ListArgs) -> str:
    """The filters in words, for the list's header, as mrkdwn: a filtered-by user shows as a mention."""
    parts = [", ".join(s.label for s in args.stages) if args.stages else _("all stages")]
    if args.mine:
        parts.append(_("mine"))
    if args.assignee_id:
        # A mention only for a real user id: the id may come back from a (forgeable) button value.
        who = args.assignee_id
        parts.append(user(who) if _USER_ID.fullmatch(who) else escape(who))
    if args.unassigned:
        parts.append(_("unassigned"))
    if args.overdue:
        parts.append(_("overdue"))
    if args.stale:
        parts.append(_("stale"))
    if args.period:
        parts.append(_("closing {period}", period=escape(args.period.label)))
    return " · ".join(parts)


def deal_list_message(
    items: Sequence[Opportunity],
    total: int,
    offset: int,
    args: ListArgs,
    *,
    title: str | None = None,
    limit: int = 10,
    capped: bool = False,
) -> dict:
    """One page of a list or search. `title` is ours (translated; "Deals" by default); filters and search text are
    escaped here. `capped`: more than `total` deals match (the count stopped there), shown as `1,000+`."""
    title = title if title is not None else _("Deals")
    described = describe(args)
    if args.text:
        described = _("matching “{text}”", text=escape(truncate(args.text, 100))) + f" · {described}"
    first, last = offset + 1, offset + len(items)
    blocks: list[dict] = [header(title)]
    count = count_label(total, capped)
    summary = (
        f"{described} · " + _("{first}–{last} of {total}", first=number(first), last=number(last), total=count)
        if items
        else f"{described} · " + _("none")
    )
    blocks.append(context(summary))
    blocks.append(stage_buttons(args))
    if not items:
        blocks.append(section(_("_No deals match._ Try fewer filters, or `/opp new` to add one.")))
    for opp in items[:limit]:
        blocks.append(section(row_text(opp), block_id=f"{ROW_PREFIX}:{opp.number}", accessory=row_menu(opp)))
    pager = []
    if offset > 0:
        pager.append(button(_("◀ Prev"), page_action("prev"), list_state(args, max(0, offset - limit))))
    if offset + len(items) < total or capped:
        pager.append(button(_("Next ▶"), page_action("next"), list_state(args, offset + limit)))
    if pager:
        blocks.append(actions(*pager, block_id=PAGER_BLOCK))
    text = f"{title}: " + ngettext("{n} deal", "{n} deals", total, n=count) + f" ({described})"
    return message(text, blocks)


def count_label(total: int, capped: bool = False) -> str:
    """`12`, `1,234` (`1 234` in Norwegian), or `1,000+` when the count stopped at `total`."""
    return number(total) + ("+" if capped else "")
