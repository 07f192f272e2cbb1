"""The pipeline: per stage, count, value and weighted value in each currency (never summed across currencies)."""

from __future__ import annotations

from oppbot.services.queries import CurrencyAmounts, Pipeline
from oppbot.slack.blocks.common import context, divider, header, message, section
from oppbot.slack.text import money


def _amounts(by_currency: dict[str, CurrencyAmounts]) -> str:
    if not by_currency:
        return "_none_"
    return "\n".join(
        f"{money(a.value, code)} · weighted {money(a.weighted, code)}"
        + (f" ({a.count})" if len(by_currency) > 1 else "")
        for code, a in sorted(by_currency.items())
    )


def pipeline_message(pipeline: Pipeline) -> dict:
    blocks: list[dict] = [header("Pipeline")]
    for stage in pipeline.stages:
        blocks.append(
            section(
                f"*{stage.stage.label}* — {stage.count} deal{'s' if stage.count != 1 else ''}\n"
                f"{_amounts(stage.by_currency)}"
            )
        )
    blocks.append(divider())
    totals = pipeline.open_totals()
    blocks.append(section(f"*Open pipeline* — {pipeline.open_count} deals\n{_amounts(totals)}"))
    if len(totals) > 1:
        blocks.append(context("Currencies are shown apart, never added up; `/opp forecast` converts them."))
    summary = "; ".join(f"{money(a.weighted, c)} weighted" for c, a in sorted(totals.items())) or "empty"
    return message(f"Pipeline: {pipeline.open_count} open deals, {summary}", blocks)
