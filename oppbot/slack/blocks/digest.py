"""The weekly digest message: pure Block Kit from a Digest, every user string escaped, within 50 blocks."""

from __future__ import annotations

from typing import Any

from oppbot.domain.events import EventKind
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.services.digests import DealLine, Digest
from oppbot.services.forecast import Forecast
from oppbot.slack.blocks.common import context, divider, header, section
from oppbot.slack.blocks.forecast import build_board, build_changes
from oppbot.slack.text import day, escape, money, truncate, user

MAX_BLOCKS = 50
CHANGE_TITLES = {
    EventKind.CREATED: "New",
    EventKind.STAGE_CHANGED: "Moved",
    EventKind.WON: "Won",
    EventKind.LOST: "Lost",
}


def _stage_label(value: str) -> str:
    try:
        return Stage(value).label
    except ValueError:
        return escape(value)


def deal_line(line: DealLine) -> str:
    text = f"{format_ref(line.number)} *{escape(truncate(line.title, 80))}* · {money(line.amount, line.currency)}"
    if line.detail:
        parts = [p.strip() for p in line.detail.split("→")]
        text += " · " + " → ".join(_stage_label(p) for p in parts)
    return text


def forecast_text(result: Forecast) -> str:
    """One period: weighted open pipeline by stage, the total, and Closed-Won so far, in the reporting currency."""
    r = result.reporting
    label = result.period.label if result.period else "Pipeline"
    lines = [
        f"*{escape(label)}* — weighted {money(result.open.weighted, r)} of {money(result.open.value, r)} open"
        f" · Closed-Won so far {money(result.won.value, r)} ({result.won.count})"
    ]
    for line in result.open.stages:
        if line.count:
            lines.append(
                f"• {line.stage.label}: {line.count} · {money(line.value, r)} · weighted {money(line.weighted, r)}"
            )
    if result.overdue.count:
        lines.append(f"• Overdue, carried in: {result.overdue.count} · weighted {money(result.overdue.weighted, r)}")
    if result.missing_total:
        lines.append(f"_{result.missing_total} deal(s) in currencies without a rate are left out._")
    return "\n".join(lines)


def rates_text(forecasts: list[Forecast]) -> str:
    seen: dict[tuple[str, object], object] = {}
    for result in forecasts:
        for rate in result.rates_used:
            seen[(rate.currency, rate.effective_date)] = rate
    if not seen:
        return ""
    reporting = forecasts[0].reporting
    parts = [
        f"1 {r.currency} = {r.rate.normalize():f} {reporting} ({r.effective_date.isoformat()})" for r in seen.values()
    ]
    return "Rates used: " + "; ".join(parts)


def build_digest_message(digest: Digest, *, manual: bool = False) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        header("Weekly pipeline digest"),
        context(
            f"{day(digest.today)} · amounts in {digest.reporting_currency} ({escape(digest.timezone)})"
            + (" · sent on request" if manual else "")
        ),
    ]
    for result in digest.forecasts:
        blocks.append(section(forecast_text(result)))
    rates = rates_text(digest.forecasts)
    if rates:
        blocks.append(context(rates))
    if digest.board is not None:
        blocks.extend(build_board(digest.board))
    if digest.waterfall is not None:
        blocks.extend(build_changes(digest.waterfall, title="What changed since the last weekly digest"))
    blocks.append(divider())

    changes = digest.changes
    if changes.counts:
        summary = ", ".join(
            f"{changes.counts[k]} {CHANGE_TITLES[k].lower()}" for k in CHANGE_TITLES if k in changes.counts
        )
        blocks.append(section(f"*Since the last digest:* {summary}"))
        for kind, title in CHANGE_TITLES.items():
            lines = changes.lines.get(kind)
            if lines:
                more = changes.counts[kind] - len(lines)
                text = f"*{title}*\n" + "\n".join(deal_line(line) for line in lines)
                if more > 0:
                    text += f"\n…and {more} more"
                blocks.append(section(text))
    else:
        blocks.append(section("*Since the last digest:* no new, moved, won or lost deals."))

    if digest.closing_soon:
        lines = [
            f"{deal_line(deal)} · closes {day(deal.expected_close)} · {user(deal.assignee_id, nobody='unassigned')}"
            for deal in digest.closing_soon
        ]
        blocks.append(section("*Biggest deals closing soon*\n" + "\n".join(lines)))
    blocks.append(context(f":hourglass: {digest.stale_count} stale · :warning: {digest.overdue_count} overdue"))
    return {"text": f"Weekly pipeline digest for {day(digest.today)}", "blocks": blocks[:MAX_BLOCKS]}
