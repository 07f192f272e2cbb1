"""Billables and invoices as pure rules: quantities, line totals, the invoice's frozen content and its hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from oppbot.domain.errors import InvalidInput
from oppbot.domain.money import minor_units, parse_amount
from oppbot.domain.opportunity import validate_required
from oppbot.i18n import _

QUANTITY_MAX = Decimal("1000000000")  # fits NUMERIC(18, 4) with room to spare
QUANTITY_DECIMALS = 4
DESCRIPTION_MAX = 300
SERVICE_NAME_MAX = 200


def parse_quantity(raw: object) -> Decimal:
    """A quantity > 0 with at most 4 decimals ('2', '1.5', '0.25'); refused rather than rounded."""
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if not text:
        raise InvalidInput.field("quantity", _("Enter a quantity, like 1 or 2.5."))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput.field(
            "quantity", _("The quantity '{text}' is not a number. Enter one like 1 or 2.5.", text=text[:20])
        ) from None
    if not value.is_finite():
        raise InvalidInput.field("quantity", _("Enter a quantity like 1 or 2.5."))
    if value <= 0:
        raise InvalidInput.field("quantity", _("The quantity must be more than 0."))
    if value >= QUANTITY_MAX:
        raise InvalidInput.field("quantity", _("That quantity is too large."))
    if value != value.quantize(Decimal(1).scaleb(-QUANTITY_DECIMALS), rounding=ROUND_HALF_EVEN):
        raise InvalidInput.field("quantity", _("The quantity has {digits} decimals at most.", digits=QUANTITY_DECIMALS))
    return value.quantize(Decimal(1).scaleb(-QUANTITY_DECIMALS))


def format_quantity(quantity: Decimal) -> str:
    """'2', '1.5', '100': no trailing zeros, never exponent notation."""
    return format(quantity.normalize(), "f")


def parse_unit_price(raw: object, currency: str) -> Decimal:
    """A unit price ≥ 0 in `currency`, with the currency's decimals at most; errors keyed 'unit_price'."""
    try:
        return parse_amount(raw, currency, field="unit_price")
    except InvalidInput as exc:
        problem = exc.errors.get("unit_price", exc.message)
        raise InvalidInput.field("unit_price", _("Unit price: {problem}", problem=problem)) from None


def validate_description(raw: object) -> str:
    return validate_required(
        raw, "description", _("The description"), DESCRIPTION_MAX, _('Describe the line, like "Onboarding workshop".')
    )


def validate_service_name(raw: object) -> str:
    text = " ".join(str(raw if raw is not None else "").split())
    if not text:
        raise InvalidInput.field("name", _("Give the service a name."))
    if len(text) > SERVICE_NAME_MAX:
        raise InvalidInput.field(
            "name", _("The name is {length} characters; {limit} at most.", length=len(text), limit=SERVICE_NAME_MAX)
        )
    return text


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_units(currency)))


def from_minor(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_units(currency))


def line_total_minor(quantity: Decimal, unit_price_minor: int) -> int:
    """quantity × unit price, rounded half-to-even to minor units ONCE PER LINE.

    Per line rather than at the total so that an invoice's printed line totals always add up to its printed total.
    """
    return int((quantity * Decimal(unit_price_minor)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    quantity: Decimal
    unit_price_minor: int
    service_id: int | None = None

    @property
    def total_minor(self) -> int:
        return line_total_minor(self.quantity, self.unit_price_minor)


def total_minor(lines: list[Line]) -> int:
    return sum(line.total_minor for line in lines)


def frozen_lines(lines: list[Line]) -> list[dict]:
    """The invoice's own copy of its lines: JSON-safe, exact (quantity as text)."""
    return [
        {
            "description": line.description,
            "quantity": format_quantity(line.quantity),
            "unit_price_minor": line.unit_price_minor,
            "total_minor": line.total_minor,
            "service_id": line.service_id,
        }
        for line in lines
    ]


def content_hash(currency: str, lines: list[dict]) -> str:
    """Same billables (order-independent) in the same currency → same hash → same invoice."""
    canonical = sorted(
        json.dumps([d["description"], d["quantity"], d["unit_price_minor"], d["service_id"]], ensure_ascii=False)
        for d in lines
    )
    return hashlib.sha256(json.dumps([currency, canonical]).encode()).hexdigest()


def format_invoice_number(number: int) -> str:
    return f"INV-{number:04d}"
