"""App Home's listeners: app_home_opened publishes the tab; its New deal button and deal finder.

Building and publishing the tab is oppbot.slack.home, which the workers import too (they republish it after
changes); publish_home is re-exported here for callers that still import it from this module."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from oppbot.db import repositories as repo
from oppbot.domain.errors import OppbotError
from oppbot.domain.refs import format_ref
from oppbot.i18n import _
from oppbot.slack.blocks import home, modals
from oppbot.slack.deps import Deps
from oppbot.slack.home import home_data, publish_home
from oppbot.slack.ids import Action
from oppbot.slack.listeners.views import open_views
from oppbot.slack.listeners.views.replies import deal_card
from oppbot.slack.pipeline import Request, ack_first, on_event
from oppbot.slack.text import error_text

log = logging.getLogger(__name__)
__all__ = ["home_data", "on_find", "on_home_opened", "on_new", "publish_home", "register"]


def on_home_opened(req: Request) -> None:
    # Bolt has already acked the event, and the pipeline let only its first delivery through.
    event = req.body.get("event") or {}
    if event.get("tab", "home") != "home":
        return
    publish_home(req.client, req.deps, req.team_id, req.user_id)


def on_new(req: Request) -> None:
    open_views.open_create(req)


def on_find(req: Request) -> None:
    value = (req.action.get("selected_option") or {}).get("value") or ""
    kind, _sep, raw = value.partition(":")
    if kind != "deal" or not raw.isdigit() or len(raw) > 18:
        return
    number = int(raw)
    title = _("Deal {ref}", ref=format_ref(number))
    response = req.client.views_open(trigger_id=req.trigger_id, view=modals.loading_modal(title))
    view = response.get("view") or {}
    card = deal_card(req, number, actor=req.unresolved)
    if card is not None:
        new_view = modals.blocks_modal(title, card[1][:100])
    else:
        try:
            with req.unit_of_work() as session:
                opp = repo.get_opportunity(session, req.team_id, number)
                new_view = modals.blocks_modal(title, home.deal_summary_blocks(opp))
        except OppbotError as exc:
            new_view = modals.message_modal(title, error_text(exc))
    try:
        req.client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new_view)
    except SlackApiError as exc:
        log.info("views.update skipped: %s", exc.response.get("error"))


def register(app: App, deps: Deps) -> None:
    app.event("app_home_opened")(on_event(on_home_opened))
    app.action(Action.HOME_NEW.value)(ack_first(on_new))
    app.action(Action.HOME_FIND.value)(ack_first(on_find))
