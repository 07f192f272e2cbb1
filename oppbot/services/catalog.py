"""The service catalog: named services with a unit price in one currency; managers keep it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oppbot.db.models import Service
from oppbot.domain.billing import parse_unit_price, to_minor, validate_service_name
from oppbot.domain.errors import NotFound
from oppbot.domain.money import normalise_currency
from oppbot.domain.opportunity import FieldChange
from oppbot.i18n import N_, _
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.policy import require_manager
from oppbot.services.workspaces import ensure_workspace

CATALOG_LIMIT = 100  # a select menu holds 100 options; a catalog bigger than that wants search, not a list


def list_services(
    session: Session, actor: Actor, *, include_retired: bool = False, limit: int = CATALOG_LIMIT
) -> list[Service]:
    stmt = select(Service).where(Service.team_id == actor.team_id)
    if not include_retired:
        stmt = stmt.where(Service.active.is_(True))
    return list(session.scalars(stmt.order_by(Service.name, Service.id).limit(limit)))


def get_service(session: Session, actor: Actor, service_id: int) -> Service:
    service = session.scalar(select(Service).where(Service.team_id == actor.team_id, Service.id == service_id))
    if service is None:
        raise NotFound(_("There is no service {id} in the catalog.", id=service_id))
    return service


def add_service(
    session: Session, actor: Actor, name: object, unit_price: object, currency: str, *, default_currency: str = "USD"
) -> Service:
    require_manager(actor, N_("add services to the catalog"))
    ensure_workspace(session, actor.team_id, default_currency=default_currency)
    clean_name = validate_service_name(name)
    code = normalise_currency(currency)
    price = parse_unit_price(unit_price, code)
    service = Service(
        team_id=actor.team_id,
        name=clean_name,
        unit_price_minor=to_minor(price, code),
        currency=code,
        active=True,
        created_by=actor.user_id,
    )
    session.add(service)
    session.flush()
    record(session, actor, None, "service_added", detail={"service": service.id, "name": clean_name}, notify=False)
    return service


def edit_service(
    session: Session,
    actor: Actor,
    service_id: int,
    *,
    name: object = None,
    unit_price: object = None,
    currency: str | None = None,
) -> Service:
    """Change a service. Lines already on deals keep the price they were added with (they are copies)."""
    require_manager(actor, N_("edit the catalog"))
    service = get_service(session, actor, service_id)
    changes: list[FieldChange] = []
    code = normalise_currency(currency) if currency else service.currency
    if name is not None:
        clean = validate_service_name(name)
        if clean != service.name:
            changes.append(FieldChange("name", service.name, clean))
            service.name = clean
    if unit_price is not None or code != service.currency:
        if unit_price is None:
            from oppbot.domain.errors import InvalidInput

            raise InvalidInput.field(
                "unit_price", _("Give the price in {code} too when changing the currency.", code=code)
            )
        minor = to_minor(parse_unit_price(unit_price, code), code)
        if minor != service.unit_price_minor or code != service.currency:
            changes.append(FieldChange("unit_price_minor", service.unit_price_minor, minor))
            changes.append(FieldChange("currency", service.currency, code))
            service.unit_price_minor, service.currency = minor, code
    if changes:
        session.flush()
        record(session, actor, None, "service_edited", changes=changes, detail={"service": service.id}, notify=False)
    return service


def retire_service(session: Session, actor: Actor, service_id: int) -> Service:
    """Retired services leave the pick list; lines already using them stay as they are."""
    require_manager(actor, N_("retire catalog services"))
    service = get_service(session, actor, service_id)
    if service.active:
        service.active = False
        session.flush()
        record(
            session,
            actor,
            None,
            "service_retired",
            changes=[FieldChange("active", True, False)],
            detail={"service": service.id},
            notify=False,
        )
    return service
