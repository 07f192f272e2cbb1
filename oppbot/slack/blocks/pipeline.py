"""The pipeline: per stage, count, value and weighted value in each currency (never summed across currencies)."""

from __future__ import annotations

from oppbot.i18n import _, ngettext
from oppbot.services.queries import CurrencyAmounts, Pipeline
from oppbot.slack.blocks.common import bold, context, divider, header, message, section
from oppbot.slack.text import money


def _amounts(by_currency: dict[str, CurrencyAmounts]) -> str:
    if not by_currency:
        return _("_none_")
    return "\n".join(
        _("{value} · weighted {weighted}", value=money(a.value, code), weighted=money(a.weighted, code))
        + (f" ({a.count})" if len(by_currency) > 1 else "")
        for code, a in sorted(by_currency.items())
    )


def pipeline_message(pipeline: Pipeline) -> dict:
    blocks: list[dict] = [header(_("Pipeline"))]
    for stage in pipeline.stages:
        count = ngettext("{n} deal", "{n} deals", stage.count)
        blocks.append(section(f"*{stage.stage.label}* — {count}\n{_amounts(stage.by_currency)}"))
    blocks.append(divider())
    totals = pipeline.open_totals()
    # "deals" even for one: the English text always said so; the catalog's plural forms say it right.
    count = ngettext("{n} deals", "{n} deals", pipeline.open_count)
    blocks.append(section(bold(_("Open pipeline")) + f" — {count}\n{_amounts(totals)}"))
    if len(totals) > 1:
        blocks.append(context(_("Currencies are shown apart, never added up; `/opp forecast` converts them.")))
    summary = "; ".join(_("{amount} weighted", amount=money(a.weighted, c)) for c, a in sorted(totals.items())) or _(
        "empty"
    )
    return message(
        ngettext(
            "Pipeline: {n} open deals, {summary}",
            "Pipeline: {n} open deals, {summary}",
            pipeline.open_count,
            summary=summary,
        ),
        blocks,
    )
