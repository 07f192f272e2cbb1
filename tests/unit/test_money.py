"""Money: exact decimals in the currency's minor units, ISO 4217 codes, and amounts as people type them."""

from decimal import Decimal

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.money import Money, format_amount, minor_units, normalise_currency, parse_amount, weighted_value


@pytest.mark.parametrize("code, digits", [("NOK", 2), ("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_each_currency_has_its_own_minor_units(code, digits):
    assert minor_units(code) == digits


@pytest.mark.parametrize("typed, code", [("nok", "NOK"), (" usd ", "USD"), ("Eur", "EUR"), ("JPY", "JPY")])
def test_a_currency_code_is_trimmed_and_upper_cased(typed, code):
    assert normalise_currency(typed) == code


@pytest.mark.parametrize("typed", ["XYZ", "DOLLARS", "US", "€", "12"])
def test_a_code_that_is_not_iso_4217_is_refused(typed):
    with pytest.raises(InvalidInput) as exc:
        normalise_currency(typed)
    assert set(exc.value.errors) == {"currency"}
    assert "ISO 4217" in exc.value.message


@pytest.mark.parametrize("typed", ["", "  ", None])
def test_a_missing_currency_asks_for_one(typed):
    with pytest.raises(InvalidInput, match="Choose a currency"):
        normalise_currency(typed)


@pytest.mark.parametrize(
    "typed, code, amount",
    [
        ("50000", "NOK", Decimal("50000.00")),
        ("50,000.00", "USD", Decimal("50000.00")),
        ("12 500", "NOK", Decimal("12500.00")),
        ("1_000_000", "USD", Decimal("1000000.00")),
        ("1'234.5", "EUR", Decimal("1234.50")),
        ("1.5k", "USD", Decimal("1500.00")),
        ("2M", "USD", Decimal("2000000.00")),
        ("1200", "JPY", Decimal("1200")),
        ("1.234", "KWD", Decimal("1.234")),
        ("$12.50", "USD", Decimal("12.50")),
        ("NOK 500", "NOK", Decimal("500.00")),
        ("0", "USD", Decimal("0.00")),
    ],
)
def test_amounts_are_read_as_people_type_them(typed, code, amount):
    parsed = parse_amount(typed, code)
    assert parsed == amount
    assert parsed.as_tuple().exponent == -minor_units(code)


def test_twelve_and_a_half_yen_is_refused_not_rounded():
    with pytest.raises(InvalidInput, match="JPY has no minor units"):
        parse_amount("12.5", "JPY")


def test_three_decimals_of_kroner_are_refused_not_rounded():
    with pytest.raises(InvalidInput, match="NOK has 2 decimals at most"):
        parse_amount("1.234", "NOK")


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-5", "can't be negative"),
        ("-0.01", "can't be negative"),
        ("NaN", "Enter an amount"),
        ("sNaN", "Enter an amount"),
        ("Infinity", "Enter an amount"),
        ("-Infinity", "Enter an amount"),
        ("", "Enter an amount"),
        ("   ", "Enter an amount"),
        ("k", "Enter an amount"),
        ("abc", "is not a number"),
        ("1e15", "too large"),
        ("1000000000000000", "too large"),
        ("9e999999k", "too large"),
        ("1e999999999", "too large"),
    ],
)
def test_bad_amounts_are_refused_with_a_message_on_the_value_field(typed, message):
    with pytest.raises(InvalidInput) as exc:
        parse_amount(typed, "USD")
    assert set(exc.value.errors) == {"value"}
    assert message in exc.value.message


@pytest.mark.parametrize(
    "typed", ["1.00000000000000000000000000001", "1e-999999999", "0.0000000000000000000000000000000001k"]
)
def test_digits_beyond_the_minor_units_are_refused_however_many_there_are(typed):
    # Decimal's 28-digit context must never silently round such an input to a valid-looking amount.
    with pytest.raises(InvalidInput):
        parse_amount(typed, "USD")


def test_the_error_is_keyed_by_the_field_the_caller_names():
    with pytest.raises(InvalidInput) as exc:
        parse_amount("-1", "USD", field="unit_price")
    assert set(exc.value.errors) == {"unit_price"}


def test_weighted_value_is_exact_decimal_arithmetic():
    assert weighted_value(Decimal("33.33"), 15) == Decimal("4.9995")
    assert str(weighted_value(Decimal("33.33"), 15)) == "4.9995"
    assert Money.of("33.33", "USD").weighted(15) == Decimal("4.9995")
    assert weighted_value(Decimal("0.01"), 1) == Decimal("0.0001")
    assert weighted_value(Decimal("999999999999999.99"), 99) == Decimal("989999999999999.9901")


def test_money_is_shown_with_its_code_first_in_its_minor_units():
    assert str(Money.of("12500", "NOK")) == "NOK 12,500.00"
    assert format_amount(Decimal("1200"), "JPY") == "JPY 1,200"
    assert format_amount(Decimal("1.2345"), "KWD") == "KWD 1.234"
