"""Customers: individuals and organizations, created and found by name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from oppbot.db.models import Individual, Organization
from oppbot.domain.errors import InvalidInput
from oppbot.domain.opportunity import CustomerKind, CustomerRef, clean_text, validate_optional
from oppbot.services.context import Actor
from oppbot.services.workspaces import ensure_workspace

NAME_MAX = 200


def _name(raw: object) -> str:
    name = " ".join(clean_text(raw).split())
    if not name:
        raise InvalidInput.field("name", "Give the customer a name.")
    if len(name) > NAME_MAX:
        raise InvalidInput.field("name", f"The name is {len(name)} characters; {NAME_MAX} at most.")
    return name


def _email(raw: object) -> str | None:
    email = validate_optional(raw, "email", "The email", 255)
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        raise InvalidInput.field("email", f"'{email[:60]}' is not an email address.")
    return email.lower() if email else None


def create_organization(
    session: Session, actor: Actor, name: object, domain: object = None, *, default_currency: str = "USD"
) -> Organization:
    ensure_workspace(session, actor.team_id, default_currency=default_currency)
    clean = _name(name)
    org = Organization(
        team_id=actor.team_id,
        name=clean,
        name_key=clean.casefold(),
        domain=(validate_optional(domain, "domain", "The domain", 255) or "").lower() or None,
        created_by=actor.user_id,
    )
    session.add(org)
    session.flush()
    return org


def create_individual(
    session: Session,
    actor: Actor,
    name: object,
    email: object = None,
    phone: object = None,
    organization_id: int | None = None,
    *,
    default_currency: str = "USD",
) -> Individual:
    ensure_workspace(session, actor.team_id, default_currency=default_currency)
    clean = _name(name)
    if organization_id is not None:
        from oppbot.db.repositories import get_organization

        get_organization(session, actor.team_id, organization_id)
    person = Individual(
        team_id=actor.team_id,
        name=clean,
        name_key=clean.casefold(),
        email=_email(email),
        phone=validate_optional(phone, "phone", "The phone number", 64),
        organization_id=organization_id,
        created_by=actor.user_id,
    )
    session.add(person)
    session.flush()
    return person


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    ref: CustomerRef
    name: str
    detail: str | None


def search_customers(session: Session, actor: Actor, text: str, limit: int = 20) -> list[CustomerMatch]:
    """Organizations and individuals whose name contains `text` (any case): the customer picker's options."""
    key = f"%{clean_text(text).casefold()}%"
    orgs = session.execute(
        select(Organization.id, Organization.name, Organization.domain)
        .where(Organization.team_id == actor.team_id, Organization.name_key.like(key))
        .order_by(Organization.name_key)
        .limit(limit)
    ).all()
    people = session.execute(
        select(Individual.id, Individual.name, Individual.email)
        .where(Individual.team_id == actor.team_id, Individual.name_key.like(key))
        .order_by(Individual.name_key)
        .limit(limit)
    ).all()
    matches = [CustomerMatch(CustomerRef(CustomerKind.ORGANIZATION, i), n, d) for i, n, d in orgs]
    matches += [CustomerMatch(CustomerRef(CustomerKind.INDIVIDUAL, i), n, e) for i, n, e in people]
    return sorted(matches, key=lambda m: m.name.casefold())[:limit]
