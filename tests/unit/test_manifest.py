"""manifest.yml is a valid Slack app manifest declaring everything oppbot listens for."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA_NAME = "slack/manifest.schema.1.0.0.json"


def _schema_path() -> Path:
    shared = os.environ.get("OPPBOT_SHARED_DIR")
    return Path(shared) / SCHEMA_NAME if shared else REPO.parent / "shared" / SCHEMA_NAME


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((REPO / "manifest.yml").read_text())


def test_manifest_validates_against_slack_schema(manifest):
    path = _schema_path()
    if not path.is_file():
        pytest.skip(f"Slack's manifest schema not found at {path} (set OPPBOT_SHARED_DIR to the shared/ directory)")
    schema = json.loads(path.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(
        validator_class(schema, format_checker=jsonschema.FormatChecker()).iter_errors(manifest),
        key=lambda e: list(e.absolute_path),
    )
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_background_color_is_a_hex_colour(manifest):
    # The schema spells this check "regex", which is not a JSON Schema keyword, so validation skips it.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", manifest["display_information"]["background_color"])


def test_declares_the_opp_command(manifest):
    (command,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == "/opp"]
    # Escaped mentions (<@U…|name>, <#C…|name>) are the forms the command parser expects.
    assert command["should_escape"] is True
    assert command["url"].endswith("/slack/events")


def test_declares_the_message_shortcut(manifest):
    shortcuts = {s["callback_id"]: s for s in manifest["features"]["shortcuts"]}
    assert shortcuts["create_opportunity_from_message"]["type"] == "message"


def test_home_tab_and_its_event(manifest):
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "app_home_opened" in events
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)


def test_interactivity_is_enabled(manifest):
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_all_request_urls_go_to_slack_events(manifest):
    settings = manifest["settings"]
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls.append(settings["event_subscriptions"]["request_url"])
    urls.append(settings["interactivity"]["request_url"])
    urls.append(settings["interactivity"]["message_menu_options_url"])
    for url in urls:
        assert url.startswith("https://") and url.endswith("/slack/events"), url
    for url in manifest["oauth_config"]["redirect_urls"]:
        assert url.startswith("https://") and url.endswith("/slack/oauth_redirect"), url


def test_bot_scopes_cover_what_oppbot_calls(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "chat:write.public", "im:write", "users:read"} <= scopes
    assert {"files:write", "files:read"} <= scopes  # charts and exports uploaded; imports read
    assert "user" not in manifest["oauth_config"]["scopes"]  # oppbot acts only as its bot user


def test_ci_points_the_schema_test_at_shared():
    """CI must let nothing skip: .ci/run exports OPPBOT_SHARED_DIR as ../shared from the repository root."""
    script = (REPO / ".ci" / "run").read_text()
    assert 'export OPPBOT_SHARED_DIR="${OPPBOT_SHARED_DIR:-$(cd .. && pwd)/shared}"' in script
    assert script.index("OPPBOT_SHARED_DIR") < script.rindex("make test")
