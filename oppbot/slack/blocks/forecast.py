"""Pure Block Kit builders for forecast, pipeline (reporting currency), stats, exchange rates and accuracy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oppbot.domain import analytics
from oppbot.domain.fx import RateTable, format_rate, rounded
from oppbot.services.forecast import Accuracy, Forecast, Section
from oppbot.services.stats import Stats
from oppbot.slack.text import escape, money, truncate, user

MAX_BLOCKS = 50
TEXT_MAX = 2900


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, TEXT_MAX)}}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, 150)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, TEXT_MAX)}]}


def _stage_lines(section: Section) -> str:
    r = section.reporting
    lines = [
        f"*{line.stage.label}* · {line.count} · {money(rounded(line.value, r), r)} · weighted "
        f"{money(rounded(line.weighted, r), r)}"
        for line in section.stages
    ]
    lines.append(f"*Total* · {section.count} · {money(section.value, r)} · weighted *{money(section.weighted, r)}*")
    return "\n".join(lines)


def _rates_and_missing(result: Forecast) -> list[dict[str, Any]]:
    blocks = []
    if result.rates_used:
        rates = ", ".join(
            f"1 {r.currency} = {format_rate(r.rate)} {result.reporting} (from {r.effective_date.isoformat()})"
            for r in result.rates_used
        )
        blocks.append(_context(f"Rates used: {rates}"))
    if result.missing_total:
        rows = [
            f"{m.ref} {escape(truncate(m.title, 60))} · {money(m.amount, m.currency)} ({m.section})"
            for m in result.missing[:15]
        ]
        more = result.missing_total - len(rows)
        if more > 0:
            rows.append(f"…and {more} more")
        blocks.append(
            _section(
                f":warning: *{result.missing_total} deal(s) not included: no exchange rate* "
                f"(set one with `/opp fx set <CUR> <rate>`)\n" + "\n".join(rows)
            )
        )
    return blocks


def build_forecast(result: Forecast, *, show_currencies: bool = False) -> list[dict[str, Any]]:
    r = result.reporting
    who = f" for {user(result.assignee_id)}" if result.assignee_id else ""
    if result.period is None:
        title = f"Pipeline in {r}"
        blocks = [_header(title), _section(_stage_lines(result.open))]
        if result.overdue.count:
            blocks.append(_context(f"{result.overdue.count} overdue · weighted {money(result.overdue.weighted, r)}"))
    else:
        blocks = [
            _header(f"Forecast · {result.period.label}"),
            _section(
                f"Open deals expected to close {result.period.start:%-d %b}–{result.period.end:%-d %b %Y}{who}:"
                f"\n{_stage_lines(result.open)}"
            ),
            _section(f"*Closed-Won (actual)* · {result.won.count} · *{money(result.won.value, r)}*"),
            _section(
                f"*Overdue, carried in* · {result.overdue.count} · {money(result.overdue.value, r)} · weighted "
                f"{money(result.overdue.weighted, r)}"
            ),
        ]
    if show_currencies and result.open.by_currency:
        blocks.append(
            _section(
                "*By currency*\n"
                + "\n".join(
                    f"{c.currency}: {c.count} · {money(c.value, c.currency)}"
                    + (" (no rate)" if c.converted_value is None else f" ≈ {money(c.converted_value, r)}")
                    for c in result.open.by_currency
                )
            )
        )
    blocks.extend(_rates_and_missing(result))
    return blocks[:MAX_BLOCKS]


def forecast_text(result: Forecast) -> str:
    r = result.reporting
    label = result.period.label if result.period else "pipeline"
    return f"Forecast {label}: weighted {money(result.open.weighted, r)}, won {money(result.won.value, r)}"


def _pct(value: Decimal | None) -> str:
    return analytics.as_percent(value)


def _days(value: Decimal | None) -> str:
    return "–" if value is None else f"{value.quantize(Decimal('0.1'))} d"


def build_stats(result: Stats) -> list[dict[str, Any]]:
    r = result.reporting
    period = result.period.label if result.period else "all time"
    avg = money(result.average_won, r) if result.average_won is not None else "–"
    med = money(result.median_won, r) if result.median_won is not None else "–"
    blocks = [
        _header(f"Stats · {period}"),
        _section(
            f"*Win rate* {_pct(result.win_rate)} ({result.won} won, {result.lost} lost)\n"
            f"*Won deal size* average {avg} · median {med}\n"
            f"*Sales cycle* median {_days(result.median_cycle_days)}"
            + (
                f"\n_{result.missing_rate_won} won deal(s) without a rate left out of sizes_"
                if result.missing_rate_won
                else ""
            )
        ),
        _section(
            "*Stage conversion · median time in stage*\n"
            + "\n".join(
                f"{c.stage.label}: {_pct(c.rate)} of {c.entered} moved on · {_days(result.time_in_stage.get(c.stage))}"
                for c in result.conversion
            )
        ),
    ]
    if result.loss_reasons:
        lines = []
        for stage, reasons in result.loss_reasons.items():
            name = stage.label if stage else "Unknown stage"
            lines.append(f"{name}: " + ", ".join(f"{escape(k)} {v}" for k, v in sorted(reasons.items())))
        blocks.append(_section("*Loss reasons by stage*\n" + "\n".join(lines)))
    blocks.append(
        _section(
            "*Calibration* (won from here · probability entered · deals)\n"
            + "\n".join(
                f"{c.label}: {_pct(c.actual)} · {_pct(c.entered)} · n={c.samples}"
                for c in result.calibration_by_stage + result.calibration_by_band
            )
        )
    )
    if result.workload:
        blocks.append(
            _section(
                "*Workload*\n"
                + "\n".join(
                    f"{user(w.assignee_id, nobody='unassigned')}: {w.open_count} open · {money(rounded(w.value, r), r)}"
                    f" · weighted {money(rounded(w.weighted, r), r)} · {w.stale} stale"
                    + (f" · {w.missing} without rate" if w.missing else "")
                    for w in result.workload[:30]
                )
            )
        )
    return blocks[:MAX_BLOCKS]


def build_fx_list(table: RateTable) -> list[dict[str, Any]]:
    rates = table.all()
    if not rates:
        body = f"No exchange rates yet. Reporting currency: *{table.reporting}*.\n`/opp fx set EUR 1.10` sets one."
        return [_section(body)]
    lines = [
        f"1 {r.currency} = {format_rate(r.rate)} {table.reporting} from {r.effective_date.isoformat()}"
        for r in rates[-40:]
    ]
    return [_header(f"Exchange rates into {table.reporting}"), _section("\n".join(lines))]


def build_accuracy(result: Accuracy) -> list[dict[str, Any]]:
    r = result.reporting
    if result.snapshot is None:
        return [
            _section(
                f"No forecast snapshot for {result.period.label}. Actual Closed-Won: "
                f"{money(result.actual_won, r)} ({result.actual_count})."
            )
        ]
    ratio = "–" if result.ratio is None else analytics.as_percent(result.ratio)
    deals = f"{result.actual_count} deal" + ("" if result.actual_count == 1 else "s")
    text = (
        f"*Forecast vs actual · {result.period.label}*\n"
        f"Forecast (weighted, {result.snapshot.label} snapshot): {money(result.forecast_weighted, r)}\n"
        f"Actual Closed-Won: {money(result.actual_won, r)} ({deals}) · {ratio} of forecast"
    )
    blocks = [_section(text)]
    if result.missing:
        blocks.append(_context(f"{result.missing} won deal(s) without an exchange rate are not included."))
    return blocks
