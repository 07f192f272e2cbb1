"""Currency conversion rules: dated rates into the reporting currency, exact sums, rounding only at the end."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from oppbot import i18n
from oppbot.domain.errors import InvalidInput
from oppbot.domain.money import minor_units, normalise_currency, round_to_minor
from oppbot.i18n import _

MAX_RATE = Decimal("1000000000")


@dataclass(frozen=True, slots=True)
class Rate:
    """`rate` units of the reporting currency per one unit of `currency`, from `effective_date` on."""

    currency: str
    rate: Decimal
    effective_date: date


def parse_rate(raw: object) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", ".") if not isinstance(raw, Decimal) else None
    try:
        rate = raw if isinstance(raw, Decimal) else Decimal(text)
    except InvalidOperation:
        raise InvalidInput.field(
            "rate", _("'{text}' is not a number. Write a rate like 1.10.", text=str(raw)[:30])
        ) from None
    if not rate.is_finite() or rate <= 0:
        raise InvalidInput.field("rate", _("A rate must be a number above zero, like 1.10."))
    if rate >= MAX_RATE:
        raise InvalidInput.field("rate", _("That rate is too large."))
    if rate != rate.quantize(Decimal("1e-10")):
        raise InvalidInput.field("rate", _("A rate has at most 10 decimals."))
    return rate.normalize() if rate == rate.to_integral_value() else rate


def validate_rate_currency(code: object, reporting: str) -> str:
    currency = normalise_currency(str(code or ""))
    if currency == reporting:
        raise InvalidInput.field(
            "currency",
            _(
                "{currency} is the reporting currency: its rate is always 1. Set rates for other currencies.",
                currency=currency,
            ),
        )
    return currency


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Integer minor units as an exact Decimal amount (JPY 1200 → 1200, NOK 1250 → 12.50)."""
    return Decimal(int(amount_minor)).scaleb(-minor_units(currency))


def weighted_major(weighted_minor_x100: int, currency: str) -> Decimal:
    """Σ amount_minor × probability, read as an exact Decimal amount of weighted value."""
    return Decimal(int(weighted_minor_x100)).scaleb(-minor_units(currency)) / Decimal(100)


class RateTable:
    """A workspace's rates into one reporting currency; the reporting currency converts at exactly 1."""

    def __init__(self, reporting: str, rates: Iterable[Rate]) -> None:
        self.reporting = reporting
        by_currency: dict[str, list[Rate]] = {}
        for rate in rates:
            by_currency.setdefault(rate.currency, []).append(rate)
        self._rates = {code: sorted(items, key=lambda r: r.effective_date) for code, items in by_currency.items()}
        self._dates = {code: [r.effective_date for r in items] for code, items in self._rates.items()}

    def rate_on(self, currency: str, day: date) -> Rate | None:
        """The latest rate with effective_date ≤ day, or None: a later rate never reaches back in time."""
        if currency == self.reporting:
            return Rate(currency, Decimal(1), date.min)
        dates = self._dates.get(currency)
        if not dates:
            return None
        index = bisect.bisect_right(dates, day)
        return self._rates[currency][index - 1] if index else None

    def change_points(self, after: date | None, until: date | None) -> list[date]:
        """Sorted effective dates d with after < d ≤ until: between two of them no currency's rate changes."""
        points = {
            d
            for dates in self._dates.values()
            for d in dates
            if (after is None or d > after) and (until is None or d <= until)
        }
        return sorted(points)

    def all(self) -> list[Rate]:
        return [r for code in sorted(self._rates) for r in self._rates[code]]

    def latest(self) -> list[Rate]:
        return [items[-1] for code, items in sorted(self._rates.items())]


def convert(amount: Decimal, rate: Rate) -> Decimal:
    """Exact: no rounding here. Round the total with `round_to_minor` once everything is summed."""
    return amount * rate.rate


def rounded(amount: Decimal, reporting: str) -> Decimal:
    return round_to_minor(amount, reporting)


def format_rate(rate: Decimal) -> str:
    """'1.10', '0.0066', '150.00': trailing zeros the database adds are dropped, two decimals kept at least."""
    text = format(rate.normalize(), "f")
    whole, _dot, frac = text.partition(".")
    return f"{whole}{i18n.decimal_sign()}{frac.ljust(2, '0')}"
