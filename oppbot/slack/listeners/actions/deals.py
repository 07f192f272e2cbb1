"""Buttons and menus on deal cards and list pages: re-check on the server, then refresh the message they came from."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from slack_bolt import App, Respond

from oppbot.domain.categories import parse_category
from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import _
from oppbot.services import opportunities
from oppbot.slack import parsing
from oppbot.slack.blocks.common import parse_deal_value
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action
from oppbot.slack.listeners.commands.base import Reply
from oppbot.slack.listeners.commands.deals import card_reply, list_reply, outcome_note, workspace_today
from oppbot.slack.listeners.views import open_views
from oppbot.slack.pipeline import Request, ack_first

log = logging.getLogger(__name__)


def _deal(action: dict) -> tuple[int, int | None, str | None]:
    """(number, version, extra) from the element's value, the selected option, or (users_select) the block_id."""
    raw = (action.get("selected_option") or {}).get("value") or action.get("value")
    if raw is None:
        raw = (action.get("block_id") or "").partition(":")[2]
    try:
        return parse_deal_value(raw)
    except (ValueError, TypeError):
        raise InvalidInput.field("action", _("That button is out of date; run `/opp show` again.")) from None


def _send(respond: Respond, reply: Reply, *, replace: bool) -> None:
    kwargs = {"text": reply.text, "replace_original": replace, "response_type": "ephemeral"}
    if reply.blocks is not None:
        kwargs["blocks"] = reply.blocks
    respond(**kwargs)


def _change_and_refresh(req: Request, number: int, done: str, change: Callable, *, replace: bool = True) -> None:
    actor = req.actor
    with req.unit_of_work() as session:
        outcome = change(session, actor)
    _send(req.respond, card_reply(req, number, outcome_note(done, outcome)), replace=replace)


def _origin(req: Request) -> dict | None:
    """Which card a form opened from this click refreshes when saved: the ephemeral one, or the modal it is in."""
    url = req.body.get("response_url")
    if url:
        return {"response_url": url}
    if req.in_modal:
        return {"view_id": req.view["id"]}
    return None


# --- card actions ----------------------------------------------------------------------------------------------------


def claim(req: Request) -> None:
    number, _version, _extra = _deal(req.action)
    _change_and_refresh(
        req, number, _("{ref} is yours now.", ref=format_ref(number)), lambda s, a: opportunities.claim(s, a, number)
    )


def assign(req: Request) -> None:
    number, _version, _extra = _deal(req.action)
    req.deal_number = number  # a Conflict shows the card as it is now
    user_id = req.action.get("selected_user")
    if not user_id:
        raise InvalidInput.field("user", _("Pick someone to assign the deal to."))
    _change_and_refresh(
        req,
        number,
        _("Assigned {ref} to {user}.", ref=format_ref(number), user=f"<@{user_id}>"),
        lambda s, a: opportunities.assign(s, a, number, user_id),
    )


def move(req: Request) -> None:
    number, version, stage_value = _deal(req.action)
    req.deal_number = number
    try:
        stage = Stage(stage_value or "")
    except ValueError:
        raise InvalidInput.field("stage", _("Pick a stage from the list.")) from None
    if stage == Stage.CLOSED_LOST:
        _open_loss(req, number)
        return
    _change_and_refresh(
        req,
        number,
        _("Moved {ref} to {stage}.", ref=format_ref(number), stage=stage.label),
        lambda s, a: opportunities.move(s, a, number, stage, expected_version=version),
    )


def category(req: Request) -> None:
    number, _version, value = _deal(req.action)
    req.deal_number = number
    chosen = None if value == "stage" else parse_category(value or "")
    ref = format_ref(number)
    if chosen is None:
        done = _("{ref} now forecasts as its stage's category.", ref=ref)
    else:
        done = _("{ref} now forecasts as {category}.", ref=ref, category=chosen.label)
    _change_and_refresh(
        req,
        number,
        done,
        lambda s, a: opportunities.set_category(s, a, number, chosen),
    )


def won(req: Request) -> None:
    number, version, _extra = _deal(req.action)
    req.deal_number = number
    _change_and_refresh(
        req,
        number,
        _("{ref} is Closed-Won. :tada:", ref=format_ref(number)),
        lambda s, a: opportunities.close_won(s, a, number, expected_version=version),
    )


def reset_probability(req: Request) -> None:
    number, _version, _extra = _deal(req.action)
    _change_and_refresh(
        req,
        number,
        _("Probability of {ref} reset to its stage default.", ref=format_ref(number)),
        lambda s, a: opportunities.reset_probability(s, a, number),
    )


def _open_loss(req: Request, number: int) -> None:
    open_views.open_loss(req, number, _origin(req), push=req.in_modal)


def _open_edit(req: Request, number: int) -> None:
    open_views.open_edit(req, number, channel_id=req.channel_id, push=req.in_modal)


def _open_note(req: Request, number: int) -> None:
    open_views.open_note(req, number, channel_id=req.channel_id, push=req.in_modal)


def lost(req: Request) -> None:
    _open_loss(req, _deal(req.action)[0])


def edit(req: Request) -> None:
    _open_edit(req, _deal(req.action)[0])


def note(req: Request) -> None:
    _open_note(req, _deal(req.action)[0])


# --- list rows and pages ---------------------------------------------------------------------------------------------


def row_menu(req: Request) -> None:
    """A row's overflow: 'verb:number:version'. The list stays; the deal's card comes as a new message."""
    value = (req.action.get("selected_option") or {}).get("value") or ""
    verb, _sep, rest = value.partition(":")
    number, version, _extra = _deal({"value": rest})
    if verb == "show":
        _send(req.respond, card_reply(req, number), replace=False)
    elif verb == "claim":
        _change_and_refresh(
            req,
            number,
            _("{ref} is yours now.", ref=format_ref(number)),
            lambda s, a: opportunities.claim(s, a, number),
            replace=False,
        )
    elif verb == "won":
        _change_and_refresh(
            req,
            number,
            _("{ref} is Closed-Won. :tada:", ref=format_ref(number)),
            lambda s, a: opportunities.close_won(s, a, number, expected_version=version),
            replace=False,
        )
    elif verb == "lost":
        _open_loss(req, number)
    elif verb == "edit":
        _open_edit(req, number)
    elif verb == "note":
        _open_note(req, number)
    else:
        raise InvalidInput.field("action", _("That menu is out of date; run `/opp list` again."))


def list_page(req: Request) -> None:
    args, offset = parsing.parse_list_state(req.action.get("value") or "", workspace_today(req))
    _send(req.respond, list_reply(req, args, offset, title=_("Search") if args.text else _("Deals")), replace=True)


HANDLERS = {
    Action.CLAIM: claim,
    Action.ASSIGN: assign,
    Action.MOVE: move,
    Action.WON: won,
    Action.LOST: lost,
    Action.EDIT: edit,
    Action.NOTE: note,
    Action.RESET_PROBABILITY: reset_probability,
    Action.CATEGORY: category,
    Action.ROW_MENU: row_menu,
}


def register(app: App, deps: Deps) -> None:
    for action_id, handler in HANDLERS.items():
        app.action(action_id.value)(ack_first(handler))
    # Pager and stage filter buttons share one block each, so their action_ids carry a suffix (":next", ":lead").
    app.action(re.compile(rf"^(?:{Action.LIST_PAGE.value}|{Action.LIST_STAGE.value}):"))(ack_first(list_page))
