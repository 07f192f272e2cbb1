"""Buttons on alert messages: Snooze 7 days, Update close date, Mark lost, Claim. Each re-checks via a service."""

from __future__ import annotations

import logging

from slack_bolt import App

from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import format_ref
from oppbot.i18n import _
from oppbot.services import alerts, opportunities
from oppbot.slack.blocks.alerts import build_close_date_modal
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action
from oppbot.slack.listeners.views.open_views import open_loss
from oppbot.slack.pipeline import Request, ack_first
from oppbot.slack.text import day

log = logging.getLogger(__name__)


def _number(req: Request) -> int:
    raw = req.action.get("value")
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 18:
        raise InvalidInput.field("action", _("That alert is out of date; its deal can't be found."))
    return int(raw)


def _say(req: Request, text: str) -> None:
    req.respond(text=text, response_type="ephemeral", replace_original=False)


def snooze(req: Request) -> None:
    number = _number(req)
    with req.unit_of_work() as session:
        until = alerts.snooze(session, req.actor, number)
    _say(req, _("Alerts for {ref} are snoozed until {day}.", ref=format_ref(number), day=day(until.date())))


def close_date(req: Request) -> None:
    number = _number(req)
    # trigger_id lives 3 s: open the modal before touching the database; the submission re-checks everything.
    view = build_close_date_modal(number, format_ref(number), None, req.channel_id or "", team_id=req.team_id)
    req.client.views_open(trigger_id=req.trigger_id, view=view)


def mark_lost(req: Request) -> None:
    # The trigger_id dies in 3 s: no users.info first; the loss submission resolves the role and re-checks.
    # No origin: the alert is not a deal card, so there is no card to refresh after the close.
    open_loss(req, _number(req), None)


def claim(req: Request) -> None:
    number = _number(req)
    with req.unit_of_work() as session:
        outcome = opportunities.claim(session, req.actor, number)
    if outcome.changed:
        req.respond(
            text=_("{user} claimed {ref}.", user=f"<@{req.user_id}>", ref=format_ref(number)),
            response_type="in_channel",
            replace_original=False,
        )
    else:
        _say(req, " ".join(outcome.warnings) or _("Nothing to do."))


HANDLERS = {
    Action.ALERT_SNOOZE: snooze,
    Action.ALERT_CLOSE_DATE: close_date,
    Action.ALERT_LOST: mark_lost,
    Action.ALERT_CLAIM: claim,
}


def register(app: App, deps: Deps) -> None:
    for action_id, handler in HANDLERS.items():
        app.action(action_id.value)(ack_first(handler))
