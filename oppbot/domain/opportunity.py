"""What a valid opportunity is: field rules, the one-customer rule, loss reasons, and field-level diffs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from oppbot.domain.categories import parse_category
from oppbot.domain.errors import FieldErrors, InvalidInput
from oppbot.domain.money import normalise_currency, parse_amount
from oppbot.domain.probability import parse_probability
from oppbot.domain.stages import Stage, parse_stage
from oppbot.i18n import N_, _, number

TITLE_MAX = 200
DESCRIPTION_MAX = 3000
EXTERNAL_REF_MAX = 200
NOTE_MAX = 3000
LOSS_NOTE_MAX = 1000

# Stored as these English words (a workspace may replace them with its own); shown with loss_reason_label().
DEFAULT_LOSS_REASONS: tuple[str, ...] = (
    N_("Price"),
    N_("Competitor"),
    N_("No decision"),
    N_("Timing"),
    N_("Fit"),
    N_("Other"),
)


def loss_reason_label(reason: str) -> str:
    """A loss reason as the reader says it: a default one translated, a workspace's own as it was written."""
    return _(reason) if reason in DEFAULT_LOSS_REASONS else reason


class CustomerKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """Exactly one customer: an individual or an organization (seed FAQ: never both)."""

    kind: CustomerKind
    id: int

    @classmethod
    def from_ids(cls, individual_id: int | None, organization_id: int | None) -> CustomerRef:
        if individual_id and organization_id:
            raise InvalidInput.field(
                "customer", _("A deal belongs to one customer: an individual or an organization, not both.")
            )
        if individual_id:
            return cls(CustomerKind.INDIVIDUAL, int(individual_id))
        if organization_id:
            return cls(CustomerKind.ORGANIZATION, int(organization_id))
        raise InvalidInput.field("customer", _("Choose a customer: an individual or an organization."))

    def encode(self) -> str:
        """'individual:7' — the form used in option values and action values."""
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def decode(cls, text: str) -> CustomerRef:
        kind, _colon, raw_id = (text or "").partition(":")
        try:
            return cls(CustomerKind(kind), int(raw_id))
        except ValueError:
            raise InvalidInput.field("customer", _("Choose a customer from the list.")) from None


def clean_text(raw: object) -> str:
    return str(raw if raw is not None else "").strip()


def validate_required(raw: object, name: str, label: str, limit: int, missing: str) -> str:
    """One line of text a person must give: whitespace folded, not empty (`missing` says what to write), ≤ limit.

    `label` and `missing` are already in the reader's language (`_("The title")`)."""
    text = " ".join(clean_text(raw).split())
    if not text:
        raise InvalidInput.field(name, missing)
    if len(text) > limit:
        raise InvalidInput.field(name, too_long(label, len(text), limit))
    return text


def too_long(label: str, length: int, limit: int) -> str:
    """'The title is 250 characters; 200 at most.' (`label` translated by the caller)."""
    return _("{label} is {length} characters; {limit} at most.", label=label, length=length, limit=number(limit))


def validate_title(raw: object) -> str:
    return validate_required(
        raw, "title", _("The title"), TITLE_MAX, _('Give the deal a title, like "Acme Corp - Software licence".')
    )


def validate_optional(raw: object, name: str, label: str, limit: int) -> str | None:
    text = clean_text(raw)
    if len(text) > limit:
        raise InvalidInput.field(name, too_long(label, len(text), limit))
    return text or None


def validate_description(raw: object) -> str | None:
    return validate_optional(raw, "description", _("The description"), DESCRIPTION_MAX)


def validate_external_ref(raw: object) -> str | None:
    return validate_optional(raw, "external_ref", _("The external reference"), EXTERNAL_REF_MAX)


def validate_note(raw: object) -> str:
    text = validate_optional(raw, "note", _("The note"), NOTE_MAX)
    if not text:
        raise InvalidInput.field("note", _("Write something in the note."))
    return text


def validate_loss_reason(raw: object, allowed: tuple[str, ...] | list[str]) -> str:
    """The stored reason (as the workspace wrote it) for what a person typed: the reason itself or, in another
    language, its translation; a unique prefix of either works too."""
    text = clean_text(raw)
    shown = ", ".join(loss_reason_label(reason) for reason in allowed)
    if not text:
        raise InvalidInput.field("loss_reason", _("Say why the deal was lost: {reasons}.", reasons=shown))
    typed = text.casefold()

    def names(reason: str) -> set[str]:
        return {reason.casefold(), loss_reason_label(reason).casefold()}

    for reason in allowed:
        if typed in names(reason):
            return reason
    # Accept a unique prefix ("comp" → Competitor) so `/opp lost 42 comp` works.
    matches = [reason for reason in allowed if any(name.startswith(typed) for name in names(reason))]
    if len(matches) == 1:
        return matches[0]
    raise InvalidInput.field(
        "loss_reason", _("'{text}' is not a loss reason. Use one of: {reasons}.", text=text[:40], reasons=shown)
    )


def parse_date(raw: object, name: str = "expected_close") -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidInput.field(
            name, _("'{text}' is not a date. Use YYYY-MM-DD, like 2026-12-31.", text=str(raw)[:20])
        ) from None


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def diff_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """Field-level changes between two snapshots, in the order of `after`'s keys."""
    return [FieldChange(k, before.get(k), v) for k, v in after.items() if before.get(k) != v]


def jsonable(value: Any) -> Any:
    """A value as stored in activity before/after: dates as ISO text, decimals as exact strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


@dataclass(slots=True)
class Draft:
    """The user-facing fields of a deal as submitted (create or edit), not yet validated."""

    title: object = None
    customer: CustomerRef | None = None
    value: object = None
    currency: str | None = None
    stage: object = None
    probability: object = None
    expected_close: object = None
    description: object = None
    external_ref: object = None
    assignee: str | None = None
    category: object = None  # None: not given (kept as it is); "stage": follow the stage; else a category


@dataclass(frozen=True, slots=True)
class ValidDraft:
    title: str
    customer: CustomerRef
    amount: Decimal
    currency: str
    stage: Stage
    probability: int | None  # None: the user gave none, the stage decides
    expected_close: date | None
    description: str | None
    external_ref: str | None
    assignee: str | None
    category: str | None = None  # None: not given; "stage": follow the stage; else a Category value


def _category(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    if str(raw).strip().lower() in ("stage", "default"):
        return "stage"
    return parse_category(str(raw)).value


def validate_draft(draft: Draft, *, default_currency: str) -> ValidDraft:
    """Every field checked; all problems reported at once (a modal shows each beside its field)."""
    fields = FieldErrors()
    check = fields.check
    title = check(validate_title, draft.title)
    customer = draft.customer
    if customer is None:
        fields.add("customer", _("Choose a customer: an individual or an organization."))
    currency = check(normalise_currency, draft.currency or default_currency)
    amount = None
    if currency:
        amount = check(parse_amount, "0" if draft.value in (None, "") else draft.value, currency)
    stage = check(parse_stage, str(draft.stage)) if draft.stage not in (None, "") else Stage.LEAD
    probability = None
    if draft.probability not in (None, ""):
        probability = check(parse_probability, draft.probability)
    expected_close = check(parse_date, draft.expected_close)
    description = check(validate_description, draft.description)
    external_ref = check(validate_external_ref, draft.external_ref)
    category = check(_category, draft.category)
    fields.raise_any()
    return ValidDraft(
        title=title,
        customer=customer,
        amount=amount,
        currency=currency,
        stage=stage,
        probability=probability,
        expected_close=expected_close,
        description=description,
        external_ref=external_ref,
        assignee=draft.assignee or None,
        category=category,
    )
