"""The customer edit form: opened from the customer page (`/opp customer <name>`) or beside the deal modal's
customer picker; saved through customers.edit_customer (its validation, duplicate hints and activity row)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App

from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.domain.opportunity import CustomerKind, CustomerRef
from oppbot.i18n import N_, _
from oppbot.services import customers
from oppbot.slack import view_state
from oppbot.slack.blocks import modals
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action, Block, Callback, input_action
from oppbot.slack.listeners.views.replies import tell_user
from oppbot.slack.pipeline import Request, ack_after, ack_first
from oppbot.slack.text import error_text, escape

log = logging.getLogger(__name__)
TITLE = N_("Edit customer")  # a modal title (≤ 24 characters in every language), translated when shown


def picked_customer(body: dict) -> CustomerRef | None:
    """The customer selected in the deal modal's picker, from the view state a block_actions carries."""
    values = (body.get("view") or {}).get("state", {}).get("values", {})
    chosen = (values.get(Block.CUSTOMER.value, {}).get(input_action(Block.CUSTOMER)) or {}).get("selected_option")
    return view_state.customer_ref((chosen or {}).get("value"))


def open_edit(req: Request) -> None:
    # Any member may edit customers; no users.info before views.open (the save checks again).
    in_modal = req.action.get("value") == "picker"
    ref = picked_customer(req.body) if in_modal else view_state.customer_ref(req.action.get("value"))
    opener = req.client.views_push if in_modal else req.client.views_open
    if ref is None:
        view = modals.message_modal(_(TITLE), _("Choose a customer in the picker first, then edit it."))
    else:
        try:
            with req.unit_of_work() as session:
                details = customers.customer_details(session, req.unresolved, ref)
            view = modals.customer_edit_modal(details, team_id=req.team_id, channel_id=req.channel_id, pushed=in_modal)
        except OppbotError as exc:
            view = modals.message_modal(_(TITLE), escape(error_text(exc)))
    opener(trigger_id=req.trigger_id, view=view)


def save(req: Request) -> Callable[[], None] | None:
    req.refusal_field = lambda exc: Block.CUSTOMER_NAME.value
    ref = view_state.customer_ref(req.meta.customer)
    if ref is None:
        raise InvalidInput.field(Block.CUSTOMER_NAME.value, _("This form is out of date; open it again."))
    values = req.view["state"]["values"]
    fields = {"name": view_state.value_of(values, Block.CUSTOMER_NAME) or ""}
    if ref.kind == CustomerKind.INDIVIDUAL:
        fields["email"] = view_state.value_of(values, Block.CUSTOMER_EMAIL)
        fields["phone"] = view_state.value_of(values, Block.CUSTOMER_PHONE)
    else:
        fields["domain"] = view_state.value_of(values, Block.CUSTOMER_DOMAIN)
    actor = req.actor
    with req.unit_of_work() as session:
        result = customers.edit_customer(session, actor, ref, **fields)
        name = result.customer.name
    warnings = "".join(f"\n:warning: {escape(w)}" for w in result.warnings)
    text = _("Saved customer *{name}*.", name=escape(name)) + warnings
    return lambda: tell_user(req.client, actor, req.meta.channel_id, text)


def register(app: App, deps: Deps) -> None:
    app.action(Action.EDIT_CUSTOMER.value)(ack_first(open_edit))
    app.view(Callback.CUSTOMER_EDIT.value)(ack_after(save))
