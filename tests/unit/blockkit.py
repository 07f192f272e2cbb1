"""Test helpers: build transient deal views and check Block Kit with slack_sdk's models and Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from slack_sdk.models.blocks import Block

from oppbot.db.models import Activity, Opportunity, Organization
from oppbot.domain.workspace import WorkspaceRules
from oppbot.services.queries import DealView

HOSTILE = "<!channel> <@U999> <http://x|y> & co"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def opportunity(**over) -> Opportunity:
    fields = dict(
        id=1,
        team_id="T111",
        number=42,
        title="Acme Corp - Software licence",
        description=None,
        individual_id=None,
        organization_id=7,
        amount_minor=5000000,
        currency="USD",
        stage="proposal",
        probability=50,
        probability_source="stage",
        expected_close=date(2026, 12, 31),
        assignee_id=None,
        external_ref=None,
        created_by="U_REP",
        created_at=NOW,
        updated_at=NOW,
        stage_entered_at=NOW,
        last_activity_at=NOW,
        closed_at=None,
        lost_reason=None,
        lost_note=None,
        lost_at_stage=None,
        version=3,
    )
    customer = over.pop("customer", "Acme Corp")
    fields.update(over)
    opp = Opportunity(**fields)
    opp.organization = Organization(id=7, team_id="T111", name=customer, name_key=customer.casefold())
    opp.individual = None
    return opp


def activity(kind="stage_changed", changes=None, detail=None, actor="U_REP") -> Activity:
    return Activity(
        team_id="T111",
        event_id="e",
        opportunity_id=1,
        actor_id=actor,
        kind=kind,
        changes=changes or [],
        detail=detail or {},
        created_at=NOW,
    )


def view(opp=None, activity_rows=(), overdue=False, stale=False) -> DealView:
    return DealView(
        opportunity=opp or opportunity(),
        activity=list(activity_rows),
        notes=[],
        stages=[],
        assignments=[],
        rules=WorkspaceRules(),
        is_overdue=overdue,
        is_stale=stale,
    )


def assert_valid_message(msg: dict) -> None:
    """Every block parses and validates with slack_sdk, and the message keeps Slack's limits."""
    assert msg["text"]
    assert 0 < len(msg["blocks"]) <= 50
    block_ids = [b["block_id"] for b in msg["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    for raw in msg["blocks"]:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        if raw["type"] == "actions":
            ids = [e["action_id"] for e in raw["elements"]]
            assert len(ids) == len(set(ids)), ids
    json.dumps(msg)


def all_text(msg: dict) -> str:
    return json.dumps(msg, ensure_ascii=False)


def assert_no_raw_hostile(msg: dict) -> None:
    """No mention or link from user text survives in mrkdwn (plain_text is never parsed, so it may be raw)."""
    for text in mrkdwn_texts(msg):
        for raw in ("<!channel>", "<@U999>", "<http://x|y>"):
            assert raw not in text, (raw, text)


def mrkdwn_texts(obj) -> list[str]:
    """Every string Slack renders as mrkdwn: mrkdwn text objects, and a message's top-level fallback `text`."""
    found: list[str] = []

    def walk(node, top=False):
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            if top and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(obj, top=True)
    return found


def assert_escaped(surface) -> None:
    texts = mrkdwn_texts(surface)
    joined = "\n".join(texts)
    for raw in ("<!channel>", "<@U999>", "<http://x|y>", " & co"):
        assert raw not in joined, (raw, joined[:3000])
    assert "&lt;!channel&gt;" in joined, joined[:3000]
