"""Who counts as a manager: Slack admins and owners (users.info, cached 10 minutes) and the workspace's named list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import update

from oppbot.db.models import SlackUser
from oppbot.db.session import unit_of_work
from oppbot.services import settings as service
from oppbot.services.context import Actor
from oppbot.slack.roles import USER_CACHE_TTL, resolve_actor

TEAM = "T111"


def age_cache(sessions, user_id: str, by: timedelta) -> None:
    with unit_of_work(sessions) as session:
        row = session.get(SlackUser, (TEAM, user_id))
        row.fetched_at = row.fetched_at - by


@pytest.mark.parametrize(
    "flags",
    [{"is_admin": True}, {"is_owner": True}, {"is_primary_owner": True}, {"is_owner": True, "is_primary_owner": True}],
    ids=["workspace admin", "owner", "primary owner only", "primary owner"],
)
def test_slack_admins_and_owners_are_managers(fake_slack, deps, client, flags):
    fake_slack.users["U_ADMIN"] = flags
    assert resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager


def test_a_plain_member_is_not_a_manager(fake_slack, deps, client):
    assert not resolve_actor(deps, client, TEAM, "U_PLAIN").is_manager
    assert len(fake_slack.calls_to("users.info")) == 1


def test_a_named_manager_is_a_manager_without_asking_slack(fake_slack, deps, client, sessions):
    resolve_actor(deps, client, TEAM, "U_BOSS")  # first contact makes the workspace
    fake_slack.reset()
    with unit_of_work(sessions) as session:
        service.add_manager(session, Actor(TEAM, "U_ADMIN", is_manager=True), "U_NAMED")
    assert resolve_actor(deps, client, TEAM, "U_NAMED").is_manager
    assert fake_slack.calls_to("users.info") == []


def test_a_named_manager_removed_loses_the_role_at_once(fake_slack, deps, client, sessions):
    resolve_actor(deps, client, TEAM, "U_NAMED")
    boss = Actor(TEAM, "U_ADMIN", is_manager=True)
    with unit_of_work(sessions) as session:
        service.add_manager(session, boss, "U_NAMED")
    assert resolve_actor(deps, client, TEAM, "U_NAMED").is_manager
    with unit_of_work(sessions) as session:
        service.remove_manager(session, boss, "U_NAMED")
    # The users.info answer cached a minute ago says "member"; the named list is never cached.
    assert not resolve_actor(deps, client, TEAM, "U_NAMED").is_manager


def test_a_second_request_within_the_ttl_uses_the_cache(fake_slack, deps, client):
    fake_slack.users["U_ADMIN"] = {"is_admin": True}
    assert resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager
    assert resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager
    assert len(fake_slack.calls_to("users.info")) == 1


def test_an_admin_demoted_in_slack_loses_the_role_when_the_cache_expires(fake_slack, deps, client, sessions):
    fake_slack.users["U_ADMIN"] = {"is_admin": True}
    assert resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager
    fake_slack.users["U_ADMIN"] = {"is_admin": False}
    age_cache(sessions, "U_ADMIN", USER_CACHE_TTL - timedelta(seconds=30))
    assert resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager, "still inside the TTL"
    age_cache(sessions, "U_ADMIN", timedelta(seconds=31))
    assert not resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager
    assert len(fake_slack.calls_to("users.info")) == 2


def test_a_cache_entry_from_the_future_is_not_trusted(fake_slack, deps, client, sessions):
    fake_slack.users["U_ADMIN"] = {"is_admin": True}
    resolve_actor(deps, client, TEAM, "U_ADMIN")
    fake_slack.users["U_ADMIN"] = {}
    age_cache(sessions, "U_ADMIN", -timedelta(days=365))
    assert not resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager


@pytest.mark.parametrize("failure", ["user_not_found", "http 500"])
def test_users_info_failing_means_member_and_nothing_is_cached(fake_slack, deps, client, sessions, failure):
    fake_slack.users["U_ADMIN"] = {"is_admin": True}
    if failure == "http 500":
        fake_slack.fail_next("users.info", status=500)
    else:
        fake_slack.on("users.info", lambda call: {"ok": False, "error": "user_not_found"})
    assert not resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager
    with sessions() as session:
        assert session.get(SlackUser, (TEAM, "U_ADMIN")) is None
    if failure == "user_not_found":
        fake_slack._handlers.pop("users.info")  # Slack answers again
    # The next request asks Slack again, so a transient failure doesn't demote an admin for ten minutes.
    assert resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager


def test_users_info_unreachable_means_member(deps, sessions):
    unreachable = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=1)
    assert not resolve_actor(deps, unreachable, TEAM, "U_ADMIN").is_manager


def test_the_role_cache_is_per_workspace(fake_slack, deps, client, sessions):
    fake_slack.users["U_ADMIN"] = {"is_admin": True}
    assert resolve_actor(deps, client, TEAM, "U_ADMIN").is_manager
    # The same user id seen in another workspace is asked about there, not taken from TEAM's cache.
    with unit_of_work(sessions) as session:
        session.execute(update(SlackUser).values(is_admin=True))
    fake_slack.users["U_ADMIN"] = {}
    assert not resolve_actor(deps, client, "T222", "U_ADMIN").is_manager


# --- end to end through /opp: each rule allowed and refused ---------------------------------------------------------

REFUSAL = "Only managers can change the workspace currency. Ask a workspace admin or a manager named in /opp managers."


@pytest.mark.parametrize(
    "flags",
    [{"is_admin": True}, {"is_owner": True}, {"is_primary_owner": True}],
    ids=["workspace admin", "owner", "primary owner"],
)
def test_slack_admins_and_owners_may_change_settings_from_slack(inproc, flags):
    inproc.fake.users["U_ADMIN"] = flags
    reply = inproc.ask("settings currency EUR", user_id="U_ADMIN")
    assert "New deals now start in *EUR* (was USD)" in reply["text"]


def test_a_plain_member_is_refused_settings_changes_with_the_reason(inproc):
    reply = inproc.ask("settings currency EUR", user_id="U_PLAIN")
    assert reply["text"].startswith(REFUSAL)
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    assert "USD" in inproc.ask("settings", user_id="U_PLAIN")["text"]


def test_a_named_manager_may_and_loses_it_when_removed(inproc):
    inproc.fake.users["U_ADMIN"] = {"is_admin": True}
    assert "<@U_NAMED> is now a manager." in inproc.ask("managers add <@U_NAMED|ana>", user_id="U_ADMIN")["text"]
    assert "EUR" in inproc.ask("settings currency EUR", user_id="U_NAMED")["text"]
    removed = inproc.ask("managers remove <@U_NAMED>", user_id="U_ADMIN")["text"]
    assert "<@U_NAMED> is no longer a named manager." in removed
    refused = inproc.ask("settings currency NOK", user_id="U_NAMED")["text"]
    assert refused.startswith("Only managers can change the workspace currency.")
