"""Buttons on alert messages: Snooze 7 days, Update close date, Mark lost, Claim. Each re-checks via a service."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.domain.refs import format_ref, parse_id
from oppbot.services import alerts, opportunities
from oppbot.services.context import Actor
from oppbot.slack.blocks.alerts import build_close_date_modal
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import day

log = logging.getLogger(__name__)


def _number(body: dict) -> int | None:
    try:
        return parse_id(body["actions"][0]["value"], "deal")
    except (KeyError, IndexError, InvalidInput):
        return None


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or body["user"].get("team_id")


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def open_loss_modal(client: WebClient, trigger_id: str, deps: Deps, actor: Actor, number: int) -> bool:
    """The loss-reason modal (slack-modals' open_views.open_loss); its submission re-checks permission and state.

    No origin: the alert is not a deal card, so there is no card to refresh after the close.
    """
    try:
        from oppbot.slack.listeners.views.open_views import open_loss
    except ImportError:
        return False
    open_loss(client, trigger_id, deps, actor, number, None)
    return True


def register(app: App, deps: Deps) -> None:
    def run(
        body: dict, client: WebClient, respond: Respond, change: Callable[..., object]
    ) -> tuple[Actor, int, object] | None:
        """After the ack: the clicker's role, then `change(session, actor, number)` in one transaction.

        None when the button carries no deal or the service refused (the refusal is said to the clicker).
        """
        number = _number(body)
        if number is None:
            return None
        actor = resolve_actor(deps, client, _team(body), body["user"]["id"])
        try:
            with unit_of_work(deps.sessions) as session:
                return actor, number, change(session, actor, number)
        except OppbotError as exc:
            _say(respond, exc.message)
            return None

    def snooze(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        done = run(body, client, respond, alerts.snooze)
        if done is not None:
            _actor, number, until = done
            _say(respond, f"Alerts for {format_ref(number)} are snoozed until {day(until.date())}.")

    def close_date(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        number = _number(body)
        if number is None:
            return
        # trigger_id lives 3 s: open the modal before touching the database; the submission re-checks everything.
        origin = (body.get("channel") or {}).get("id", "")
        client.views_open(
            trigger_id=body["trigger_id"], view=build_close_date_modal(number, format_ref(number), None, origin)
        )

    def mark_lost(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        number = _number(body)
        if number is None:
            return
        # The trigger_id dies in 3 s: no users.info first; the loss submission resolves the role and re-checks.
        actor = Actor(_team(body), body["user"]["id"])
        if not open_loss_modal(client, body["trigger_id"], deps, actor, number):
            _say(respond, f"Use `/opp lost {number} <reason>` to close {format_ref(number)} as lost.")

    def claim(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        done = run(body, client, respond, opportunities.claim)
        if done is None:
            return
        actor, number, outcome = done
        if outcome.changed:
            respond(
                text=f"<@{actor.user_id}> claimed {format_ref(number)}.",
                response_type="in_channel",
                replace_original=False,
            )
        else:
            _say(respond, " ".join(outcome.warnings) or "Nothing to do.")

    app.action(Action.ALERT_SNOOZE.value)(snooze)
    app.action(Action.ALERT_CLOSE_DATE.value)(close_date)
    app.action(Action.ALERT_LOST.value)(mark_lost)
    app.action(Action.ALERT_CLAIM.value)(claim)
