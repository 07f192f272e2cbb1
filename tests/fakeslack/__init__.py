"""Test doubles for Slack: a fake Web API server and helpers that build signed Slack requests."""

from .server import Call, FakeSlack, Response
from .signing import event_body, interactive_body, sign, slash_command_body

__all__ = ["Call", "FakeSlack", "Response", "event_body", "interactive_body", "sign", "slash_command_body"]
