"""App Home: published on app_home_opened and by publish_home() after changes; its New deal button and finder."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot.db import repositories as repo
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import OppbotError
from oppbot.domain.refs import format_ref
from oppbot.services import queries, workspaces
from oppbot.services.context import Actor
from oppbot.slack.blocks import home, modals
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action
from oppbot.slack.listeners.views import open_views
from oppbot.slack.listeners.views.replies import deal_card
from oppbot.slack.pipeline import Request, ack_first, on_event
from oppbot.slack.text import error_text

log = logging.getLogger(__name__)


def home_data(deps: Deps, team_id: str, user_id: str) -> home.HomeData:
    actor = Actor(team_id, user_id)
    limit = home.ROWS_PER_SECTION
    with unit_of_work(deps.sessions) as session:
        workspaces.ensure_workspace(session, team_id, default_currency=deps.settings.default_currency)
        pipeline = queries.pipeline(session, actor)

        def section(query: queries.ListQuery) -> home.DealList:
            page = queries.list_deals(session, actor, query, limit=limit)
            return home.DealList(list(page.items), page.total)

        return home.HomeData(
            user_id=user_id,
            pipeline=pipeline,
            mine=section(queries.ListQuery(mine=True, open_only=True)),
            overdue=section(queries.ListQuery(overdue=True, open_only=True)),
            stale=section(queries.ListQuery(stale=True, open_only=True)),
        )


def publish_home(client: WebClient, deps: Deps, team_id: str, user_id: str) -> None:
    """(Re)publish `user_id`'s Home tab. Idempotent: call it after any change that user should see."""
    view = home.home_view(home_data(deps, team_id, user_id))
    client.views_publish(user_id=user_id, view=view)


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
    kind, _, raw = value.partition(":")
    if kind != "deal" or not raw.isdigit() or len(raw) > 18:
        return
    number = int(raw)
    title = f"Deal {format_ref(number)}"
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
