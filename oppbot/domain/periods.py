"""Reporting periods a person types (this-month, 2026-Q4, 2026-11, a date range) as inclusive date ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from oppbot.domain.errors import InvalidInput

PERIOD_EXAMPLE = "this-month, next-month, this-quarter, next-quarter, 2026-11, 2026-Q4 or 2026-11-01..2026-11-15"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|–|—)\s*(\d{4}-\d{2}-\d{2})$")
_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MAX_RANGE_DAYS = 3660


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive
    key: str  # 2026-11, 2026-Q4, 2026-11-01..2026-11-15: stable, used to key snapshots and sends
    label: str  # "November 2026", "Q4 2026"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month(year: int, number: int) -> Period:
    if not 1 <= number <= 12:
        raise InvalidInput.field("period", f"There is no month {number}. Use {PERIOD_EXAMPLE}.")
    start = date(year, number, 1)
    end = (date(year + number // 12, number % 12 + 1, 1)) - timedelta(days=1)
    return Period(start, end, f"{year:04d}-{number:02d}", start.strftime("%B %Y"))


def quarter(year: int, number: int) -> Period:
    first = month(year, 3 * number - 2)
    last = month(year, 3 * number)
    return Period(first.start, last.end, f"{year:04d}-Q{number}", f"Q{number} {year}")


def month_of(day: date) -> Period:
    return month(day.year, day.month)


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def date_range(start: date, end: date) -> Period:
    if end < start:
        raise InvalidInput.field("period", "The range ends before it starts: write the earlier date first.")
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidInput.field("period", "That range is longer than ten years; choose a shorter one.")
    key = f"{start.isoformat()}..{end.isoformat()}"
    return Period(start, end, key, f"{start:%-d %b %Y} – {end:%-d %b %Y}")


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.field("period", f"'{text}' is not a date; write dates as YYYY-MM-DD.") from None


def parse_period(text: str, today: date) -> Period:
    """A period from what a person typed, relative to `today` (the workspace's local date)."""
    raw = " ".join((text or "").split()).casefold().replace("_", "-").replace(" ", "-")
    raw = raw.replace("--", "-")
    if raw in ("this-month", "month", "thismonth"):
        return month_of(today)
    if raw in ("next-month", "nextmonth"):
        return month_of(month_of(today).end + timedelta(days=1))
    if raw in ("last-month", "lastmonth", "previous-month"):
        return month_of(month_of(today).start - timedelta(days=1))
    if raw in ("this-quarter", "quarter", "thisquarter"):
        return quarter_of(today)
    if raw in ("next-quarter", "nextquarter"):
        return quarter_of(quarter_of(today).end + timedelta(days=1))
    if raw in ("last-quarter", "lastquarter", "previous-quarter"):
        return quarter_of(quarter_of(today).start - timedelta(days=1))
    if m := _MONTH.match(raw):
        return month(int(m.group(1)), int(m.group(2)))
    if m := _QUARTER.match(raw):
        return quarter(int(m.group(1)), int(m.group(2)))
    spaced = " ".join((text or "").split())
    if m := _RANGE.match(spaced):
        return date_range(_iso(m.group(1)), _iso(m.group(2)))
    shown = (text or "").strip()[:40] or "(nothing)"
    raise InvalidInput.field("period", f"'{shown}' is not a period. Use {PERIOD_EXAMPLE}.")


def is_period_word(text: str) -> bool:
    try:
        parse_period(text, date(2000, 1, 1))
    except InvalidInput:
        return False
    return True


def snapshot_due_periods(today: date) -> list[Period]:
    """The periods whose "start" forecast snapshot is due on `today`: the current month, and the quarter.

    Returned every day, not only on the 1st, so a scheduler that was down on the 1st catches up; taking a "start"
    snapshot twice is a no-op, so calling this daily is safe.
    """
    return [month_of(today), quarter_of(today)]
