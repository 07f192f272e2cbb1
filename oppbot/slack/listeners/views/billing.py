"""Submissions of the billable, task and catalog modals: invalid fields come back inline beside the field."""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.domain.refs import format_ref
from oppbot.services import billables, catalog, tasks
from oppbot.slack.billing_flows import viewer_tz
from oppbot.slack.deps import Deps
from oppbot.slack.ids import BillingBlock, BillingCallback
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import escape, money

log = logging.getLogger(__name__)


def _state(view: dict) -> dict[str, dict]:
    """{block_id: the one element's state} of a submitted view."""
    return {block: next(iter(actions.values()), {}) for block, actions in view["state"]["values"].items()}


def _get(state: dict, block: BillingBlock, key: str = "value"):
    element = state.get(block.value) or {}
    if key == "selected_option":
        return (element.get("selected_option") or {}).get("value")
    return element.get(key)


def _errors(exc: OppbotError, view: dict, fields: dict[str, BillingBlock]) -> dict[str, str]:
    """Typed errors keyed by the block beside which they show; anything else goes on the first input."""
    present = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    errors: dict[str, str] = {}
    items = exc.errors.items() if isinstance(exc, InvalidInput) else [("", exc.message)]
    for field, message in items:
        block = fields.get(field)
        target = block.value if block is not None and block.value in present else (present[0] if present else field)
        errors[target] = (errors[target] + " " + message) if target in errors else message
    return errors


def billable_edit(deps: Deps, ack: Ack, body: dict, view: dict, client: WebClient) -> None:
    """The billable line form: save the edited fields, or delete the line when its box is ticked."""
    meta = json.loads(view.get("private_metadata") or "{}")
    state = _state(view)
    fields = {
        "quantity": BillingBlock.QUANTITY,
        "unit_price": BillingBlock.UNIT_PRICE,
        "description": BillingBlock.DESCRIPTION,
    }
    delete = bool((state.get(BillingBlock.DELETE.value) or {}).get("selected_options"))
    try:
        actor = resolve_actor(
            deps, client, body["team"]["id"] if body.get("team") else body["user"]["team_id"], body["user"]["id"]
        )
        with unit_of_work(deps.sessions) as session:
            if delete:
                out = billables.remove_billable(session, actor, int(meta["billable"]))
            else:
                out = billables.edit_billable(
                    session,
                    actor,
                    int(meta["billable"]),
                    description=_get(state, BillingBlock.DESCRIPTION) or "",
                    quantity=_get(state, BillingBlock.QUANTITY) or "",
                    unit_price=_get(state, BillingBlock.UNIT_PRICE) or "",
                )
            total = billables.billables_for(session, actor, out.opportunity.number)
    except OppbotError as exc:
        ack(response_action="errors", errors=_errors(exc, view, fields))
        return
    ack()
    done = "Deleted the line from" if delete else "Saved the line on"
    _notify(
        client,
        meta.get("channel"),
        actor.user_id,
        f"{done} {format_ref(out.opportunity.number)}; billables total {money(total.total, total.currency)}.",
    )


def _notify(client: WebClient, channel: str | None, user_id: str, text: str) -> None:
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
    except Exception:  # the change is saved; a lost confirmation must not turn it into an error
        log.warning("Could not confirm to %s", user_id, exc_info=True)


def register(app: App, deps: Deps) -> None:
    def actor_of(body: dict, client: WebClient):
        return resolve_actor(
            deps, client, body["team"]["id"] if body.get("team") else body["user"]["team_id"], body["user"]["id"]
        )

    def notify(client: WebClient, channel: str | None, user_id: str, text: str) -> None:
        try:
            if channel:
                client.chat_postEphemeral(channel=channel, user=user_id, text=text)
        except Exception:  # the change is saved; a lost confirmation must not turn it into an error
            log.warning("Could not confirm to %s", user_id, exc_info=True)

    def billable_add(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        state = _state(view)
        service = _get(state, BillingBlock.SERVICE, "selected_option")
        fields = {
            "quantity": BillingBlock.QUANTITY,
            "unit_price": BillingBlock.UNIT_PRICE,
            "description": BillingBlock.DESCRIPTION,
            "service": BillingBlock.SERVICE,
        }
        try:
            actor = actor_of(body, client)
            with unit_of_work(deps.sessions) as session:
                out = billables.add_billable(
                    session,
                    actor,
                    int(meta["number"]),
                    service_id=int(service) if service else None,
                    description=_get(state, BillingBlock.DESCRIPTION),
                    quantity=_get(state, BillingBlock.QUANTITY),
                    unit_price=_get(state, BillingBlock.UNIT_PRICE),
                )
                total = billables.billables_for(session, actor, out.opportunity.number)
        except OppbotError as exc:
            ack(response_action="errors", errors=_errors(exc, view, fields))
            return
        ack()
        notify(
            client,
            meta.get("channel"),
            actor.user_id,
            f"Added “{escape(out.billable.description)}” to {format_ref(out.opportunity.number)}; "
            f"billables total {money(total.total, total.currency)}.",
        )

    def task_add(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        state = _state(view)
        fields = {
            "title": BillingBlock.TASK_TITLE,
            "due_date": BillingBlock.TASK_DUE_DATE,
            "due_time": BillingBlock.TASK_DUE_TIME,
        }
        try:
            actor = actor_of(body, client)
            with unit_of_work(deps.sessions) as session:
                tasks.add_task(
                    session,
                    actor,
                    int(meta["number"]),
                    _get(state, BillingBlock.TASK_TITLE),
                    _get(state, BillingBlock.TASK_DUE_DATE, "selected_date"),
                    _get(state, BillingBlock.TASK_DUE_TIME, "selected_time"),
                    _get(state, BillingBlock.TASK_ASSIGNEE, "selected_user"),
                    tz=viewer_tz(deps, actor.team_id, actor.user_id),
                )
        except OppbotError as exc:
            ack(response_action="errors", errors=_errors(exc, view, fields))
            return
        ack()

    def service_save(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        state = _state(view)
        fields = {
            "name": BillingBlock.SERVICE_NAME,
            "unit_price": BillingBlock.SERVICE_PRICE,
            "currency": BillingBlock.SERVICE_CURRENCY,
        }
        name = _get(state, BillingBlock.SERVICE_NAME)
        price = _get(state, BillingBlock.SERVICE_PRICE)
        currency = _get(state, BillingBlock.SERVICE_CURRENCY)
        try:
            actor = actor_of(body, client)
            with unit_of_work(deps.sessions) as session:
                if meta.get("service_id"):
                    catalog.edit_service(
                        session, actor, int(meta["service_id"]), name=name, unit_price=price, currency=currency
                    )
                else:
                    catalog.add_service(
                        session, actor, name, price, currency, default_currency=deps.settings.default_currency
                    )
        except OppbotError as exc:
            ack(response_action="errors", errors=_errors(exc, view, fields))
            return
        ack()

    app.view(BillingCallback.BILLABLE_ADD.value)(billable_add)
    app.view(BillingCallback.BILLABLE_EDIT.value)(
        lambda ack, body, view, client: billable_edit(deps, ack, body, view, client)
    )
    app.view(BillingCallback.TASK_ADD.value)(task_add)
    app.view(BillingCallback.SERVICE_SAVE.value)(service_save)
