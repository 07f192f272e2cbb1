"""The Billables section of a deal card, the catalog list, and the modals to add a line or keep a service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oppbot.db.models import Service
from oppbot.domain.billing import format_quantity, from_minor
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.services.billables import BillablesView
from oppbot.slack import metadata
from oppbot.slack.ids import BillingAction, BillingBlock, BillingCallback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape, money, plain, truncate


def input_id(block: BillingBlock) -> str:
    return f"{block.value}_input"


def _button(text: str, action: BillingAction, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action.value,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def build_billables_section(view: BillablesView, *, can_edit: bool = True) -> list[dict[str, Any]]:
    """Blocks to append to the deal card: the lines, the total, and the buttons that apply."""
    opp, currency = view.opportunity, view.currency
    lines = []
    for line in view.lines:
        lines.append(
            f"• {escape(truncate(line.description, 120))} — {format_quantity(Decimal(line.quantity))} × "
            f"{money(from_minor(line.unit_price_minor, currency), currency)} = "
            f"{money(from_minor(view.line_total_minor(line), currency), currency)}"
        )
    body = "\n".join(lines) if lines else "_No billables yet._"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": truncate(f"*Billables*\n{body}\n*Total: {money(view.total, currency)}*", 2900),
            },
        },
    ]
    if can_edit:
        number = str(opp.number)
        buttons = [
            _button("Add service", BillingAction.ADD_SERVICE, number),
            _button("Add line", BillingAction.ADD_LINE, number),
        ]
        if view.lines and opp.amount_minor != view.total_minor:
            buttons.append(_button("Set value to total", BillingAction.SET_VALUE, number))
        if view.lines and opp.stage == Stage.CLOSED_WON.value:
            buttons.append(_button("Generate invoice", BillingAction.GENERATE_INVOICE, number, "primary"))
        blocks.append({"type": "actions", "block_id": f"billables_{opp.number}", "elements": buttons})
        removable = view.lines[:25]
        if removable:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"billables_remove_{opp.number}",
                    "elements": [
                        {
                            "type": "static_select",
                            "action_id": BillingAction.EDIT_LINE.value,
                            "placeholder": {"type": "plain_text", "text": "Edit or delete a line…"},
                            "options": [
                                {
                                    "text": {"type": "plain_text", "text": plain(f"Edit: {line.description}", 75)},
                                    "value": str(line.id),
                                }
                                for line in removable
                            ],
                        },
                        {
                            "type": "static_select",
                            "action_id": BillingAction.REMOVE_LINE.value,
                            "placeholder": {"type": "plain_text", "text": "Remove a line…"},
                            "options": [
                                {
                                    "text": {"type": "plain_text", "text": plain(f"Remove: {line.description}", 75)},
                                    "value": str(line.id),
                                }
                                for line in removable
                            ],
                        },
                    ],
                }
            )
    return blocks


def build_billables_message(view: BillablesView, *, can_edit: bool = True) -> list[dict[str, Any]]:
    opp = view.opportunity
    header = {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": truncate(
                f"*{format_ref(opp.number)} {escape(truncate(opp.title, 150))}*"
                f" · {escape(truncate(opp.customer_name, 100))}",
                2900,
            ),
        },
    }
    return [header, *build_billables_section(view, can_edit=can_edit)]


def build_add_line_modal(
    number: int,
    currency: str,
    services: list[Service] | None = None,
    *,
    custom: bool = True,
    team_id: str | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Add a billable: a catalog select (services given) or a custom description and unit price; quantity always."""
    blocks: list[dict[str, Any]] = []
    if services is not None:
        options = [
            {
                "text": {
                    "type": "plain_text",
                    "text": plain(f"{s.name} — {money(from_minor(s.unit_price_minor, s.currency), s.currency)}", 75),
                },
                "value": str(s.id),
            }
            for s in services[:100]
        ]
        if options:
            blocks.append(
                {
                    "type": "input",
                    "block_id": BillingBlock.SERVICE.value,
                    "label": {"type": "plain_text", "text": "Service"},
                    "hint": {"type": "plain_text", "text": f"The deal is in {currency}: pick a {currency} service."},
                    "element": {
                        "type": "static_select",
                        "action_id": input_id(BillingBlock.SERVICE),
                        "options": options,
                        "placeholder": {"type": "plain_text", "text": "Choose a service"},
                    },
                }
            )
        else:
            blocks.append(
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "The catalog is empty: ask a manager to add services, or add a custom line.",
                    },
                }
            )
    if custom:
        blocks.append(
            {
                "type": "input",
                "block_id": BillingBlock.DESCRIPTION.value,
                "label": {"type": "plain_text", "text": "Description"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": input_id(BillingBlock.DESCRIPTION),
                    "max_length": 300,
                },
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": BillingBlock.QUANTITY.value,
            "label": {"type": "plain_text", "text": "Quantity"},
            "hint": {"type": "plain_text", "text": "More than 0, up to 4 decimals (1, 2.5, 0.25)."},
            "element": {"type": "plain_text_input", "action_id": input_id(BillingBlock.QUANTITY), "initial_value": "1"},
        }
    )
    if custom:
        blocks.append(
            {
                "type": "input",
                "block_id": BillingBlock.UNIT_PRICE.value,
                "label": {"type": "plain_text", "text": f"Unit price ({currency})"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": input_id(BillingBlock.UNIT_PRICE),
                    "placeholder": {"type": "plain_text", "text": "1200.00"},
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": BillingCallback.BILLABLE_ADD.value,
        "title": {"type": "plain_text", "text": plain(f"Billable {format_ref(number)}", 24)},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata.encode(
            ViewMeta(team_id=team_id, number=number, custom=custom, channel_id=channel_id)
        ),
        "blocks": blocks,
    }


def build_edit_line_modal(
    line: Any, number: int, currency: str, *, channel: str | None = None, team_id: str | None = None
) -> dict[str, Any]:
    """Edit a billable line's description, quantity and unit price (in the deal's currency), or delete it."""

    def field(block: BillingBlock, label: str, initial: str, max_length: int) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block.value,
            "label": {"type": "plain_text", "text": label},
            "element": {
                "type": "plain_text_input",
                "action_id": input_id(block),
                "initial_value": initial[:max_length],
                "max_length": max_length,
            },
        }

    delete = {"text": {"type": "plain_text", "text": "Delete this line"}, "value": "delete"}
    blocks = [
        field(BillingBlock.DESCRIPTION, "Description", line.description, 300),
        field(BillingBlock.QUANTITY, "Quantity", format_quantity(Decimal(line.quantity)), 30),
        field(
            BillingBlock.UNIT_PRICE, f"Unit price ({currency})", str(from_minor(line.unit_price_minor, currency)), 30
        ),
        {
            "type": "input",
            "block_id": BillingBlock.DELETE.value,
            "optional": True,
            "label": {"type": "plain_text", "text": "Delete"},
            "element": {"type": "checkboxes", "action_id": input_id(BillingBlock.DELETE), "options": [delete]},
        },
    ]
    return {
        "type": "modal",
        "callback_id": BillingCallback.BILLABLE_EDIT.value,
        "title": {"type": "plain_text", "text": plain(f"Billable {format_ref(number)}", 24)},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata.encode(
            ViewMeta(team_id=team_id, billable_id=line.id, number=number, channel_id=channel)
        ),
        "blocks": blocks,
    }


def build_catalog(services: list[Service], *, is_manager: bool) -> list[dict[str, Any]]:
    if not services:
        text = "*Service catalog*\n_Empty._" + (
            " Add one with `/opp catalog add <name> <price> <CUR>`." if is_manager else " Managers add services."
        )
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    else:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Service catalog*"}}]
        for s in services[:45]:
            row: dict[str, Any] = {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate(
                        f"`{s.id}` {escape(truncate(s.name, 150))}"
                        f" — {money(from_minor(s.unit_price_minor, s.currency), s.currency)}",
                        2900,
                    ),
                },
            }
            if is_manager:
                row["accessory"] = _button("Edit", BillingAction.SERVICE_EDIT, str(s.id))
            blocks.append(row)
    if is_manager:
        blocks.append({"type": "actions", "elements": [_button("Add service", BillingAction.SERVICE_ADD, "new")]})
    return blocks[:50]


def build_service_modal(
    service: Service | None = None, *, default_currency: str = "USD", team_id: str | None = None
) -> dict[str, Any]:
    price = ""
    if service is not None:
        price = format(from_minor(service.unit_price_minor, service.currency), "f")

    def text_input(block: BillingBlock, label: str, initial: str, max_length: int) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": input_id(block), "max_length": max_length}
        if initial:
            element["initial_value"] = initial
        return {
            "type": "input",
            "block_id": block.value,
            "label": {"type": "plain_text", "text": label},
            "element": element,
        }

    return {
        "type": "modal",
        "callback_id": BillingCallback.SERVICE_SAVE.value,
        "title": {"type": "plain_text", "text": "Edit service" if service else "New service"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata.encode(ViewMeta(team_id=team_id, service_id=service.id if service else None)),
        "blocks": [
            text_input(BillingBlock.SERVICE_NAME, "Name", service.name if service else "", 200),
            text_input(BillingBlock.SERVICE_PRICE, "Unit price", price, 30),
            text_input(
                BillingBlock.SERVICE_CURRENCY,
                "Currency (ISO code)",
                service.currency if service else default_currency,
                3,
            ),
        ],
    }
