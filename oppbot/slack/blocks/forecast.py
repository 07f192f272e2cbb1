"""Pure Block Kit builders for forecast, pipeline (reporting currency), stats, exchange rates and accuracy."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from oppbot import i18n
from oppbot.domain import analytics
from oppbot.domain.categories import Category
from oppbot.domain.fx import RateTable, format_rate, rounded
from oppbot.domain.waterfall import Step
from oppbot.i18n import N_, _, ngettext
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
from oppbot.slack.blocks.common import bold, context, header, section
from oppbot.slack.text import escape, money, truncate, user

MAX_BLOCKS = 50
TEXT_MAX = 2900


def _english() -> bool:
    return i18n.current() in (i18n.DEFAULT, i18n.PSEUDO)


def _short_day(value: date, english: str, cldr: str) -> str:
    """A date as oppbot always wrote it in English (`english`, strftime), else in the CLDR pattern `cldr`."""
    return value.strftime(english) if _english() else i18n.day(value, format=cldr)


def _decimal(value: Decimal) -> str:
    """A small decimal (days, coverage) as the reader writes it: `2.5` in English, `2,5` in Norwegian."""
    return str(value) if _english() else i18n.number(value)


def _moment_utc(value: datetime) -> str:
    return value.strftime("%-d %b %Y %H:%M UTC") if _english() else i18n.moment(value, "UTC")


def _weighted(amount: str) -> str:
    return _("weighted {amount}", amount=amount)


def _stage_lines(section: Section) -> str:
    r = section.reporting
    lines = [
        f"*{line.stage.label}* · {line.count} · {money(rounded(line.value, r), r)} · "
        + _weighted(money(rounded(line.weighted, r), r))
        for line in section.stages
    ]
    lines.append(
        bold(_("Total"))
        + f" · {section.count} · {money(section.value, r)} · "
        + _weighted(bold(money(section.weighted, r)))
    )
    return "\n".join(lines)


def _rates_and_missing(result: Forecast) -> list[dict[str, Any]]:
    blocks = []
    if result.rates_used:
        rates = ", ".join(
            f"1 {r.currency} = {format_rate(r.rate)} {result.reporting} "
            + _("(from {date})", date=r.effective_date.isoformat())
            for r in result.rates_used
        )
        blocks.append(context(_("Rates used: {rates}", rates=rates), limit=TEXT_MAX))
    if result.missing_total:
        rows = [
            f"{m.ref} {escape(truncate(m.title, 60))} · {money(m.amount, m.currency)} ({m.section})"
            for m in result.missing[:15]
        ]
        more = result.missing_total - len(rows)
        if more > 0:
            rows.append(ngettext("…and {n} more", "…and {n} more", more))
        heading = ngettext(
            ":warning: *{n} deal(s) not included: no exchange rate* (set one with `/opp fx set <CUR> <rate>`)",
            ":warning: *{n} deal(s) not included: no exchange rate* (set one with `/opp fx set <CUR> <rate>`)",
            result.missing_total,
        )
        blocks.append(section(heading + "\n" + "\n".join(rows), limit=TEXT_MAX))
    return blocks


def build_forecast(
    result: Forecast, *, show_currencies: bool = False, board: Board | None = None
) -> list[dict[str, Any]]:
    r = result.reporting
    if result.period is None:
        title = _("Pipeline in {currency}", currency=r)
        blocks = [header(title), section(_stage_lines(result.open), limit=TEXT_MAX)]
        if result.overdue.count:
            overdue = ngettext("{n} overdue", "{n} overdue", result.overdue.count)
            blocks.append(context(f"{overdue} · " + _weighted(money(result.overdue.weighted, r)), limit=TEXT_MAX))
    else:
        start = _short_day(result.period.start, "%-d %b", "d. MMM")
        end = _short_day(result.period.end, "%-d %b %Y", "d. MMM y")
        if result.assignee_id:
            intro = _(
                "Open deals expected to close {start}–{end} for {user}:",
                start=start,
                end=end,
                user=user(result.assignee_id),
            )
        else:
            intro = _("Open deals expected to close {start}–{end}:", start=start, end=end)
        blocks = [
            header(_("Forecast · {period}", period=result.period.label)),
            section(f"{intro}\n{_stage_lines(result.open)}", limit=TEXT_MAX),
            section(
                bold(_("Closed-Won (actual)")) + f" · {result.won.count} · *{money(result.won.value, r)}*",
                limit=TEXT_MAX,
            ),
            section(
                bold(_("Overdue, carried in"))
                + f" · {result.overdue.count} · {money(result.overdue.value, r)} · "
                + _weighted(money(result.overdue.weighted, r)),
                limit=TEXT_MAX,
            ),
        ]
        if board is not None:
            blocks.extend(build_board(board))
    if show_currencies and result.open.by_currency:
        no_rate = " (" + _("no rate") + ")"
        blocks.append(
            section(
                bold(_("By currency"))
                + "\n"
                + "\n".join(
                    f"{c.currency}: {c.count} · {money(c.value, c.currency)}"
                    + (no_rate if c.converted_value is None else f" ≈ {money(c.converted_value, r)}")
                    for c in result.open.by_currency
                ),
                limit=TEXT_MAX,
            )
        )
    blocks.extend(_rates_and_missing(result))
    return blocks[:MAX_BLOCKS]


def forecast_text(result: Forecast) -> str:
    r = result.reporting
    label = result.period.label if result.period else _("pipeline")
    return _(
        "Forecast {period}: weighted {weighted}, won {won}",
        period=label,
        weighted=money(result.open.weighted, r),
        won=money(result.won.value, r),
    )


def _pct(value: Decimal | None) -> str:
    return analytics.as_percent(value)


def _days(value: Decimal | None) -> str:
    return "–" if value is None else _("{days} d", days=_decimal(value.quantize(Decimal("0.1"))))


def build_stats(result: Stats) -> list[dict[str, Any]]:
    r = result.reporting
    period = result.period.label if result.period else _("all time")
    avg = money(result.average_won, r) if result.average_won is not None else "–"
    med = money(result.median_won, r) if result.median_won is not None else "–"
    summary = "\n".join(
        (
            bold(_("Win rate"))
            + " "
            + _("{rate} ({won} won, {lost} lost)", rate=_pct(result.win_rate), won=result.won, lost=result.lost),
            bold(_("Won deal size")) + " " + _("average {average} · median {median}", average=avg, median=med),
            bold(_("Sales cycle")) + " " + _("median {days}", days=_days(result.median_cycle_days)),
        )
    )
    if result.missing_rate_won:
        summary += "\n" + ngettext(
            "_{n} won deal(s) without a rate left out of sizes_",
            "_{n} won deal(s) without a rate left out of sizes_",
            result.missing_rate_won,
        )
    blocks = [
        header(_("Stats · {period}", period=period)),
        section(summary, limit=TEXT_MAX),
        section(
            bold(_("Stage conversion · median time in stage"))
            + "\n"
            + "\n".join(
                f"{c.stage.label}: "
                + _("{rate} of {entered} moved on", rate=_pct(c.rate), entered=c.entered)
                + f" · {_days(result.time_in_stage.get(c.stage))}"
                for c in result.conversion
            ),
            limit=TEXT_MAX,
        ),
    ]
    if result.loss_reasons:
        lines = []
        for stage, reasons in result.loss_reasons.items():
            name = stage.label if stage else _("Unknown stage")
            lines.append(f"{name}: " + ", ".join(f"{escape(k)} {v}" for k, v in sorted(reasons.items())))
        blocks.append(section(bold(_("Loss reasons by stage")) + "\n" + "\n".join(lines), limit=TEXT_MAX))
    blocks.append(
        section(
            bold(_("Calibration"))
            + " "
            + _("(won from here · probability entered · deals)")
            + "\n"
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
                bold(_("Workload")) + "\n" + "\n".join(_workload_line(w, r) for w in result.workload[:30]),
                limit=TEXT_MAX,
            )
        )
    return blocks[:MAX_BLOCKS]


def _workload_line(w: Any, r: str) -> str:
    line = (
        user(w.assignee_id, nobody=_("unassigned"))
        + ": "
        + ngettext("{n} open", "{n} open", w.open_count)
        + f" · {money(rounded(w.value, r), r)} · "
        + _weighted(money(rounded(w.weighted, r), r))
        + " · "
        + ngettext("{n} stale", "{n} stale", w.stale)
    )
    if w.missing:
        line += " · " + ngettext("{n} without rate", "{n} without rate", w.missing)
    return line


def build_fx_list(table: RateTable) -> list[dict[str, Any]]:
    rates = table.all()
    if not rates:
        body = _(
            "No exchange rates yet. Reporting currency: *{currency}*.\n`/opp fx set EUR 1.10` sets one.",
            currency=table.reporting,
        )
        return [section(body, limit=TEXT_MAX)]
    lines = [
        f"1 {r.currency} = {format_rate(r.rate)} {table.reporting} "
        + _("from {date}", date=r.effective_date.isoformat())
        for r in rates[-40:]
    ]
    return [
        header(_("Exchange rates into {currency}", currency=table.reporting)),
        section("\n".join(lines), limit=TEXT_MAX),
    ]


def build_accuracy(result: Accuracy) -> list[dict[str, Any]]:
    r = result.reporting
    if result.snapshot is None:
        text = _(
            "No forecast snapshot for {period}. Actual Closed-Won: {amount} ({count}).",
            period=result.period.label,
            amount=money(result.actual_won, r),
            count=result.actual_count,
        )
        return [section(text, limit=TEXT_MAX)]
    ratio = "–" if result.ratio is None else analytics.as_percent(result.ratio)
    deals = ngettext("{n} deal", "{n} deals", result.actual_count)
    text = "\n".join(
        (
            bold(_("Forecast vs actual · {period}", period=result.period.label)),
            _(
                "Forecast (weighted, {snapshot} snapshot): {amount}",
                snapshot=result.snapshot.label,
                amount=money(result.forecast_weighted, r),
            ),
            _(
                "Actual Closed-Won: {amount} ({deals}) · {ratio} of forecast",
                amount=money(result.actual_won, r),
                deals=deals,
                ratio=ratio,
            ),
        )
    )
    blocks = [section(text, limit=TEXT_MAX)]
    if result.missing:
        missing = ngettext(
            "{n} won deal(s) without an exchange rate are not included.",
            "{n} won deal(s) without an exchange rate are not included.",
            result.missing,
        )
        blocks.append(context(missing, limit=TEXT_MAX))
    return blocks


# --- forecast categories, quotas, adjustments, what changed ----------------------------------------------------------

STEP_LABELS = {
    Step.NEW: N_("New deals"),
    Step.REOPENED: N_("Reopened"),
    Step.PULLED_IN: N_("Close date pulled in"),
    Step.VALUE_UP: N_("Value up"),
    Step.VALUE_DOWN: N_("Value down"),
    Step.MOVED_FORWARD: N_("Moved forward"),
    Step.MOVED_BACK: N_("Moved back"),
    Step.WON: N_("Won"),
    Step.LOST: N_("Lost"),
    Step.SLIPPED: N_("Slipped (close date pushed out)"),
    Step.FX: N_("Exchange rates"),
    Step.REMOVED: N_("Removed"),
}
MAX_REPS = 25


def _r(amount: Decimal | None, currency: str) -> str:
    return "–" if amount is None else money(rounded(amount, currency), currency)


def category_lines(board: Board) -> str:
    r = board.reporting
    lines = [
        f"*{line.category.label}* · {line.count} · {_r(line.value, r)} · " + _weighted(_r(line.weighted, r))
        for line in board.categories
    ]
    total = board.total
    lines.append(bold(_("Closed + Commit")) + f" · {_r(total.closed_commit, r)}")
    lines.append(bold(_("Closed + Commit + Best case")) + f" · {_r(total.closed_commit_best, r)}")
    return "\n".join(lines)


def rep_line(line: RepLine, reporting: str) -> str:
    r = reporting
    who = bold(_("Total")) if line.is_total else user(line.assignee_id, nobody=_("unassigned"))
    text = f"{who} · " + _(
        "closed {closed} · commit {commit} · C+C {closed_commit}",
        closed=_r(line.closed, r),
        commit=_r(line.commit, r),
        closed_commit=_r(line.closed_commit, r),
    )
    if line.adjusted is not None:
        note = escape(truncate(line.adjusted.note, 80))
        text += " · " + _("adjusted *{amount}* _({note})_", amount=_r(line.adjusted.amount, r), note=note)
    if line.quota is not None:
        text += "\n   " + _quota_text(line, r)
    return text


def _quota_text(line: RepLine, r: str) -> str:
    coverage = _("met") if line.coverage is None else f"{_decimal(line.coverage.quantize(Decimal('0.01')))}×"
    gap = line.gap
    gap_text = _("gap {amount}", amount=_r(gap, r)) if gap > 0 else _("ahead by {amount}", amount=_r(-gap, r))
    return _(
        "quota {quota} · attainment {attainment} · coverage {coverage} · {gap}",
        quota=_r(line.quota, r),
        attainment=analytics.as_percent(line.attainment),
        coverage=coverage,
        gap=gap_text,
    )


def build_board(board: Board) -> list[dict[str, Any]]:
    """Per category, then per rep with quota, attainment, coverage and gap; beside build_forecast's stage view."""
    heading = bold(_("By forecast category · {period}", period=board.period.label))
    blocks = [section(f"{heading}\n{category_lines(board)}", limit=TEXT_MAX)]
    reps = [rep_line(line, board.reporting) for line in board.reps[:MAX_REPS]]
    reps.append(rep_line(board.total, board.reporting))
    blocks.append(section(bold(_("Per rep")) + "\n" + "\n".join(reps), limit=TEXT_MAX))
    notes = []
    if len(board.reps) > MAX_REPS:
        notes.append(ngettext("…and {n} more reps", "…and {n} more reps", len(board.reps) - MAX_REPS))
    if board.missing_quota_rates:
        currencies = ", ".join(sorted(set(board.missing_quota_rates)))
        notes.append(
            _(
                "Quotas in {currencies} left out: no exchange rate on {date}",
                currencies=currencies,
                date=board.quota_rate_day.isoformat(),
            )
        )
    if notes:
        blocks.append(context(" · ".join(notes), limit=TEXT_MAX))
    return blocks


def build_changes(result: Changes, *, title: str | None = None) -> list[dict[str, Any]]:
    fall = result.waterfall
    r = fall.reporting
    since = _moment_utc(result.since)
    start, steps, end = fall.shown()
    # "deals" even for one: the English text always said so; the catalog's plural forms say it right.
    start_deals = ngettext("{n} deals", "{n} deals", fall.start_count)
    lines = [bold(_("Start")) + f" ({since}) · {start_deals} · {money(start, r)}"]
    for step, amount in steps:
        total = fall.steps[step]
        if total.count or amount:
            refs = ", ".join(f"#{n}" for n in total.numbers[:8]) + ("…" if len(total.numbers) > 8 else "")
            label = _(STEP_LABELS[step])
            lines.append(f"{label} · {total.count} · {'+' if amount >= 0 else '-'}{money(abs(amount), r)} _{refs}_")
    end_deals = ngettext("{n} deals", "{n} deals", fall.end_count)
    lines.append(bold(_("Now")) + f" · {end_deals} · {money(end, r)}")
    head = bold(title or _("What changed · {period}", period=fall.period.label))
    if result.source == "digest":
        scope = _("(open pipeline expected to close in the period, from the last weekly digest)")
    else:
        scope = _("(open pipeline expected to close in the period, from the history)")
    return [section(f"{head} {scope}\n" + "\n".join(lines), limit=TEXT_MAX)]


def changes_text(result: Changes) -> str:
    start, _steps, end = result.waterfall.shown()
    r = result.waterfall.reporting
    return _(
        "What changed {period}: {start} → {end}",
        period=result.waterfall.period.label,
        start=money(start, r),
        end=money(end, r),
    )


def build_quota_list(entries: list[QuotaEntry]) -> list[dict[str, Any]]:
    if not entries:
        text = _("No quotas yet. Managers set them with `/opp quota @user 2027-Q1 250000 [CUR]`.")
        return [section(text, limit=TEXT_MAX)]
    team = bold(_("Team"))
    lines = [
        f"{e.period_key} · {user(e.user_id) if e.user_id else team} · {money(e.amount, e.currency)}"
        for e in entries[:80]
    ]
    return [header(_("Quotas")), section("\n".join(lines), limit=TEXT_MAX)]


def quota_set_text(done: QuotaSet) -> str:
    amount = money(done.amount, done.currency)
    period = done.period.label
    if done.user_id:
        text = _("{user}'s quota for {period} is now {amount}", user=user(done.user_id), period=period, amount=amount)
    else:
        text = _("The team's quota for {period} is now {amount}", period=period, amount=amount)
    was = (" " + _("(was {amount})", amount=money(*done.before))) if done.before else ""
    return f"{text}{was}."


def adjustment_text(done: AdjustmentSet) -> str:
    was = (" " + _("(was {amount})", amount=money(done.before, done.currency))) if done.before is not None else ""
    head = _(
        "Adjusted forecast for {user} in {period}: {amount}",
        user=user(done.user_id),
        period=done.period.label,
        amount=money(done.amount, done.currency),
    )
    tail = _(
        "_{note}_. It is shown beside their Closed + Commit and kept in snapshots.",
        note=escape(truncate(done.note, 200)),
    )
    return f"{head}{was} — {tail}"


def category_text(number: int, before: Category | None, after: Category, by_stage: bool, changed: bool) -> str:
    ref = f"#{number}"
    if not changed:
        return _("Deal {ref} is already in *{category}*; nothing changed.", ref=ref, category=after.label)
    if by_stage:
        return _("Deal {ref} now forecasts as *{category}* (following its stage again).", ref=ref, category=after.label)
    return _("Deal {ref} now forecasts as *{category}*.", ref=ref, category=after.label)


def room_text(number: int, channel_id: str, created: bool) -> str:
    if created:
        return _(
            "Made {channel} for deal #{number}: its live card is pinned there, and its changes and notes follow.",
            channel=f"<#{channel_id}>",
            number=number,
        )
    return _("Deal #{number} already has a room: {channel}.", number=number, channel=f"<#{channel_id}>")


def _signed_pct(value: Decimal | None) -> str:
    if value is None:
        return "–"
    text = analytics.as_percent(value, 1)
    return f"+{text}" if value > 0 else text


def _accuracy_line(m: MeasureAccuracy, reporting: str) -> str:
    who = user(m.assignee_id) if m.assignee_id else f"*{m.name}*"
    if m.assignee_id and m.adjusted:
        who += " (" + _("adjusted") + ")"
    periods = " · ".join(f"{key} {_signed_pct(error)}" for key, error in m.stats.errors)
    line = f"{who}: " + _(
        "bias {bias} · MAPE {mape}", bias=_signed_pct(m.stats.bias), mape=analytics.as_percent(m.stats.mape, 1)
    )
    if periods:
        line += f"\n   {periods}"
    if m.stats.no_actual:
        line += "\n   " + _("_no Closed-Won in {periods}: not counted_", periods=", ".join(m.stats.no_actual))
    return line


def build_accuracy_history(history: AccuracyHistory) -> list[dict[str, Any]]:
    """Error % per period ((forecast - actual) / actual), bias and MAPE per measure and per rep."""
    span = f"{history.periods[0].label} – {history.periods[-1].label}"
    blocks = []
    if history.measures:
        lines = [_accuracy_line(m, history.reporting) for m in history.measures]
        heading = bold(_("Accuracy by measure · {span}", span=span))
        blocks.append(section(heading + "\n" + "\n".join(lines), limit=TEXT_MAX))
    if history.reps:
        lines = [_accuracy_line(m, history.reporting) for m in history.reps[:MAX_REPS]]
        heading = bold(_("Accuracy per rep")) + " " + _("(Closed + Commit at the period's start)")
        blocks.append(section(heading + "\n" + "\n".join(lines), limit=TEXT_MAX))
    if history.without_snapshot:
        text = _("No snapshot with categories for {periods}.", periods=", ".join(history.without_snapshot))
        blocks.append(context(text, limit=TEXT_MAX))
    return blocks
