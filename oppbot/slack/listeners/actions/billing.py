"""Buttons of billables, invoices, the catalog and tasks: one service call, a reply in words."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.domain.refs import format_ref
from oppbot.i18n import N_, _
from oppbot.services import billables, catalog, policy, tasks
from oppbot.services.policy import may_edit
from oppbot.slack.billing_flows import generate_and_post_invoice, viewer_tz
from oppbot.slack.blocks import modals
from oppbot.slack.blocks.billables import (
    build_add_line_modal,
    build_billables_message,
    build_edit_line_modal,
    build_service_modal,
)
from oppbot.slack.blocks.tasks import REMINDER_BLOCK_PREFIX, build_task_done, build_task_modal, build_task_snoozed
from oppbot.slack.deps import Deps
from oppbot.slack.ids import BillingAction
from oppbot.slack.listeners.surfaces import open_or_push
from oppbot.slack.pipeline import Request, ack_first
from oppbot.slack.text import error_text, escape, money, when

log = logging.getLogger(__name__)


def _value(req: Request) -> str:
    action = req.action
    if "selected_option" in action:
        return (action.get("selected_option") or {}).get("value", "")
    return action.get("value", "")


def _id(req: Request) -> int:
    """The number or id a button carries; a forged or mangled one is a refusal, not a crash."""
    raw = _value(req)
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 18:
        raise InvalidInput.field("action", _("That button is out of date; run the command again."))
    return int(raw)


def _say(req: Request, text: str, blocks: list | None = None) -> None:
    kwargs = {"text": text, "response_type": "ephemeral", "replace_original": False}
    if blocks is not None:
        kwargs["blocks"] = blocks
    req.respond(**kwargs)


def open_then_fill(req: Request, title: str, fill: Callable[[], dict]) -> None:
    """views.open (or push) a loading modal with the trigger_id at once; then query and views.update it."""
    opened = open_or_push(req.client, req.body, modals.loading_modal(title))
    view = opened.get("view") or {}
    try:
        modal = fill()
    except OppbotError as exc:
        modal = modals.message_modal(title, error_text(exc))
    try:
        req.client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=modal)
    except SlackApiError as exc:  # hash_conflict: the user already closed or replaced it
        log.info("views.update skipped: %s", exc.response.get("error"))


def _open_add_line(req: Request, *, custom: bool) -> None:
    number = _id(req)
    actor = req.unresolved  # the trigger_id dies after 3 s: no users.info first; the save re-checks

    def fill() -> dict:
        with req.unit_of_work() as session:
            view = billables.billables_for(session, actor, number)
            services = None if custom else catalog.list_services(session, actor)
        return build_add_line_modal(
            number, view.currency, services, custom=custom, team_id=req.team_id, channel_id=req.channel_id
        )

    open_then_fill(req, _("Billable {ref}", ref=format_ref(number)), fill)


def add_service(req: Request) -> None:
    _open_add_line(req, custom=False)


def add_line(req: Request) -> None:
    _open_add_line(req, custom=True)


def remove_line(req: Request) -> None:
    actor = req.actor
    with req.unit_of_work() as session:
        out = billables.remove_billable(session, actor, _id(req))
        view = billables.billables_for(session, actor, out.opportunity.number)
        blocks = build_billables_message(view, can_edit=may_edit(actor, view.opportunity))
    number = view.opportunity.number
    total = money(view.total, view.currency)
    _say(req, _("Line removed. Total of {ref}: {total}", ref=format_ref(number), total=total), blocks)


def edit_line(req: Request) -> None:
    billable_id = _id(req)

    def fill() -> dict:
        actor = req.actor  # users.info after the modal is open
        with req.unit_of_work() as session:
            line, opp = billables.get_billable(session, actor, billable_id)
            return build_edit_line_modal(line, opp.number, line.currency, channel=req.channel_id, team_id=req.team_id)

    open_then_fill(req, _("Billable line"), fill)


def generate(req: Request) -> None:
    _say(req, generate_and_post_invoice(req, _id(req)))


def set_value(req: Request) -> None:
    with req.unit_of_work() as session:
        opp = billables.set_value_to_total(session, req.actor, _id(req)).opportunity
        text = _(
            "Deal {ref}'s value is now {amount}.", ref=format_ref(opp.number), amount=money(opp.amount, opp.currency)
        )
    _say(req, text)


def add_task(req: Request) -> None:
    view = build_task_modal(_id(req), initial_assignee=req.user_id, team_id=req.team_id, channel_id=req.channel_id)
    open_or_push(req.client, req.body, view)


def _on_reminder(req: Request) -> bool:
    return str(req.action.get("block_id", "")).startswith(REMINDER_BLOCK_PREFIX)


def done(req: Request) -> None:
    actor = req.actor
    with req.unit_of_work() as session:
        task = tasks.complete_task(session, actor, _id(req))
        row = tasks.get_task_row(session, actor.team_id, task.id)
    text = ":white_check_mark: " + _("Done: {title}", title=escape(task.title))
    if _on_reminder(req):
        req.respond(text=text, blocks=build_task_done(row), replace_original=True)
    else:
        _say(req, text)


def snooze(req: Request) -> None:
    actor = req.actor
    tz = viewer_tz(req.deps, actor.team_id, actor.user_id)
    with req.unit_of_work() as session:
        task = tasks.snooze_task(session, actor, _id(req))
        row = tasks.get_task_row(session, actor.team_id, task.id)
    text = _("Snoozed: {title} is now due {when}.", title=escape(task.title), when=when(task.due_at, tz))
    if _on_reminder(req):
        req.respond(text=text, blocks=build_task_snoozed(row, tz=tz), replace_original=True)
    else:
        _say(req, text)


def edit_service(req: Request) -> None:
    raw = _value(req)
    service_id = None if raw == "new" else _id(req)

    def fill() -> dict:
        # The role check needs users.info: it runs after the modal is open, and the save checks again.
        actor = req.actor
        policy.require_manager(actor, N_("change the catalog"))  # a refusal is shown in the modal
        service = None
        if service_id is not None:
            with req.unit_of_work() as session:
                service = catalog.get_service(session, actor, service_id)
        return build_service_modal(service, default_currency=req.deps.settings.default_currency, team_id=req.team_id)

    open_then_fill(req, _("Service catalog"), fill)


HANDLERS = {
    BillingAction.ADD_SERVICE: add_service,
    BillingAction.ADD_LINE: add_line,
    BillingAction.REMOVE_LINE: remove_line,
    BillingAction.EDIT_LINE: edit_line,
    BillingAction.GENERATE_INVOICE: generate,
    BillingAction.SET_VALUE: set_value,
    BillingAction.ADD_TASK: add_task,
    BillingAction.TASK_DONE: done,
    BillingAction.TASK_SNOOZE: snooze,
    BillingAction.SERVICE_EDIT: edit_service,
    BillingAction.SERVICE_ADD: edit_service,
}


def register(app: App, deps: Deps) -> None:
    for action_id, handler in HANDLERS.items():
        app.action(action_id.value)(ack_first(handler))
