"""The weekly digest message: pure Block Kit from a Digest, every user string escaped, within 50 blocks."""

from __future__ import annotations

from typing import Any

from oppbot.domain.events import EventKind
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import N_, _, ngettext
from oppbot.services.digests import DealLine, Digest
from oppbot.services.forecast import Forecast
from oppbot.slack.blocks.common import bold, context, divider, header, section
from oppbot.slack.blocks.forecast import build_board, build_changes
from oppbot.slack.text import day, escape, money, truncate, user

MAX_BLOCKS = 50
CHANGE_TITLES = {
    EventKind.CREATED: N_("New"),
    EventKind.STAGE_CHANGED: N_("Moved"),
    EventKind.WON: N_("Won"),
    EventKind.LOST: N_("Lost"),
}
# The summary's words ("3 new, 1 moved"): counted, so the catalog's plural forms apply.
CHANGE_COUNTS = {
    EventKind.CREATED: lambda n: ngettext("{n} new", "{n} new", n),
    EventKind.STAGE_CHANGED: lambda n: ngettext("{n} moved", "{n} moved", n),
    EventKind.WON: lambda n: ngettext("{n} won", "{n} won", n),
    EventKind.LOST: lambda n: ngettext("{n} lost", "{n} lost", n),
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
    label = result.period.label if result.period else _("Pipeline")
    lines = [
        f"*{escape(label)}* — "
        + _(
            "weighted {weighted} of {value} open · Closed-Won so far {won} ({count})",
            weighted=money(result.open.weighted, r),
            value=money(result.open.value, r),
            won=money(result.won.value, r),
            count=result.won.count,
        )
    ]
    for line in result.open.stages:
        if line.count:
            weighted = _("weighted {amount}", amount=money(line.weighted, r))
            lines.append(f"• {line.stage.label}: {line.count} · {money(line.value, r)} · {weighted}")
    if result.overdue.count:
        weighted = _("weighted {amount}", amount=money(result.overdue.weighted, r))
        lines.append("• " + _("Overdue, carried in") + f": {result.overdue.count} · {weighted}")
    if result.missing_total:
        lines.append(
            ngettext(
                "_{n} deal(s) in currencies without a rate are left out._",
                "_{n} deal(s) in currencies without a rate are left out._",
                result.missing_total,
            )
        )
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
    return _("Rates used: {rates}", rates="; ".join(parts))


def build_digest_message(digest: Digest, *, manual: bool = False) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        header(_("Weekly pipeline digest")),
        context(
            f"{day(digest.today)} · "
            + _(
                "amounts in {currency} ({timezone})",
                currency=digest.reporting_currency,
                timezone=escape(digest.timezone),
            )
            + ((" · " + _("sent on request")) if manual else "")
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
        blocks.extend(build_changes(digest.waterfall, title=_("What changed since the last weekly digest")))
    blocks.append(divider())

    changes = digest.changes
    if changes.counts:
        summary = ", ".join(CHANGE_COUNTS[k](changes.counts[k]) for k in CHANGE_TITLES if k in changes.counts)
        blocks.append(section(bold(_("Since the last digest:")) + f" {summary}"))
        for kind, title in CHANGE_TITLES.items():
            lines = changes.lines.get(kind)
            if lines:
                more = changes.counts[kind] - len(lines)
                text = bold(_(title)) + "\n" + "\n".join(deal_line(line) for line in lines)
                if more > 0:
                    text += "\n" + ngettext("…and {n} more", "…and {n} more", more)
                blocks.append(section(text))
    else:
        blocks.append(section(bold(_("Since the last digest:")) + " " + _("no new, moved, won or lost deals.")))

    if digest.closing_soon:
        lines = [
            f"{deal_line(deal)} · "
            + _("closes {date}", date=day(deal.expected_close))
            + " · "
            + user(deal.assignee_id, nobody=_("unassigned"))
            for deal in digest.closing_soon
        ]
        blocks.append(section(bold(_("Biggest deals closing soon")) + "\n" + "\n".join(lines)))
    stale = ngettext("{n} stale", "{n} stale", digest.stale_count)
    overdue = ngettext("{n} overdue", "{n} overdue", digest.overdue_count)
    blocks.append(context(f":hourglass: {stale} · :warning: {overdue}"))
    return {"text": _("Weekly pipeline digest for {date}", date=day(digest.today)), "blocks": blocks[:MAX_BLOCKS]}
