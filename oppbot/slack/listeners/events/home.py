"""App Home: published on app_home_opened and by publish_home() after changes; its New deal button and finder."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App
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


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or body.get("team_id") or (body.get("view") or {}).get("team_id")


def register(app: App, deps: Deps) -> None:
    def on_home_opened(event: dict, body: dict, client: WebClient) -> None:
        # Bolt has already acked the event; publishing is idempotent, so Slack's retries do no harm.
        if event.get("tab", "home") != "home":
            return
        publish_home(client, deps, _team(body), event["user"])

    def on_new(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        open_views.open_create(client, body["trigger_id"], deps, Actor(_team(body), body["user"]["id"]))

    def on_find(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        value = (action.get("selected_option") or {}).get("value") or ""
        kind, _, raw = value.partition(":")
        if kind != "deal" or not raw.isdigit():
            return
        number = int(raw)
        actor = Actor(_team(body), body["user"]["id"])
        response = client.views_open(
            trigger_id=body["trigger_id"], view=modals.loading_modal(f"Deal {format_ref(number)}")
        )
        view = response.get("view") or {}
        card = deal_card(deps, actor, number)
        if card is not None:
            new_view = modals.blocks_modal(f"Deal {format_ref(number)}", card[1][:100])
        else:
            try:
                with unit_of_work(deps.sessions) as session:
                    opp = repo.get_opportunity(session, actor.team_id, number)
                    new_view = modals.blocks_modal(f"Deal {format_ref(number)}", home.deal_summary_blocks(opp))
            except OppbotError as exc:
                new_view = modals.message_modal(f"Deal {format_ref(number)}", exc.message)
        try:
            client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new_view)
        except SlackApiError as exc:
            log.info("views.update skipped: %s", exc.response.get("error"))

    app.event("app_home_opened")(on_home_opened)
    app.action(Action.HOME_NEW.value)(on_new)
    app.action(Action.HOME_FIND.value)(on_find)
