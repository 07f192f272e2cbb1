"""Property tests: the parsers of typed text return a valid value or InvalidInput, never another exception."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from oppbot.domain.errors import InvalidInput
from oppbot.domain.money import MAX_AMOUNT, minor_units, parse_amount
from oppbot.domain.refs import parse_ref
from oppbot.domain.stages import Stage, parse_stage

CURRENCIES = st.sampled_from(["USD", "NOK", "JPY", "KWD", "EUR"])
# Arbitrary text, plus text built from the characters amounts are made of, so the parser's inner paths are reached.
AMOUNT_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,_ '-+eEkKmMnNaIifty$€¥", max_size=30),
    st.from_regex(r"\A-?[0-9]{0,20}(\.[0-9]{0,40})?([eE]-?[0-9]{1,10})?[kKmM]?\Z"),
)


@settings(max_examples=200, deadline=None)
@given(raw=AMOUNT_TEXT, currency=CURRENCIES)
def test_parse_amount_returns_a_valid_amount_or_invalid_input(raw, currency):
    try:
        amount = parse_amount(raw, currency)
    except InvalidInput as exc:
        assert set(exc.errors) == {"value"}
        return
    assert isinstance(amount, Decimal) and amount.is_finite()
    assert Decimal(0) <= amount < MAX_AMOUNT
    assert amount.as_tuple().exponent == -minor_units(currency)


@settings(max_examples=200, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_a_well_formed_amount_is_read_back_exactly(amount):
    assert parse_amount(str(amount), "USD") == amount


@settings(max_examples=150, deadline=None)
@given(raw=st.one_of(st.text(), st.from_regex(r"\A\s*(#|opp-?|OPP-?)?\s*-?[0-9]{0,12}\s*\Z")))
def test_parse_ref_returns_a_positive_number_or_invalid_input(raw):
    try:
        number = parse_ref(raw)
    except InvalidInput as exc:
        assert set(exc.errors) == {"ref"}
        return
    assert isinstance(number, int) and 0 < number < 10**9


@settings(max_examples=150, deadline=None)
@given(raw=st.one_of(st.text(), st.sampled_from([s.value for s in Stage]).map(str.upper)))
def test_parse_stage_returns_a_stage_or_invalid_input(raw):
    try:
        stage = parse_stage(raw)
    except InvalidInput as exc:
        assert set(exc.errors) == {"stage"}
        return
    assert isinstance(stage, Stage)
