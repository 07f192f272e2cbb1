"""Settings and managers builders: escaped user text, Slack limits, and replies that say what changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fakeslack.limits import check_message

from oppbot.domain.stages import Stage
from oppbot.domain.workspace import WorkspaceRules
from oppbot.services.settings import ManagerChange, ManagerEntry, SettingChange, SettingsView
from oppbot.slack.blocks.settings import build_manager_changes, build_managers, build_setting_change, build_settings
from oppbot.slack.parsing import decode_entities, find_users

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def test_the_settings_card_shows_every_setting_and_escapes_loss_reasons():
    rules = WorkspaceRules(
        currency="EUR", reporting_currency="NOK", timezone="Europe/Oslo", loss_reasons=("<!channel> & co", "Price")
    )
    built = build_settings(SettingsView(rules, (ManagerEntry("U1", "U0", NOW),)))
    text = json.dumps(built)
    assert "EUR" in text and "NOK" in text and "Europe/Oslo" in text
    assert "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text
    assert "Proposal 50%" in text and "Closed-Won 100%" in text and "Negotiation 3 d" in text
    assert "<@U1>" in text
    assert check_message(built) == (None, [])


def test_the_settings_card_stays_within_slack_limits_with_huge_lists():
    rules = WorkspaceRules(loss_reasons=tuple(f"reason {i} " + "x" * 90 for i in range(50)))
    managers = tuple(ManagerEntry(f"U{i:08d}", "U0", NOW) for i in range(500))
    built = build_settings(SettingsView(rules, managers))
    assert len(built["blocks"]) <= 50
    for block in built["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
    assert check_message(built) == (None, [])


def test_no_managers_named_says_who_the_managers_are_anyway():
    assert "Slack workspace admins and owners. No one else is named yet." in json.dumps(build_managers([]))


def test_a_probability_change_says_how_many_deals_followed():
    change = SettingChange("probability", 50, 60, changed=True, stage=Stage.PROPOSAL, deals_updated=3)
    text = build_setting_change(change)
    assert text.startswith("Proposal now defaults to *60%* (was 50%). 3 open deals in Proposal")
    one = build_setting_change(SettingChange("probability", 50, 60, True, Stage.PROPOSAL, deals_updated=1))
    assert "1 open deal in Proposal that followed the default now shows 60%" in one


def test_unchanged_settings_say_nothing_changed():
    for change in (
        SettingChange("currency", "EUR", "EUR", changed=False),
        SettingChange("timezone", "UTC", "UTC", changed=False),
        SettingChange("stale_days", 5, 5, changed=False, stage=Stage.PROPOSAL),
        SettingChange("loss_reasons", ["a"], ["a"], changed=False),
    ):
        assert "othing changed" in build_setting_change(change)


def test_loss_reasons_in_a_reply_are_escaped():
    text = build_setting_change(SettingChange("loss_reasons", [], ["<@U1>", "a&b"], changed=True))
    assert text == "Loss reasons are now: &lt;@U1&gt;, a&amp;b."


def test_manager_changes_name_each_person():
    text = build_manager_changes("remove", [ManagerChange("U1", True), ManagerChange("U2", False)])
    assert "<@U1> is no longer a named manager." in text
    assert "<@U2> was not a named manager; nothing changed." in text
    assert "stay managers through Slack" in text


def test_mentions_parse_in_both_forms_and_slack_escapes_are_undone():
    assert find_users("<@U123|ana> and <@W456>") == ["U123", "W456"]
    assert find_users("@ana") == []
    assert decode_entities("Price &amp; terms &lt;3") == "Price & terms <3"
