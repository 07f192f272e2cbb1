"""The App Home tab: the pipeline by stage, my deals, overdue and stale deals, a deal finder. Pure builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from oppbot.domain.stages import Stage
from oppbot.i18n import _, ngettext
from oppbot.slack import text as fmt
from oppbot.slack.blocks.common import actions, bold, button, context, divider, header, plain_text, section
from oppbot.slack.blocks.deal_list import count_label
from oppbot.slack.ids import Action, Block

HOME_BLOCK_LIMIT = 100
ROWS_PER_SECTION = 10


@dataclass(slots=True)
class DealList:
    """Up to ROWS_PER_SECTION deals of a section, and how many there are in all."""

    items: list[Any] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # more than `total` match: the count stopped there


@dataclass(slots=True)
class HomeData:
    user_id: str
    pipeline: Any  # services.queries.Pipeline
    mine: DealList
    overdue: DealList
    stale: DealList


def _amounts(by_currency: dict) -> str:
    if not by_currency:
        return _("nothing yet")
    parts = [
        _("{value} (weighted {weighted})", value=fmt.money(a.value, code), weighted=fmt.money(a.weighted, code))
        for code, a in sorted(by_currency.items())
    ]
    return " · ".join(parts)


def pipeline_blocks(pipeline: Any) -> list[dict]:
    blocks: list[dict] = [header(_("Pipeline"))]
    for stage in pipeline.stages:
        count = ngettext("{n} deal", "{n} deals", stage.count)
        blocks.append(section(f"*{stage.stage.label}* — {count}\n{_amounts(stage.by_currency)}"))
    totals = pipeline.open_totals()
    count = ngettext("{n} deal", "{n} deals", pipeline.open_count)
    blocks.append(section(bold(_("Open pipeline")) + f" — {count}\n{_amounts(totals)}"))
    return blocks


def deal_row(opp: Any) -> dict:
    customer = opp.individual or opp.organization
    bits = [Stage(opp.stage).label, fmt.money(opp.amount, opp.currency), fmt.percent(opp.probability)]
    if opp.expected_close:
        bits.append(_("closes {date}", date=fmt.day(opp.expected_close)))
    bits.append(fmt.user(opp.assignee_id, nobody=_("unassigned")))
    head = f"*#{opp.number}* {fmt.escape(fmt.truncate(opp.title, 200))}"
    if customer is not None:
        head += f" — {fmt.escape(customer.name)}"
    return section(head + "\n" + " · ".join(bits))


def deal_section(title: str, deals: DealList, more_command: str, empty: str) -> list[dict]:
    blocks: list[dict] = [divider(), header(f"{title} ({count_label(deals.total, deals.capped)})")]
    if not deals.items:
        blocks.append(context(empty))
        return blocks
    blocks.extend(deal_row(opp) for opp in deals.items[:ROWS_PER_SECTION])
    shown = min(len(deals.items), ROWS_PER_SECTION)
    if deals.total > shown or deals.capped:
        more = deals.total - shown
        label = count_label(more, deals.capped)
        blocks.append(
            context(
                ngettext(
                    "and {n} more — `{command}`", "and {n} more — `{command}`", more, n=label, command=more_command
                )
            )
        )
    return blocks


def home_view(data: HomeData) -> dict:
    blocks: list[dict] = [
        section(_("Hi {user} — here is the pipeline.", user=fmt.user(data.user_id))),
        actions(
            button(_("New deal"), Action.HOME_NEW.value, "new", style="primary"),
            {
                "type": "external_select",
                "action_id": Action.HOME_FIND.value,
                "min_query_length": 0,
                "placeholder": plain_text(_("Find a deal…"), 150),
            },
            block_id=Block.HOME_ACTIONS.value,
        ),
    ]
    blocks += pipeline_blocks(data.pipeline)
    blocks += deal_section(_("My deals"), data.mine, "/opp list mine", _("No open deals assigned to you."))
    blocks += deal_section(_("Overdue"), data.overdue, "/opp list overdue", _("Nothing overdue."))
    blocks += deal_section(_("Stale"), data.stale, "/opp list stale", _("Nothing stale."))
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def deal_summary_blocks(opp: Any) -> list[dict]:
    """A short read-only card, used when the full deal card builder isn't available."""
    blocks = [deal_row(opp)]
    if opp.description:
        blocks.append(section(fmt.escape(fmt.truncate(opp.description, 2900))))
    blocks.append(context(_("`/opp show {number}` for the full card.", number=opp.number)))
    return blocks
