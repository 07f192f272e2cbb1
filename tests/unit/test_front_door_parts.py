"""The front door's small parts: log escaping, reply-URL hosts, Slack's entities and link markup, payload types."""

from __future__ import annotations

import io
import logging

import pytest

from oppbot.logs import BelowWarningDropped, OneLineFormatter, escape_line
from oppbot.slack import entities
from oppbot.slack.payload_shape import event_problem, interactive_problem
from oppbot.slack.response_urls import is_slack_response_url

FAKE_API = "http://127.0.0.1:5000/api/"


def _formatted(message: str, *args, exc: BaseException | None = None, name: str = "oppbot.x") -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(BelowWarningDropped())
    logger = logging.Logger(name)
    logger.addHandler(handler)
    if exc is None:
        logger.warning(message, *args)
    else:
        try:
            raise exc
        except type(exc):
            logger.exception(message, *args)
    return stream.getvalue()


def test_a_newline_in_a_logged_value_stays_on_its_line():
    out = _formatted("refused %s", "x\nERROR oppbot.security: forged\r\x1b[31m")
    assert out.count("\n") == 1 and out.endswith("\n")
    assert "x\\nERROR oppbot.security: forged\\r\\x1b[31m" in out


def test_traceback_lines_are_marked_so_none_can_pass_for_a_record():
    out = _formatted("failed", exc=ValueError("bad\nERROR oppbot.security: forged"))
    lines = out.splitlines()
    assert lines[0] == "ERROR oppbot.x: failed"
    assert all(line.startswith("| ") for line in lines[1:]), lines
    assert not any(line.startswith("ERROR oppbot.security") for line in lines)


def test_bolts_verification_logger_is_kept_below_info():
    assert _formatted("body: %s", "payload=secret", name="slack_bolt.RequestVerification").startswith("WARNING")
    record = logging.LogRecord("slack_bolt.RequestVerification", logging.INFO, "", 0, "body: x", (), None)
    assert BelowWarningDropped().filter(record) is False
    assert escape_line("a\\nb") == "a\\\\nb"  # a literal backslash-n is told apart from an escaped newline


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/x", True),
        ("https://hooks.slack-gov.com/actions/T1/2/x", True),
        ("https://HOOKS.SLACK.COM./commands/x", True),
        ("http://hooks.slack.com/commands/x", False),
        ("https://hooks.slack.com:8443/x", False),
        ("https://hooks.slack.com@attacker.example/x", False),
        ("https://attacker.example/?hooks.slack.com", False),
        ("https://hooks.slack.com.attacker.example/x", False),
        ("http://127.0.0.1:5000/response/x", True),  # SLACK_API_URL's own origin (the fake in tests)
        ("http://127.0.0.1:5001/response/x", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_only_slacks_response_urls_are_allowed(url, allowed):
    assert is_slack_response_url(url, FAKE_API) is allowed


def test_the_default_slack_api_url_adds_no_host():
    assert not is_slack_response_url("https://slack.com/api/chat.postMessage", "https://slack.com/api/")
    assert not is_slack_response_url(["https://hooks.slack.com/x"], None)


def test_entities_are_decoded_once():
    assert entities.decode("Tom &amp; &lt;b&gt;") == "Tom & <b>"
    assert entities.decode("typed &amp;lt; literally") == "typed &lt; literally"
    assert entities.decode("<@U1> stays markup") == "<@U1> stays markup"


def test_plain_text_from_slack_markup():
    assert entities.plain("Try <https://x.example|our tool> &amp; co") == "Try our tool & co"
    assert entities.plain("<https://x.example|our tool>", keep_urls=True) == "our tool (https://x.example)"
    assert entities.plain("<https://x.example>") == "https://x.example"
    assert entities.plain("<@U1|maria> in <#C1|sales> <!channel> <!subteam^S1|@team>") == (
        "@maria in #sales @channel @team"
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([1], "payload must be a JSON object"),
        ({"type": 1}, "payload.type must be a string"),
        ({"type": "block_actions", "actions": [{"value": [1]}]}, "actions[0].value must be a string"),
        ({"type": "block_actions", "actions": {"value": "1"}}, "actions must be a list"),
        ({"type": "view_submission", "view": {"state": {"values": {"b": {"a": {"value": {}}}}}}}, "value"),
        ({"type": "block_actions", "team": "T1"}, "team must be an object"),
        ({"type": "block_actions", "actions": []}, "at least one action"),
        ({"type": "block_actions", "actions": [{}]}, "each with an action_id"),
        ({"type": "block_suggestion"}, "block_suggestion without action_id"),
        ({"type": "view_submission", "view": {"callback_id": "x"}}, "view without its type"),
        ({"type": "shortcut"}, "shortcut without callback_id"),
    ],
)
def test_wrongly_typed_interactive_payloads_are_named(payload, reason):
    assert reason in (interactive_problem(payload) or "")


def test_slacks_own_shapes_pass():
    assert (
        interactive_problem(
            {
                "type": "view_submission",
                "team": {"id": "T1"},
                "user": {"id": "U1"},
                "view": {
                    "type": "modal",
                    "callback_id": "deal_create",
                    "state": {"values": {"b": {"a": {"type": "plain_text_input", "value": None}}}},
                },
                "enterprise": None,
            }
        )
        is None
    )
    assert event_problem({"type": "event_callback", "event": {"type": "app_home_opened"}, "event_time": 1}) is None
    assert event_problem({"type": "event_callback", "event_time": True}) == "event_time must be a number"
