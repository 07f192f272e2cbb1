"""Charts as PNG bytes: the pipeline funnel and forecast vs actual. Pure like the Block Kit builders: data in, bytes
out, no Slack and no database. matplotlib with the Agg backend (no display, thread-safe through its object API)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_compact_currency, format_currency

from oppbot import i18n
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.i18n import _, ngettext

WIDTH, HEIGHT, DPI = 9.0, 6.0, 100  # 900 × 600 pixels
UNWEIGHTED, WEIGHTED, WON = "#9ecae1", "#2171b5", "#31a354"


@dataclass(frozen=True, slots=True)
class FunnelStage:
    stage: Stage
    count: int
    value: Decimal
    weighted: Decimal


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    label: str  # "November 2026", "2026-Q4"
    forecast: Decimal  # won so far + weighted open deals closing in the period
    won: Decimal  # what actually closed won


class ChartError(Exception):
    """A chart could not be drawn; callers post their text without it."""


def _locale(locale: str | None) -> str:
    """The CLDR locale amounts are drawn in: the one asked for, else the active language's (en_US in English)."""
    return (locale or str(i18n.babel_locale())).replace("-", "_")


def money_label(amount: Decimal | float, currency: str, locale: str | None) -> str:
    return format_currency(Decimal(str(amount)), currency, locale=_locale(locale))


def axis_label(amount: float, currency: str, locale: str | None) -> str:
    """Compact and in the reader's locale: $1.2M, 1,2 mill. NOK, 1,2 Mio. €."""
    return format_compact_currency(Decimal(str(amount)), currency, locale=_locale(locale), fraction_digits=1)


def _figure():
    from matplotlib.figure import Figure  # Figure + Agg canvas: no pyplot state shared between threads

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    return figure, figure.add_subplot()


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _money_axis(axis, currency: str, locale: str | None) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _pos: axis_label(x, currency, locale)))


def funnel_png(stages: list[FunnelStage], currency: str, *, title: str, locale: str | None = None) -> bytes:
    """Open stages top to bottom: value and weighted value side by side, each bar labelled with its amount. The
    legend and row labels are in the active language; `title` comes translated."""
    try:
        figure, ax = _figure()
        shown = [s for s in stages if s.stage in OPEN_STAGES]
        rows = list(range(len(shown)))[::-1]
        height = 0.38
        ax.barh(
            [r + height / 2 for r in rows], [float(s.value) for s in shown], height, color=UNWEIGHTED, label=_("Value")
        )
        ax.barh(
            [r - height / 2 for r in rows],
            [float(s.weighted) for s in shown],
            height,
            color=WEIGHTED,
            label=_("Weighted"),
        )
        ax.set_yticks(rows, [f"{s.stage.label}\n" + ngettext("{n} deal", "{n} deals", s.count) for s in shown])
        peak = max([float(s.value) for s in shown] + [1.0])
        for r, s in zip(rows, shown, strict=True):
            for offset, amount in ((height / 2, s.value), (-height / 2, s.weighted)):
                ax.text(
                    float(amount) + peak * 0.01,
                    r + offset,
                    money_label(amount, currency, locale),
                    va="center",
                    parse_math=False,
                )
        ax.set_xlim(0, peak * 1.3)
        _money_axis(ax.xaxis, currency, locale)
        ax.set_title(title)
        ax.legend(loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        figure.tight_layout()
        return _png(figure)
    except Exception as exc:  # a chart must never take the text it illustrates down with it
        raise ChartError(str(exc)) from exc


def forecast_png(periods: list[PeriodFigures], currency: str, *, title: str, locale: str | None = None) -> bytes:
    """Per period: the forecast beside what was actually won."""
    try:
        figure, ax = _figure()
        columns = list(range(len(periods)))
        width = 0.38
        ax.bar([c - width / 2 for c in columns], [float(p.forecast) for p in periods], width, color=WEIGHTED)
        ax.bar([c + width / 2 for c in columns], [float(p.won) for p in periods], width, color=WON)
        ax.legend([_("Forecast (won + weighted open)"), _("Won so far")], loc="upper left")
        ax.set_xticks(columns, [p.label for p in periods])
        peak = max([float(p.forecast) for p in periods] + [float(p.won) for p in periods] + [1.0])
        for c, p in zip(columns, periods, strict=True):
            for offset, amount in ((-width / 2, p.forecast), (width / 2, p.won)):
                ax.text(
                    c + offset,
                    float(amount) + peak * 0.01,
                    money_label(amount, currency, locale),
                    ha="center",
                    parse_math=False,
                )
        ax.set_ylim(0, peak * 1.25)
        _money_axis(ax.yaxis, currency, locale)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        figure.tight_layout()
        return _png(figure)
    except Exception as exc:  # as above
        raise ChartError(str(exc)) from exc
