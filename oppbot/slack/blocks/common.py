"""The one set of Block Kit pieces every builder uses: text objects, blocks, buttons, selects' options, inputs, the
modal view, and the deal action value. Builders compose these; none writes a section, button or context dict by hand.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import parse_id
from oppbot.i18n import pgettext
from oppbot.slack import metadata as meta_codec
from oppbot.slack.ids import Callback, input_action
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import plain, truncate

SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_MAX = 75
OPTION_MAX = 75
OPTION_VALUE_MAX = 150
MESSAGE_BLOCKS_MAX = 50
CONTEXT_ELEMENTS_MAX = 10
TITLE_MAX = 24
LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
MODAL_BLOCKS_MAX = 100


def bold(text: str) -> str:
    """A label (already translated) in mrkdwn bold: `*Stage*`."""
    return f"*{text}*"


def mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    """Already-escaped mrkdwn, cut to `limit` (Slack's section limit unless a builder keeps a margin)."""
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def plain_text(text: str, limit: int = BUTTON_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": plain(text, limit) or " ", "emoji": True}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain_text(text, HEADER_MAX)}


def section(text: str, *, limit: int = SECTION_MAX, **extra: Any) -> dict[str, Any]:
    """A mrkdwn section; `extra` adds keys such as accessory or block_id (None values are left out)."""
    return {"type": "section", "text": mrkdwn(text, limit), **{k: v for k, v in extra.items() if v is not None}}


def context(*texts: str, block_id: str | None = None, limit: int = SECTION_MAX) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "context", "elements": [mrkdwn(t, limit) for t in texts[:CONTEXT_ELEMENTS_MAX]]}
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def actions(*elements: dict, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def button(text: str, action_id: str, value: str, style: str | None = None, confirm: dict | None = None) -> dict:
    element: dict[str, Any] = {"type": "button", "text": plain_text(text), "action_id": str(action_id), "value": value}
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(text, OPTION_MAX), "value": value[:OPTION_VALUE_MAX]}


def confirm(title: str, text: str, yes: str, no: str | None = None) -> dict[str, Any]:
    """A confirmation dialog; `no` defaults to "Cancel" in the reader's language."""
    no = no if no is not None else pgettext("button", "Cancel")
    return {
        "title": plain_text(title, 100),
        "text": mrkdwn(text),
        "confirm": plain_text(yes, 30),
        "deny": plain_text(no, 30),
    }


def static_select(options: list[dict], *, placeholder: str | None = None, action_id: str | None = None) -> dict:
    element: dict[str, Any] = {"type": "static_select", "options": options}
    if action_id:
        element["action_id"] = str(action_id)
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return element


def input_block(block: StrEnum, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    """An input block whose one element answers to `input_action(block)`."""
    element = {**element, "action_id": input_action(block)}
    out = {
        "type": "input",
        "block_id": block.value,
        "label": plain_text(label, LABEL_MAX),
        "element": element,
        "optional": optional,
    }
    if hint:
        out["hint"] = plain_text(hint, LABEL_MAX)
    return out


def text_input(
    initial: str | None = None, *, max_length: int, multiline: bool = False, placeholder: str | None = None
) -> dict:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return element


def modal(
    callback: Callback | StrEnum,
    title: str,
    blocks: list[dict],
    *,
    submit: str | None = "",
    metadata: ViewMeta | None = None,
    close: str | None = None,
) -> dict:
    """A modal view. `submit` "" (the default) is "Save" and `close` None is "Cancel", both in the reader's language;
    `submit=None` leaves the submit button out. Callers pass their own texts already translated."""
    if submit == "":
        submit = pgettext("button", "Save")
    if close is None:
        close = pgettext("button", "Cancel")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback.value,
        "title": plain_text(title, TITLE_MAX),
        "close": plain_text(close, TITLE_MAX),
        "blocks": blocks[:MODAL_BLOCKS_MAX],
    }
    if submit:
        view["submit"] = plain_text(submit, TITLE_MAX)
    if metadata is not None:
        view["private_metadata"] = meta_codec.encode(metadata)
    return view


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
