"""Schedules in local time: period keys, due instants and is_due across the 2026 DST changes, with no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.schedule import (
    Cadence,
    Schedule,
    current_period,
    is_due,
    next_run,
    parse_time_of_day,
    parse_weekday,
    resolve_local,
)

OSLO = ZoneInfo("Europe/Oslo")
NY = ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly(day: int, hhmm: str, tz: str) -> Schedule:
    return Schedule(Cadence.WEEKLY, day, hhmm, tz)


def test_a_monday_nine_oclock_digest_is_due_from_nine_local_in_its_iso_week():
    sched = weekly(0, "09:00", "Europe/Oslo")
    # Mon 23 Nov 2026, 09:00 CET = 08:00 UTC.
    period = current_period(sched, utc(2026, 11, 23, 8, 0))
    assert period.key == "2026-W48"
    assert period.due_at == utc(2026, 11, 23, 8, 0)
    assert is_due(sched, utc(2026, 11, 23, 8, 0), "2026-W47")
    assert not is_due(sched, utc(2026, 11, 23, 8, 0), "2026-W48")


def test_a_minute_before_its_time_the_digest_still_belongs_to_last_week():
    sched = weekly(0, "09:00", "Europe/Oslo")
    assert current_period(sched, utc(2026, 11, 23, 7, 59)).key == "2026-W47"
    assert not is_due(sched, utc(2026, 11, 23, 7, 59), "2026-W47")


def test_oslo_spring_forward_runs_a_0230_digest_at_0300_local_that_day():
    # 29 Mar 2026: clocks jump 02:00 CET -> 03:00 CEST (01:00 UTC). 02:30 does not exist.
    sched = weekly(6, "02:30", "Europe/Oslo")
    period = current_period(sched, utc(2026, 3, 29, 1, 0))
    assert period.due_at == utc(2026, 3, 29, 1, 0)
    assert period.due_at.astimezone(OSLO).strftime("%H:%M %Z") == "03:00 CEST"
    assert period.key == "2026-W13"
    assert not is_due(sched, utc(2026, 3, 29, 0, 59), "2026-W12")


def test_oslo_fall_back_runs_an_ambiguous_0230_digest_once_at_the_first_occurrence():
    # 25 Oct 2026: 03:00 CEST -> 02:00 CET; 02:30 happens at 00:30 UTC and again at 01:30 UTC.
    sched = weekly(6, "02:30", "Europe/Oslo")
    first = utc(2026, 10, 25, 0, 30)
    assert current_period(sched, first).due_at == first
    assert is_due(sched, first, "2026-W42")
    # At the second 02:30 the period was already sent: no second digest.
    assert not is_due(sched, utc(2026, 10, 25, 1, 30), "2026-W43")


def test_new_york_spring_forward_and_fall_back():
    # 8 Mar 2026: 02:00 EST -> 03:00 EDT (07:00 UTC).
    sched = weekly(6, "02:15", "America/New_York")
    assert current_period(sched, utc(2026, 3, 8, 12)).due_at == utc(2026, 3, 8, 7, 0)
    # 1 Nov 2026: 02:00 EDT -> 01:00 EST; 01:30 occurs at 05:30 and 06:30 UTC; first wins.
    sched = weekly(6, "01:30", "America/New_York")
    assert current_period(sched, utc(2026, 11, 1, 12)).due_at == utc(2026, 11, 1, 5, 30)


def test_a_nine_oclock_digest_keeps_nine_local_across_the_change():
    sched = weekly(0, "09:00", "America/New_York")
    before = current_period(sched, utc(2026, 3, 2, 20)).due_at  # Mon 2 Mar, EST
    after = current_period(sched, utc(2026, 3, 9, 20)).due_at  # Mon 9 Mar, EDT
    assert before == utc(2026, 3, 2, 14) and after == utc(2026, 3, 9, 13)
    assert {before.astimezone(NY).hour, after.astimezone(NY).hour} == {9}


def test_every_week_of_2026_gets_exactly_one_run_in_oslo_and_new_york():
    for tz in ("Europe/Oslo", "America/New_York"):
        for hhmm in ("02:30", "01:30"):
            sched = weekly(6, hhmm, tz)
            sent: list[str] = []
            now = utc(2026, 1, 1)
            last = current_period(sched, now).key
            while now < utc(2027, 1, 1):
                now += timedelta(hours=1)
                if is_due(sched, now, last):
                    last = current_period(sched, now).key
                    sent.append(last)
            assert len(sent) == len(set(sent))
            assert len(sent) == 52, (tz, hhmm, len(sent))


def test_a_scheduler_back_after_two_missed_weeks_owes_only_the_current_period():
    sched = weekly(0, "09:00", "Europe/Oslo")
    now = utc(2026, 12, 9, 12)  # Wednesday, two Mondays after the last send in W48
    assert current_period(sched, now).key == "2026-W50"
    assert is_due(sched, now, "2026-W48")


def test_a_new_subscription_is_not_owed_the_run_before_it_started():
    sched = weekly(0, "09:00", "UTC")
    created = utc(2026, 11, 24, 10)
    assert not is_due(sched, utc(2026, 11, 25), None, active_since=created)
    assert is_due(sched, utc(2026, 11, 30, 9), None, active_since=created)


def test_daily_alerts_use_the_local_date_as_their_period():
    sched = Schedule(Cadence.DAILY, 0, "08:00", "Europe/Oslo")
    period = current_period(sched, utc(2026, 11, 30, 6, 59))
    assert period.key == "2026-11-29"
    assert current_period(sched, utc(2026, 11, 30, 7, 0)).key == "2026-11-30"


def test_next_run_is_a_week_after_the_current_one():
    sched = weekly(0, "09:00", "UTC")
    assert next_run(sched, utc(2026, 11, 23, 9)) == utc(2026, 11, 30, 9)


def test_resolve_local_leaves_ordinary_times_alone():
    assert resolve_local(datetime(2026, 6, 1).date(), datetime(2026, 6, 1, 9).time(), OSLO) == utc(2026, 6, 1, 7)


@pytest.mark.parametrize("text,expected", [("mon", 0), ("Tuesday", 1), ("fr", 4), ("SUN", 6)])
def test_weekdays_parse_from_prefixes(text, expected):
    assert parse_weekday(text) == expected


@pytest.mark.parametrize("text", ["", "m", "noday", "31"])
def test_bad_weekdays_are_refused_in_words(text):
    with pytest.raises(InvalidInput):
        parse_weekday(text)


@pytest.mark.parametrize("text,expected", [("9:00", "09:00"), ("17:30", "17:30"), ("00:00", "00:00")])
def test_times_parse_to_hh_mm(text, expected):
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "9:5", "nine", "12:60", ""])
def test_bad_times_are_refused_in_words(text):
    with pytest.raises(InvalidInput):
        parse_time_of_day(text)
