"""One CSV row as a deal to import: every field through the same validators and parsers as the commands and forms.
Pure: the importer (oppbot/services/deal_import.py) decides what to create, update or skip."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from oppbot.domain.categories import OPEN_CATEGORIES, Category, parse_category
from oppbot.domain.dealcsv import ENTERED, BoundMap, count_formulas
from oppbot.domain.errors import FieldErrors, InvalidInput
from oppbot.domain.money import minor_units, normalise_currency, parse_amount
from oppbot.domain.opportunity import (
    LOSS_NOTE_MAX,
    CustomerKind,
    validate_description,
    validate_external_ref,
    validate_optional,
    validate_required,
    validate_title,
)
from oppbot.domain.probability import parse_probability
from oppbot.domain.stages import Stage
from oppbot.domain.workspace import WorkspaceRules
from oppbot.i18n import _

_USER = re.compile(r"^<?@?([UW][A-Z0-9_]{2,})(?:\|[^>]*)?>?$")
_STATUS = {"won": Stage.CLOSED_WON, "lost": Stage.CLOSED_LOST}
# HubSpot's names beside oppbot's and Salesforce's (Pipeline, Best Case, Commit, Closed, Omitted).
_CRM_CATEGORIES = {"notforecasted": Category.OMITTED, "closedwon": Category.CLOSED, "closedlost": Category.OMITTED}


@dataclass(frozen=True, slots=True)
class DealRow:
    line: int
    title: str
    customer: str
    customer_kind: CustomerKind
    customer_email: str | None
    amount: Decimal
    currency: str
    stage: Stage
    probability: int
    probability_manual: bool
    expected_close: date | None
    assignee: str | None
    owner_unknown: bool  # an owner was named that isn't a Slack user id: left unassigned
    external_ref: str | None
    description: str | None
    lost_reason: str | None
    lost_note: str | None
    created_by: str | None
    closed_at: datetime | None
    entered: dict[Stage, datetime]
    formulas: int  # cells that started like a spreadsheet formula (kept as text)
    amount_minor: int  # the amount in the currency's minor units, worked out once (read by key, compare and write)
    category: str | None = None  # the rep's own forecast category of an open deal; None: it follows the stage

    def key(self) -> tuple[str, str]:
        """What makes a second import of the same row a no-op: its external reference, else a content hash."""
        if self.external_ref:
            return ("ref", self.external_ref)
        return ("hash", content_hash(self.title, self.customer, self.amount_minor, self.currency, self.expected_close))


def content_hash(title: str, customer: str, amount_minor: int, currency: str, close: date | None) -> str:
    text = "\x1f".join(
        (title.casefold(), customer.casefold(), str(amount_minor), currency, close.isoformat() if close else "")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_when(raw: str, name: str) -> datetime | None:
    """An ISO 8601 time (UTC when it names no zone) or date (midnight UTC)."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T", 1) if len(raw) > 10 else raw)
    except ValueError:
        raise InvalidInput.field(
            name, _("'{text}' is not a time: use ISO 8601, like 2026-11-03T10:00:00Z.", text=raw[:25])
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_day(raw: str, name: str = "expected_close") -> date | None:
    """YYYY-MM-DD, optionally followed by a time as CRMs export it ('2026-11-30 00:00')."""
    if not raw:
        return None
    head = raw[:10]
    try:
        return date.fromisoformat(head) if len(raw) == 10 or raw[10] in " T" else date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput.field(
            name, _("'{text}' is not a date: use YYYY-MM-DD, like 2026-12-31.", text=raw[:25])
        ) from None


def _probability(raw: str) -> int:
    # HubSpot writes probabilities as fractions (0.2); everyone else as percentages (20, 20%).
    if "." in raw and not raw.endswith("%"):
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = None
        if number is not None and 0 <= number <= 1:
            return int((number * 100).to_integral_value())
    return parse_probability(raw)


def _assignee(raw: str) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    match = _USER.match(raw)
    return (match.group(1), False) if match else (None, True)


def _stage(bound: BoundMap, cells: dict[str, str]) -> Stage:
    status = cells.get("status", "").casefold()
    if status in _STATUS:  # Pipedrive: a won or lost deal keeps the stage it was in; its status says it closed
        return _STATUS[status]
    text = cells.get("stage", "")
    return bound.map.stage(text) if text else Stage.LEAD


def _read_category(raw: str) -> Category:
    found = _CRM_CATEGORIES.get("".join(ch for ch in raw.casefold() if ch.isalnum()))
    return found if found is not None else parse_category(raw)


def _category(category: Category | None, source: str, stage: Stage, rules: WorkspaceRules) -> str | None:
    """What to store: the row's category when the rep chose it, None when it follows the stage. oppbot's own export
    says which (forecast_category_source); another CRM's category counts as chosen when it isn't the stage's default
    here. A won or lost deal's category is decided by closing, and Closed is no choice for an open deal."""
    if category is None or stage.is_closed or category not in OPEN_CATEGORIES or source == "stage":
        return None
    return category.value if source == "manual" or category != rules.categories[stage] else None


def _customer(cells: dict[str, str]) -> tuple[str, CustomerKind]:
    name, contact = cells.get("customer", ""), cells.get("contact", "")
    kind_text = cells.get("customer_type", "").casefold()
    if not name and contact:
        return contact, CustomerKind.INDIVIDUAL
    kind = CustomerKind.INDIVIDUAL if kind_text == CustomerKind.INDIVIDUAL.value else CustomerKind.ORGANIZATION
    return name, kind


def parse_row(bound: BoundMap, row: list[str], line: int, rules: WorkspaceRules) -> DealRow:
    """The row as a deal, or InvalidInput with every problem of the row (joined into one reason)."""
    fields = FieldErrors()
    check = fields.check
    cells = bound.extract(row)

    def get(_row: object, name: str) -> str:
        return cells.get(name, "")

    title = check(validate_title, get(row, "title"))
    customer, kind = _customer(cells)
    customer = check(
        validate_required,
        customer,
        "customer",
        _("The customer"),
        200,
        _("The row names no customer (company or contact)."),
    )
    currency = check(normalise_currency, get(row, "currency") or rules.currency)
    raw_value = get(row, "value")
    amount = check(parse_amount, raw_value or "0", currency) if currency else None
    stage = check(_stage, bound, cells)
    raw_probability = get(row, "probability")
    probability = check(_probability, raw_probability) if raw_probability else None
    expected_close = check(parse_day, get(row, "expected_close"))
    entered = {}
    for stage_key, column in ENTERED.items():
        moment = check(parse_when, get(row, column), column)
        if moment is not None:
            entered[stage_key] = moment
    closed_at = check(parse_when, get(row, "closed_at"), "closed_at")
    external_ref = check(validate_external_ref, get(row, "external_ref"))
    description = check(validate_description, get(row, "description"))
    lost_note = check(validate_optional, get(row, "lost_note"), "lost_note", _("The loss note"), LOSS_NOTE_MAX)
    raw_category = get(row, "forecast_category")
    category = check(_read_category, raw_category) if raw_category else None
    fields.raise_any()
    default = rules.probabilities[stage]
    source = get(row, "probability_source").casefold()
    # oppbot's own export says where a probability came from; other files get "manual" when it isn't the default.
    manual = probability is not None and (source == "manual" or (source != "stage" and probability != default))
    assignee, owner_unknown = _assignee(get(row, "assignee"))
    created_by, _unknown = _assignee(get(row, "created_by"))  # not `_`: that is the translation function
    email = get(row, "customer_email") or None
    return DealRow(
        line=line,
        title=title,
        customer=customer,
        customer_kind=kind,
        customer_email=email.lower() if email and "@" in email else None,
        amount=amount,
        currency=currency,
        stage=stage,
        probability=probability if probability is not None else default,
        probability_manual=manual,
        expected_close=expected_close,
        assignee=assignee,
        owner_unknown=owner_unknown,
        external_ref=external_ref,
        description=description,
        lost_reason=(get(row, "lost_reason")[:100] or None) if stage == Stage.CLOSED_LOST else None,
        lost_note=lost_note if stage == Stage.CLOSED_LOST else None,
        created_by=created_by,
        closed_at=closed_at,
        entered=entered,
        formulas=0 if bound.map.restores_cells else count_formulas(row),
        category=_category(category, get(row, "forecast_category_source").casefold(), stage, rules),
        amount_minor=int(amount.scaleb(minor_units(currency))),
    )


def row_problem(exc: InvalidInput) -> str:
    return " ".join(exc.errors.values())
