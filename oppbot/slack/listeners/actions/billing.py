"""Buttons of billables, invoices, the catalog and tasks: ack, one service call, a reply in words."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import OppbotError
from oppbot.domain.refs import format_ref
from oppbot.services import billables, catalog, tasks
from oppbot.services.context import Actor
from oppbot.services.opportunities import may_edit
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
from oppbot.slack.listeners.surfaces import open_or_push, responder
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import escape, money, when

log = logging.getLogger(__name__)


def _value(body: dict) -> str:
    action = body["actions"][0]
    if "selected_option" in action:
        return (action.get("selected_option") or {}).get("value", "")
    return action.get("value", "")


def _say(respond: Respond, text: str, blocks: list | None = None) -> None:
    kwargs = {"text": text, "response_type": "ephemeral", "replace_original": False}
    if blocks is not None:
        kwargs["blocks"] = blocks
    respond(**kwargs)


def register(app: App, deps: Deps) -> None:
    def listener(fn: Callable[[Deps, Actor, WebClient, dict, Respond], None], *, opens_modal: bool = False):
        """ack() at once, resolve who clicked, run `fn`; a typed error becomes an ephemeral sentence.

        Modal openers get the unresolved actor: no users.info before views.open (the trigger_id dies after 3 s);
        their submissions resolve the role and re-check.
        """

        def handle(ack: Ack, body: dict, client: WebClient, respond: Respond | None = None) -> None:
            ack()
            respond = responder(body, client, respond)  # a card shown in a modal has no response_url
            try:
                team_id = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
                if opens_modal:
                    actor = Actor(team_id, body["user"]["id"])
                else:
                    actor = resolve_actor(deps, client, team_id, body["user"]["id"])
                fn(deps, actor, client, body, respond)
            except OppbotError as exc:
                _say(respond, exc.message)

        return handle

    def channel_of(body: dict) -> str | None:
        return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")

    def open_then_fill(client: WebClient, body: dict, title: str, fill: Callable[[], dict]) -> None:
        """views.open (or push) a loading modal with the trigger_id at once; then query and views.update it."""
        opened = open_or_push(client, body, modals.loading_modal(title))
        view = opened.get("view") or {}
        try:
            modal = fill()
        except OppbotError as exc:
            modal = modals.message_modal(title, exc.message)
        try:
            client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=modal)
        except SlackApiError as exc:  # hash_conflict: the user already closed or replaced it
            log.info("views.update skipped: %s", exc.response.get("error"))

    def open_add_line(custom: bool):
        def run(deps: Deps, actor: Actor, client: WebClient, body: dict, respond: Respond) -> None:
            number = int(_value(body))

            def fill() -> dict:
                with unit_of_work(deps.sessions) as session:
                    view = billables.billables_for(session, actor, number)
                    services = None if custom else catalog.list_services(session, actor)
                modal = build_add_line_modal(number, view.currency, services, custom=custom)
                meta = json.loads(modal["private_metadata"])
                meta["channel"] = channel_of(body)
                modal["private_metadata"] = json.dumps(meta)
                return modal

            open_then_fill(client, body, f"Billable {format_ref(number)}", fill)

        return run

    def remove_line(deps, actor, client, body, respond) -> None:
        with unit_of_work(deps.sessions) as session:
            out = billables.remove_billable(session, actor, int(_value(body)))
            view = billables.billables_for(session, actor, out.opportunity.number)
            blocks = build_billables_message(view, can_edit=may_edit(actor, view.opportunity))
        _say(
            respond,
            f"Line removed. Total of {format_ref(view.opportunity.number)}: {money(view.total, view.currency)}",
            blocks,
        )

    def edit_line(deps: Deps, unresolved: Actor, client: WebClient, body: dict, respond: Respond) -> None:
        billable_id = int(_value(body))

        def fill() -> dict:
            actor = resolve_actor(deps, client, unresolved.team_id, unresolved.user_id)  # after the modal is open
            with unit_of_work(deps.sessions) as session:
                line, opp = billables.get_billable(session, actor, billable_id)
                return build_edit_line_modal(line, opp.number, line.currency, channel=channel_of(body))

        open_then_fill(client, body, "Billable line", fill)

    def generate(deps, actor, client, body, respond) -> None:
        _say(respond, generate_and_post_invoice(deps, client, actor, int(_value(body))))

    def set_value(deps, actor, client, body, respond) -> None:
        with unit_of_work(deps.sessions) as session:
            out = billables.set_value_to_total(session, actor, int(_value(body)))
            opp = out.opportunity
            text = f"Deal {format_ref(opp.number)}'s value is now {money(opp.amount, opp.currency)}."
        _say(respond, text)

    def add_task(deps, actor, client, body, respond) -> None:
        open_or_push(client, body, build_task_modal(int(_value(body)), initial_assignee=actor.user_id))

    def on_reminder(body: dict) -> bool:
        return str(body["actions"][0].get("block_id", "")).startswith(REMINDER_BLOCK_PREFIX)

    def done(deps, actor, client, body, respond) -> None:
        with unit_of_work(deps.sessions) as session:
            task = tasks.complete_task(session, actor, int(_value(body)))
            row = tasks.get_task_row(session, actor.team_id, task.id)
        text = f":white_check_mark: Done: {escape(task.title)}"
        if on_reminder(body):
            respond(text=text, blocks=build_task_done(row), replace_original=True)
        else:
            _say(respond, text)

    def snooze(deps, actor, client, body, respond) -> None:
        tz = viewer_tz(deps, actor.team_id, actor.user_id)
        with unit_of_work(deps.sessions) as session:
            task = tasks.snooze_task(session, actor, int(_value(body)))
            row = tasks.get_task_row(session, actor.team_id, task.id)
        text = f"Snoozed: {escape(task.title)} is now due {when(task.due_at, tz)}."
        if on_reminder(body):
            respond(text=text, blocks=build_task_snoozed(row, tz=tz), replace_original=True)
        else:
            _say(respond, text)

    def edit_service(deps, unresolved, client, body, respond) -> None:
        raw = _value(body)

        def fill() -> dict:
            # The role check needs users.info: it runs after the modal is open, and the save checks again.
            actor = resolve_actor(deps, client, unresolved.team_id, unresolved.user_id)
            if not actor.is_manager:
                return modals.message_modal("Service catalog", "Only managers can change the catalog.")
            service = None
            if raw != "new":
                with unit_of_work(deps.sessions) as session:
                    service = catalog.get_service(session, actor, int(raw))
            return build_service_modal(service, default_currency=deps.settings.default_currency)

        open_then_fill(client, body, "Service catalog", fill)

    for action, fn, opens_modal in (
        (BillingAction.ADD_SERVICE, open_add_line(False), True),
        (BillingAction.ADD_LINE, open_add_line(True), True),
        (BillingAction.REMOVE_LINE, remove_line, False),
        (BillingAction.EDIT_LINE, edit_line, True),
        (BillingAction.GENERATE_INVOICE, generate, False),
        (BillingAction.SET_VALUE, set_value, False),
        (BillingAction.ADD_TASK, add_task, True),
        (BillingAction.TASK_DONE, done, False),
        (BillingAction.TASK_SNOOZE, snooze, False),
        (BillingAction.SERVICE_EDIT, edit_service, True),
        (BillingAction.SERVICE_ADD, edit_service, True),
    ):
        app.action(action.value)(listener(fn, opens_modal=opens_modal))
