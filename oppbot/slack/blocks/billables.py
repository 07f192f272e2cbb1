"""The Billables section of a deal card, the catalog list, and the modals to add a line or keep a service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oppbot.db.models import Service
from oppbot.domain.billing import format_quantity, from_minor
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import _
from oppbot.services.billables import BillablesView
from oppbot.slack.blocks.common import (
    actions,
    bold,
    button,
    input_block,
    modal,
    option,
    plain_text,
    section,
    static_select,
    text_input,
)
from oppbot.slack.ids import BillingAction, BillingBlock, BillingCallback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape, money, truncate

TEXT_MAX = 2900


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
    body = "\n".join(lines) if lines else _("_No billables yet._")
    total = bold(_("Total: {amount}", amount=money(view.total, currency)))
    blocks: list[dict[str, Any]] = [
        section(bold(_("Billables")) + f"\n{body}\n{total}", limit=TEXT_MAX),
    ]
    if can_edit:
        number = str(opp.number)
        buttons = [
            button(_("Add service"), BillingAction.ADD_SERVICE, number),
            button(_("Add line"), BillingAction.ADD_LINE, number),
        ]
        if view.lines and opp.amount_minor != view.total_minor:
            buttons.append(button(_("Set value to total"), BillingAction.SET_VALUE, number))
        if view.lines and opp.stage == Stage.CLOSED_WON.value:
            buttons.append(button(_("Generate invoice"), BillingAction.GENERATE_INVOICE, number, "primary"))
        blocks.append(actions(*buttons, block_id=f"billables_{opp.number}"))
        removable = view.lines[:25]
        if removable:
            blocks.append(
                actions(
                    static_select(
                        [option(_("Edit: {line}", line=line.description), str(line.id)) for line in removable],
                        placeholder=_("Edit or delete a line…"),
                        action_id=BillingAction.EDIT_LINE.value,
                    ),
                    static_select(
                        [option(_("Remove: {line}", line=line.description), str(line.id)) for line in removable],
                        placeholder=_("Remove a line…"),
                        action_id=BillingAction.REMOVE_LINE.value,
                    ),
                    block_id=f"billables_remove_{opp.number}",
                )
            )
    return blocks


def build_billables_message(view: BillablesView, *, can_edit: bool = True) -> list[dict[str, Any]]:
    opp = view.opportunity
    header = section(
        f"*{format_ref(opp.number)} {escape(truncate(opp.title, 150))}* · {escape(truncate(opp.customer_name, 100))}",
        limit=TEXT_MAX,
    )
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
            option(f"{s.name} — {money(from_minor(s.unit_price_minor, s.currency), s.currency)}", str(s.id))
            for s in services[:100]
        ]
        if options:
            blocks.append(
                input_block(
                    BillingBlock.SERVICE,
                    _("Service"),
                    static_select(options, placeholder=_("Choose a service")),
                    hint=_("The deal is in {currency}: pick a {currency} service.", currency=currency),
                )
            )
        else:
            blocks.append(section(_("The catalog is empty: ask a manager to add services, or add a custom line.")))
    if custom:
        blocks.append(
            input_block(BillingBlock.DESCRIPTION, _("Description"), {"type": "plain_text_input", "max_length": 300})
        )
    blocks.append(
        input_block(
            BillingBlock.QUANTITY,
            _("Quantity"),
            {"type": "plain_text_input", "initial_value": "1"},
            hint=_("More than 0, up to 4 decimals (1, 2.5, 0.25)."),
        )
    )
    if custom:
        blocks.append(
            input_block(
                BillingBlock.UNIT_PRICE,
                _("Unit price ({currency})", currency=currency),
                {"type": "plain_text_input", "placeholder": plain_text("1200.00")},
            )
        )
    meta = ViewMeta(team_id=team_id, number=number, custom=custom, channel_id=channel_id)
    title = _("Billable {ref}", ref=format_ref(number))
    return modal(BillingCallback.BILLABLE_ADD, title, blocks, submit=_("Add"), metadata=meta)


def build_edit_line_modal(
    line: Any, number: int, currency: str, *, channel: str | None = None, team_id: str | None = None
) -> dict[str, Any]:
    """Edit a billable line's description, quantity and unit price (in the deal's currency), or delete it."""

    def field(block: BillingBlock, label: str, initial: str, max_length: int) -> dict[str, Any]:
        element = {"type": "plain_text_input", "initial_value": initial[:max_length], "max_length": max_length}
        return input_block(block, label, element)

    delete = option(_("Delete this line"), "delete")
    price = str(from_minor(line.unit_price_minor, currency))
    blocks = [
        field(BillingBlock.DESCRIPTION, _("Description"), line.description, 300),
        field(BillingBlock.QUANTITY, _("Quantity"), format_quantity(Decimal(line.quantity)), 30),
        field(BillingBlock.UNIT_PRICE, _("Unit price ({currency})", currency=currency), price, 30),
        input_block(BillingBlock.DELETE, _("Delete"), {"type": "checkboxes", "options": [delete]}, optional=True),
    ]
    meta = ViewMeta(team_id=team_id, billable_id=line.id, number=number, channel_id=channel)
    return modal(BillingCallback.BILLABLE_EDIT, _("Billable {ref}", ref=format_ref(number)), blocks, metadata=meta)


def build_catalog(services: list[Service], *, is_manager: bool) -> list[dict[str, Any]]:
    if not services:
        how = _("Add one with `/opp catalog add <name> <price> <CUR>`.") if is_manager else _("Managers add services.")
        text = bold(_("Service catalog")) + "\n" + _("_Empty._") + " " + how
        blocks: list[dict[str, Any]] = [section(text)]
    else:
        blocks = [section(bold(_("Service catalog")))]
        for s in services[:45]:
            edit = button(_("Edit"), BillingAction.SERVICE_EDIT, str(s.id)) if is_manager else None
            price = money(from_minor(s.unit_price_minor, s.currency), s.currency)
            line = f"`{s.id}` {escape(truncate(s.name, 150))} — {price}"
            blocks.append(section(line, limit=TEXT_MAX, accessory=edit))
    if is_manager:
        blocks.append(actions(button(_("Add service"), BillingAction.SERVICE_ADD, "new")))
    return blocks[:50]


def build_service_modal(
    service: Service | None = None, *, default_currency: str = "USD", team_id: str | None = None
) -> dict[str, Any]:
    price = ""
    if service is not None:
        price = format(from_minor(service.unit_price_minor, service.currency), "f")

    def field(block: BillingBlock, label: str, initial: str, max_length: int) -> dict[str, Any]:
        return input_block(block, label, text_input(initial, max_length=max_length))

    blocks = [
        field(BillingBlock.SERVICE_NAME, _("Name"), service.name if service else "", 200),
        field(BillingBlock.SERVICE_PRICE, _("Unit price"), price, 30),
        field(
            BillingBlock.SERVICE_CURRENCY,
            _("Currency (ISO code)"),
            service.currency if service else default_currency,
            3,
        ),
    ]
    meta = ViewMeta(team_id=team_id, service_id=service.id if service else None)
    title = _("Edit service") if service else _("New service")
    return modal(BillingCallback.SERVICE_SAVE, title, blocks, metadata=meta)
