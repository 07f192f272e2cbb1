"""Modal submissions: parse state once, save in one unit of work, then ack — errors inline, beside their field."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput, NotFound, OppbotError, PermissionDenied
from oppbot.domain.opportunity import CustomerKind
from oppbot.domain.refs import format_ref
from oppbot.services import customers, opportunities
from oppbot.services.context import Actor
from oppbot.slack import view_state
from oppbot.slack.blocks.modals import decode_metadata
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Block, Callback
from oppbot.slack.listeners.views.replies import deal_card, refresh_origin, tell_user
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import escape

log = logging.getLogger(__name__)


class Refused(Exception):
    """A submission answered with inline errors; carries {block_id: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _actor(deps: Deps, client: WebClient, body: dict, view: dict) -> tuple[Actor, dict]:
    team_id = (body.get("team") or {}).get("id") or view.get("team_id")
    user_id = (body.get("user") or {}).get("id")
    meta = decode_metadata(view.get("private_metadata"))
    blocks = view_state.input_block_ids(view)
    if meta.get("t") and meta["t"] != team_id:
        # A view opened in one workspace can't be submitted into another.
        raise Refused({blocks[0] if blocks else Block.TITLE.value: "This form belongs to another workspace."})
    return resolve_actor(deps, client, team_id, user_id), meta


def _errors(exc: OppbotError, view: dict, where: str | None = None) -> dict[str, str]:
    blocks = view_state.input_block_ids(view)
    if isinstance(exc, InvalidInput):
        return view_state.errors_for(exc.errors, blocks)
    return view_state.errors_for({where or "": exc.message}, blocks)


def _submit(
    deps: Deps,
    work: Callable[[Actor, dict, dict, WebClient], Callable[[], None] | None],
    refusal_block: Callable[[OppbotError], str | None] = lambda exc: None,
):
    """The shared rhythm: save synchronously (fast), ack with errors or success, then reply after the ack."""

    def handler(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        try:
            actor, meta = _actor(deps, client, body, view)
            after = work(actor, meta, view, client)
        except Refused as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except OppbotError as exc:
            ack(response_action="errors", errors=_errors(exc, view, refusal_block(exc)))
            return
        ack()
        if after is not None:
            after()

    return handler


def _reply_with_card(client: WebClient, deps: Deps, actor: Actor, channel: str | None, number: int, text: str) -> None:
    card = deal_card(deps, actor, number)
    if card is None:
        tell_user(client, actor, channel, text)
    else:
        tell_user(
            client, actor, channel, text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}] + card[1][:49]
        )


def _deal_refusal(exc: OppbotError) -> str | None:
    if isinstance(exc, NotFound) and "customer" in exc.message:
        return Block.CUSTOMER.value
    if isinstance(exc, PermissionDenied) and "assign" in exc.message:
        return Block.ASSIGNEE.value
    return Block.TITLE.value


def register(app: App, deps: Deps) -> None:
    def create(actor: Actor, meta: dict, view: dict, client: WebClient):
        draft = view_state.deal_draft(view["state"]["values"])
        with unit_of_work(deps.sessions) as session:
            outcome = opportunities.create(session, actor, draft, default_currency=deps.settings.default_currency)
            number, title, warnings = outcome.opportunity.number, outcome.opportunity.title, outcome.warnings

        def after() -> None:
            text = f"Created deal *{format_ref(number)}* {escape(title)}." + "".join(f"\n{w}" for w in warnings)
            _reply_with_card(client, deps, actor, meta.get("c"), number, text)

        return after

    def edit(actor: Actor, meta: dict, view: dict, client: WebClient):
        number, version = meta.get("n"), meta.get("v")
        if not isinstance(number, int):
            raise InvalidInput.field("title", "This form lost track of its deal; open it again.")
        draft = view_state.deal_draft(view["state"]["values"])
        with unit_of_work(deps.sessions) as session:
            outcome = opportunities.edit(session, actor, number, draft, expected_version=version)
            changed, warnings = outcome.changed, outcome.warnings

        def after() -> None:
            text = f"Saved deal *{format_ref(number)}*." if changed else f"Nothing changed on {format_ref(number)}."
            _reply_with_card(client, deps, actor, meta.get("c"), number, text + "".join(f"\n{w}" for w in warnings))

        return after

    def lost(actor: Actor, meta: dict, view: dict, client: WebClient):
        number = meta.get("n")
        if not isinstance(number, int):
            raise InvalidInput.field("loss_reason", "This form lost track of its deal; open it again.")
        form = view_state.loss_form(view["state"]["values"])
        with unit_of_work(deps.sessions) as session:
            outcome = opportunities.close_lost(
                session, actor, number, form.reason, form.note, expected_version=meta.get("v")
            )
            reason, at_stage = outcome.opportunity.lost_reason, outcome.opportunity.lost_at_stage

        def after() -> None:
            refreshed = refresh_origin(client, deps, actor, number, meta)
            if not refreshed:
                from oppbot.domain.stages import Stage

                tell_user(
                    client,
                    actor,
                    meta.get("c"),
                    f"Deal *{format_ref(number)}* closed as lost ({escape(reason)}, at {Stage(at_stage).label}).",
                )

        return after

    def note(actor: Actor, meta: dict, view: dict, client: WebClient):
        number = meta.get("n")
        if not isinstance(number, int):
            raise InvalidInput.field("note", "This form lost track of its deal; open it again.")
        with unit_of_work(deps.sessions) as session:
            opportunities.add_note(session, actor, number, view_state.note_text(view["state"]["values"]) or "")

        def after() -> None:
            tell_user(client, actor, meta.get("c"), f"Note added to *{format_ref(number)}*.")

        return after

    def customer(actor: Actor, meta: dict, view: dict, client: WebClient):
        form = view_state.customer_form(view["state"]["values"])
        currency = deps.settings.default_currency
        with unit_of_work(deps.sessions) as session:
            if form.kind == CustomerKind.ORGANIZATION:
                row = customers.create_organization(session, actor, form.name, form.domain, default_currency=currency)
            else:
                row = customers.create_individual(
                    session, actor, form.name, form.email, form.phone, default_currency=currency
                )
            name = row.name
        if meta.get("p"):
            return None  # pushed over a deal modal: closing it returns there, where the picker now finds it

        def after() -> None:
            tell_user(
                client,
                actor,
                meta.get("c"),
                f"Added {form.kind.value} *{escape(name)}*. Pick it as the customer of a deal with `/opp new`.",
            )

        return after

    app.view(Callback.CREATE_DEAL.value)(_submit(deps, create, _deal_refusal))
    app.view(Callback.EDIT_DEAL.value)(_submit(deps, edit, _deal_refusal))
    app.view(Callback.LOSS_REASON.value)(_submit(deps, lost, lambda exc: Block.LOSS_REASON.value))
    app.view(Callback.NOTE.value)(_submit(deps, note, lambda exc: Block.NOTE.value))
    app.view(Callback.CUSTOMER_NEW.value)(_submit(deps, customer, lambda exc: Block.CUSTOMER_NAME.value))
