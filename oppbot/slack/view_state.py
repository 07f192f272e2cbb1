"""Modal state.values → typed forms (parse once), and field errors → the block ids Slack shows them beside."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from oppbot.domain.errors import InvalidInput
from oppbot.domain.opportunity import CustomerKind, CustomerRef, Draft
from oppbot.i18n import _
from oppbot.slack.ids import Block, input_action


def value_of(values: Mapping[str, Any], block: Block) -> str | None:
    """The submitted value of the one element in `block`, whatever its type; None when empty or absent."""
    element = (values.get(block.value) or {}).get(input_action(block)) or {}
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = element.get("selected_option") or {}
        return chosen.get("value") or None
    if kind == "users_select":
        return element.get("selected_user") or None
    if kind == "datepicker":
        return element.get("selected_date") or None
    raw = element.get("value")
    return raw if raw not in (None, "") else None


def customer_ref(raw: str | None) -> CustomerRef | None:
    """An option value like 'organization:3', or None for nothing/garbage (validation then asks for a customer)."""
    if not raw:
        return None
    try:
        return CustomerRef.decode(raw)
    except InvalidInput:
        return None


def deal_draft(values: Mapping[str, Any]) -> Draft:
    return Draft(
        title=value_of(values, Block.TITLE),
        customer=customer_ref(value_of(values, Block.CUSTOMER)),
        value=value_of(values, Block.VALUE),
        currency=value_of(values, Block.CURRENCY),
        stage=value_of(values, Block.STAGE),
        probability=value_of(values, Block.PROBABILITY),
        expected_close=value_of(values, Block.EXPECTED_CLOSE),
        description=value_of(values, Block.DESCRIPTION),
        external_ref=value_of(values, Block.EXTERNAL_REF),
        assignee=value_of(values, Block.ASSIGNEE),
        category=value_of(values, Block.CATEGORY),
    )


@dataclass(frozen=True, slots=True)
class CustomerForm:
    kind: CustomerKind
    name: str | None
    email: str | None
    phone: str | None
    domain: str | None


def customer_form(values: Mapping[str, Any]) -> CustomerForm:
    raw_kind = value_of(values, Block.CUSTOMER_KIND)
    try:
        kind = CustomerKind(raw_kind) if raw_kind else CustomerKind.ORGANIZATION
    except ValueError:
        raise InvalidInput.field("kind", _("Choose Individual or Organization.")) from None
    return CustomerForm(
        kind=kind,
        name=value_of(values, Block.CUSTOMER_NAME),
        email=value_of(values, Block.CUSTOMER_EMAIL),
        phone=value_of(values, Block.CUSTOMER_PHONE),
        domain=value_of(values, Block.CUSTOMER_DOMAIN),
    )


@dataclass(frozen=True, slots=True)
class LossForm:
    reason: str | None
    note: str | None


def loss_form(values: Mapping[str, Any]) -> LossForm:
    return LossForm(value_of(values, Block.LOSS_REASON), value_of(values, Block.LOSS_NOTE))


def note_text(values: Mapping[str, Any]) -> str | None:
    return value_of(values, Block.NOTE)


def input_block_ids(view: Mapping[str, Any]) -> list[str]:
    """The form's input block ids as Slack sent them back; a forged block (not an object, an id that is not a
    short string) names no field, so an error never lands on it."""
    blocks = view.get("blocks") if isinstance(view, Mapping) else None
    return [
        b["block_id"]
        for b in (blocks if isinstance(blocks, list) else [])
        if isinstance(b, Mapping)
        and b.get("type") == "input"
        and isinstance(b.get("block_id"), str)
        and 0 < len(b["block_id"]) <= 255
    ]


def errors_for(errors: Mapping[str, str], block_ids: Iterable[str]) -> dict[str, str]:
    """Service field names are our block ids; a field with no block of its own shows on the first input."""
    block_ids = list(block_ids)
    fallback = block_ids[0] if block_ids else Block.TITLE.value
    out: dict[str, str] = {}
    for name, message in errors.items():
        target = name if name in block_ids else fallback
        out[target] = (out[target] + " " + message) if target in out else message
    return {k: v[:2000] for k, v in out.items()}
