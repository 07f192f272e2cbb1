"""The App Home tab: its data and its publishing, shared by the Home listener and the workers (no listener import)."""

from __future__ import annotations

from slack_sdk import WebClient

from oppbot import i18n
from oppbot.db.session import unit_of_work
from oppbot.services import languages, queries, workspaces
from oppbot.services.context import Actor
from oppbot.slack.blocks import home
from oppbot.slack.deps import Deps


def home_data(deps: Deps, team_id: str, user_id: str) -> home.HomeData:
    return _load(deps, team_id, user_id)[0]


def _load(deps: Deps, team_id: str, user_id: str) -> tuple[home.HomeData, str]:
    """The tab's data and its owner's language (their choice, else cached Slack locale, else the workspace's)."""
    actor = Actor(team_id, user_id)
    limit = home.ROWS_PER_SECTION
    with unit_of_work(deps.sessions) as session:
        workspaces.ensure_workspace(session, team_id, default_currency=deps.settings.default_currency)
        language = languages.user_language(session, team_id, user_id)
        with i18n.use(language):
            pipeline = queries.pipeline(session, actor)

            def section(query: queries.ListQuery) -> home.DealList:
                page = queries.list_deals(session, actor, query, limit=limit)
                return home.DealList(list(page.items), page.total, capped=page.capped)

            data = home.HomeData(
                user_id=user_id,
                pipeline=pipeline,
                mine=section(queries.ListQuery(mine=True, open_only=True)),
                overdue=section(queries.ListQuery(overdue=True, open_only=True)),
                stale=section(queries.ListQuery(stale=True, open_only=True)),
            )
        return data, language


def publish_home(client: WebClient, deps: Deps, team_id: str, user_id: str) -> None:
    """(Re)publish `user_id`'s Home tab, in their language. Idempotent: call it after any change that user should
    see."""
    data, language = _load(deps, team_id, user_id)
    with i18n.use(language):
        view = home.home_view(data)
    client.views_publish(user_id=user_id, view=view)
