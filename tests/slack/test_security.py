"""Request verification on the Slack route and a /healthz that reveals nothing, through the real WSGI app."""

from __future__ import annotations

import json
import time

import pytest
from fakeslack import event_body, interactive_body, sign, slash_command_body
from sqlalchemy import func, select
from wsgi import SECRET, call, single_token_settings

from oppbot.db.models import Activity, Manager, Workspace
from oppbot.db.session import make_engine, session_factory
from oppbot.slack.app import build_app
from oppbot.slack.server import wsgi_app

ATTACK = "managers add <@U_EVIL|evil>"


def bodies(fake) -> dict[str, bytes]:
    """One request of each kind Slack sends, each of which would write rows and call Slack if accepted."""
    block_actions = {
        "type": "block_actions",
        "user": {"id": "U_ADMIN", "team_id": "T111"},
        "team": {"id": "T111"},
        "api_app_id": "A111",
        "trigger_id": "1.1.abc",
        "response_url": fake.response_url("forged-click"),
        "actions": [{"action_id": "deal_claim", "type": "button", "value": "1", "action_ts": "1.2"}],
    }
    return {
        "slash command": slash_command_body(ATTACK, user_id="U_ADMIN", response_url=fake.response_url("forged")),
        "button click": interactive_body(block_actions),
        "event": event_body({"type": "app_home_opened", "user": "U_ADMIN", "tab": "home"}),
    }


def tamper(headers: dict[str, str]) -> dict[str, str]:
    digest = headers["X-Slack-Signature"]
    return {**headers, "X-Slack-Signature": digest[:-1] + ("0" if digest[-1] != "0" else "1")}


def forged(body: bytes) -> dict[str, str]:
    return tamper(sign(SECRET, body))


def wrong_secret(body: bytes) -> dict[str, str]:
    return sign("not-the-secret", body)


def no_headers(body: bytes) -> dict[str, str]:
    return {}


def no_signature(body: bytes) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": sign(SECRET, body)["X-Slack-Request-Timestamp"]}


def no_timestamp(body: bytes) -> dict[str, str]:
    return {"X-Slack-Signature": sign(SECRET, body)["X-Slack-Signature"]}


def six_minutes_old(body: bytes) -> dict[str, str]:
    # Correctly signed, but replayed: Slack's rule is to refuse anything older than five minutes.
    return sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)


def six_minutes_ahead(body: bytes) -> dict[str, str]:
    return sign(SECRET, body, timestamp=int(time.time()) + 6 * 60)


def not_a_number(body: bytes) -> dict[str, str]:
    return {**sign(SECRET, body), "X-Slack-Request-Timestamp": "yesterday"}


BAD_HEADERS = [
    forged,
    wrong_secret,
    no_headers,
    no_signature,
    no_timestamp,
    six_minutes_old,
    six_minutes_ahead,
    not_a_number,
]


def counts(sessions) -> tuple[int, int, int]:
    with sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) for model in (Workspace, Manager, Activity)
        )


@pytest.mark.parametrize("headers_for", BAD_HEADERS, ids=[f.__name__ for f in BAD_HEADERS])
def test_an_unverified_request_gets_401_and_causes_nothing(inproc, headers_for):
    fake = inproc.fake
    fake.users["U_ADMIN"] = {"is_admin": True}
    for kind, body in bodies(fake).items():
        status, _headers, answer = inproc.post(body, headers=headers_for(body), signed=False)
        assert status == 401, kind
        assert b"U_EVIL" not in answer and b"Traceback" not in answer

    # A genuine request afterwards is served: proof the app was listening, and a marker after which the
    # refused ones would have shown their effects had they had any.
    reply = inproc.ask("managers", user_id="U_ADMIN")
    assert "Managers" in reply["text"]
    assert fake.responses_to("forged") == [] and fake.responses_to("forged-click") == []
    assert [c.method for c in fake.calls if c.method != "auth.test"] in ([], ["users.info"])
    with inproc.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Manager)) == 0
        assert session.scalar(select(func.count()).select_from(Activity)) == 0


def test_the_same_request_correctly_signed_is_accepted(inproc):
    """The control for the test above: the attack body itself works when Slack really sent it."""
    inproc.fake.users["U_ADMIN"] = {"is_admin": True}
    body = slash_command_body(ATTACK, user_id="U_ADMIN", response_url=inproc.fake.response_url("genuine"))
    status, _h, _b = inproc.post(body)
    assert status == 200
    assert "<@U_EVIL> is now a manager." in inproc.fake.wait_for_responses(1, key="genuine")[0].body["text"]
    assert counts(inproc.sessions)[1] == 1


# --- /healthz --------------------------------------------------------------------------------------------------------

STATUS_WORDS = {"ok", "unavailable", "ok (in-process)"}


def assert_reveals_nothing(body: bytes, *secrets: str) -> None:
    data = json.loads(body)
    outbox = data.pop("outbox", "unavailable")  # counts only: what the workers owe (README "Background work")
    assert outbox == "unavailable" or (
        set(outbox) == set(NOTHING_OWED) and all(v is None or isinstance(v, int) for v in outbox.values())
    )
    assert set(data) <= {"status", "database", "broker"}
    assert set(data.values()) <= STATUS_WORDS
    text = body.decode().lower()
    for leak in (
        "://",
        "sqlite",
        "postgres",
        "psycopg",
        "redis",
        "error",
        "traceback",
        "version",
        "127.0.0.1",
        "oppbot",
        "python",
        *[s.lower() for s in secrets],
    ):
        assert leak not in text, leak


# The outbox line is detail (what the workers owe), never part of the status.
NOTHING_OWED = {"backlog": 0, "oldest_unfinished_seconds": None, "parked": 0}


def test_healthz_answers_200_with_status_words_only(inproc, db_url):
    status, headers, body = call(inproc.server, "GET", "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "broker": "ok (in-process)", "outbox": NOTHING_OWED}
    assert_reveals_nothing(body, db_url, SECRET)
    assert {name.lower() for name, _ in headers} <= {"content-type", "content-length"}
    assert inproc.fake.calls == [], "a health check never calls Slack"


@pytest.mark.parametrize(
    "broken_url",
    ["postgresql+psycopg://postgres:hunter2@127.0.0.1:1/oppbot", "sqlite:////nonexistent-dir/deeper/oppbot.db"],
    ids=["closed port", "missing sqlite directory"],
)
def test_healthz_answers_503_when_the_database_is_down_and_still_reveals_nothing(fake_slack, monkeypatch, broken_url):
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = single_token_settings(fake_slack, broken_url)
    engine = make_engine(broken_url)
    sessions = session_factory(engine)
    try:
        server = wsgi_app(build_app(settings, sessions=sessions), settings, sessions)
        status, _headers, body = call(server, "GET", "/healthz")
    finally:
        engine.dispose()
    assert status == 503
    assert json.loads(body)["database"] == "unavailable" and json.loads(body)["status"] == "unavailable"
    assert_reveals_nothing(body, broken_url, "hunter2", "nonexistent")


def test_healthz_answers_503_when_the_broker_is_down(fake_slack, db_url, sessions, monkeypatch):
    settings = single_token_settings(fake_slack, db_url, REDIS_URL="redis://:hunter2@127.0.0.1:1/0")
    server = wsgi_app(build_app(settings, sessions=sessions), settings, sessions)
    status, _headers, body = call(server, "GET", "/healthz")
    assert status == 503
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unavailable",
        "outbox": NOTHING_OWED,
    }
    assert_reveals_nothing(body, "hunter2")


def test_only_get_and_head_reach_healthz_and_a_post_is_verified_like_any_slack_request(inproc):
    status, _h, _b = call(inproc.server, "POST", "/healthz", body=b"x=1")
    assert status in (401, 404)
