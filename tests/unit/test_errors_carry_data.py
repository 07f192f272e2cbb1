"""Errors carry data, not markup: services and the domain write sentences; each surface renders the rest."""

from __future__ import annotations

import re
from pathlib import Path

from oppbot.domain.errors import InvalidInput, NotFound, PermissionDenied
from oppbot.slack.text import error_text

ROOT = Path(__file__).resolve().parents[2] / "oppbot"


def test_no_service_or_domain_module_writes_slack_markup():
    markup = re.compile(r"<[@#!][A-Za-z{]|:warning:|:tada:")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("services", "domain", "db")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if markup.search(line)
    ]
    assert found == []


def test_a_refusal_names_its_user_as_data_and_each_surface_renders_it():
    error = PermissionDenied("Deal #4 is assigned to {user}: only they can move it.", number=4, user_id="U1")
    assert (error.number, error.user_id) == (4, "U1")
    assert error.message == "Deal #4 is assigned to U1: only they can move it."  # the CLI
    assert error_text(error) == "Deal #4 is assigned to <@U1>: only they can move it."  # Slack


def test_user_text_in_a_message_is_never_taken_for_a_placeholder():
    error = NotFound("No customer is called “{user} & co”.", field="customer")
    assert error.message == "No customer is called “{user} & co”." and error.field == "customer"


def test_invalid_input_names_its_first_field():
    assert InvalidInput({"value": "Not a number.", "currency": "Unknown."}).field == "value"
