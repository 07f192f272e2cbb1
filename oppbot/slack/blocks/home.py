"""The App Home tab: the pipeline by stage, my deals, overdue and stale deals, a deal finder. Pure builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from oppbot.domain.stages import Stage
from oppbot.slack import text as fmt
from oppbot.slack.blocks.common import actions, button, context, divider, header, plain_text, section
from oppbot.slack.ids import Action, Block

HOME_BLOCK_LIMIT = 100
ROWS_PER_SECTION = 10


@dataclass(slots=True)
class DealList:
    """Up to ROWS_PER_SECTION deals of a section, and how many there are in all."""

    items: list[Any] = field(default_factory=list)
    total: int = 0


@dataclass(slots=True)
class HomeData:
    user_id: str
    pipeline: Any  # services.queries.Pipeline
    mine: DealList
    overdue: DealList
    stale: DealList


def _amounts(by_currency: dict) -> str:
    if not by_currency:
        return "nothing yet"
    parts = [
        f"{fmt.money(a.value, code)} (weighted {fmt.money(a.weighted, code)})"
        for code, a in sorted(by_currency.items())
    ]
    return " · ".join(parts)


def pipeline_blocks(pipeline: Any) -> list[dict]:
    blocks: list[dict] = [header("Pipeline")]
    for stage in pipeline.stages:
        blocks.append(
            section(
                f"*{stage.stage.label}* — {stage.count} deal{'s' if stage.count != 1 else ''}\n"
                f"{_amounts(stage.by_currency)}"
            )
        )
    totals = pipeline.open_totals()
    blocks.append(
        section(
            f"*Open pipeline* — {pipeline.open_count} deal{'s' if pipeline.open_count != 1 else ''}\n{_amounts(totals)}"
        )
    )
    return blocks


def deal_row(opp: Any) -> dict:
    customer = opp.individual or opp.organization
    bits = [Stage(opp.stage).label, fmt.money(opp.amount, opp.currency), fmt.percent(opp.probability)]
    if opp.expected_close:
        bits.append("closes " + fmt.day(opp.expected_close))
    bits.append(fmt.user(opp.assignee_id, nobody="unassigned"))
    head = f"*#{opp.number}* {fmt.escape(fmt.truncate(opp.title, 200))}"
    if customer is not None:
        head += f" — {fmt.escape(customer.name)}"
    return section(head + "\n" + " · ".join(bits))


def deal_section(title: str, deals: DealList, more_command: str, empty: str) -> list[dict]:
    blocks: list[dict] = [divider(), header(f"{title} ({deals.total})")]
    if not deals.items:
        blocks.append(context(empty))
        return blocks
    blocks.extend(deal_row(opp) for opp in deals.items[:ROWS_PER_SECTION])
    shown = min(len(deals.items), ROWS_PER_SECTION)
    if deals.total > shown:
        blocks.append(context(f"and {deals.total - shown} more — `{more_command}`"))
    return blocks


def home_view(data: HomeData) -> dict:
    blocks: list[dict] = [
        section(f"Hi {fmt.user(data.user_id)} — here is the pipeline."),
        actions(
            button("New deal", Action.HOME_NEW.value, "new", style="primary"),
            {
                "type": "external_select",
                "action_id": Action.HOME_FIND.value,
                "min_query_length": 0,
                "placeholder": plain_text("Find a deal…", 150),
            },
            block_id=Block.HOME_ACTIONS.value,
        ),
    ]
    blocks += pipeline_blocks(data.pipeline)
    blocks += deal_section("My deals", data.mine, "/opp list mine", "No open deals assigned to you.")
    blocks += deal_section("Overdue", data.overdue, "/opp list overdue", "Nothing overdue.")
    blocks += deal_section("Stale", data.stale, "/opp list stale", "Nothing stale.")
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def deal_summary_blocks(opp: Any) -> list[dict]:
    """A short read-only card, used when the full deal card builder isn't available."""
    blocks = [deal_row(opp)]
    if opp.description:
        blocks.append(section(fmt.escape(fmt.truncate(opp.description, 2900))))
    blocks.append(context(f"`/opp show {opp.number}` for the full card."))
    return blocks
