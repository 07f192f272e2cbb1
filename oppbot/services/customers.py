"""Customers: individuals and organizations, created and found by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oppbot.db.models import Activity, Individual, Opportunity, Organization
from oppbot.domain.errors import InvalidInput, NotFound
from oppbot.domain.opportunity import (
    CustomerKind,
    CustomerRef,
    FieldChange,
    clean_text,
    validate_optional,
    validate_required,
)
from oppbot.domain.stages import Stage
from oppbot.i18n import N_, _
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.workspaces import ensure_workspace

NAME_MAX = 200


def _name(raw: object) -> str:
    return validate_required(raw, "name", _("The name"), NAME_MAX, _("Give the customer a name."))


def _email(raw: object) -> str | None:
    email = validate_optional(raw, "email", _("The email"), 255)
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        raise InvalidInput.field("email", _("'{email}' is not an email address.", email=email[:60]))
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
        domain=(validate_optional(domain, "domain", _("The domain"), 255) or "").lower() or None,
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
        phone=validate_optional(phone, "phone", _("The phone number"), 64),
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


# --- duplicate hints, edits, the customer page ------------------------------------------------------------------------

SIMILARITY = 0.85  # difflib ratio above which two names "look alike" (Acme Corp / ACME Corp. / Acme Crop)
DUPLICATE_CANDIDATES = 200  # names compared per check: bounded whatever the customer list's size
# A possible duplicate, one whole sentence per kind of customer.
_SAME_NAME = {
    CustomerKind.INDIVIDUAL: N_("A individual named “{name}” already exists; is this the same customer?"),
    CustomerKind.ORGANIZATION: N_("A organization named “{name}” already exists; is this the same customer?"),
}
_PUNCTUATION = str.maketrans({c: " " for c in ".,;:!?'\"()&-_/\\"})


def _compact(name: str) -> str:
    return " ".join(name.casefold().translate(_PUNCTUATION).split())


def duplicate_warnings(
    session: Session, actor: Actor, name: str, email: str | None = None, *, exclude: CustomerRef | None = None
) -> list[str]:
    """Customers that look like the one being saved: same or similar name, or same email. Hints, never refusals."""
    from difflib import SequenceMatcher

    key = _compact(name)
    if not key:
        return []
    prefix = name.casefold().strip()[:2]
    warnings: list[str] = []
    seen: set[tuple[str, int]] = set()
    for model, kind in ((Organization, CustomerKind.ORGANIZATION), (Individual, CustomerKind.INDIVIDUAL)):
        rows = session.execute(
            select(model.id, model.name)
            .where(model.team_id == actor.team_id, model.name_key.like(f"{_like(prefix)}%", escape="\\"))
            .order_by(model.id)
            .limit(DUPLICATE_CANDIDATES)
        ).all()
        for row_id, row_name in rows:
            if exclude is not None and exclude.kind == kind and exclude.id == row_id:
                continue
            other = _compact(row_name)
            if other == key or SequenceMatcher(None, key, other).ratio() >= SIMILARITY:
                seen.add((kind.value, row_id))
                warnings.append(_(_SAME_NAME[kind], name=row_name))
    if email:
        rows = session.execute(
            select(Individual.id, Individual.name)
            .where(Individual.team_id == actor.team_id, Individual.email == email.lower())
            .limit(5)
        ).all()
        for row_id, row_name in rows:
            if exclude is not None and exclude.kind == CustomerKind.INDIVIDUAL and exclude.id == row_id:
                continue
            if (CustomerKind.INDIVIDUAL.value, row_id) not in seen:
                warnings.append(_("“{name}” already has the email {email}.", name=row_name, email=email.lower()))
    return warnings[:5]


def _like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(slots=True)
class Created:
    """A new customer plus the look-alikes worth a second glance."""

    customer: Organization | Individual
    ref: CustomerRef
    warnings: list[str]


def add_organization(session: Session, actor: Actor, name: object, domain: object = None, **kw) -> Created:
    warnings = duplicate_warnings(session, actor, _name(name))
    org = create_organization(session, actor, name, domain, **kw)
    record(session, actor, None, "customer_created", detail={"organization": org.id, "name": org.name}, notify=False)
    return Created(org, CustomerRef(CustomerKind.ORGANIZATION, org.id), warnings)


def add_individual(
    session: Session,
    actor: Actor,
    name: object,
    email: object = None,
    phone: object = None,
    organization_id: int | None = None,
    **kw,
) -> Created:
    warnings = duplicate_warnings(session, actor, _name(name), _email(email))
    person = create_individual(session, actor, name, email, phone, organization_id, **kw)
    record(
        session, actor, None, "customer_created", detail={"individual": person.id, "name": person.name}, notify=False
    )
    return Created(person, CustomerRef(CustomerKind.INDIVIDUAL, person.id), warnings)


_UNSET: Any = object()


def edit_customer(
    session: Session,
    actor: Actor,
    ref: CustomerRef,
    *,
    name: object = _UNSET,
    email: object = _UNSET,
    phone: object = _UNSET,
    domain: object = _UNSET,
    organization_id: int | None = _UNSET,
) -> Created:
    """Rename or edit a customer (any member: customer details are shared knowledge, like notes).

    A rename rebuilds the search text of the customer's deals in the same transaction.
    """
    from oppbot.db import repositories as repo

    if ref.kind == CustomerKind.ORGANIZATION:
        row: Organization | Individual = repo.get_organization(session, actor.team_id, ref.id)
    else:
        row = repo.get_individual(session, actor.team_id, ref.id)
    edit = _CustomerEdit(row)
    warnings: list[str] = []
    renamed = False
    if name is not _UNSET:
        clean = _name(name)
        if clean != row.name:
            warnings += duplicate_warnings(session, actor, clean, exclude=ref)
            edit.set("name", clean)
            row.name_key = clean.casefold()
            renamed = True
    if isinstance(row, Organization):
        if domain is not _UNSET:
            edit.set("domain", (validate_optional(domain, "domain", _("The domain"), 255) or "").lower() or None)
    else:
        warnings += _edit_individual(session, actor, ref, edit, email, phone, organization_id)
    changes = edit.changes
    if changes:
        session.flush()
        if renamed:
            repo.refresh_search_text(
                session,
                actor.team_id,
                individual_id=ref.id if ref.kind == CustomerKind.INDIVIDUAL else None,
                organization_id=ref.id if ref.kind == CustomerKind.ORGANIZATION else None,
            )
        record(session, actor, None, "customer_edited", changes=changes, detail={ref.kind.value: ref.id}, notify=False)
    return Created(row, ref, warnings)


class _CustomerEdit:
    """A customer row's changed fields, each set once and recorded for the activity entry."""

    def __init__(self, row: Organization | Individual) -> None:
        self.row = row
        self.changes: list[FieldChange] = []

    def set(self, field_name: str, value: object) -> None:
        before = getattr(self.row, field_name)
        if before != value:
            self.changes.append(FieldChange(field_name, before, value))
            setattr(self.row, field_name, value)


def _edit_individual(
    session: Session,
    actor: Actor,
    ref: CustomerRef,
    edit: _CustomerEdit,
    email: object,
    phone: object,
    organization_id: int | None,
) -> list[str]:
    """An individual's own fields; returns the duplicate-email warnings a new address raises."""
    from oppbot.db import repositories as repo

    row = edit.row
    warnings: list[str] = []
    if email is not _UNSET:
        clean_email = _email(email)
        if clean_email and clean_email != row.email:
            warnings += [
                w for w in duplicate_warnings(session, actor, row.name, clean_email, exclude=ref) if "email" in w
            ]
        edit.set("email", clean_email)
    if phone is not _UNSET:
        edit.set("phone", validate_optional(phone, "phone", _("The phone number"), 64))
    if organization_id is not _UNSET:
        if organization_id is not None:
            repo.get_organization(session, actor.team_id, organization_id)
        edit.set("organization_id", organization_id)
    return warnings


@dataclass(frozen=True, slots=True)
class CustomerDetails:
    """What the customer edit form shows."""

    ref: CustomerRef
    name: str
    email: str | None = None
    phone: str | None = None
    domain: str | None = None


def customer_details(session: Session, actor: Actor, ref: CustomerRef) -> CustomerDetails:
    from oppbot.db import repositories as repo

    if ref.kind == CustomerKind.ORGANIZATION:
        org = repo.get_organization(session, actor.team_id, ref.id)
        return CustomerDetails(ref, org.name, domain=org.domain)
    person = repo.get_individual(session, actor.team_id, ref.id)
    return CustomerDetails(ref, person.name, email=person.email, phone=person.phone)


def find_customer(session: Session, actor: Actor, text: str) -> CustomerRef:
    """One customer from what a person typed: an exact (any case) name, else the single partial match."""
    text = " ".join(clean_text(text).split())
    if not text:
        raise InvalidInput.field("customer", _("Name the customer, like `/opp customer Acme`."))
    if ":" in text and text.split(":", 1)[0] in (CustomerKind.INDIVIDUAL.value, CustomerKind.ORGANIZATION.value):
        return CustomerRef.decode(text)
    matches = search_customers(session, actor, text, limit=6)
    exact = [m for m in matches if m.name.casefold() == text.casefold()]
    if len(exact) == 1:
        return exact[0].ref
    if len(matches) == 1:
        return matches[0].ref
    if not matches:
        raise NotFound(_("No customer is called “{name}”.", name=text[:60]), field="customer")
    names = ", ".join(f"“{m.name}”" for m in (exact or matches)[:5])
    raise InvalidInput.field(
        "customer", _("Several customers match “{name}”: {names}. Type more of the name.", name=text[:60], names=names)
    )


@dataclass(slots=True)
class CurrencyTotal:
    currency: str
    count: int
    amount_minor: int


@dataclass(slots=True)
class CustomerOverview:
    ref: CustomerRef
    name: str
    email: str | None
    phone: str | None
    domain: str | None
    organization_name: str | None
    open_deals: list[Opportunity]
    won_deals: list[Opportunity]
    lost_deals: list[Opportunity]
    deal_count: int
    won_totals: list[CurrencyTotal]
    lost_totals: list[CurrencyTotal]
    open_totals: list[CurrencyTotal]
    activity: list[tuple[Activity, int]]  # (entry, deal number)


OVERVIEW_DEALS = 30  # newest-activity deals shown; the totals always count every deal
OVERVIEW_ACTIVITY = 10


def customer_overview(session: Session, actor: Actor, ref_or_name: CustomerRef | str) -> CustomerOverview:
    """The customer page: its deals by status, won/lost/open totals per currency, recent activity. Four queries."""
    from oppbot.db import repositories as repo

    ref = ref_or_name if isinstance(ref_or_name, CustomerRef) else find_customer(session, actor, ref_or_name)
    email = phone = domain = org_name = None
    if ref.kind == CustomerKind.ORGANIZATION:
        org = repo.get_organization(session, actor.team_id, ref.id)
        name, domain = org.name, org.domain
        column = Opportunity.organization_id
    else:
        person = repo.get_individual(session, actor.team_id, ref.id)
        name, email, phone = person.name, person.email, person.phone
        if person.organization_id:
            org_name = session.scalar(
                select(Organization.name).where(
                    Organization.team_id == actor.team_id, Organization.id == person.organization_id
                )
            )
        column = Opportunity.individual_id
    where = (Opportunity.team_id == actor.team_id, column == ref.id)
    rows = session.execute(
        select(
            Opportunity.stage, Opportunity.currency, func.count(), func.coalesce(func.sum(Opportunity.amount_minor), 0)
        )
        .where(*where)
        .group_by(Opportunity.stage, Opportunity.currency)
    ).all()
    buckets: dict[str, dict[str, CurrencyTotal]] = {"won": {}, "lost": {}, "open": {}}
    count = 0
    for stage, currency, n, amount in rows:
        status = _status(stage)
        total = buckets[status].setdefault(currency, CurrencyTotal(currency, 0, 0))
        total.count += int(n)
        total.amount_minor += int(amount)
        count += int(n)
    deals = list(
        session.scalars(
            select(Opportunity)
            .where(*where)
            .order_by(Opportunity.last_activity_at.desc(), Opportunity.id.desc())
            .limit(OVERVIEW_DEALS)
        )
    )
    deal_ids = select(Opportunity.id).where(*where).scalar_subquery()
    activity = session.execute(
        select(Activity, Opportunity.number)
        .join(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(Activity.team_id == actor.team_id, Activity.opportunity_id.in_(deal_ids))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(OVERVIEW_ACTIVITY)
    ).all()
    return CustomerOverview(
        ref=ref,
        name=name,
        email=email,
        phone=phone,
        domain=domain,
        organization_name=org_name,
        open_deals=[d for d in deals if _status(d.stage) == "open"],
        won_deals=[d for d in deals if _status(d.stage) == "won"],
        lost_deals=[d for d in deals if _status(d.stage) == "lost"],
        deal_count=count,
        won_totals=sorted(buckets["won"].values(), key=lambda t: t.currency),
        lost_totals=sorted(buckets["lost"].values(), key=lambda t: t.currency),
        open_totals=sorted(buckets["open"].values(), key=lambda t: t.currency),
        activity=[(entry, number) for entry, number in activity],
    )


def _status(stage: str) -> str:
    if stage == Stage.CLOSED_WON.value:
        return "won"
    if stage == Stage.CLOSED_LOST.value:
        return "lost"
    return "open"
