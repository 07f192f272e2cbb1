"""Signed request bodies shaped like Slack's slash commands, interactions and Events API deliveries."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"
# The signing secret of the Bolt app the in-process tests build (tests/conftest.py `app`).
SIGNING_SECRET = "test-signing-secret"
JSON = "application/json"

_counter = itertools.count(1)


def sign(secret: str, body: bytes, timestamp: int | str | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature headers for `body`, as Slack computes them."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def new_trigger_id() -> str:
    """A fresh trigger_id; the fake Slack refuses a trigger_id used twice, as Slack does."""
    n = next(_counter)
    return f"{n}.{n}.{uuid.uuid4().hex[:12]}"


def slash_command_body(
    text: str,
    team_id: str = "T111",
    user_id: str = "W111",
    channel_id: str = "C111",
    response_url: str | None = None,
    trigger_id: str | None = None,
    command: str = "/opp",
    **extra: str,
) -> bytes:
    """A slash command request body (form fields), like payloads/slash_command.form-urlencoded.txt.

    enterprise_id is left out unless passed in `extra`: with it, Bolt looks installations up as an org install.
    Pass `response_url=fake.response_url()`; the default points at a host that never resolves.
    """
    fields = {
        "token": "verification_token",
        "team_id": team_id,
        "team_domain": "test-domain",
        "channel_id": channel_id,
        "channel_name": "random",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A111",
        "response_url": response_url or f"https://hooks.slack.invalid/commands/{team_id}/{next(_counter)}/x",
        "trigger_id": trigger_id or new_trigger_id(),
        **extra,
    }
    return urlencode(fields).encode()


def interactive_body(payload: dict) -> bytes:
    """An interactivity request body: one form field, payload=<JSON>."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_body(
    event: dict,
    team_id: str = "T111",
    api_app_id: str = "A111",
    event_id: str | None = None,
    bot_user_id: str = "UBOT",
    enterprise_id: str | None = None,
) -> bytes:
    """An Events API event_callback envelope (JSON) with a unique event_id, for a workspace (not org) install."""
    envelope = {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    if enterprise_id is not None:
        envelope["enterprise_id"] = enterprise_id
    return json.dumps(envelope).encode()
