"""Periods as people type them: relative words, months, quarters, years and ranges, all inclusive."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oppbot.domain.errors import InvalidInput
from oppbot.domain.periods import is_period_word, month, parse_period, quarter, quarter_of, snapshot_due_periods

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    "text, start, end, key",
    [
        ("this-month", date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
        ("This-Month", date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
        ("this month", date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
        ("next-month", date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        ("last-month", date(2026, 10, 1), date(2026, 10, 31), "2026-10"),
        ("this-quarter", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        ("next-quarter", date(2027, 1, 1), date(2027, 3, 31), "2027-Q1"),
        ("last-quarter", date(2026, 7, 1), date(2026, 9, 30), "2026-Q3"),
        ("this-year", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
        ("2024-2", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        ("2026q1", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
        ("Q2-2026", date(2026, 4, 1), date(2026, 6, 30), "2026-Q2"),
        ("2027", date(2027, 1, 1), date(2027, 12, 31), "2027"),
        ("2026-01-15..2026-02-03", date(2026, 1, 15), date(2026, 2, 3), "2026-01-15..2026-02-03"),
        ("2026-01-15 to 2026-01-15", date(2026, 1, 15), date(2026, 1, 15), "2026-01-15..2026-01-15"),
    ],
)
def test_each_accepted_form_gives_an_inclusive_range_and_a_stable_key(text, start, end, key):
    period = parse_period(text, TODAY)
    assert (period.start, period.end, period.key) == (start, end, key)
    assert parse_period(period.key, date(2000, 1, 1)) == period


def test_labels_read_naturally():
    assert parse_period("2026-11", TODAY).label == "November 2026"
    assert parse_period("2026-Q4", TODAY).label == "Q4 2026"
    assert parse_period("2026-01-01..2026-02-03", TODAY).label == "1 Jan 2026 – 3 Feb 2026"


def test_next_month_from_december_rolls_into_january():
    assert parse_period("next-month", date(2026, 12, 5)).key == "2027-01"
    assert parse_period("last-month", date(2026, 1, 5)).key == "2025-12"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "2026-13",
        "2026-Q5",
        "2026-02-30..2026-03-01",
        "2026-03-01..2026-02-01",
        "0999",
        "2026-00",
        "1990-01-01..2020-12-31",
        "this-week",
    ],
)
def test_nonsense_is_refused_with_an_example(text):
    with pytest.raises(InvalidInput) as err:
        parse_period(text, TODAY)
    assert err.value.message


def test_periods_step_to_their_neighbours():
    assert month(2026, 12).next() == month(2027, 1)
    assert quarter(2026, 1).previous() == quarter(2025, 4)
    r = parse_period("2026-01-01..2026-01-10", TODAY)
    assert r.next().start == date(2026, 1, 11) and r.next().days == 10
    assert date(2026, 11, 15) in month(2026, 11)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2998, 12, 31)))
def test_every_day_lies_in_its_own_month_and_quarter(day):
    assert day in parse_period("this-month", day)
    assert day in parse_period("this-quarter", day)
    assert quarter_of(day).start.month in (1, 4, 7, 10)


@given(st.text(max_size=40))
def test_any_text_is_a_period_or_an_invalid_input(text):
    try:
        period = parse_period(text, TODAY)
    except InvalidInput as exc:
        assert exc.message
    else:
        assert period.start <= period.end


def test_period_words_are_recognised_for_argument_parsing():
    assert is_period_word("2026-Q4") and is_period_word("this-month")
    assert not is_period_word("lead") and not is_period_word("mine")


def test_snapshots_are_due_for_the_current_month_and_quarter():
    assert [p.key for p in snapshot_due_periods(date(2026, 10, 1))] == ["2026-10", "2026-Q4"]
