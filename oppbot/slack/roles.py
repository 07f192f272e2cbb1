"""Who is a manager: Slack workspace admins and owners (users.info, cached briefly) plus the workspace's own list."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot.db.base import utcnow
from oppbot.db.models import SlackUser
from oppbot.db.session import unit_of_work
from oppbot.services.context import Actor
from oppbot.services.workspaces import ensure_workspace, is_named_manager
from oppbot.slack.deps import Deps

log = logging.getLogger(__name__)
USER_CACHE_TTL = timedelta(minutes=10)


def resolve_actor(deps: Deps, client: WebClient, team_id: str, user_id: str) -> Actor:
    """The acting user with their role, making the workspace on first contact. Call after ack()."""
    with unit_of_work(deps.sessions) as session:
        ensure_workspace(session, team_id, default_currency=deps.settings.default_currency)
        if is_named_manager(session, team_id, user_id):
            return Actor(team_id, user_id, is_manager=True)
        cached = session.get(SlackUser, (team_id, user_id))
        if cached is not None and utcnow() - cached.fetched_at < USER_CACHE_TTL:
            return Actor(team_id, user_id, is_manager=cached.is_admin or cached.is_owner)
    profile = fetch_user(client, user_id)
    with unit_of_work(deps.sessions) as session:
        row = session.get(SlackUser, (team_id, user_id)) or SlackUser(team_id=team_id, user_id=user_id)
        row.name = profile.get("real_name") or profile.get("name")
        row.is_admin = bool(profile.get("is_admin"))
        row.is_owner = bool(profile.get("is_owner") or profile.get("is_primary_owner"))
        row.timezone = profile.get("tz")
        row.fetched_at = utcnow()
        session.merge(row)
    return Actor(team_id, user_id, is_manager=bool(profile.get("is_admin") or profile.get("is_owner")))


def fetch_user(client: WebClient, user_id: str) -> dict:
    try:
        return client.users_info(user=user_id).get("user") or {}
    except SlackApiError as exc:
        # Without users.info we can't prove admin rights: treat as a member, which only ever refuses more.
        log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return {}


def user_timezone(deps: Deps, team_id: str, user_id: str) -> str | None:
    with unit_of_work(deps.sessions) as session:
        cached = session.get(SlackUser, (team_id, user_id))
        return cached.timezone if cached else None
