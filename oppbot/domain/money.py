"""Money as an exact Decimal plus an ISO 4217 code, kept in the currency's minor units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, InvalidOperation, Overflow
from functools import lru_cache

from babel.numbers import get_currency_name, get_currency_precision, list_currencies

from oppbot.domain.errors import InvalidInput
from oppbot.i18n import _

# Stored as NUMERIC(20, 4): enough for any deal and for the 4-decimal currencies (CLF, UYW).
MAX_AMOUNT = Decimal("1000000000000000")  # 10^15
_SEPARATORS = re.compile(r"[\s_,'\u00a0\u202f]")
_SHORTHAND = {"k": Decimal(1_000), "m": Decimal(1_000_000)}
# Traps rounding of any kind: a product that is not exact is refused, never silently changed.
_EXACT = Context(prec=100, traps=[InvalidOperation, Inexact, Overflow])


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    # Babel's list is CLDR's copy of ISO 4217, kept current with each Babel release.
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


def normalise_currency(code: str | None) -> str:
    """An upper-case ISO 4217 code, or InvalidInput naming what was wrong."""
    text = (code or "").strip().upper()
    if not text:
        raise InvalidInput.field("currency", _("Choose a currency, an ISO 4217 code such as USD, EUR or NOK."))
    if text not in _codes():
        raise InvalidInput.field(
            "currency",
            _("'{code}' is not an ISO 4217 currency code. Use a code such as USD, EUR or NOK.", code=text[:10]),
        )
    return text


def minor_units(code: str) -> int:
    """Digits after the decimal point for the currency: NOK 2, JPY 0, KWD 3."""
    return get_currency_precision(normalise_currency(code))


def currency_name(code: str) -> str:
    """The currency's name as CLDR gives it in the active language ('US Dollar', 'amerikanske dollar')."""
    from oppbot import i18n

    language = i18n.current()
    return get_currency_name(code, locale="en" if language in (i18n.DEFAULT, i18n.PSEUDO) else i18n.babel_locale())


def quantum(code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(code))


def round_to_minor(amount: Decimal, code: str) -> Decimal:
    """Rounded half-to-even to the currency's minor units: for totals and converted figures, never for input."""
    return amount.quantize(quantum(code), rounding=ROUND_HALF_EVEN)


def parse_amount(raw: object, currency: str, *, field: str = "value") -> Decimal:
    """An amount ≥ 0 a person typed ('50000', '50,000.00', '12 500', '1.5k') for `currency`.

    More decimals than the currency has is refused rather than rounded: a rep who typed ¥12.5 meant something.
    """
    code = normalise_currency(currency)
    amount = raw if isinstance(raw, Decimal) else _read_typed_amount(raw, code, field)
    if not amount.is_finite():
        raise InvalidInput.field(field, _("Enter an amount like 50000."))
    if amount < 0:
        raise InvalidInput.field(field, _("The amount can't be negative."))
    if amount >= MAX_AMOUNT:
        raise InvalidInput.field(field, _("That amount is too large."))
    digits = minor_units(code)
    if amount != amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN):
        if digits == 0:
            raise InvalidInput.field(field, _("{code} has no minor units: enter a whole amount.", code=code))
        raise InvalidInput.field(field, _("{code} has {digits} decimals at most.", code=code, digits=digits))
    return amount.quantize(Decimal(1).scaleb(-digits)) + Decimal(0)


def _read_typed_amount(raw: object, code: str, field: str) -> Decimal:
    """The number in what a person typed: separators, a k/m shorthand and a currency prefix or sign taken off."""
    text = _SEPARATORS.sub("", str(raw if raw is not None else "")).strip()
    multiplier = Decimal(1)
    if text[-1:].lower() in _SHORTHAND:
        multiplier = _SHORTHAND[text[-1].lower()]
        text = text[:-1]
    text = text.removeprefix(code).removeprefix(code.lower()).lstrip("$€£¥")
    if not text:
        raise InvalidInput.field(field, _("Enter an amount, like 50000 or 50,000.00."))
    try:
        # Decimal(text) is exact; arithmetic in the default 28-digit context is not (it rounds 30 digits, turns
        # 1e-999999999 into 0 and overflows on 1e1000000), so the shorthand is applied exactly or not at all.
        amount = Decimal(text)
        if multiplier != 1 and amount.is_finite():
            if abs(amount) >= MAX_AMOUNT:
                raise InvalidInput.field(field, _("That amount is too large."))
            amount = _EXACT.multiply(amount, multiplier)
    except (InvalidOperation, Inexact, Overflow):
        raise InvalidInput.field(
            field, _("'{text}' is not a number. Enter an amount like 50000.", text=str(raw)[:30])
        ) from None
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, raw: object, currency: str) -> Money:
        return cls(parse_amount(raw, currency), normalise_currency(currency))

    def weighted(self, probability: int) -> Decimal:
        """value × probability / 100, exact (no rounding until shown)."""
        return weighted_value(self.amount, probability)

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


def weighted_value(amount: Decimal, probability: int) -> Decimal:
    return amount * Decimal(probability) / Decimal(100)


def format_amount(amount: Decimal, currency: str) -> str:
    """'NOK 12,500.00', 'JPY 1,200': code first so mixed currencies never read alike."""
    rounded = round_to_minor(amount, currency)
    return f"{currency} {rounded:,.{minor_units(currency)}f}"
