"""The Update-close-date modal's submission: inline errors, or the date saved with its activity."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import OppbotError
from oppbot.domain.opportunity import parse_date
from oppbot.domain.refs import format_ref
from oppbot.services import alerts
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Block, Callback, input_action
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import day


def register(app: App, deps: Deps) -> None:
    def submit(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        number_text, _, origin = (view.get("private_metadata") or "").partition("|")
        state = view["state"]["values"].get(Block.EXPECTED_CLOSE.value, {})
        raw = (state.get(input_action(Block.EXPECTED_CLOSE)) or {}).get("selected_date")
        team_id = (body.get("team") or {}).get("id") or body["user"].get("team_id")
        try:
            number = int(number_text)
            new_date = parse_date(raw)
            if new_date is None:
                raise OppbotError("Pick a date.")
            # Fast checks and the write happen before ack so a refusal can show inline on the date field.
            actor = resolve_actor(deps, client, team_id, body["user"]["id"])
            with unit_of_work(deps.sessions) as session:
                alerts.set_expected_close(session, actor, number, new_date)
        except (OppbotError, ValueError) as exc:
            message = getattr(exc, "message", None) or "That date could not be saved."
            ack(response_action="errors", errors={Block.EXPECTED_CLOSE.value: message[:150]})
            return
        ack()
        if origin:
            client.chat_postEphemeral(
                channel=origin,
                user=body["user"]["id"],
                text=f"{format_ref(number)} now expected to close {day(new_date)}.",
            )

    app.view(Callback.ALERT_CLOSE_DATE.value)(submit)
