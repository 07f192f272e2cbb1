"""Submissions of the billable, task and catalog modals: invalid fields come back inline beside the field."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import format_ref
from oppbot.i18n import _
from oppbot.services import billables, catalog, tasks
from oppbot.slack.billing_flows import viewer_tz
from oppbot.slack.blocks.tasks import build_task_added
from oppbot.slack.deps import Deps
from oppbot.slack.ids import BillingBlock, BillingCallback
from oppbot.slack.pipeline import Request, ack_after
from oppbot.slack.text import escape, money

log = logging.getLogger(__name__)
After = Callable[[], None] | None


def _state(view: dict) -> dict[str, dict]:
    """{block_id: the one element's state} of a submitted view."""
    return {block: next(iter(actions.values()), {}) for block, actions in view["state"]["values"].items()}


def _get(state: dict, block: BillingBlock, key: str = "value"):
    element = state.get(block.value) or {}
    if key == "selected_option":
        return (element.get("selected_option") or {}).get("value")
    return element.get(key)


def _deal_number(req: Request) -> int:
    number = req.meta.number
    if not isinstance(number, int):
        raise InvalidInput.field("quantity", _("This form lost track of its deal; open it again."))
    return number


def _confirm(req: Request, text: str) -> None:
    """Ephemeral in the channel the form came from; the change is saved, so a lost confirmation is only logged."""
    channel = req.meta.channel_id
    if not channel:
        return
    try:
        req.client.chat_postEphemeral(channel=channel, user=req.user_id, text=text)
    except SlackApiError:
        log.warning("Could not confirm to %s", req.user_id, exc_info=True)


def _renamed(exc: InvalidInput, fields: dict[str, BillingBlock]) -> InvalidInput:
    """The service's field names as this form's block ids, so each message shows beside its field."""
    return InvalidInput({(fields[k].value if k in fields else k): v for k, v in exc.errors.items()})


def billable_add(req: Request) -> After:
    state = _state(req.view)
    service = _get(state, BillingBlock.SERVICE, "selected_option")
    fields = {
        "quantity": BillingBlock.QUANTITY,
        "unit_price": BillingBlock.UNIT_PRICE,
        "description": BillingBlock.DESCRIPTION,
        "service": BillingBlock.SERVICE,
    }
    number = _deal_number(req)
    try:
        with req.unit_of_work() as session:
            out = billables.add_billable(
                session,
                req.actor,
                number,
                service_id=int(service) if service and service.isdigit() else None,
                description=_get(state, BillingBlock.DESCRIPTION),
                quantity=_get(state, BillingBlock.QUANTITY),
                unit_price=_get(state, BillingBlock.UNIT_PRICE),
            )
            total = billables.billables_for(session, req.actor, out.opportunity.number)
    except InvalidInput as exc:
        raise _renamed(exc, fields) from None
    text = _(
        "Added “{description}” to {ref}; billables total {total}.",
        description=escape(out.billable.description),
        ref=format_ref(out.opportunity.number),
        total=money(total.total, total.currency),
    )
    return lambda: _confirm(req, text)


def task_add(req: Request) -> After:
    state = _state(req.view)
    fields = {
        "title": BillingBlock.TASK_TITLE,
        "due_date": BillingBlock.TASK_DUE_DATE,
        "due_time": BillingBlock.TASK_DUE_TIME,
    }
    number = _deal_number(req)
    actor = req.actor
    tz = viewer_tz(req.deps, actor.team_id, actor.user_id)
    try:
        with req.unit_of_work() as session:
            task = tasks.add_task(
                session,
                actor,
                number,
                _get(state, BillingBlock.TASK_TITLE),
                _get(state, BillingBlock.TASK_DUE_DATE, "selected_date"),
                _get(state, BillingBlock.TASK_DUE_TIME, "selected_time"),
                _get(state, BillingBlock.TASK_ASSIGNEE, "selected_user"),
                tz=tz,
            )
    except InvalidInput as exc:
        raise _renamed(exc, fields) from None
    # The modal becomes the confirmation: a submit that just closed left the user guessing.
    req.ack_with = {
        "response_action": "update",
        "view": build_task_added(task.title, number, task.due_at, task.assignee_id, by=actor.user_id, tz=tz or "UTC"),
    }
    return None


def service_save(req: Request) -> After:
    state = _state(req.view)
    fields = {
        "name": BillingBlock.SERVICE_NAME,
        "unit_price": BillingBlock.SERVICE_PRICE,
        "currency": BillingBlock.SERVICE_CURRENCY,
    }
    name = _get(state, BillingBlock.SERVICE_NAME)
    price = _get(state, BillingBlock.SERVICE_PRICE)
    currency = _get(state, BillingBlock.SERVICE_CURRENCY)
    service_id = req.meta.service_id
    try:
        with req.unit_of_work() as session:
            if service_id:
                catalog.edit_service(session, req.actor, service_id, name=name, unit_price=price, currency=currency)
            else:
                catalog.add_service(
                    session, req.actor, name, price, currency, default_currency=req.deps.settings.default_currency
                )
    except InvalidInput as exc:
        raise _renamed(exc, fields) from None
    return None


def billable_edit(req: Request) -> After:
    """The billable line form: save the edited fields, or delete the line when its box is ticked."""
    state = _state(req.view)
    fields = {
        "quantity": BillingBlock.QUANTITY,
        "unit_price": BillingBlock.UNIT_PRICE,
        "description": BillingBlock.DESCRIPTION,
    }
    billable_id = req.meta.billable_id
    if not isinstance(billable_id, int):
        raise InvalidInput.field(BillingBlock.QUANTITY.value, _("This form lost track of its line; open it again."))
    delete = bool((state.get(BillingBlock.DELETE.value) or {}).get("selected_options"))
    actor = req.actor
    try:
        with req.unit_of_work() as session:
            if delete:
                out = billables.remove_billable(session, actor, billable_id)
            else:
                out = billables.edit_billable(
                    session,
                    actor,
                    billable_id,
                    description=_get(state, BillingBlock.DESCRIPTION) or "",
                    quantity=_get(state, BillingBlock.QUANTITY) or "",
                    unit_price=_get(state, BillingBlock.UNIT_PRICE) or "",
                )
            total = billables.billables_for(session, actor, out.opportunity.number)
    except InvalidInput as exc:
        raise _renamed(exc, fields) from None
    ref, amount = format_ref(out.opportunity.number), money(total.total, total.currency)
    if delete:
        text = _("Deleted the line from {ref}; billables total {total}.", ref=ref, total=amount)
    else:
        text = _("Saved the line on {ref}; billables total {total}.", ref=ref, total=amount)
    return lambda: _confirm(req, text)


HANDLERS = {
    BillingCallback.BILLABLE_ADD: billable_add,
    BillingCallback.TASK_ADD: task_add,
    BillingCallback.SERVICE_SAVE: service_save,
    BillingCallback.BILLABLE_EDIT: billable_edit,
}


def register(app: App, deps: Deps) -> None:
    for callback_id, handler in HANDLERS.items():
        app.view(callback_id.value)(ack_after(handler))
