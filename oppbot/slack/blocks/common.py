"""Small Block Kit pieces shared by the builders: text objects, buttons, options, and the deal action value."""

from __future__ import annotations

from typing import Any

from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import parse_id
from oppbot.slack.text import plain, truncate

SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_MAX = 75
OPTION_MAX = 75
OPTION_VALUE_MAX = 150
MESSAGE_BLOCKS_MAX = 50
CONTEXT_ELEMENTS_MAX = 10


def mrkdwn(text: str) -> dict[str, Any]:
    """Already-escaped mrkdwn, cut to Slack's section limit."""
    return {"type": "mrkdwn", "text": truncate(text, SECTION_MAX) or " "}


def plain_text(text: str, limit: int = BUTTON_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": plain(text, limit) or " ", "emoji": True}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain_text(text, HEADER_MAX)}


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS_MAX]]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None, confirm: dict | None = None) -> dict:
    element: dict[str, Any] = {"type": "button", "text": plain_text(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(text, OPTION_MAX), "value": value[:OPTION_VALUE_MAX]}


def confirm(title: str, text: str, yes: str, no: str = "Cancel") -> dict[str, Any]:
    return {
        "title": plain_text(title, 100),
        "text": mrkdwn(text),
        "confirm": plain_text(yes, 30),
        "deny": plain_text(no, 30),
    }


def message(text: str, blocks: list[dict]) -> dict[str, Any]:
    """{"text": fallback, "blocks": [...]} within the 50-block limit (the caller keeps the important ones first)."""
    return {"text": truncate(text, SECTION_MAX), "blocks": blocks[:MESSAGE_BLOCKS_MAX]}


# --- what a deal button carries: "number:version", so a click on an old card is detected ----------------------------


def deal_value(number: int, version: int, extra: str | None = None) -> str:
    return f"{number}:{version}" + (f":{extra}" if extra else "")


def parse_deal_value(value: str) -> tuple[int, int | None, str | None]:
    """(number, version or None, extra or None) from a button/option value made by deal_value()."""
    parts = (value or "").split(":", 2)
    try:
        number = parse_id(parts[0], "deal")
        version = parse_id(parts[1], "version") if len(parts) > 1 and parts[1] else None
    except InvalidInput as exc:
        raise ValueError(exc.message) from None
    extra = parts[2] if len(parts) > 2 else None
    return number, version, extra
