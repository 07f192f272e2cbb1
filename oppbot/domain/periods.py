"""Reporting periods as people type them (this-month, 2026-Q4, 2026-11, a date range) → inclusive date ranges."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from oppbot import i18n
from oppbot.domain.errors import InvalidInput
from oppbot.i18n import N_, _

# Marked for the catalog; show it with period_example() (or `_(PERIOD_EXAMPLE)`).
PERIOD_EXAMPLE = N_(
    "this-month, next-month, last-month, this-quarter, next-quarter, last-quarter, this-year, 2026-11, 2026-Q4, 2026"
    " or 2026-01-01..2026-03-31"
)


def period_example() -> str:
    return _(PERIOD_EXAMPLE)


MAX_RANGE_DAYS = 3660  # ten years: wider than any sales forecast, narrow enough to catch typos like 20260-01-01


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive date range with a stable key (for storage, e.g. snapshots) and a label for people."""

    start: date
    end: date  # inclusive
    key: str  # "2026-11", "2026-Q4", "2026", "2026-01-01..2026-02-03": parse_period(key) gives the period back

    @property
    def label(self) -> str:
        """For people, in the active language: "November 2026", "Q4 2026", "2026", "1 Jan 2026 – 3 Feb 2026"
        (Norwegian: "november 2026", "4. kvartal 2026", "2026", "1. jan. 2026 – 3. feb. 2026")."""
        kind = self.kind
        if kind == "month":
            return _month_label(self.start)
        if kind == "quarter":
            return _("Q{quarter} {year}", quarter=(self.start.month - 1) // 3 + 1, year=self.start.year)
        if kind == "year":
            return str(self.start.year)
        return f"{_day_label(self.start)} – {_day_label(self.end)}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def kind(self) -> str:
        """'month', 'quarter', 'year' or 'range'."""
        if _MONTH.fullmatch(self.key):
            return "month"
        if _QUARTER.fullmatch(self.key):
            return "quarter"
        if _YEAR.fullmatch(self.key):
            return "year"
        return "range"

    def next(self) -> Period:
        """The period of the same kind right after this one (a range: the same length)."""
        return self._shift(1)

    def previous(self) -> Period:
        return self._shift(-1)

    def _shift(self, step: int) -> Period:
        kind = self.kind
        if kind == "month":
            return month(*_add_months(self.start.year, self.start.month, step))
        if kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            y, m = _add_months(self.start.year, (q - 1) * 3 + 1, 3 * step)
            return quarter(y, (m - 1) // 3 + 1)
        if kind == "year":
            return year(self.start.year + step)
        delta = timedelta(days=self.days * step)
        return date_range(self.start + delta, self.end + delta)


def _add_months(y: int, m: int, n: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) + n
    return index // 12, index % 12 + 1


def _check_year(y: int) -> None:
    if not 1900 <= y <= 2999:
        raise InvalidInput.field("period", _("{year} is outside the years I can plan for (1900–2999).", year=y))


def month(y: int, m: int) -> Period:
    _check_year(y)
    if not 1 <= m <= 12:
        raise InvalidInput.field("period", _("There is no month {month}; use 01 to 12, like 2026-11.", month=m))
    last = calendar.monthrange(y, m)[1]
    return Period(date(y, m, 1), date(y, m, last), f"{y:04d}-{m:02d}")


def quarter(y: int, q: int) -> Period:
    _check_year(y)
    if not 1 <= q <= 4:
        raise InvalidInput.field("period", _("There is no quarter {quarter}; use Q1 to Q4, like 2026-Q4.", quarter=q))
    first = (q - 1) * 3 + 1
    last = first + 2
    return Period(date(y, first, 1), date(y, last, calendar.monthrange(y, last)[1]), f"{y:04d}-Q{q}")


def year(y: int) -> Period:
    _check_year(y)
    return Period(date(y, 1, 1), date(y, 12, 31), f"{y:04d}")


def date_range(start: date, end: date) -> Period:
    if end < start:
        raise InvalidInput.field(
            "period",
            _("The range ends ({end}) before it starts ({start}).", end=end.isoformat(), start=start.isoformat()),
        )
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput.field("period", _("That range is longer than ten years; pick a shorter one."))
    _check_year(start.year)
    _check_year(end.year)
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


def _english() -> bool:
    return i18n.current() in (i18n.DEFAULT, i18n.PSEUDO)


def _month_label(day: date) -> str:
    if _english():
        return f"{calendar.month_name[day.month]} {day.year}"
    return format_date(day, "LLLL y", locale=i18n.babel_locale())


def _day_label(day: date) -> str:
    if _english():
        return f"{day.day} {day.strftime('%b')} {day.year}"
    return format_date(day, "d. MMM y", locale=i18n.babel_locale())


def month_of(day: date) -> Period:
    return month(day.year, day.month)


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def year_of(day: date) -> Period:
    return year(day.year)


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?q([1-9])", re.IGNORECASE)
_QUARTER_FIRST = re.compile(r"q([1-9])-?(\d{4})", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")
_RANGE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|to|–|—)\s*(\d{4}-\d{1,2}-\d{1,2})", re.IGNORECASE)
_RELATIVE = re.compile(r"(this|current|next|last|previous|prev)[-_ ]?(month|quarter|qtr|year)", re.IGNORECASE)
_STEP = {"this": 0, "current": 0, "next": 1, "last": -1, "previous": -1, "prev": -1}


def _iso(text: str) -> date:
    y, m, d = (int(part) for part in text.split("-"))
    try:
        return date(y, m, d)
    except ValueError:
        raise InvalidInput.field(
            "period", _("'{text}' is not a real date. Use YYYY-MM-DD, like 2026-01-31.", text=text)
        ) from None


def parse_period(text: str, today: date) -> Period:
    """A period from what a person typed, relative words measured from `today` (the workspace's local date).

    Accepts: this-month / next-month / last-month (also "this month"), the same for quarter and year, YYYY-MM,
    YYYY-Qn (also Qn-YYYY, YYYYQn), YYYY, and YYYY-MM-DD..YYYY-MM-DD (also "to"). Anything else: InvalidInput
    with an example.
    """
    raw = " ".join((text or "").split())
    if not raw:
        raise InvalidInput.field("period", _("Name a period: {example}.", example=period_example()))
    if m := _RELATIVE.fullmatch(raw):
        step = _STEP[m.group(1).lower()]
        unit = m.group(2).lower()
        if unit == "month":
            return month(*_add_months(today.year, today.month, step))
        if unit in ("quarter", "qtr"):
            return quarter_of(today)._shift(step)
        return year(today.year + step)
    if m := _RANGE.fullmatch(raw):
        return date_range(_iso(m.group(1)), _iso(m.group(2)))
    if m := _QUARTER.fullmatch(raw):
        return quarter(int(m.group(1)), int(m.group(2)))
    if m := _QUARTER_FIRST.fullmatch(raw):
        return quarter(int(m.group(2)), int(m.group(1)))
    if m := _MONTH.fullmatch(raw):
        return month(int(m.group(1)), int(m.group(2)))
    if m := _YEAR.fullmatch(raw):
        return year(int(m.group(1)))
    shown = raw[:40]
    raise InvalidInput.field(
        "period", _("'{shown}' is not a period I know. Use {example}.", shown=shown, example=period_example())
    )


def is_period_start(word: str) -> bool:
    """True when `word` can begin a period (so a parser knows to hand it, and maybe the next word, over)."""
    return bool(re.match(r"(this|current|next|last|previous|prev|\d{4}|q[1-9])", (word or "").strip(), re.I))


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
