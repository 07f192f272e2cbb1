"""The pipeline waterfall: how a period's open pipeline got from its figure then to its figure now, deal by deal.

Pure: it takes each deal's state at the start and at the end and the exchange rate of each moment. Every deal's
difference is split into steps that add up to it exactly, so start + Σ steps = end holds in exact arithmetic; shown
rounded, the steps are rounded cumulatively so that the rounded figures add up too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from oppbot.domain.money import round_to_minor
from oppbot.domain.periods import Period
from oppbot.domain.stages import Stage

HUNDRED = Decimal(100)


class Step(StrEnum):
    NEW = "new"
    REOPENED = "reopened"
    PULLED_IN = "pulled_in"
    VALUE_UP = "value_up"
    VALUE_DOWN = "value_down"
    MOVED_FORWARD = "moved_forward"
    MOVED_BACK = "moved_back"
    WON = "won"
    LOST = "lost"
    SLIPPED = "slipped"
    FX = "fx"
    REMOVED = "removed"


STEPS: tuple[Step, ...] = tuple(Step)


@dataclass(frozen=True, slots=True)
class DealState:
    number: int
    stage: Stage
    amount: Decimal  # in the deal's currency, major units
    currency: str
    probability: int
    expected_close: date | None


Rates = Callable[[str], Decimal | None]  # units of the reporting currency per unit of a currency, None: no rate


@dataclass(slots=True)
class StepTotal:
    step: Step
    count: int = 0
    value: Decimal = Decimal(0)  # exact, signed
    weighted: Decimal = Decimal(0)
    numbers: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Waterfall:
    period: Period
    reporting: str
    start_count: int = 0
    start_value: Decimal = Decimal(0)
    start_weighted: Decimal = Decimal(0)
    end_count: int = 0
    end_value: Decimal = Decimal(0)
    end_weighted: Decimal = Decimal(0)
    entered: int = 0  # deals that came into the period's pipeline (new, reopened, pulled in…)
    left: int = 0  # deals that went out of it (won, lost, slipped…)
    steps: dict[Step, StepTotal] = field(default_factory=lambda: {s: StepTotal(s) for s in STEPS})

    def shown(self, weighted: bool = False) -> tuple[Decimal, list[tuple[Step, Decimal]], Decimal]:
        """(start, [(step, amount)…], end) rounded to the reporting currency so that they add up exactly: each step
        is the difference of the rounded running totals, so start and end are the true figures rounded."""
        start = self.start_weighted if weighted else self.start_value
        running = start
        previous = round_to_minor(start, self.reporting)
        shown = []
        for step in STEPS:
            total = self.steps[step]
            running += total.weighted if weighted else total.value
            now = round_to_minor(running, self.reporting)
            shown.append((step, now - previous))
            previous = now
        return round_to_minor(start, self.reporting), shown, previous


def in_scope(state: DealState | None, period: Period, rates: Rates) -> bool:
    return (
        state is not None
        and state.stage.is_open
        and state.expected_close is not None
        and period.start <= state.expected_close <= period.end
        and rates(state.currency) is not None
    )


def _value(state: DealState, rates: Rates) -> Decimal:
    return state.amount * rates(state.currency)


def _exit_step(end: DealState | None, period: Period, end_rates: Rates) -> Step:
    if end is None:
        return Step.REMOVED
    if end.stage == Stage.CLOSED_WON:
        return Step.WON
    if end.stage == Stage.CLOSED_LOST:
        return Step.LOST
    if end_rates(end.currency) is None:
        return Step.FX
    if end.expected_close is not None and end.expected_close < period.start:
        return Step.PULLED_IN
    return Step.SLIPPED


def _entry_step(start: DealState | None, period: Period, start_rates: Rates) -> Step:
    if start is None:
        return Step.NEW
    if start.stage.is_closed:
        return Step.REOPENED
    if start_rates(start.currency) is None:
        return Step.FX
    if start.expected_close is not None and start.expected_close < period.start:
        return Step.SLIPPED
    return Step.PULLED_IN


def _stayed(
    start: DealState, end: DealState, start_rates: Rates, end_rates: Rates
) -> list[tuple[Step, Decimal, Decimal]]:
    """A deal in the period at both ends: its rate, amount and probability changes, in that order."""
    parts: list[tuple[Step, Decimal, Decimal]] = []
    p0, p1 = Decimal(start.probability), Decimal(end.probability)
    v0, v1 = _value(start, start_rates), _value(end, end_rates)
    if start.currency == end.currency:
        fx = start.amount * (end_rates(end.currency) - start_rates(start.currency))
        if fx:
            parts.append((Step.FX, fx, fx * p0 / HUNDRED))
    else:
        fx = Decimal(0)
    amount = v1 - v0 - fx
    if amount:
        parts.append((Step.VALUE_UP if amount > 0 else Step.VALUE_DOWN, amount, amount * p0 / HUNDRED))
    if p1 != p0 or start.stage != end.stage:
        forward = end.stage.order > start.stage.order or (end.stage == start.stage and p1 > p0)
        parts.append((Step.MOVED_FORWARD if forward else Step.MOVED_BACK, Decimal(0), v1 * (p1 - p0) / HUNDRED))
    return parts


def waterfall(
    start: Mapping[int, DealState],
    end: Mapping[int, DealState],
    period: Period,
    reporting: str,
    start_rates: Rates,
    end_rates: Rates,
) -> Waterfall:
    result = Waterfall(period, reporting)
    for number in sorted(set(start) | set(end)):
        before, after = start.get(number), end.get(number)
        was, now = in_scope(before, period, start_rates), in_scope(after, period, end_rates)
        if was:
            v0 = _value(before, start_rates)
            result.start_count += 1
            result.start_value += v0
            result.start_weighted += v0 * before.probability / HUNDRED
        if now:
            v1 = _value(after, end_rates)
            result.end_count += 1
            result.end_value += v1
            result.end_weighted += v1 * after.probability / HUNDRED
        if was and now:
            parts = _stayed(before, after, start_rates, end_rates)
        elif was:
            result.left += 1
            parts = [(_exit_step(after, period, end_rates), -v0, -v0 * before.probability / HUNDRED)]
        elif now:
            result.entered += 1
            parts = [(_entry_step(before, period, start_rates), v1, v1 * after.probability / HUNDRED)]
        else:
            parts = []
        for step, value, weighted in parts:
            total = result.steps[step]
            total.count += 1
            total.value += value
            total.weighted += weighted
            total.numbers.append(number)
    return result
