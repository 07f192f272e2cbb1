"""Multi-workspace installs: encrypted tokens at rest, install / reinstall / uninstall against the fake Slack."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from fakeslack.signing import sign
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select, text
from wsgi_client import call

from oppbot.config import get_settings
from oppbot.slack.app import build_app
from oppbot.slack.oauth import TokenCipher, client_for_team, installation_store
from oppbot.slack.server import wsgi_app

SECRET = "signing-secret"


@pytest.fixture
def oauth_settings(fake_slack, db_url, monkeypatch):
    fake_slack.team_id, fake_slack.team_name = "TNEW", "New Team"  # the workspace an install adds
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return get_settings(
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="client-secret",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=db_url,
        OPPBOT_SECRET_KEY="a passphrase only the operator knows",
        SLACK_BOT_TOKEN=None,
    )


def install(app) -> None:
    status, headers, body = call(app, "GET", "/slack/install")
    assert status in (200, 302)
    cookie = next(v for k, v in headers if k.lower() == "set-cookie" and "slack-app-oauth-state" in v)
    state_cookie = cookie.split(";")[0]
    state = state_cookie.split("=", 1)[1]
    status, _headers, body = call(
        app,
        "GET",
        "/slack/oauth_redirect",
        query=urlencode({"code": "abc", "state": state}),
        headers={"Cookie": state_cookie},
    )
    assert status == 200, body


def test_an_install_stores_the_bot_token_encrypted_and_the_workspace_works(fake_slack, oauth_settings, engine):
    app = build_app(oauth_settings)
    server = wsgi_app(app, oauth_settings, None)

    install(server)

    assert fake_slack.calls_to("oauth.v2.access"), "the code was exchanged at SLACK_API_URL"
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT bot_token FROM slack_bots")).scalar_one()
    assert raw.startswith("enc:v1:") and "xoxb-TNEW-installed" not in raw
    client = client_for_team(oauth_settings, "TNEW", engine=engine)
    assert client is not None and client.token == "xoxb-TNEW-installed"


def test_a_token_is_unreadable_without_the_key(oauth_settings, engine):
    store = installation_store(oauth_settings, engine)
    store.save(
        Installation(
            app_id="A1", team_id="TX", user_id="U1", bot_token="xoxb-secret-token", bot_id="B1", bot_user_id="UB"
        )
    )
    with engine.connect() as conn:
        dumped = json.dumps([list(map(str, row)) for row in conn.execute(text("SELECT * FROM slack_bots"))])
        dumped += json.dumps([list(map(str, row)) for row in conn.execute(text("SELECT * FROM slack_installations"))])
    assert "xoxb-secret-token" not in dumped
    wrong = TokenCipher("another key")
    sealed = re.search(r"enc:v1:[A-Za-z0-9_\-=]+", dumped).group(0)
    assert wrong.decrypt(sealed) is None
    assert store.find_bot(enterprise_id=None, team_id="TX").bot_token == "xoxb-secret-token"


def test_reinstalling_replaces_the_token(fake_slack, oauth_settings, engine):
    server = wsgi_app(build_app(oauth_settings), oauth_settings, None)
    install(server)
    fake_slack.oauth_response = None
    fake_slack.team_name = "New Team"
    # A reinstall (e.g. after new scopes) hands out a new token; the newest wins.
    original = fake_slack._m_oauth_v2_access

    def rotated(args, team):
        answer = original(args, team)
        answer["access_token"] = "xoxb-TNEW-rotated"
        return answer

    fake_slack._m_oauth_v2_access = rotated
    install(server)
    assert client_for_team(oauth_settings, "TNEW", engine=engine).token == "xoxb-TNEW-rotated"


def test_uninstalling_stops_every_use_of_the_token(fake_slack, oauth_settings, engine):
    app = build_app(oauth_settings)
    server = wsgi_app(app, oauth_settings, None)
    install(server)

    event = {
        "token": "x",
        "team_id": "TNEW",
        "api_app_id": "A111",
        "event": {"type": "app_uninstalled", "event_ts": "1700000000.000100"},
        "type": "event_callback",
        "event_id": "Ev_UNINSTALL",
        "event_time": 1700000000,
        "authorizations": [
            {
                "team_id": "TNEW",
                "user_id": "UBOT",
                "is_bot": True,
                "enterprise_id": None,
                "is_enterprise_install": False,
            }
        ],
    }
    body = json.dumps(event).encode()
    status, _h, _b = call(server, "POST", "/slack/events", body=body, headers=sign(SECRET, body))
    assert status == 200

    # Bolt runs the revocation listener after acking; wait for it to land.
    import time

    deadline = time.time() + 5
    while time.time() < deadline and client_for_team(oauth_settings, "TNEW", engine=engine) is not None:
        time.sleep(0.05)
    assert client_for_team(oauth_settings, "TNEW", engine=engine) is None


def test_the_install_page_asks_for_the_manifest_scopes(oauth_settings):
    server = wsgi_app(build_app(oauth_settings), oauth_settings, None)
    _status, headers, body = call(server, "GET", "/slack/install")
    location = dict((k.lower(), v) for k, v in headers).get("location") or body.decode()
    url = re.search(r"https://slack\.com/oauth/v2/authorize\?[^\"'\s]+", location).group(0).replace("&amp;", "&")
    scopes = parse_qs(urlparse(url).query)["scope"][0].split(",")
    assert "commands" in scopes and "chat:write" in scopes


def test_workers_use_each_workspaces_installed_token_and_skip_a_workspace_that_left(
    fake_slack, oauth_settings, engine, sessions
):
    """Events are posted with the installing workspace's token; after an uninstall they cause no Slack call."""
    from integration.helpers import make_deal
    from integration.workers_support import processed_count

    from oppbot.db.models import OutboxEvent
    from oppbot.db.session import unit_of_work
    from oppbot.services import notifications
    from oppbot.services.context import Actor
    from workers.actors import EVENT_DONE, default_runtime, process_event

    install(wsgi_app(build_app(oauth_settings), oauth_settings, None))
    boss = Actor("TNEW", "U_BOSS", is_manager=True)
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, boss, "CSALES")
    runtime = default_runtime(oauth_settings)
    runtime.sessions = sessions

    make_deal(sessions, boss)
    with sessions() as session:
        first = session.scalars(select(OutboxEvent.event_id).order_by(OutboxEvent.id)).all()
    for event_id in first:
        process_event(runtime, event_id)
    posted = [c for c in fake_slack.calls_to("chat.postMessage") if c.args.get("channel") == "CSALES"]
    assert posted and {c.token for c in posted} == {"xoxb-TNEW-installed"}

    store = installation_store(oauth_settings, engine)
    store.delete_installation(enterprise_id=None, team_id="TNEW")
    store.delete_bot(enterprise_id=None, team_id="TNEW")
    fake_slack.reset()
    make_deal(sessions, boss, title="After uninstall")
    with sessions() as session:
        later = session.scalars(select(OutboxEvent.event_id).order_by(OutboxEvent.id)).all()[len(first) :]
    for event_id in later:
        process_event(runtime, event_id)
    assert fake_slack.calls_to("chat.postMessage") == []
    assert processed_count(sessions, EVENT_DONE) == len(first) + len(later)
