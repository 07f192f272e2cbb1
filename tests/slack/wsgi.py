"""The real Bolt app driven in-process through its WSGI application, with the fake Slack Web API on loopback."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from dataclasses import dataclass

from fakeslack import FakeSlack, sign, slash_command_body
from wsgi_client import call  # test_security imports it from here too

from oppbot.config import get_settings
from oppbot.slack import metadata

SECRET = "wsgi-signing-secret"


def single_token_settings(fake: FakeSlack, db_url: str, **overrides):
    """Single-workspace mode (a bot token, no OAuth), pointed at the fake and the test database."""
    values = dict(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=db_url,
        SLACK_CLIENT_ID=None,
        SLACK_CLIENT_SECRET=None,
        SLACK_APP_TOKEN=None,
        REDIS_URL=None,
    )
    values.update(overrides)
    return get_settings(**values)


@dataclass
class InProcessSlack:
    """Signed Slack requests into build_app()'s WSGI app; replies land on the fake's response_url."""

    fake: FakeSlack
    server: object
    sessions: object

    def post(self, body: bytes, *, headers: dict | None = None, signed: bool = True):
        all_headers = dict(sign(SECRET, body)) if signed else {}
        all_headers.update(headers or {})
        return call(self.server, "POST", "/slack/events", body=body, headers=all_headers)

    def command(self, text: str, *, team_id: str = "T111", user_id: str = "U_REP") -> tuple[int, str, str]:
        """Post `/opp <text>`: (HTTP status of the ack, response_url key, trigger_id)."""
        key = uuid.uuid4().hex
        trigger_id = f"{uuid.uuid4().int % 10**9}.{uuid.uuid4().hex[:12]}"
        body = slash_command_body(
            text, team_id=team_id, user_id=user_id, response_url=self.fake.response_url(key), trigger_id=trigger_id
        )
        status, _headers, _body = self.post(body)
        return status, key, trigger_id

    def ask(self, text: str, *, team_id: str = "T111", user_id: str = "U_REP", timeout: float = 10.0) -> dict:
        """`/opp <text>` and the first reply posted to its response_url."""
        status, key, _ = self.command(text, team_id=team_id, user_id=user_id)
        assert status == 200
        return self.fake.wait_for_responses(1, key=key, timeout=timeout)[0].body

    def seen(self, text: str, *, team_id: str, user_id: str, timeout: float = 10.0) -> list[dict]:
        """Everything the user sees after `/opp <text>`: replies on its response_url and any modal it opened."""
        status, key, trigger_id = self.command(text, team_id=team_id, user_id=user_id)
        assert status == 200

        def observed() -> list[dict]:
            replies = [r.body for r in self.fake.responses_to(key)]
            opened = self.fake.calls_to("views.open")
            views = [c.args.get("view") for c in opened if c.args.get("trigger_id") == trigger_id]
            return replies + [{"modal": view} for view in views]

        # Waiting for an outcome, not timing one: the listener runs after the ack, on Bolt's thread pool.
        deadline = time.monotonic() + timeout
        while not observed():
            if time.monotonic() > deadline:
                raise AssertionError(f"no reply and no modal for /opp {text!r} within {timeout}s")
            time.sleep(0.02)
        return observed()


def dumps(message: object) -> str:
    return json.dumps(_readable(message), ensure_ascii=False, sort_keys=True)


def _readable(value: object) -> object:
    """Signed private_metadata shown as what it says, so views about different deals compare field by field."""
    if isinstance(value, dict):
        return {
            k: (_decoded(v) if k == "private_metadata" and isinstance(v, str) else _readable(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_readable(v) for v in value]
    return value


def _decoded(raw: str) -> object:
    try:
        return dataclasses.asdict(metadata.decode(raw))
    except metadata.TamperedMetadata:
        return raw
