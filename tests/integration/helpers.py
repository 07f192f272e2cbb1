"""Small builders for integration tests: a customer and a deal in one call."""

from __future__ import annotations

from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerKind, CustomerRef, Draft
from oppbot.services import customers, opportunities


def make_customer(sessions, actor, name: str = "Acme Corp") -> CustomerRef:
    with unit_of_work(sessions) as session:
        org = customers.create_organization(session, actor, name, "acme.example")
        return CustomerRef(CustomerKind.ORGANIZATION, org.id)


def make_deal(sessions, actor, customer: CustomerRef | None = None, **fields) -> int:
    customer = customer or make_customer(sessions, actor)
    fields.setdefault("title", "Acme Corp - Software licence")
    fields.setdefault("value", "50000")
    with unit_of_work(sessions) as session:
        outcome = opportunities.create(session, actor, Draft(customer=customer, **fields))
        return outcome.opportunity.number
