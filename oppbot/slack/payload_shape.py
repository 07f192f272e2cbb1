"""The types of the payload fields Bolt and oppbot read, checked before either reads them.

Slack documents every one of these as a string, an object or a list; a payload where one is something else (a
button value that is a list, a team that is a number, a view without an object for state) did not come from Slack
as documented, and would otherwise reach code that indexes into it and crashes with a 500. A field may be missing
(the listeners decide what they need); when present it has the documented type. `null` is accepted where Slack
itself sends it (empty inputs in a view's state).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A spec is a type (str, bool, dict, list), a dict spec {key: spec} (other keys unchecked), a one-item list
# [spec] (a list of those), or MapOf(spec) (an object whose every value matches spec).


class MapOf:
    def __init__(self, spec: Any) -> None:
        self.spec = spec


class Nullable:
    def __init__(self, spec: Any) -> None:
        self.spec = spec


TEXT = {"type": str, "text": str}
OPTION = {"value": str, "text": TEXT}
OPTIONS = [OPTION]
ELEMENT_STATE = {
    "type": str,
    "value": Nullable(str),
    "selected_option": Nullable(OPTION),
    "selected_options": Nullable(OPTIONS),
    "selected_user": Nullable(str),
    "selected_users": Nullable([str]),
    "selected_date": Nullable(str),
    "selected_time": Nullable(str),
    "selected_conversation": Nullable(str),
    "selected_channel": Nullable(str),
}
VIEW = {
    "id": str,
    "team_id": str,
    "type": str,
    "callback_id": str,
    "private_metadata": str,
    "hash": str,
    "root_view_id": Nullable(str),
    "previous_view_id": Nullable(str),
    "external_id": str,
    "blocks": [dict],
    "state": {"values": MapOf(MapOf(ELEMENT_STATE))},
}
ACTION = {
    "type": str,
    "action_id": str,
    "block_id": str,
    "action_ts": str,
    "value": str,
    "text": TEXT,
    "selected_option": Nullable(OPTION),
    "selected_options": OPTIONS,
    "selected_user": Nullable(str),
    "selected_date": Nullable(str),
    "selected_time": Nullable(str),
    "selected_conversation": Nullable(str),
    "selected_channel": Nullable(str),
}
USER = {"id": str, "team_id": str, "name": str, "username": str}
INTERACTIVE = {
    "type": str,
    "team": Nullable({"id": str, "domain": str, "enterprise_id": str}),
    "user": USER,
    "enterprise": Nullable({"id": str}),
    "is_enterprise_install": bool,
    "api_app_id": str,
    "token": str,
    "trigger_id": str,
    "callback_id": str,
    "action_id": str,
    "block_id": str,
    "value": str,
    "action_ts": str,
    "message_ts": str,
    "response_url": str,
    "response_urls": [{"response_url": str, "channel_id": str, "block_id": str, "action_id": str}],
    "channel": Nullable({"id": str, "name": str}),
    "container": {"type": str, "view_id": str, "message_ts": str, "channel_id": str, "is_ephemeral": bool},
    "message": {"type": str, "text": str, "ts": str, "user": str, "blocks": [dict]},
    "view": VIEW,
    "actions": [ACTION],
}
EVENT_CALLBACK = {
    "type": str,
    "token": str,
    "team_id": str,
    "api_app_id": str,
    "enterprise_id": Nullable(str),
    "event_id": str,
    "event_time": int,
    "is_ext_shared_channel": bool,
    "authorizations": [{"team_id": Nullable(str), "user_id": str, "enterprise_id": Nullable(str)}],
    "event": {"type": str, "user": str, "channel": str, "tab": str, "event_ts": str, "team": str, "view": dict},
    "challenge": str,
}
# Slash command fields arrive as form fields: strings by construction. These must be there for Bolt to route it.
COMMAND_REQUIRED = ("command", "team_id", "user_id")


def problem(payload: Any, spec: Any, where: str = "payload") -> str | None:
    """The first field that breaks the spec, as a short reason (`actions[0].value must be a string`), or None."""
    if isinstance(spec, Nullable):
        return None if payload is None else problem(payload, spec.spec, where)
    if isinstance(spec, MapOf):
        return _map_problem(payload, spec.spec, where)
    if isinstance(spec, dict):
        return _object_problem(payload, spec, where)
    if isinstance(spec, list):
        return _list_problem(payload, spec[0], where)
    if spec is int:
        ok = isinstance(payload, int) and not isinstance(payload, bool)
        return None if ok else f"{where} must be a number"
    return None if isinstance(payload, spec) else f"{where} must be {_NAMES.get(spec, spec.__name__)}"


def _map_problem(payload: Any, spec: Any, where: str) -> str | None:
    if not isinstance(payload, Mapping):
        return f"{where} must be an object"
    for key, value in payload.items():
        found = problem(value, spec, f"{where}.{str(key)[:40]}")
        if found:
            return found
    return None


def _object_problem(payload: Any, spec: dict, where: str) -> str | None:
    if not isinstance(payload, Mapping):
        return f"{where} must be an object"
    for key, sub in spec.items():
        if key in payload:
            found = problem(payload[key], sub, f"{where}.{key}" if where != "payload" else key)
            if found:
                return found
    return None


def _list_problem(payload: Any, spec: Any, where: str) -> str | None:
    if not isinstance(payload, list):
        return f"{where} must be a list"
    for i, item in enumerate(payload):
        found = problem(item, spec, f"{where}[{i}]")
        if found:
            return found
    return None


_NAMES = {str: "a string", bool: "true or false", dict: "an object", list: "a list"}


# What Bolt's routing indexes without looking first, per payload type (a missing one was a KeyError: a 500).
REQUIRED = {
    "block_actions": ("actions",),
    "interactive_message": ("actions", "callback_id"),
    "block_suggestion": ("action_id",),
    "view_submission": ("view",),
    "view_closed": ("view",),
    "shortcut": ("callback_id",),
    "message_action": ("callback_id",),
}


def interactive_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "payload must be a JSON object"
    if not isinstance(payload.get("type"), str):
        return "payload.type must be a string"
    return problem(payload, INTERACTIVE) or _required_problem(payload)


def _required_problem(payload: dict) -> str | None:
    missing = [name for name in REQUIRED.get(payload["type"], ()) if name not in payload]
    if missing:
        return f"{payload['type']} without {', '.join(missing)}"
    if "actions" in REQUIRED.get(payload["type"], ()):
        actions = payload["actions"]
        if not actions or any("action_id" not in action for action in actions):
            return "actions must hold at least one action, each with an action_id"
    views = ("view_submission", "view_closed")
    if payload["type"] in views and not all(name in payload["view"] for name in ("type", "callback_id")):
        return "view without its type or callback_id"
    return None


def event_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "body must be a JSON object"
    if not isinstance(body.get("type"), str):
        return "type must be a string"
    return problem(body, EVENT_CALLBACK)


def command_problem(fields: Mapping[str, str]) -> str | None:
    missing = [name for name in COMMAND_REQUIRED if not fields.get(name)]
    return f"missing {', '.join(missing)}" if missing else None
