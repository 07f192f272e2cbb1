"""A deal's billables: catalog or custom lines in the deal's currency, their total, and "value = total".

Money rule: each line's total is quantity × unit price rounded half-to-even to the currency's minor units (per line,
not at the end), and the deal's total is the sum of those rounded line totals — so an invoice always adds up.
A catalog service priced in another currency than the deal is refused, not converted: a price list is a promise,
and converting it at whatever rate is on file would quietly change it. The message names both currencies and says
what to do instead (a same-currency service or a custom line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import Billable, Opportunity
from oppbot.domain import billing
from oppbot.domain.errors import FieldErrors, InvalidInput, NotFound
from oppbot.domain.events import EventKind
from oppbot.domain.opportunity import FieldChange
from oppbot.domain.refs import format_ref
from oppbot.i18n import N_, _
from oppbot.services.catalog import get_service
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.opportunities import _conflicts_as_errors
from oppbot.services.policy import require_edit

BILLABLES_MAX = 40  # a deal card section shows every line; 40 keeps the card under Slack's 50 blocks


@dataclass(slots=True)
class BillablesView:
    opportunity: Opportunity
    lines: list[Billable]
    currency: str
    total_minor: int

    @property
    def total(self) -> Decimal:
        return billing.from_minor(self.total_minor, self.currency)

    def line_total_minor(self, line: Billable) -> int:
        return billing.line_total_minor(line.quantity, line.unit_price_minor)


@dataclass(slots=True)
class BillableOutcome:
    opportunity: Opportunity
    billable: Billable | None
    event_ids: list[str] = field(default_factory=list)


def _lines(session: Session, team_id: str, opportunity_id: int) -> list[Billable]:
    return list(
        session.scalars(
            select(Billable)
            .where(Billable.team_id == team_id, Billable.opportunity_id == opportunity_id)
            .order_by(Billable.created_at, Billable.id)
            .limit(BILLABLES_MAX + 1)
        )
    )


def as_lines(rows: list[Billable]) -> list[billing.Line]:
    return [billing.Line(r.description, Decimal(r.quantity), r.unit_price_minor, r.service_id) for r in rows]


def billables_for(session: Session, actor: Actor, number: int) -> BillablesView:
    opp = repo.get_opportunity(session, actor.team_id, number)
    rows = _lines(session, actor.team_id, opp.id)[:BILLABLES_MAX]
    return BillablesView(opp, rows, opp.currency, billing.total_minor(as_lines(rows)))


def currency_mismatch_message(service_name: str, service_currency: str, deal_number: int, deal_currency: str) -> str:
    return _(
        "“{service}” is priced in {service_currency}, but deal {ref} is in {deal_currency}. "
        "Choose a service priced in {deal_currency}, or add a custom line with a {deal_currency} unit price.",
        service=service_name,
        service_currency=service_currency,
        ref=format_ref(deal_number),
        deal_currency=deal_currency,
    )


def add_billable(
    session: Session,
    actor: Actor,
    number: int,
    *,
    service_id: int | None = None,
    description: object = None,
    quantity: object = 1,
    unit_price: object = None,
) -> BillableOutcome:
    """A catalog line (service_id; description and price from the catalog unless given) or a custom line."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    require_edit(actor, opp, N_("change the billables of"))
    fields = FieldErrors()
    check = fields.check
    qty = check(billing.parse_quantity, quantity)
    if service_id is not None:
        service = get_service(session, actor, service_id)
        if not service.active:
            fields.add(
                "service", _("“{service}” was retired from the catalog; choose another service.", service=service.name)
            )
        elif service.currency != opp.currency:
            fields.add("service", currency_mismatch_message(service.name, service.currency, opp.number, opp.currency))
        text = check(billing.validate_description, description if description not in (None, "") else service.name)
        price_minor = service.unit_price_minor
        if unit_price not in (None, ""):
            price = check(billing.parse_unit_price, unit_price, opp.currency)
            price_minor = billing.to_minor(price, opp.currency) if price is not None else price_minor
    else:
        text = check(billing.validate_description, description)
        price = check(billing.parse_unit_price, unit_price, opp.currency)
        price_minor = billing.to_minor(price, opp.currency) if price is not None else 0
    fields.raise_any()
    count = len(_lines(session, actor.team_id, opp.id))
    if count >= BILLABLES_MAX:
        raise InvalidInput.field("description", _("A deal holds {max} billable lines at most.", max=BILLABLES_MAX))
    with _conflicts_as_errors(opp.number):
        line = Billable(
            team_id=actor.team_id,
            opportunity_id=opp.id,
            service_id=service_id,
            description=text,
            quantity=qty,
            unit_price_minor=price_minor,
            currency=opp.currency,
            created_by=actor.user_id,
            created_at=utcnow(),
        )
        session.add(line)
        session.flush()
        event = record(session, actor, opp, EventKind.BILLABLE_ADDED, detail=_detail(line))
        session.flush()
    return BillableOutcome(opp, line, [event])


def _detail(line: Billable) -> dict:
    return {
        "billable": line.id,
        "description": line.description,
        "quantity": billing.format_quantity(Decimal(line.quantity)),
        "unit_price_minor": line.unit_price_minor,
        "currency": line.currency,
    }


def _load_line(session: Session, actor: Actor, billable_id: int) -> tuple[Billable, Opportunity]:
    line = session.scalar(select(Billable).where(Billable.team_id == actor.team_id, Billable.id == billable_id))
    if line is None:
        raise NotFound(_("That billable line does not exist any more."))
    opp = repo.get_opportunity_by_id(session, actor.team_id, line.opportunity_id)
    require_edit(actor, opp, N_("change the billables of"))
    return line, opp


def get_billable(session: Session, actor: Actor, billable_id: int) -> tuple[Billable, Opportunity]:
    """A line to edit, with its deal: only for those who may change the deal's billables."""
    return _load_line(session, actor, billable_id)


def edit_billable(
    session: Session,
    actor: Actor,
    billable_id: int,
    *,
    description: object = None,
    quantity: object = None,
    unit_price: object = None,
) -> BillableOutcome:
    """Change the fields given (None: unchanged); the unit price stays in the deal's currency."""
    line, opp = _load_line(session, actor, billable_id)
    fields = FieldErrors()
    changes: list[FieldChange] = []
    for name, raw, parse in (
        ("description", description, billing.validate_description),
        ("quantity", quantity, billing.parse_quantity),
    ):
        if raw is None:
            continue
        value = fields.check(parse, raw)
        if value is None:
            continue
        before = getattr(line, name)
        if (Decimal(before) != value) if name == "quantity" else (before != value):
            changes.append(FieldChange(name, before, value))
            setattr(line, name, value)
    price = fields.check(billing.parse_unit_price, unit_price, line.currency) if unit_price is not None else None
    if price is not None:
        minor = billing.to_minor(price, line.currency)
        if minor != line.unit_price_minor:
            changes.append(FieldChange("unit_price_minor", line.unit_price_minor, minor))
            line.unit_price_minor = minor
    fields.raise_any()
    if not changes:
        return BillableOutcome(opp, line)
    with _conflicts_as_errors(opp.number):
        session.flush()
        event = record(session, actor, opp, EventKind.BILLABLE_EDITED, changes=changes, detail=_detail(line))
        session.flush()
    return BillableOutcome(opp, line, [event])


def remove_billable(session: Session, actor: Actor, billable_id: int) -> BillableOutcome:
    line, opp = _load_line(session, actor, billable_id)
    detail = _detail(line)
    with _conflicts_as_errors(opp.number):
        session.delete(line)
        session.flush()
        event = record(session, actor, opp, EventKind.BILLABLE_REMOVED, detail=detail)
        session.flush()
    return BillableOutcome(opp, None, [event])


def set_value_to_total(session: Session, actor: Actor, number: int) -> BillableOutcome:
    """The deal's value becomes its billables total: an ordinary edit of `value`, recorded with before/after."""
    view = billables_for(session, actor, number)
    opp = view.opportunity
    require_edit(actor, opp, N_("edit"))
    if not view.lines:
        raise InvalidInput.field(
            "billables", _("Deal {ref} has no billables yet: add a line first.", ref=format_ref(number))
        )
    if opp.amount_minor == view.total_minor:
        return BillableOutcome(opp, None)
    before = opp.amount
    with _conflicts_as_errors(opp.number):
        opp.amount_minor = view.total_minor
        opp.updated_at = utcnow()
        event = record(
            session,
            actor,
            opp,
            EventKind.EDITED,
            changes=[FieldChange("value", before, opp.amount)],
            detail={"source": "billables_total"},
        )
        session.flush()
    return BillableOutcome(opp, None, [event])
