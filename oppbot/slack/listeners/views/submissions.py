"""Deal and customer modal submissions: parse state once, save in the request's unit of work, then ack.

Each handler returns what runs after the ack (a confirmation, a card refresh); a refusal raised before it goes
beside its field through the one error handler (`req.refusal_field` names the field for refusals without one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App

from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.domain.opportunity import CustomerKind
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import _
from oppbot.services import customers, opportunities
from oppbot.slack import view_state
from oppbot.slack.blocks.common import section
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Block, Callback
from oppbot.slack.listeners.views.replies import deal_card, refresh_origin, tell_user
from oppbot.slack.pipeline import Request, ack_after
from oppbot.slack.text import escape

log = logging.getLogger(__name__)
After = Callable[[], None] | None


def _reply_with_card(req: Request, number: int, text: str) -> None:
    card = deal_card(req, number)
    blocks = None if card is None else [section(text), *card[1][:49]]
    tell_user(req.client, req.actor, req.meta.channel_id, text, blocks)


def _deal_refusal(exc: OppbotError) -> str | None:
    """A refusal naming no field of the deal form (a missing deal, a manager-only change) shows on the title."""
    return Block.TITLE.value


def _deal_number(req: Request, field: str) -> int:
    number = req.meta.number
    if not isinstance(number, int):
        raise InvalidInput.field(field, _("This form lost track of its deal; open it again."))
    return number


def create(req: Request) -> After:
    req.refusal_field = _deal_refusal
    draft = view_state.deal_draft(req.view["state"]["values"])
    with req.unit_of_work() as session:
        outcome = opportunities.create(session, req.actor, draft, default_currency=req.deps.settings.default_currency)
        number, title, warnings = outcome.opportunity.number, outcome.opportunity.title, outcome.warnings

    def after() -> None:
        created = _("Created deal *{ref}* {title}.", ref=format_ref(number), title=escape(title))
        text = created + "".join(f"\n{w}" for w in warnings)
        _reply_with_card(req, number, text)

    return after


def edit(req: Request) -> After:
    req.refusal_field = _deal_refusal
    number = _deal_number(req, "title")
    draft = view_state.deal_draft(req.view["state"]["values"])
    with req.unit_of_work() as session:
        outcome = opportunities.edit(session, req.actor, number, draft, expected_version=req.meta.version)
        changed, warnings = outcome.changed, outcome.warnings

    def after() -> None:
        ref = format_ref(number)
        text = _("Saved deal *{ref}*.", ref=ref) if changed else _("Nothing changed on {ref}.", ref=ref)
        _reply_with_card(req, number, text + "".join(f"\n{w}" for w in warnings))

    return after


def lost(req: Request) -> After:
    req.refusal_field = lambda exc: Block.LOSS_REASON.value
    number = _deal_number(req, "loss_reason")
    form = view_state.loss_form(req.view["state"]["values"])
    with req.unit_of_work() as session:
        outcome = opportunities.close_lost(
            session, req.actor, number, form.reason, form.note, expected_version=req.meta.version
        )
        reason, at_stage = outcome.opportunity.lost_reason, outcome.opportunity.lost_at_stage

    def after() -> None:
        if not refresh_origin(req, number):
            text = _(
                "Deal *{ref}* closed as lost ({reason}, at {stage}).",
                ref=format_ref(number),
                reason=escape(reason),
                stage=Stage(at_stage).label,
            )
            tell_user(req.client, req.actor, req.meta.channel_id, text)

    return after


def note(req: Request) -> After:
    req.refusal_field = lambda exc: Block.NOTE.value
    number = _deal_number(req, "note")
    with req.unit_of_work() as session:
        opportunities.add_note(session, req.actor, number, view_state.note_text(req.view["state"]["values"]) or "")

    def after() -> None:
        tell_user(req.client, req.actor, req.meta.channel_id, _("Note added to *{ref}*.", ref=format_ref(number)))

    return after


def customer(req: Request) -> After:
    req.refusal_field = lambda exc: Block.CUSTOMER_NAME.value
    form = view_state.customer_form(req.view["state"]["values"])
    currency = req.deps.settings.default_currency
    with req.unit_of_work() as session:
        if form.kind == CustomerKind.ORGANIZATION:
            row = customers.create_organization(session, req.actor, form.name, form.domain, default_currency=currency)
        else:
            row = customers.create_individual(
                session, req.actor, form.name, form.email, form.phone, default_currency=currency
            )
        name = row.name
    if req.meta.pushed:
        return None  # pushed over a deal modal: closing it returns there, where the picker now finds it

    def after() -> None:
        if form.kind == CustomerKind.ORGANIZATION:
            text = _(
                "Added organization *{name}*. Pick it as the customer of a deal with `/opp new`.", name=escape(name)
            )
        else:
            text = _("Added individual *{name}*. Pick it as the customer of a deal with `/opp new`.", name=escape(name))
        tell_user(req.client, req.actor, req.meta.channel_id, text)

    return after


HANDLERS = {
    Callback.CREATE_DEAL: create,
    Callback.EDIT_DEAL: edit,
    Callback.LOSS_REASON: lost,
    Callback.NOTE: note,
    Callback.CUSTOMER_NEW: customer,
}


def register(app: App, deps: Deps) -> None:
    for callback_id, handler in HANDLERS.items():
        app.view(callback_id.value)(ack_after(handler))
