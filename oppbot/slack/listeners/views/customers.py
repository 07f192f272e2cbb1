"""The customer edit form: opened from the customer page (`/opp customer <name>`) or beside the deal modal's
customer picker; saved through customers.edit_customer (its validation, duplicate hints and activity row)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import OppbotError
from oppbot.domain.opportunity import CustomerKind, CustomerRef
from oppbot.services import customers
from oppbot.services.context import Actor
from oppbot.slack import view_state
from oppbot.slack.blocks import modals
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action, Block, Callback, input_action
from oppbot.slack.listeners.views.replies import tell_user
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import escape

log = logging.getLogger(__name__)
TITLE = "Edit customer"


def picked_customer(body: dict) -> CustomerRef | None:
    """The customer selected in the deal modal's picker, from the view state a block_actions carries."""
    values = (body.get("view") or {}).get("state", {}).get("values", {})
    chosen = (values.get(Block.CUSTOMER.value, {}).get(input_action(Block.CUSTOMER)) or {}).get("selected_option")
    return view_state.customer_ref((chosen or {}).get("value"))


def open_edit(deps: Deps, ack: Ack, body: dict, client: WebClient) -> None:
    ack()
    team_id = (body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id")
    actor = Actor(team_id, body["user"]["id"])  # any member may edit customers; no users.info before views.open
    action = body["actions"][0]
    in_modal = action.get("value") == "picker"
    ref = picked_customer(body) if in_modal else view_state.customer_ref(action.get("value"))
    opener = client.views_push if in_modal else client.views_open
    channel = (body.get("channel") or {}).get("id")
    if ref is None:
        view = modals.message_modal(TITLE, "Choose a customer in the picker first, then edit it.")
    else:
        try:
            with unit_of_work(deps.sessions) as session:
                details = customers.customer_details(session, actor, ref)
            view = modals.customer_edit_modal(details, team_id=team_id, channel_id=channel, pushed=in_modal)
        except OppbotError as exc:
            view = modals.message_modal(TITLE, escape(exc.message))
    opener(trigger_id=body["trigger_id"], view=view)


def save(deps: Deps, ack: Ack, body: dict, view: dict, client: WebClient) -> None:
    meta = modals.decode_metadata(view.get("private_metadata"))
    values = view["state"]["values"]
    ref = view_state.customer_ref(meta.get("r"))
    blocks = view_state.input_block_ids(view)
    if ref is None or meta.get("t") != (body.get("team") or {}).get("id", meta.get("t")):
        ack(response_action="errors", errors={Block.CUSTOMER_NAME.value: "This form is out of date; open it again."})
        return
    fields = {"name": view_state.value_of(values, Block.CUSTOMER_NAME) or ""}
    if ref.kind == CustomerKind.INDIVIDUAL:
        fields["email"] = view_state.value_of(values, Block.CUSTOMER_EMAIL)
        fields["phone"] = view_state.value_of(values, Block.CUSTOMER_PHONE)
    else:
        fields["domain"] = view_state.value_of(values, Block.CUSTOMER_DOMAIN)
    try:
        actor = resolve_actor(deps, client, meta["t"], body["user"]["id"])
        with unit_of_work(deps.sessions) as session:
            result = customers.edit_customer(session, actor, ref, **fields)
            name = result.customer.name
    except OppbotError as exc:
        errors = getattr(exc, "errors", None) or {"name": exc.message}
        ack(response_action="errors", errors=view_state.errors_for(errors, blocks))
        return
    ack()
    warnings = "".join(f"\n:warning: {escape(w)}" for w in result.warnings)
    tell_user(client, actor, meta.get("c"), f"Saved customer *{escape(name)}*.{warnings}")


def register(app: App, deps: Deps) -> None:
    app.action(Action.EDIT_CUSTOMER.value)(lambda ack, body, client: open_edit(deps, ack, body, client))
    app.view(Callback.CUSTOMER_EDIT.value)(lambda ack, body, view, client: save(deps, ack, body, view, client))
