"""Buttons and menus on deal cards and list pages: re-check on the server, then refresh the message they came from."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot.db.session import unit_of_work
from oppbot.domain.categories import parse_category
from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.services import opportunities
from oppbot.services.context import Actor
from oppbot.slack import parsing
from oppbot.slack.blocks.common import parse_deal_value
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action
from oppbot.slack.listeners.commands.base import Reply
from oppbot.slack.listeners.commands.deals import card_reply, list_reply, outcome_note, workspace_today
from oppbot.slack.listeners.surfaces import in_modal, responder
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import escape

log = logging.getLogger(__name__)


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""


def _user(body: dict) -> str:
    return (body.get("user") or {}).get("id") or ""


def _deal(action: dict) -> tuple[int, int | None, str | None]:
    """(number, version, extra) from the element's value, the selected option, or (users_select) the block_id."""
    raw = (action.get("selected_option") or {}).get("value") or action.get("value")
    if raw is None:
        raw = (action.get("block_id") or "").partition(":")[2]
    try:
        return parse_deal_value(raw)
    except (ValueError, TypeError):
        raise InvalidInput.field("action", "That button is out of date; run `/opp show` again.") from None


def _send(respond: Respond, reply: Reply, *, replace: bool) -> None:
    kwargs = {"text": reply.text, "replace_original": replace, "response_type": "ephemeral"}
    if reply.blocks is not None:
        kwargs["blocks"] = reply.blocks
    respond(**kwargs)


def _tell(respond: Respond, text: str) -> None:
    respond(text=text, replace_original=False, response_type="ephemeral")


class Context:
    """One click: who, which deal, and how to answer."""

    def __init__(self, deps: Deps, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        self.deps, self.body, self.action, self.client, self.respond = deps, body, action, client, respond
        self.team_id, self.user_id = _team(body), _user(body)

    @property
    def unresolved(self) -> Actor:
        # For modal openers: no users.info before views.open (trigger_id lives 3 s); the save re-checks the role.
        return Actor(self.team_id, self.user_id)

    def actor(self) -> Actor:
        return resolve_actor(self.deps, self.client, self.team_id, self.user_id)

    @property
    def channel_id(self) -> str | None:
        return (self.body.get("channel") or {}).get("id") or (self.body.get("container") or {}).get("channel_id")

    @property
    def origin(self) -> dict | None:
        url = self.body.get("response_url")
        if url:
            return {"response_url": url}
        if in_modal(self.body):
            return {"view_id": self.body["view"]["id"]}
        return None

    @property
    def push(self) -> bool:
        """Inside a modal a new form is pushed on top of it; elsewhere it is opened."""
        return in_modal(self.body)


def _guarded(deps: Deps, run: Callable[[Context], None]):
    """ack() first; typed errors become a sentence to the clicker, and the card is refreshed when it was stale."""

    def listener(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond | None = None) -> None:
        ack()
        # A card opened in a modal (App Home finder) has no response_url: answer through the view or a DM.
        respond = responder(body, client, respond)
        ctx = Context(deps, body, action, client, respond)
        try:
            run(ctx)
        except InvalidInput as exc:
            _tell(respond, escape(exc.message))
        except OppbotError as exc:
            _tell(respond, exc.message)
        except SlackApiError as exc:
            log.warning("Slack refused during %s: %s", action.get("action_id"), exc.response.get("error"))
            _tell(respond, "Slack didn't accept that in time (the form may have expired). Please try again.")

    return listener


def _change_and_refresh(ctx: Context, number: int, done: str, change: Callable, *, replace: bool = True) -> None:
    actor = ctx.actor()
    with unit_of_work(ctx.deps.sessions) as session:
        outcome = change(session, actor)
    _send(ctx.respond, card_reply(ctx.deps, actor, number, outcome_note(done, outcome)), replace=replace)


def _stale_guard(fn: Callable[[Context], None]) -> Callable[[Context], None]:
    """A Conflict from an old card: say so and show the deal as it is now."""
    from oppbot.domain.errors import Conflict

    def run(ctx: Context) -> None:
        try:
            fn(ctx)
        except Conflict as exc:
            number = _deal(ctx.action)[0]
            try:
                _send(
                    ctx.respond, card_reply(ctx.deps, ctx.unresolved, number, f":warning: {exc.message}"), replace=True
                )
            except OppbotError:
                _tell(ctx.respond, exc.message)

    return run


# --- card actions ----------------------------------------------------------------------------------------------------


def claim(ctx: Context) -> None:
    number, _, _ = _deal(ctx.action)
    _change_and_refresh(
        ctx, number, f"{format_ref(number)} is yours now.", lambda s, a: opportunities.claim(s, a, number)
    )


def assign(ctx: Context) -> None:
    number, _, _ = _deal(ctx.action)
    user_id = ctx.action.get("selected_user")
    if not user_id:
        raise InvalidInput.field("user", "Pick someone to assign the deal to.")
    _change_and_refresh(
        ctx,
        number,
        f"Assigned {format_ref(number)} to <@{user_id}>.",
        lambda s, a: opportunities.assign(s, a, number, user_id),
    )


def move(ctx: Context) -> None:
    number, version, stage_value = _deal(ctx.action)
    try:
        stage = Stage(stage_value or "")
    except ValueError:
        raise InvalidInput.field("stage", "Pick a stage from the list.") from None
    if stage == Stage.CLOSED_LOST:
        _open_loss(ctx, number)
        return
    _change_and_refresh(
        ctx,
        number,
        f"Moved {format_ref(number)} to {stage.label}.",
        lambda s, a: opportunities.move(s, a, number, stage, expected_version=version),
    )


def category(ctx: Context) -> None:
    number, _version, value = _deal(ctx.action)
    chosen = None if value == "stage" else parse_category(value or "")
    label = "its stage's category" if chosen is None else chosen.label
    _change_and_refresh(
        ctx,
        number,
        f"{format_ref(number)} now forecasts as {label}.",
        lambda s, a: opportunities.set_category(s, a, number, chosen),
    )


def won(ctx: Context) -> None:
    number, version, _ = _deal(ctx.action)
    _change_and_refresh(
        ctx,
        number,
        f"{format_ref(number)} is Closed-Won. :tada:",
        lambda s, a: opportunities.close_won(s, a, number, expected_version=version),
    )


def reset_probability(ctx: Context) -> None:
    number, _, _ = _deal(ctx.action)
    _change_and_refresh(
        ctx,
        number,
        f"Probability of {format_ref(number)} reset to its stage default.",
        lambda s, a: opportunities.reset_probability(s, a, number),
    )


def _open_loss(ctx: Context, number: int) -> None:
    from oppbot.slack.listeners.views import open_views

    open_views.open_loss(
        ctx.client, ctx.body["trigger_id"], ctx.deps, ctx.unresolved, number, ctx.origin, push=ctx.push
    )


def lost(ctx: Context) -> None:
    _open_loss(ctx, _deal(ctx.action)[0])


def edit(ctx: Context) -> None:
    from oppbot.slack.listeners.views import open_views

    open_views.open_edit(
        ctx.client,
        ctx.body["trigger_id"],
        ctx.deps,
        ctx.unresolved,
        _deal(ctx.action)[0],
        channel_id=ctx.channel_id,
        push=ctx.push,
    )


def note(ctx: Context) -> None:
    from oppbot.slack.listeners.views import open_views

    open_views.open_note(
        ctx.client,
        ctx.body["trigger_id"],
        ctx.deps,
        ctx.unresolved,
        _deal(ctx.action)[0],
        channel_id=ctx.channel_id,
        push=ctx.push,
    )


# --- list rows and pages ---------------------------------------------------------------------------------------------


def row_menu(ctx: Context) -> None:
    """A row's overflow: 'verb:number:version'. The list stays; the deal's card comes as a new message."""
    value = (ctx.action.get("selected_option") or {}).get("value") or ""
    verb, _, rest = value.partition(":")
    ctx.action = {**ctx.action, "value": rest, "selected_option": None}
    number, version, _ = _deal(ctx.action)
    if verb == "show":
        _send(ctx.respond, card_reply(ctx.deps, ctx.actor(), number), replace=False)
    elif verb == "claim":
        _change_and_refresh(
            ctx,
            number,
            f"{format_ref(number)} is yours now.",
            lambda s, a: opportunities.claim(s, a, number),
            replace=False,
        )
    elif verb == "won":
        _change_and_refresh(
            ctx,
            number,
            f"{format_ref(number)} is Closed-Won. :tada:",
            lambda s, a: opportunities.close_won(s, a, number, expected_version=version),
            replace=False,
        )
    elif verb == "lost":
        lost(ctx)
    elif verb == "edit":
        edit(ctx)
    elif verb == "note":
        note(ctx)
    else:
        raise InvalidInput.field("action", "That menu is out of date; run `/opp list` again.")


def list_page(ctx: Context) -> None:
    actor = ctx.actor()
    args, offset = parsing.parse_list_state(ctx.action.get("value") or "", workspace_today(ctx.deps, actor.team_id))
    _send(
        ctx.respond, list_reply(ctx.deps, actor, args, offset, title="Search" if args.text else "Deals"), replace=True
    )


def register(app: App, deps: Deps) -> None:
    for action_id, run in (
        (Action.CLAIM, claim),
        (Action.ASSIGN, _stale_guard(assign)),
        (Action.MOVE, _stale_guard(move)),
        (Action.WON, _stale_guard(won)),
        (Action.LOST, lost),
        (Action.EDIT, edit),
        (Action.NOTE, note),
        (Action.RESET_PROBABILITY, reset_probability),
        (Action.CATEGORY, _stale_guard(category)),
        (Action.ROW_MENU, row_menu),
    ):
        app.action(action_id.value)(_guarded(deps, run))
    # Pager and stage filter buttons share one block each, so their action_ids carry a suffix (":next", ":lead").
    app.action(re.compile(rf"^(?:{Action.LIST_PAGE.value}|{Action.LIST_STAGE.value}):"))(_guarded(deps, list_page))
