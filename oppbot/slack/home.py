"""The App Home tab: its data and its publishing, shared by the Home listener and the workers (no listener import)."""

from __future__ import annotations

from slack_sdk import WebClient

from oppbot.db.session import unit_of_work
from oppbot.services import queries, workspaces
from oppbot.services.context import Actor
from oppbot.slack.blocks import home
from oppbot.slack.deps import Deps


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
