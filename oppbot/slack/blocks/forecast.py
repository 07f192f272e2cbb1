"""Pure Block Kit builders for forecast, pipeline (reporting currency), stats, exchange rates and accuracy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oppbot.domain import analytics
from oppbot.domain.categories import Category
from oppbot.domain.fx import RateTable, format_rate, rounded
from oppbot.domain.waterfall import Step
from oppbot.services.changes import Changes
from oppbot.services.forecast import (
    Accuracy,
    AccuracyHistory,
    Board,
    Forecast,
    MeasureAccuracy,
    RepLine,
    Section,
)
from oppbot.services.quotas import AdjustmentSet, QuotaEntry, QuotaSet
from oppbot.services.stats import Stats
from oppbot.slack.blocks.common import context, header, section
from oppbot.slack.text import escape, money, truncate, user

MAX_BLOCKS = 50
TEXT_MAX = 2900


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
        blocks.append(context(f"Rates used: {rates}", limit=TEXT_MAX))
    if result.missing_total:
        rows = [
            f"{m.ref} {escape(truncate(m.title, 60))} · {money(m.amount, m.currency)} ({m.section})"
            for m in result.missing[:15]
        ]
        more = result.missing_total - len(rows)
        if more > 0:
            rows.append(f"…and {more} more")
        blocks.append(
            section(
                f":warning: *{result.missing_total} deal(s) not included: no exchange rate* "
                f"(set one with `/opp fx set <CUR> <rate>`)\n" + "\n".join(rows),
                limit=TEXT_MAX,
            )
        )
    return blocks


def build_forecast(
    result: Forecast, *, show_currencies: bool = False, board: Board | None = None
) -> list[dict[str, Any]]:
    r = result.reporting
    who = f" for {user(result.assignee_id)}" if result.assignee_id else ""
    if result.period is None:
        title = f"Pipeline in {r}"
        blocks = [header(title), section(_stage_lines(result.open), limit=TEXT_MAX)]
        if result.overdue.count:
            blocks.append(
                context(
                    f"{result.overdue.count} overdue · weighted {money(result.overdue.weighted, r)}", limit=TEXT_MAX
                )
            )
    else:
        blocks = [
            header(f"Forecast · {result.period.label}"),
            section(
                f"Open deals expected to close {result.period.start:%-d %b}–{result.period.end:%-d %b %Y}{who}:"
                f"\n{_stage_lines(result.open)}",
                limit=TEXT_MAX,
            ),
            section(f"*Closed-Won (actual)* · {result.won.count} · *{money(result.won.value, r)}*", limit=TEXT_MAX),
            section(
                f"*Overdue, carried in* · {result.overdue.count} · {money(result.overdue.value, r)} · weighted "
                f"{money(result.overdue.weighted, r)}",
                limit=TEXT_MAX,
            ),
        ]
        if board is not None:
            blocks.extend(build_board(board))
    if show_currencies and result.open.by_currency:
        blocks.append(
            section(
                "*By currency*\n"
                + "\n".join(
                    f"{c.currency}: {c.count} · {money(c.value, c.currency)}"
                    + (" (no rate)" if c.converted_value is None else f" ≈ {money(c.converted_value, r)}")
                    for c in result.open.by_currency
                ),
                limit=TEXT_MAX,
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
        header(f"Stats · {period}"),
        section(
            f"*Win rate* {_pct(result.win_rate)} ({result.won} won, {result.lost} lost)\n"
            f"*Won deal size* average {avg} · median {med}\n"
            f"*Sales cycle* median {_days(result.median_cycle_days)}"
            + (
                f"\n_{result.missing_rate_won} won deal(s) without a rate left out of sizes_"
                if result.missing_rate_won
                else ""
            ),
            limit=TEXT_MAX,
        ),
        section(
            "*Stage conversion · median time in stage*\n"
            + "\n".join(
                f"{c.stage.label}: {_pct(c.rate)} of {c.entered} moved on · {_days(result.time_in_stage.get(c.stage))}"
                for c in result.conversion
            ),
            limit=TEXT_MAX,
        ),
    ]
    if result.loss_reasons:
        lines = []
        for stage, reasons in result.loss_reasons.items():
            name = stage.label if stage else "Unknown stage"
            lines.append(f"{name}: " + ", ".join(f"{escape(k)} {v}" for k, v in sorted(reasons.items())))
        blocks.append(section("*Loss reasons by stage*\n" + "\n".join(lines), limit=TEXT_MAX))
    blocks.append(
        section(
            "*Calibration* (won from here · probability entered · deals)\n"
            + "\n".join(
                f"{c.label}: {_pct(c.actual)} · {_pct(c.entered)} · n={c.samples}"
                for c in result.calibration_by_stage + result.calibration_by_band
            ),
            limit=TEXT_MAX,
        )
    )
    if result.workload:
        blocks.append(
            section(
                "*Workload*\n"
                + "\n".join(
                    f"{user(w.assignee_id, nobody='unassigned')}: {w.open_count} open · {money(rounded(w.value, r), r)}"
                    f" · weighted {money(rounded(w.weighted, r), r)} · {w.stale} stale"
                    + (f" · {w.missing} without rate" if w.missing else "")
                    for w in result.workload[:30]
                ),
                limit=TEXT_MAX,
            )
        )
    return blocks[:MAX_BLOCKS]


def build_fx_list(table: RateTable) -> list[dict[str, Any]]:
    rates = table.all()
    if not rates:
        body = f"No exchange rates yet. Reporting currency: *{table.reporting}*.\n`/opp fx set EUR 1.10` sets one."
        return [section(body, limit=TEXT_MAX)]
    lines = [
        f"1 {r.currency} = {format_rate(r.rate)} {table.reporting} from {r.effective_date.isoformat()}"
        for r in rates[-40:]
    ]
    return [header(f"Exchange rates into {table.reporting}"), section("\n".join(lines), limit=TEXT_MAX)]


def build_accuracy(result: Accuracy) -> list[dict[str, Any]]:
    r = result.reporting
    if result.snapshot is None:
        return [
            section(
                f"No forecast snapshot for {result.period.label}. Actual Closed-Won: "
                f"{money(result.actual_won, r)} ({result.actual_count}).",
                limit=TEXT_MAX,
            )
        ]
    ratio = "–" if result.ratio is None else analytics.as_percent(result.ratio)
    deals = f"{result.actual_count} deal" + ("" if result.actual_count == 1 else "s")
    text = (
        f"*Forecast vs actual · {result.period.label}*\n"
        f"Forecast (weighted, {result.snapshot.label} snapshot): {money(result.forecast_weighted, r)}\n"
        f"Actual Closed-Won: {money(result.actual_won, r)} ({deals}) · {ratio} of forecast"
    )
    blocks = [section(text, limit=TEXT_MAX)]
    if result.missing:
        blocks.append(
            context(f"{result.missing} won deal(s) without an exchange rate are not included.", limit=TEXT_MAX)
        )
    return blocks


# --- forecast categories, quotas, adjustments, what changed ----------------------------------------------------------

STEP_LABELS = {
    Step.NEW: "New deals",
    Step.REOPENED: "Reopened",
    Step.PULLED_IN: "Close date pulled in",
    Step.VALUE_UP: "Value up",
    Step.VALUE_DOWN: "Value down",
    Step.MOVED_FORWARD: "Moved forward",
    Step.MOVED_BACK: "Moved back",
    Step.WON: "Won",
    Step.LOST: "Lost",
    Step.SLIPPED: "Slipped (close date pushed out)",
    Step.FX: "Exchange rates",
    Step.REMOVED: "Removed",
}
MAX_REPS = 25


def _r(amount: Decimal | None, currency: str) -> str:
    return "–" if amount is None else money(rounded(amount, currency), currency)


def category_lines(board: Board) -> str:
    r = board.reporting
    lines = [
        f"*{line.category.label}* · {line.count} · {_r(line.value, r)} · weighted {_r(line.weighted, r)}"
        for line in board.categories
    ]
    total = board.total
    lines.append(f"*Closed + Commit* · {_r(total.closed_commit, r)}")
    lines.append(f"*Closed + Commit + Best case* · {_r(total.closed_commit_best, r)}")
    return "\n".join(lines)


def rep_line(line: RepLine, reporting: str) -> str:
    r = reporting
    who = "*Total*" if line.is_total else user(line.assignee_id, nobody="unassigned")
    text = f"{who} · closed {_r(line.closed, r)} · commit {_r(line.commit, r)} · C+C {_r(line.closed_commit, r)}"
    if line.adjusted is not None:
        text += f" · adjusted *{_r(line.adjusted.amount, r)}* _({escape(truncate(line.adjusted.note, 80))})_"
    if line.quota is not None:
        coverage = "met" if line.coverage is None else f"{line.coverage.quantize(Decimal('0.01'))}×"
        gap = line.gap
        gap_text = f"gap {_r(gap, r)}" if gap > 0 else f"ahead by {_r(-gap, r)}"
        text += (
            f"\n   quota {_r(line.quota, r)} · attainment {analytics.as_percent(line.attainment)}"
            f" · coverage {coverage} · {gap_text}"
        )
    return text


def build_board(board: Board) -> list[dict[str, Any]]:
    """Per category, then per rep with quota, attainment, coverage and gap; beside build_forecast's stage view."""
    blocks = [section(f"*By forecast category · {board.period.label}*\n{category_lines(board)}", limit=TEXT_MAX)]
    reps = [rep_line(line, board.reporting) for line in board.reps[:MAX_REPS]]
    reps.append(rep_line(board.total, board.reporting))
    blocks.append(section("*Per rep*\n" + "\n".join(reps), limit=TEXT_MAX))
    notes = []
    if len(board.reps) > MAX_REPS:
        notes.append(f"…and {len(board.reps) - MAX_REPS} more reps")
    if board.missing_quota_rates:
        currencies = ", ".join(sorted(set(board.missing_quota_rates)))
        notes.append(f"Quotas in {currencies} left out: no exchange rate on {board.quota_rate_day.isoformat()}")
    if notes:
        blocks.append(context(" · ".join(notes), limit=TEXT_MAX))
    return blocks


def build_changes(result: Changes, *, title: str | None = None) -> list[dict[str, Any]]:
    fall = result.waterfall
    r = fall.reporting
    since = result.since.strftime("%-d %b %Y %H:%M UTC")
    origin = "the last weekly digest" if result.source == "digest" else "the history"
    start, steps, end = fall.shown()
    lines = [f"*Start* ({since}) · {fall.start_count} deals · {money(start, r)}"]
    for step, amount in steps:
        total = fall.steps[step]
        if total.count or amount:
            refs = ", ".join(f"#{n}" for n in total.numbers[:8]) + ("…" if len(total.numbers) > 8 else "")
            lines.append(
                f"{STEP_LABELS[step]} · {total.count} · {'+' if amount >= 0 else '-'}{money(abs(amount), r)} _{refs}_"
            )
    lines.append(f"*Now* · {fall.end_count} deals · {money(end, r)}")
    head = title or f"What changed · {fall.period.label}"
    return [
        section(
            f"*{head}* (open pipeline expected to close in the period, from {origin})\n" + "\n".join(lines),
            limit=TEXT_MAX,
        )
    ]


def changes_text(result: Changes) -> str:
    start, _, end = result.waterfall.shown()
    r = result.waterfall.reporting
    return f"What changed {result.waterfall.period.label}: {money(start, r)} → {money(end, r)}"


def build_quota_list(entries: list[QuotaEntry]) -> list[dict[str, Any]]:
    if not entries:
        return [
            section("No quotas yet. Managers set them with `/opp quota @user 2027-Q1 250000 [CUR]`.", limit=TEXT_MAX)
        ]
    lines = [
        f"{e.period_key} · {user(e.user_id) if e.user_id else '*Team*'} · {money(e.amount, e.currency)}"
        for e in entries[:80]
    ]
    return [header("Quotas"), section("\n".join(lines), limit=TEXT_MAX)]


def quota_set_text(done: QuotaSet) -> str:
    who = user(done.user_id) if done.user_id else "The team"
    was = f" (was {money(*done.before)})" if done.before else ""
    return f"{who}'s quota for {done.period.label} is now {money(done.amount, done.currency)}{was}."


def adjustment_text(done: AdjustmentSet) -> str:
    was = f" (was {money(done.before, done.currency)})" if done.before is not None else ""
    return (
        f"Adjusted forecast for {user(done.user_id)} in {done.period.label}: {money(done.amount, done.currency)}{was}"
        f" — _{escape(truncate(done.note, 200))}_. It is shown beside their Closed + Commit and kept in snapshots."
    )


def category_text(number: int, before: Category | None, after: Category, by_stage: bool, changed: bool) -> str:
    ref = f"#{number}"
    if not changed:
        return f"Deal {ref} is already in *{after.label}*; nothing changed."
    how = " (following its stage again)" if by_stage else ""
    return f"Deal {ref} now forecasts as *{after.label}*{how}."


def room_text(number: int, channel_id: str, created: bool) -> str:
    if created:
        return (
            f"Made <#{channel_id}> for deal #{number}: its live card is pinned there, and its changes and notes follow."
        )
    return f"Deal #{number} already has a room: <#{channel_id}>."


def _signed_pct(value: Decimal | None) -> str:
    if value is None:
        return "–"
    text = analytics.as_percent(value, 1)
    return f"+{text}" if value > 0 else text


def _accuracy_line(m: MeasureAccuracy, reporting: str) -> str:
    who = user(m.assignee_id) if m.assignee_id else f"*{m.name}*"
    if m.assignee_id and m.adjusted:
        who += " (adjusted)"
    periods = " · ".join(f"{key} {_signed_pct(error)}" for key, error in m.stats.errors)
    line = f"{who}: bias {_signed_pct(m.stats.bias)} · MAPE {analytics.as_percent(m.stats.mape, 1)}"
    if periods:
        line += f"\n   {periods}"
    if m.stats.no_actual:
        line += f"\n   _no Closed-Won in {', '.join(m.stats.no_actual)}: not counted_"
    return line


def build_accuracy_history(history: AccuracyHistory) -> list[dict[str, Any]]:
    """Error % per period ((forecast - actual) / actual), bias and MAPE per measure and per rep."""
    span = f"{history.periods[0].label} – {history.periods[-1].label}"
    blocks = []
    if history.measures:
        lines = [_accuracy_line(m, history.reporting) for m in history.measures]
        blocks.append(section(f"*Accuracy by measure · {span}*\n" + "\n".join(lines), limit=TEXT_MAX))
    if history.reps:
        lines = [_accuracy_line(m, history.reporting) for m in history.reps[:MAX_REPS]]
        blocks.append(
            section("*Accuracy per rep* (Closed + Commit at the period's start)\n" + "\n".join(lines), limit=TEXT_MAX)
        )
    if history.without_snapshot:
        blocks.append(
            context(f"No snapshot with categories for {', '.join(history.without_snapshot)}.", limit=TEXT_MAX)
        )
    return blocks
