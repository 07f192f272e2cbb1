"""Who is a manager: Slack workspace admins and owners (users.info, cached briefly) plus the workspace's own list.

The same users.info answer (asked with include_locale) gives the user's Slack locale, cached beside the role: the
reader's language (oppbot.services.languages) reads it from there, never from a Slack call of its own."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from oppbot.db.base import utcnow
from oppbot.db.models import SlackUser
from oppbot.db.session import unit_of_work
from oppbot.services.context import Actor
from oppbot.services.languages import ReaderFacts
from oppbot.services.workspaces import ensure_workspace, is_named_manager
from oppbot.slack.deps import Deps

log = logging.getLogger(__name__)
# How long a users.info answer counts: an admin demoted in Slack keeps manager rights at most this long.
USER_CACHE_TTL = timedelta(minutes=10)


def is_slack_manager(profile: dict) -> bool:
    """Workspace admins, owners and the primary owner (is_owner usually covers the primary owner; be explicit)."""
    return bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))


def resolve_actor(deps: Deps, client: WebClient, team_id: str, user_id: str) -> Actor:
    """The acting user with their role, making the workspace on first contact. Call after ack().

    Named managers are read from the database on every call, so removing one takes effect at once. Slack roles
    come from users.info, cached for USER_CACHE_TTL; when users.info fails the user counts as a member (which only
    ever refuses more) and nothing is cached, so the next request asks Slack again.
    """
    return resolve_reader(deps, client, team_id, user_id)[0]


def resolve_reader(deps: Deps, client: WebClient, team_id: str, user_id: str) -> tuple[Actor, ReaderFacts | None]:
    """resolve_actor, with what decides the user's language when the same reads told it (no statement more); None
    for a named manager, whose role needs no slack_users row."""
    now = utcnow()
    with unit_of_work(deps.sessions) as session:
        workspace = ensure_workspace(session, team_id, default_currency=deps.settings.default_currency)
        if is_named_manager(session, team_id, user_id):
            return Actor(team_id, user_id, is_manager=True), None
        cached = session.get(SlackUser, (team_id, user_id))
        choice = cached.language if cached is not None else None
        if cached is not None and _fresh(cached.fetched_at, now):
            facts = ReaderFacts(choice, cached.locale, workspace.language)
            return Actor(team_id, user_id, is_manager=cached.is_admin or cached.is_owner), facts
        facts = ReaderFacts(choice, cached.locale if cached is not None else None, workspace.language)
    profile = fetch_user(client, user_id)
    if profile is None:
        return Actor(team_id, user_id, is_manager=False), facts
    manager = is_slack_manager(profile)
    _remember(deps, team_id, user_id, profile)
    return Actor(team_id, user_id, is_manager=manager), ReaderFacts(choice, profile.get("locale"), facts.workspace)


def _fresh(fetched_at: datetime, now: datetime) -> bool:
    # A fetched_at in the future (clock skew between hosts) must not make an entry live forever.
    return timedelta(0) <= now - fetched_at < USER_CACHE_TTL


def _remember(deps: Deps, team_id: str, user_id: str, profile: dict) -> None:
    """Cache the answer; best effort: a lost race with a concurrent request for the same user is harmless."""
    try:
        with unit_of_work(deps.sessions) as session:
            row = session.get(SlackUser, (team_id, user_id))
            if row is None:
                row = SlackUser(team_id=team_id, user_id=user_id)
                session.add(row)
            name = profile.get("real_name") or profile.get("name")
            row.name = name[:200] if name else None
            row.is_admin = bool(profile.get("is_admin"))
            # One owner flag covers owners and the primary owner: both are managers.
            row.is_owner = bool(profile.get("is_owner") or profile.get("is_primary_owner"))
            row.timezone = profile.get("tz")
            # Slack's locale (asked with include_locale); the user's own language choice is left as it is.
            locale = profile.get("locale")
            row.locale = str(locale)[:16] if locale else None
            row.fetched_at = utcnow()
    except SQLAlchemyError:
        log.warning("could not cache users.info for %s", user_id, exc_info=True)


def fetch_user(client: WebClient, user_id: str) -> dict | None:
    """users.info's user (with its `locale`), or None when Slack could not be asked or refused to answer."""
    try:
        return client.users_info(user=user_id, include_locale=True).get("user") or None
    except SlackApiError as exc:
        log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
    except (SlackClientError, OSError) as exc:
        # Timeouts and refused connections: without users.info we can't prove admin rights.
        log.warning("users.info unreachable for %s: %s", user_id, type(exc).__name__)
    return None


def user_timezone(deps: Deps, team_id: str, user_id: str) -> str | None:
    with unit_of_work(deps.sessions) as session:
        cached = session.get(SlackUser, (team_id, user_id))
        return cached.timezone if cached else None
