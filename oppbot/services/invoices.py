"""Invoices: a numbered, frozen copy of a won deal's billables; the same billables never make two invoices."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import Invoice, Opportunity
from oppbot.domain import billing
from oppbot.domain.errors import InvalidInput, NotFound
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import N_, _
from oppbot.services.billables import BILLABLES_MAX, _lines, as_lines
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.policy import require_edit

INVOICE_GENERATED = "invoice_generated"


@dataclass(slots=True)
class InvoiceOutcome:
    invoice: Invoice
    opportunity: Opportunity
    created: bool  # False: these billables were already invoiced, this is that invoice
    event_ids: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return billing.format_invoice_number(self.invoice.number)


def _existing(session: Session, team_id: str, opportunity_id: int, digest: str) -> Invoice | None:
    return session.scalar(
        select(Invoice).where(
            Invoice.team_id == team_id, Invoice.opportunity_id == opportunity_id, Invoice.content_hash == digest
        )
    )


def generate_invoice(session: Session, actor: Actor, number: int) -> InvoiceOutcome:
    """Invoice a Closed-Won deal's billables, or return the invoice these same billables already have."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    require_edit(actor, opp, N_("invoice"))
    if opp.stage != Stage.CLOSED_WON.value:
        raise InvalidInput.field(
            "stage",
            _("Deal {ref} is not won yet: an invoice is made once a deal is Closed-Won.", ref=format_ref(number)),
        )
    rows = _lines(session, actor.team_id, opp.id)[:BILLABLES_MAX]
    if not rows:
        raise InvalidInput.field(
            "billables", _("Deal {ref} has no billables to invoice: add a line first.", ref=format_ref(number))
        )
    lines = billing.frozen_lines(as_lines(rows))
    digest = billing.content_hash(opp.currency, lines)
    found = _existing(session, actor.team_id, opp.id, digest)
    if found is not None:
        return InvoiceOutcome(found, opp, created=False)

    # The lock serialises invoice creation per workspace: numbers never repeat, and a concurrent twin waiting
    # here sees the first one's invoice once it gets the lock (checked again below).
    workspace = repo.lock_workspace(session, actor.team_id)
    session.refresh(workspace)  # the counter as locked, not as this session may have cached it
    found = _existing(session, actor.team_id, opp.id, digest)
    if found is not None:
        return InvoiceOutcome(found, opp, created=False)
    try:
        with session.begin_nested():
            invoice = Invoice(
                team_id=actor.team_id,
                number=workspace.next_invoice_number,
                opportunity_id=opp.id,
                currency=opp.currency,
                total_minor=sum(line["total_minor"] for line in lines),
                lines=lines,
                content_hash=digest,
                created_by=actor.user_id,
                created_at=utcnow(),
            )
            session.add(invoice)
            workspace.next_invoice_number += 1
            session.flush()
    except IntegrityError:
        # Lost a race the lock did not cover (e.g. a database without row locks): the winner's invoice is the one.
        found = _existing(session, actor.team_id, opp.id, digest)
        if found is None:
            raise
        return InvoiceOutcome(found, opp, created=False)
    event = record(
        session,
        actor,
        opp,
        INVOICE_GENERATED,
        detail={
            "invoice": invoice.id,
            "invoice_number": invoice.number,
            "total_minor": invoice.total_minor,
            "currency": invoice.currency,
        },
    )
    session.flush()
    return InvoiceOutcome(invoice, opp, created=True, event_ids=[event])


def get_invoice(session: Session, actor: Actor, invoice_number: int) -> Invoice:
    invoice = session.scalar(select(Invoice).where(Invoice.team_id == actor.team_id, Invoice.number == invoice_number))
    if invoice is None:
        raise NotFound(_("There is no invoice {invoice}.", invoice=billing.format_invoice_number(invoice_number)))
    return invoice


def invoices_for(session: Session, actor: Actor, number: int, limit: int = 20) -> list[Invoice]:
    opp = repo.get_opportunity(session, actor.team_id, number)
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.team_id == actor.team_id, Invoice.opportunity_id == opp.id)
            .order_by(Invoice.number.desc())
            .limit(limit)
        )
    )
