"""Periods as people type them, relative to the workspace's today."""

from datetime import date

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.periods import is_period_word, parse_period, snapshot_due_periods

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "start", "end", "key"),
    [
        ("this-month", date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
        ("next-month", date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        ("this-quarter", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        ("next-quarter", date(2027, 1, 1), date(2027, 3, 31), "2027-Q1"),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
        ("2024-2", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
        ("2026-q3", date(2026, 7, 1), date(2026, 9, 30), "2026-Q3"),
        ("2026-11-03..2026-11-10", date(2026, 11, 3), date(2026, 11, 10), "2026-11-03..2026-11-10"),
        ("This-Month", date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
    ],
)
def test_each_period_form_parses_to_an_inclusive_range(text, start, end, key):
    period = parse_period(text, TODAY)
    assert (period.start, period.end, period.key) == (start, end, key)
    assert period.label


def test_next_month_in_december_rolls_into_the_next_year():
    assert parse_period("next-month", date(2026, 12, 15)).key == "2027-01"


def test_a_single_day_range_is_one_day_long():
    assert parse_period("2026-11-03..2026-11-03", TODAY).days == 1


@pytest.mark.parametrize("text", ["", "someday", "2026-13", "2026-Q5", "2026-11-10..2026-11-01", "2026-02-30..2026-03-01"])
def test_bad_periods_are_refused_with_an_example(text):
    with pytest.raises(InvalidInput) as info:
        parse_period(text, TODAY)
    assert "period" in info.value.errors


def test_period_words_are_recognised_for_argument_parsing():
    assert is_period_word("2026-Q4") and is_period_word("this-month")
    assert not is_period_word("lead") and not is_period_word("mine")


def test_snapshots_are_due_for_the_current_month_and_quarter():
    keys = [p.key for p in snapshot_due_periods(date(2026, 10, 1))]
    assert keys == ["2026-10", "2026-Q4"]


def test_a_day_is_inside_its_period():
    period = parse_period("2026-11", TODAY)
    assert date(2026, 11, 30) in period and date(2026, 12, 1) not in period
