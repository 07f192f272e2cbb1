"""The Update-close-date modal's submission: inline errors, or the date saved with its activity."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from oppbot.domain.errors import InvalidInput
from oppbot.domain.opportunity import parse_date
from oppbot.domain.refs import format_ref
from oppbot.i18n import _
from oppbot.services import alerts
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Block, Callback, input_action
from oppbot.slack.pipeline import Request, ack_after
from oppbot.slack.text import day


def close_date(req: Request) -> Callable[[], None] | None:
    req.refusal_field = lambda exc: Block.EXPECTED_CLOSE.value
    number = req.meta.number
    state = req.view["state"]["values"].get(Block.EXPECTED_CLOSE.value, {})
    raw = (state.get(input_action(Block.EXPECTED_CLOSE)) or {}).get("selected_date")
    if not isinstance(number, int):
        raise InvalidInput.field(Block.EXPECTED_CLOSE.value, _("This form lost track of its deal; open it again."))
    new_date = parse_date(raw)
    if new_date is None:
        raise InvalidInput.field(Block.EXPECTED_CLOSE.value, _("Pick a date."))
    # The write happens before the ack so a refusal can show inline on the date field.
    with req.unit_of_work() as session:
        alerts.set_expected_close(session, req.actor, number, new_date)
    channel = req.meta.channel_id
    if not channel:
        return None
    text = _("{ref} now expected to close {day}.", ref=format_ref(number), day=day(new_date))
    return lambda: req.client.chat_postEphemeral(channel=channel, user=req.user_id, text=text)


def register(app: App, deps: Deps) -> None:
    app.view(Callback.ALERT_CLOSE_DATE.value)(ack_after(close_date))
