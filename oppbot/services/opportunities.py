"""Changing deals: create, edit, move, close, claim, assign, note. Each change is recorded where it is made."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import AssignmentChange, Note, Opportunity, StageChange
from oppbot.domain.categories import Category, effective_category, validate_override
from oppbot.domain.errors import Conflict, InvalidInput, NotFound, OppbotError, PermissionDenied
from oppbot.domain.events import EventKind
from oppbot.domain.money import minor_units
from oppbot.domain.opportunity import (
    LOSS_NOTE_MAX,
    CustomerKind,
    CustomerRef,
    Draft,
    FieldChange,
    ValidDraft,
    diff_fields,
    validate_draft,
    validate_loss_reason,
    validate_note,
    validate_optional,
)
from oppbot.domain.probability import (
    Probability,
    ProbabilitySource,
    reset_to_stage_default,
    resolve_probability,
)
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage, plan_move
from oppbot.domain.workspace import WorkspaceRules
from oppbot.i18n import N_, _, percent
from oppbot.services import policy, workspaces
from oppbot.services.context import Actor
from oppbot.services.events import record


@dataclass(slots=True)
class Outcome:
    """The deal after a change, with what the reply should tell the user beside "done"."""

    opportunity: Opportunity
    warnings: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    changed: bool = True


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_units(currency)))


def _probability(opp: Opportunity) -> Probability:
    return Probability(opp.probability, ProbabilitySource(opp.probability_source))


@contextmanager
def _conflicts_as_errors(opp_number: int):
    try:
        yield
    except StaleDataError:
        raise Conflict(
            _(
                "Someone else changed deal {ref} at the same moment. Nothing was saved; look at the deal again and "
                "retry.",
                ref=format_ref(opp_number),
            ),
            number=opp_number,
        ) from None


# Permission rules live in oppbot.services.policy; these names stay importable for the card builders.
may_edit = policy.may_edit
require_edit = policy.require_edit
require_manager = policy.require_manager


def _check_version(opp: Opportunity, expected_version: int | None) -> None:
    if expected_version is not None and opp.version != expected_version:
        raise Conflict(
            _(
                "Deal {ref} was changed by someone else since you opened it. "
                "Nothing was saved; open it again to see the latest.",
                ref=format_ref(opp.number),
            ),
            number=opp.number,
        )


def _customer_columns(session: Session, team_id: str, customer: CustomerRef) -> tuple[int | None, int | None, str]:
    """(individual_id, organization_id, name), checking the customer exists in this workspace."""
    if customer.kind == CustomerKind.INDIVIDUAL:
        return customer.id, None, repo.get_individual(session, team_id, customer.id).name
    return None, customer.id, repo.get_organization(session, team_id, customer.id).name


def _stage_row(actor: Actor, opp: Opportunity, from_stage: Stage | None, skipped: Sequence[Stage] = ()) -> StageChange:
    return StageChange(
        team_id=actor.team_id,
        opportunity_id=opp.id,
        from_stage=from_stage.value if from_stage else None,
        to_stage=opp.stage,
        changed_at=opp.stage_entered_at,
        changed_by=actor.user_id,
        amount_minor=opp.amount_minor,
        currency=opp.currency,
        probability=opp.probability,
        skipped=[s.value for s in skipped],
    )


# --- create and edit -------------------------------------------------------------------------------------------------


def create(session: Session, actor: Actor, draft: Draft, *, default_currency: str = "USD") -> Outcome:
    workspace = workspaces.ensure_workspace(session, actor.team_id, default_currency=default_currency)
    rules = workspaces.rules_for(workspace)
    valid = validate_draft(draft, default_currency=rules.currency)
    if valid.stage == Stage.CLOSED_LOST:
        raise InvalidInput.field("stage", _("A new deal can't start as Closed-Lost."))
    individual_id, organization_id, customer_name = _customer_columns(session, actor.team_id, valid.customer)
    policy.require_assign_new(actor, valid.assignee)
    probability = resolve_probability(None, valid.stage, valid.probability, rules.probabilities).probability

    workspace = repo.lock_workspace(session, actor.team_id)
    number = workspace.next_deal_number
    workspace.next_deal_number = number + 1
    now = utcnow()
    opp = Opportunity(
        team_id=actor.team_id,
        number=number,
        title=valid.title,
        description=valid.description,
        individual_id=individual_id,
        organization_id=organization_id,
        amount_minor=to_minor(valid.amount, valid.currency),
        currency=valid.currency,
        stage=valid.stage.value,
        probability=probability.value,
        probability_source=probability.source.value,
        expected_close=valid.expected_close,
        assignee_id=valid.assignee,
        external_ref=valid.external_ref,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        stage_entered_at=now,
        last_activity_at=now,
        closed_at=now if valid.stage.is_closed else None,
        forecast_category=_override(valid.stage, valid.category, None),
        search_text=repo.build_search_text(valid.title, customer_name, valid.description),
    )
    session.add(opp)
    session.flush()
    session.add(_stage_row(actor, opp, None))
    if valid.assignee:
        session.add(
            AssignmentChange(
                team_id=actor.team_id,
                opportunity_id=opp.id,
                from_user=None,
                to_user=valid.assignee,
                changed_at=now,
                changed_by=actor.user_id,
            )
        )
    event = record(
        session,
        actor,
        opp,
        EventKind.CREATED,
        changes=[FieldChange(k, None, v) for k, v in _snapshot(opp).items() if v is not None],
        detail={"stage": opp.stage, "assignee": opp.assignee_id},
        touch=False,
    )
    session.flush()
    return Outcome(opp, event_ids=[event])


def _snapshot(opp: Opportunity) -> dict:
    return {
        "title": opp.title,
        "customer": (
            CustomerRef(CustomerKind.INDIVIDUAL, opp.individual_id).encode()
            if opp.individual_id
            else CustomerRef(CustomerKind.ORGANIZATION, opp.organization_id).encode()
        ),
        "value": opp.amount,
        "currency": opp.currency,
        "stage": opp.stage,
        "probability": opp.probability,
        "expected_close": opp.expected_close,
        "description": opp.description,
        "external_ref": opp.external_ref,
        "assignee": opp.assignee_id,
        "category": opp.forecast_category,
    }


def _override(stage: Stage, submitted: str | None, current: str | None) -> str | None:
    """The deal's own category after a form: kept when the form gave none, cleared by "stage" or by closing."""
    if stage.is_closed or submitted == "stage":
        return None
    if submitted is None:
        return current
    category = Category(submitted)
    validate_override(stage, category)
    return category.value


def edit(session: Session, actor: Actor, number: int, draft: Draft, *, expected_version: int | None = None) -> Outcome:
    """Apply a full form: only fields that differ are changed and recorded, with their before and after."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    rules = workspaces.load_rules(session, actor.team_id)
    require_edit(actor, opp, N_("edit"))
    _check_version(opp, expected_version)
    valid = validate_draft(draft, default_currency=opp.currency)
    new_stage = valid.stage
    if new_stage == Stage.CLOSED_LOST and opp.stage != Stage.CLOSED_LOST.value:
        raise InvalidInput.field("stage", _("Use Close lost to mark a deal lost: it asks for the reason."))
    individual_id, organization_id, customer_name = _customer_columns(session, actor.team_id, valid.customer)
    before = _snapshot(opp)
    warnings: list[str] = []
    events: list[str] = []

    with _conflicts_as_errors(opp.number):
        if valid.assignee != opp.assignee_id:
            _reassign(session, actor, opp, valid.assignee, kind=None)
        opp.title = valid.title
        opp.description = valid.description
        opp.individual_id, opp.organization_id = individual_id, organization_id
        opp.amount_minor = to_minor(valid.amount, valid.currency)
        opp.currency = valid.currency
        opp.expected_close = valid.expected_close
        opp.external_ref = valid.external_ref
        opp.search_text = repo.build_search_text(valid.title, customer_name, valid.description)

        stage_changed = new_stage.value != opp.stage
        if stage_changed:
            warnings.extend(_apply_stage(session, actor, opp, new_stage, valid.probability, rules))
        else:
            outcome = resolve_probability(
                _probability(opp), new_stage, valid.probability, rules.probabilities, stage_changed=False
            )
            opp.probability = outcome.probability.value
            opp.probability_source = outcome.probability.source.value

        opp.forecast_category = _override(opp.stage_enum, valid.category, opp.forecast_category)
        after = _snapshot(opp)
        changes = diff_fields(before, after)
        if not changes:
            return Outcome(opp, warnings, events, changed=False)
        opp.updated_at = utcnow()
        events.append(record(session, actor, opp, EventKind.EDITED, changes=changes))
        session.flush()
    return Outcome(opp, warnings, events)


# --- stages ----------------------------------------------------------------------------------------------------------


def _apply_stage(
    session: Session,
    actor: Actor,
    opp: Opportunity,
    to_stage: Stage,
    submitted_probability: int | None,
    rules: WorkspaceRules,
) -> list[str]:
    """Move the deal's stage, probability and closing fields, and write its stage history. Returns warnings."""
    from_stage = opp.stage_enum
    move = plan_move(from_stage, to_stage)
    outcome = resolve_probability(_probability(opp), to_stage, submitted_probability, rules.probabilities)
    now = utcnow()
    opp.stage = to_stage.value
    opp.stage_entered_at = now
    opp.probability = outcome.probability.value
    opp.probability_source = outcome.probability.source.value
    opp.closed_at = now if to_stage.is_closed else None
    # A loss belongs to Closed-Lost only: leaving it (reopened, or won after all) clears it; move() sets a new one.
    opp.lost_reason = opp.lost_note = opp.lost_at_stage = None
    session.add(_stage_row(actor, opp, from_stage, move.skipped))
    warnings = []
    if move.warning:
        warnings.append(_("{warning} Deals usually pass through every stage.", warning=move.warning))
    if outcome.review_suggested:
        warnings.append(
            _(
                "The probability stays at {probability} because it was set by hand; "
                "{stage}'s default is {default}. Review it, or reset it to the default.",
                probability=percent(opp.probability),
                stage=to_stage.label,
                default=percent(rules.probabilities[to_stage]),
            )
        )
    return warnings


def move(
    session: Session,
    actor: Actor,
    number: int,
    to_stage: Stage,
    *,
    expected_version: int | None = None,
    loss_reason: str | None = None,
    loss_note: str | None = None,
) -> Outcome:
    """Change a deal's stage. Closed-Lost needs a reason; the stage it was lost at is kept."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    rules = workspaces.load_rules(session, actor.team_id)
    require_edit(actor, opp, N_("move"))
    _check_version(opp, expected_version)
    from_stage = opp.stage_enum
    if from_stage == to_stage:
        already = _("Deal {ref} is already in {stage}.", ref=format_ref(number), stage=to_stage.label)
        return Outcome(opp, [already], changed=False)

    reason = note = None
    if to_stage == Stage.CLOSED_LOST:
        reason = validate_loss_reason(loss_reason, rules.loss_reasons)
        note = validate_optional(loss_note, "loss_note", _("The note"), LOSS_NOTE_MAX)

    with _conflicts_as_errors(number):
        before_probability = opp.probability
        warnings = _apply_stage(session, actor, opp, to_stage, None, rules)
        if to_stage == Stage.CLOSED_LOST:
            opp.lost_reason, opp.lost_note, opp.lost_at_stage = reason, note, from_stage.value
        opp.updated_at = utcnow()
        kind = {Stage.CLOSED_WON: EventKind.WON, Stage.CLOSED_LOST: EventKind.LOST}.get(
            to_stage, EventKind.STAGE_CHANGED
        )
        if from_stage.is_closed and to_stage.is_open:
            kind = EventKind.REOPENED
        changes = [FieldChange("stage", from_stage.value, to_stage.value)]
        if before_probability != opp.probability:
            changes.append(FieldChange("probability", before_probability, opp.probability))
        detail = {"from_stage": from_stage.value, "to_stage": to_stage.value}
        skipped = plan_move(from_stage, to_stage).skipped
        if skipped:
            detail["skipped"] = [s.value for s in skipped]
        if reason:
            detail.update(loss_reason=reason, loss_note=note, lost_at_stage=from_stage.value)
        event = record(session, actor, opp, kind, changes=changes, detail=detail)
        session.flush()
    return Outcome(opp, warnings, [event])


def close_won(session: Session, actor: Actor, number: int, *, expected_version: int | None = None) -> Outcome:
    return move(session, actor, number, Stage.CLOSED_WON, expected_version=expected_version)


def close_lost(
    session: Session,
    actor: Actor,
    number: int,
    reason: str | None,
    note: str | None = None,
    *,
    expected_version: int | None = None,
) -> Outcome:
    return move(
        session,
        actor,
        number,
        Stage.CLOSED_LOST,
        expected_version=expected_version,
        loss_reason=reason,
        loss_note=note,
    )


def reset_probability(session: Session, actor: Actor, number: int) -> Outcome:
    opp = repo.get_opportunity(session, actor.team_id, number)
    rules = workspaces.load_rules(session, actor.team_id)
    require_edit(actor, opp)
    new = reset_to_stage_default(opp.stage_enum, rules.probabilities)
    if new == _probability(opp):
        return Outcome(opp, changed=False)
    with _conflicts_as_errors(number):
        before = opp.probability
        opp.probability, opp.probability_source = new.value, new.source.value
        opp.updated_at = utcnow()
        event = record(
            session, actor, opp, EventKind.PROBABILITY_RESET, changes=[FieldChange("probability", before, new.value)]
        )
        session.flush()
    return Outcome(opp, event_ids=[event])


def category_of(session: Session, opp: Opportunity) -> Category:
    """The deal's forecast category as it counts now (its own, else its stage's)."""
    return effective_category(
        opp.stage_enum, opp.forecast_category, workspaces.load_rules(session, opp.team_id).categories
    )


def set_category(session: Session, actor: Actor, number: int, category: Category | None) -> Outcome:
    """The rep's forecast category for an open deal; None hands it back to the stage's default."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    rules = workspaces.load_rules(session, actor.team_id)
    require_edit(actor, opp, N_("change the forecast category of"))
    if category is not None:
        validate_override(opp.stage_enum, category)
    elif opp.stage_enum.is_closed:
        validate_override(opp.stage_enum, Category.PIPELINE)
    before = effective_category(opp.stage_enum, opp.forecast_category, rules.categories)
    new_override = category.value if category is not None else None
    if new_override == opp.forecast_category:
        return Outcome(opp, changed=False)
    with _conflicts_as_errors(number):
        opp.forecast_category = new_override
        after = effective_category(opp.stage_enum, opp.forecast_category, rules.categories)
        opp.updated_at = utcnow()
        event = record(
            session,
            actor,
            opp,
            EventKind.CATEGORY_CHANGED,
            changes=[FieldChange("category", before.value, after.value)],
            detail={"from_category": before.value, "to_category": after.value, "by_stage": category is None},
        )
        session.flush()
    return Outcome(opp, event_ids=[event])


# --- assignment ------------------------------------------------------------------------------------------------------


def _reassign(session: Session, actor: Actor, opp: Opportunity, to_user: str | None, kind: str | None) -> list[str]:
    """Set the assignee and keep its history; `kind` None means the caller records the change itself."""
    from_user = opp.assignee_id
    policy.require_assign(actor, opp, to_user)
    now = utcnow()
    opp.assignee_id = to_user
    opp.updated_at = now
    session.add(
        AssignmentChange(
            team_id=actor.team_id,
            opportunity_id=opp.id,
            from_user=from_user,
            to_user=to_user,
            changed_at=now,
            changed_by=actor.user_id,
        )
    )
    if kind is None:
        return []
    return [
        record(
            session,
            actor,
            opp,
            kind,
            changes=[FieldChange("assignee", from_user, to_user)],
            detail={"from_user": from_user, "to_user": to_user},
        )
    ]


def claim(session: Session, actor: Actor, number: int) -> Outcome:
    opp = repo.get_opportunity(session, actor.team_id, number)
    if opp.assignee_id == actor.user_id:
        return Outcome(opp, [_("Deal {ref} is already yours.", ref=format_ref(number))], changed=False)
    policy.require_claim(actor, opp)
    with _conflicts_as_errors(number):
        events = _reassign(session, actor, opp, actor.user_id, EventKind.ASSIGNED)
        session.flush()
    return Outcome(opp, event_ids=events)


def assign(session: Session, actor: Actor, number: int, user_id: str) -> Outcome:
    opp = repo.get_opportunity(session, actor.team_id, number)
    if opp.assignee_id == user_id:
        return Outcome(
            opp, [_("Deal {ref} is already assigned to that person.", ref=format_ref(number))], changed=False
        )
    policy.require_assign(actor, opp, user_id)
    with _conflicts_as_errors(number):
        events = _reassign(session, actor, opp, user_id, EventKind.ASSIGNED)
        session.flush()
    return Outcome(opp, event_ids=events)


def unassign(session: Session, actor: Actor, number: int) -> Outcome:
    opp = repo.get_opportunity(session, actor.team_id, number)
    if opp.assignee_id is None:
        return Outcome(opp, [_("Deal {ref} is not assigned to anyone.", ref=format_ref(number))], changed=False)
    policy.require_assign(actor, opp, None)
    with _conflicts_as_errors(number):
        events = _reassign(session, actor, opp, None, EventKind.UNASSIGNED)
        session.flush()
    return Outcome(opp, event_ids=events)


# --- notes -----------------------------------------------------------------------------------------------------------


def add_note(session: Session, actor: Actor, number: int, text: str) -> Outcome:
    """Anyone in the workspace may add a note: sharing what you know about a deal needs no ownership."""
    body = validate_note(text)
    opp = repo.get_opportunity(session, actor.team_id, number)
    with _conflicts_as_errors(number):
        session.add(Note(team_id=actor.team_id, opportunity_id=opp.id, author_id=actor.user_id, body=body))
        event = record(session, actor, opp, EventKind.NOTE_ADDED, detail={"note": body[:500]})
        session.flush()
    return Outcome(opp, event_ids=[event])


# --- bulk ------------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BulkOutcome:
    done: list[Outcome] = field(default_factory=list)
    failed: dict[int, OppbotError] = field(default_factory=dict)  # number -> why


def bulk_move(
    session: Session, actor: Actor, numbers: Sequence[int], to_stage: Stage, *, loss_reason: str | None = None
) -> BulkOutcome:
    """Managers only. Each deal is moved under a savepoint, so one refusal doesn't undo the others."""
    require_manager(actor, N_("move deals in bulk"))
    result = BulkOutcome()
    for number in dict.fromkeys(numbers):
        try:
            with session.begin_nested():
                result.done.append(move(session, actor, number, to_stage, loss_reason=loss_reason))
        except (InvalidInput, PermissionDenied, Conflict, NotFound) as exc:
            result.failed[number] = exc
    return result


def bulk_assign(session: Session, actor: Actor, numbers: Sequence[int], user_id: str | None) -> BulkOutcome:
    require_manager(actor, N_("assign deals in bulk"))
    result = BulkOutcome()
    for number in dict.fromkeys(numbers):
        try:
            with session.begin_nested():
                outcome = assign(session, actor, number, user_id) if user_id else unassign(session, actor, number)
                result.done.append(outcome)
        except (PermissionDenied, Conflict, NotFound) as exc:
            result.failed[number] = exc
    return result


__all__ = [
    "BulkOutcome",
    "Outcome",
    "ValidDraft",
    "add_note",
    "assign",
    "bulk_assign",
    "bulk_move",
    "claim",
    "close_lost",
    "close_won",
    "create",
    "edit",
    "may_edit",
    "move",
    "require_edit",
    "require_manager",
    "reset_probability",
    "unassign",
]
