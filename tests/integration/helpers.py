"""Small builders for integration tests: a customer and a deal in one call."""

from __future__ import annotations

from sqlalchemy import select

from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerKind, CustomerRef, Draft
from oppbot.services import customers, opportunities
from oppbot.slack.ids import Block, input_action


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


def bulk_deals(sessions, actor, count: int, customer: CustomerRef | None = None, **fields) -> None:
    """`count` open deals inserted in one statement (not `count` service calls): for tests that need volume only.

    Rows are what opportunities.create would store, minus the activity/outbox/history a volume test never reads.
    """
    from sqlalchemy import insert, update

    from oppbot.db.base import utcnow
    from oppbot.db.models import Opportunity, Workspace

    customer = customer or make_customer(sessions, actor)
    now = utcnow()
    with unit_of_work(sessions) as session:
        start = session.scalar(select(Workspace.next_deal_number).where(Workspace.team_id == actor.team_id))
        title = fields.pop("title", "Deal {n}")
        rows = [
            {
                "team_id": actor.team_id,
                "number": start + i,
                "title": title.format(n=i),
                "search_text": "",
                "individual_id": customer.id if customer.kind == CustomerKind.INDIVIDUAL else None,
                "organization_id": customer.id if customer.kind == CustomerKind.ORGANIZATION else None,
                "amount_minor": 1000,
                "currency": "USD",
                "stage": "lead",
                "probability": 15,
                "probability_source": "stage",
                "created_by": actor.user_id,
                "created_at": now,
                "updated_at": now,
                "stage_entered_at": now,
                "last_activity_at": now,
                "version": 1,
                **fields,
            }
            for i in range(count)
        ]
        session.execute(insert(Opportunity), rows)
        session.execute(
            update(Workspace).where(Workspace.team_id == actor.team_id).values(next_deal_number=start + count)
        )


def form_values(**fields) -> dict:
    """state.values for oppbot's modals: {block_id: {"<block>_input": element state}} by field name."""
    out = {}
    for name, value in fields.items():
        block = Block(name)
        if name in ("customer", "currency"):
            element = {"type": "external_select", "selected_option": {"value": value} if value else None}
        elif name in ("stage", "loss_reason"):
            element = {"type": "static_select", "selected_option": {"value": value} if value else None}
        elif name == "kind":
            element = {"type": "radio_buttons", "selected_option": {"value": value} if value else None}
        elif name == "assignee":
            element = {"type": "users_select", "selected_user": value}
        elif name == "expected_close":
            element = {"type": "datepicker", "selected_date": value}
        else:
            element = {"type": "plain_text_input", "value": value}
        out[block.value] = {input_action(block): element}
    return out
