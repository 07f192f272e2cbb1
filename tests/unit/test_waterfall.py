"""The waterfall's identity: start + every step = end, exactly and as shown, over random pairs of pipeline states."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from oppbot.domain.periods import parse_period
from oppbot.domain.stages import Stage
from oppbot.domain.waterfall import STEPS, DealState, Step, in_scope, waterfall

PERIOD = parse_period("2027-Q1", date(2027, 1, 10))
CURRENCIES = ["USD", "EUR", "JPY", "SEK", "KWD"]
DIGITS = {"USD": 2, "EUR": 2, "JPY": 0, "SEK": 2, "KWD": 3}

rate = st.one_of(st.none(), st.decimals(min_value="0.0001", max_value="200", places=4))
rates = st.fixed_dictionaries({c: rate for c in CURRENCIES})


@st.composite
def states(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    minor = draw(st.integers(0, 10**9))
    close = draw(st.one_of(st.none(), st.integers(-120, 200).map(lambda d: PERIOD.start + timedelta(days=d))))
    return lambda number: DealState(
        number,
        draw(st.sampled_from(list(Stage))),
        Decimal(minor).scaleb(-DIGITS[currency]),
        currency,
        draw(st.integers(0, 100)),
        close,
    )


@st.composite
def histories(draw):
    numbers = draw(st.lists(st.integers(1, 60), unique=True, max_size=40))
    start, end = {}, {}
    for n in numbers:
        kind = draw(st.sampled_from(["both", "new", "removed", "same"]))
        a = draw(states())(n)
        if kind in ("both", "removed", "same"):
            start[n] = a
        if kind == "both":
            end[n] = draw(states())(n)
        elif kind in ("new",) or kind == "same":
            end[n] = a
    return start, end


@settings(max_examples=300, deadline=None)
@given(histories(), rates, rates, st.sampled_from(["USD", "JPY", "KWD"]))
def test_start_plus_steps_is_end_exactly_and_as_shown(history, r0, r1, reporting):
    """In a reporting currency of two, no or three decimals: shown figures rounded to its minor units add up."""
    start, end = history
    r0, r1 = {**r0, reporting: Decimal(1)}, {**r1, reporting: Decimal(1)}
    unit = Decimal(1).scaleb(-DIGITS[reporting])
    result = waterfall(start, end, PERIOD, reporting, r0.get, r1.get)
    for weighted in (False, True):
        pick = (lambda s: s.weighted) if weighted else (lambda s: s.value)
        begin = result.start_weighted if weighted else result.start_value
        finish = result.end_weighted if weighted else result.end_value
        assert begin + sum((pick(result.steps[s]) for s in STEPS), Decimal(0)) == finish
        shown_start, shown_steps, shown_end = result.shown(weighted)
        assert shown_start + sum(amount for _, amount in shown_steps) == shown_end
        assert shown_end == finish.quantize(unit) and shown_end.as_tuple().exponent == unit.as_tuple().exponent
        assert shown_start == begin.quantize(unit)
    # counts: every deal entering or leaving the period is counted once, in one step
    assert result.start_count + result.entered - result.left == result.end_count
    moved = sum(result.steps[s].count for s in (Step.NEW, Step.REOPENED, Step.WON, Step.LOST, Step.REMOVED))
    assert moved <= result.entered + result.left
    assert result.start_count == sum(in_scope(s, PERIOD, r0.get) for s in start.values())
    assert result.end_count == sum(in_scope(s, PERIOD, r1.get) for s in end.values())


def test_a_deal_pushed_out_of_the_period_is_slipped_and_one_won_is_won():
    r = {"USD": Decimal(1)}.get
    inside = DealState(1, Stage.PROPOSAL, Decimal("100.00"), "USD", 50, PERIOD.start)
    later = DealState(1, Stage.PROPOSAL, Decimal("100.00"), "USD", 50, PERIOD.end + timedelta(days=1))
    won = DealState(2, Stage.CLOSED_WON, Decimal("40.00"), "USD", 100, PERIOD.start)
    bigger = DealState(3, Stage.NEGOTIATION, Decimal("70.00"), "USD", 75, PERIOD.end)
    start = {1: inside, 2: DealState(2, Stage.NEGOTIATION, Decimal("40.00"), "USD", 75, PERIOD.start)}
    start[3] = DealState(3, Stage.PROPOSAL, Decimal("50.00"), "USD", 50, PERIOD.end)
    result = waterfall(start, {1: later, 2: won, 3: bigger}, PERIOD, "USD", r, r)
    assert (result.steps[Step.SLIPPED].count, result.steps[Step.SLIPPED].value) == (1, Decimal("-100.00"))
    assert (result.steps[Step.WON].count, result.steps[Step.WON].value) == (1, Decimal("-40.00"))
    assert result.steps[Step.VALUE_UP].value == Decimal("20.00")
    assert result.steps[Step.MOVED_FORWARD].numbers == [3]
    assert result.steps[Step.MOVED_FORWARD].weighted == Decimal("70.00") * Decimal("0.25")
    assert (result.start_value, result.end_value) == (Decimal("190.00"), Decimal("70.00"))
