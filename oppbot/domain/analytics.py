"""Pure maths for analytics: win rate, median, conversion, probability bands for calibration."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal

from oppbot import i18n

BAND_EDGES: tuple[tuple[int, int], ...] = ((0, 20), (21, 40), (41, 60), (61, 80), (81, 100))


def ratio(part: int, whole: int) -> Decimal | None:
    """part / whole as an exact Decimal fraction, None when there is nothing to divide by."""
    return Decimal(part) / Decimal(whole) if whole else None


def win_rate(won: int, lost: int) -> Decimal | None:
    return ratio(won, won + lost)


def median(values: Iterable[Decimal | int | float]) -> Decimal | None:
    ordered = sorted(Decimal(v) if not isinstance(v, Decimal) else v for v in values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(total: Decimal, count: int) -> Decimal | None:
    return total / Decimal(count) if count else None


def band_of(probability: int) -> int:
    """Index into BAND_EDGES of the band holding `probability` (0–20, 21–40, 41–60, 61–80, 81–100)."""
    for index, (low, high) in enumerate(BAND_EDGES):
        if low <= probability <= high:
            return index
    raise ValueError(f"probability {probability} outside 0–100")


def _english() -> bool:
    return i18n.current() in (i18n.DEFAULT, i18n.PSEUDO)


def band_label(index: int) -> str:
    """'0–20%' (English), '0–20 %' (Norwegian, as CLDR writes a percentage)."""
    low, high = BAND_EDGES[index]
    if _english():
        return f"{low}–{high}%"
    return f"{low}–{i18n.percent(high)}"


def as_percent(fraction: Decimal | None, places: int = 0) -> str:
    if fraction is None:
        return "–"
    value = (fraction * 100).quantize(Decimal(1).scaleb(-places))
    if _english():
        return f"{value}%"
    # The same digits in the active language's number form ('12,5 %'), the places kept ('40,0 %').
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return f"{format_decimal(value, format=pattern, locale=i18n.babel_locale())}\u00a0%"


@dataclass(frozen=True, slots=True)
class Calibration:
    """How often deals actually won from a stage or band, beside the probability reps had entered."""

    label: str
    samples: int
    won: int
    probability_sum: int

    @property
    def actual(self) -> Decimal | None:
        return ratio(self.won, self.samples)

    @property
    def entered(self) -> Decimal | None:
        """Average entered probability as a fraction (0.5 for 50%)."""
        return ratio(self.probability_sum, self.samples * 100)


def seconds_to_days(seconds: Sequence[float]) -> list[Decimal]:
    return [Decimal(str(s)) / Decimal(86400) for s in seconds]


@dataclass(frozen=True, slots=True)
class ErrorStats:
    """A forecast measured against what happened, over several periods.

    error % = (forecast - actual) / actual per period whose actual is above zero; bias is their mean (positive:
    forecasts ran high), MAPE the mean of their sizes. Periods with no actual are kept apart, never divided by.
    """

    errors: tuple[tuple[str, Decimal], ...]  # (period key, error as a fraction)
    no_actual: tuple[str, ...]
    bias: Decimal | None
    mape: Decimal | None


def error_stats(points: Sequence[tuple[str, Decimal, Decimal]]) -> ErrorStats:
    """`points`: (period key, forecast, actual)."""
    errors = tuple((key, (forecast - actual) / actual) for key, forecast, actual in points if actual > 0)
    no_actual = tuple(key for key, _forecast, actual in points if actual <= 0)
    n = len(errors)
    bias = sum((e for _, e in errors), Decimal(0)) / n if n else None
    mape = sum((abs(e) for _, e in errors), Decimal(0)) / n if n else None
    return ErrorStats(errors, no_actual, bias, mape)
