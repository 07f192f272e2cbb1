"""Opening oppbot's modals: views.open with the trigger_id first (it dies after 3 s), then load and views.update."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot.db import repositories as repo
from oppbot.domain.errors import OppbotError
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import _
from oppbot.services import workspaces
from oppbot.slack.blocks import modals
from oppbot.slack.ids import Callback
from oppbot.slack.pipeline import Request
from oppbot.slack.text import error_text

log = logging.getLogger(__name__)


def _opened_view(response) -> tuple[str | None, str | None]:
    view = (response.get("view") or {}) if response is not None else {}
    return view.get("id"), view.get("hash")


def _update(client: WebClient, view_id: str | None, view_hash: str | None, view: dict) -> None:
    if not view_id:
        return
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as exc:
        # hash_conflict: the user already moved on (pushed or closed); their newer view wins.
        log.info("views.update skipped: %s", exc.response.get("error"))


def workspace_currency(req: Request) -> str:
    with req.unit_of_work() as session:
        workspace = repo.get_workspace(session, req.team_id)
        return workspace.currency if workspace is not None else req.deps.settings.default_currency


def _opener(req: Request, push: bool):
    # From inside a modal (a card opened from App Home) a form is pushed on top; elsewhere it is opened.
    return req.client.views_push if push else req.client.views_open


# Every opener sees only the unresolved actor (req.unresolved): no users.info before views.open, because the
# trigger_id dies after 3 s; the submission resolves the role and checks the permission.


def open_create(
    req: Request, title: str | None = None, description: str | None = None, channel_id: str | None = None
) -> str | None:
    """The create modal, prefilled with `title`/`description`. Returns the view id (None if Slack refused)."""
    form = modals.DealForm(title=(title or "").strip()[:200] or None, description=(description or "")[:3000] or None)
    view = modals.create_deal_modal(form, team_id=req.team_id, channel_id=channel_id)
    view_id, view_hash = _opened_view(req.client.views_open(trigger_id=req.trigger_id, view=view))
    # The workspace currency comes from the database: shown after the modal is already open.
    currency = workspace_currency(req)
    full = modals.create_deal_modal(form, team_id=req.team_id, channel_id=channel_id, workspace_currency=currency)
    _update(req.client, view_id, view_hash, full)
    return view_id


def open_edit(req: Request, number: int, channel_id: str | None = None, push: bool = False) -> str | None:
    """Edit modal for deal `number`."""
    title = _("Edit deal {ref}", ref=format_ref(number))
    response = _opener(req, push)(trigger_id=req.trigger_id, view=modals.loading_modal(title))
    view_id, view_hash = _opened_view(response)
    try:
        with req.unit_of_work() as session:
            opp = repo.get_opportunity(session, req.team_id, number)
            rules = workspaces.load_rules(session, req.team_id)
            form = modals.deal_form_from_opportunity(opp, rules.probabilities[Stage(opp.stage)])
            view = modals.edit_deal_modal(
                form, team_id=req.team_id, number=number, version=opp.version, channel_id=channel_id
            )
    except OppbotError as exc:
        view = modals.message_modal(title, error_text(exc))
    _update(req.client, view_id, view_hash, view)
    return view_id


def open_loss(req: Request, number: int, origin: dict | None, push: bool = False) -> str | None:
    """Loss-reason modal; `origin` {channel, ts}, {response_url} or {view_id} names the card to refresh after."""
    title = _("Close as lost")
    response = _opener(req, push)(trigger_id=req.trigger_id, view=modals.loading_modal(title, Callback.LOSS_REASON))
    view_id, view_hash = _opened_view(response)
    try:
        with req.unit_of_work() as session:
            opp = repo.get_opportunity(session, req.team_id, number)
            if opp.stage == Stage.CLOSED_LOST.value:
                already = _("Deal {ref} is already Closed-Lost.", ref=format_ref(number))
                view = modals.message_modal(title, already)
            else:
                rules = workspaces.load_rules(session, req.team_id)
                view = modals.loss_reason_modal(
                    team_id=req.team_id,
                    number=number,
                    version=opp.version,
                    deal_title=opp.title,
                    reasons=rules.loss_reasons,
                    origin=origin,
                )
    except OppbotError as exc:
        view = modals.message_modal(title, error_text(exc))
    _update(req.client, view_id, view_hash, view)
    return view_id


def open_note(req: Request, number: int, channel_id: str | None = None, push: bool = False) -> str | None:
    first = modals.note_modal(team_id=req.team_id, number=number, channel_id=channel_id)
    view_id, view_hash = _opened_view(_opener(req, push)(trigger_id=req.trigger_id, view=first))
    try:
        with req.unit_of_work() as session:
            opp = repo.get_opportunity(session, req.team_id, number)
            view = modals.note_modal(team_id=req.team_id, number=number, deal_title=opp.title, channel_id=channel_id)
    except OppbotError as exc:
        view = modals.message_modal(_("Add a note"), error_text(exc))
    _update(req.client, view_id, view_hash, view)
    return view_id


def open_customer(req: Request, push: bool = False, channel_id: str | None = None) -> str | None:
    """The customer modal; `push` stacks it on the open deal modal (from its "New customer" button)."""
    view = modals.customer_modal(team_id=req.team_id, channel_id=channel_id, pushed=push)
    return _opened_view(_opener(req, push)(trigger_id=req.trigger_id, view=view))[0]
