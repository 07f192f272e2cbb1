"""Conversion rules and analytics maths, without a database."""

from datetime import date
from decimal import Decimal

import pytest

from oppbot.domain import analytics
from oppbot.domain.errors import InvalidInput
from oppbot.domain.fx import (
    Rate,
    RateTable,
    convert,
    parse_rate,
    rounded,
    to_major,
    validate_rate_currency,
    weighted_major,
)

TABLE = RateTable(
    "USD",
    [
        Rate("EUR", Decimal("1.10"), date(2026, 1, 1)),
        Rate("EUR", Decimal("1.20"), date(2026, 6, 1)),
        Rate("JPY", Decimal("0.0067"), date(2026, 3, 1)),
    ],
)


def test_the_rate_on_a_day_is_the_latest_effective_on_or_before_it():
    assert TABLE.rate_on("EUR", date(2026, 5, 31)).rate == Decimal("1.10")
    assert TABLE.rate_on("EUR", date(2026, 6, 1)).rate == Decimal("1.20")
    assert TABLE.rate_on("EUR", date(2025, 12, 31)) is None


def test_the_reporting_currency_converts_at_one_and_unknown_currencies_have_no_rate():
    assert TABLE.rate_on("USD", date(2000, 1, 1)).rate == 1
    assert TABLE.rate_on("NOK", date(2026, 6, 1)) is None


def test_change_points_are_the_rate_dates_inside_a_range():
    assert TABLE.change_points(date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 3, 1), date(2026, 6, 1)]
    assert TABLE.change_points(None, None) == [date(2026, 1, 1), date(2026, 3, 1), date(2026, 6, 1)]


def test_amounts_convert_exactly_and_round_half_even_only_at_the_end():
    parts = [convert(to_major(5, "EUR"), TABLE.rate_on("EUR", date(2026, 1, 2)))] * 3  # 0.05 EUR × 1.10 = 0.055
    assert sum(parts) == Decimal("0.1650")
    assert rounded(sum(parts), "USD") == Decimal("0.16")  # half-even: .165 → .16
    assert rounded(parts[0], "USD") * 3 == Decimal("0.18")  # rounding each would drift


def test_minor_units_follow_the_currency():
    assert to_major(1200, "JPY") == Decimal(1200)
    assert to_major(1250, "NOK") == Decimal("12.50")
    assert weighted_major(1250 * 75, "NOK") == Decimal("9.375")


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "", "1e12", "1.00000000001"])
def test_bad_rates_are_refused(raw):
    with pytest.raises(InvalidInput):
        parse_rate(raw)


def test_rates_parse_with_a_comma_or_a_point():
    assert parse_rate("1,10") == Decimal("1.10")
    assert parse_rate("0.0067") == Decimal("0.0067")


def test_the_reporting_currency_cannot_be_given_a_rate():
    with pytest.raises(InvalidInput):
        validate_rate_currency("usd", "USD")
    assert validate_rate_currency("eur", "USD") == "EUR"


def test_win_rate_median_and_bands():
    assert analytics.win_rate(3, 1) == Decimal("0.75")
    assert analytics.win_rate(0, 0) is None
    assert analytics.median([3, 1, 2]) == 2
    assert analytics.median([4, 1, 2, 3]) == Decimal("2.5")
    assert analytics.median([]) is None
    assert [analytics.band_of(p) for p in (0, 20, 21, 40, 41, 75, 100)] == [0, 0, 1, 1, 2, 3, 4]
    assert analytics.band_label(1) == "21–40%"
    assert analytics.as_percent(Decimal("0.756")) == "76%"


def test_calibration_shows_actual_beside_entered():
    cal = analytics.Calibration("Proposal", samples=4, won=1, probability_sum=200)
    assert cal.actual == Decimal("0.25") and cal.entered == Decimal("0.5")


def test_rates_show_without_the_databases_trailing_zeros():
    from oppbot.domain.fx import format_rate

    assert [format_rate(Decimal(x)) for x in ("1.1000000000", "0.0066000000", "150")] == ["1.10", "0.0066", "150.00"]
