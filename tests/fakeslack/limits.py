"""Slack's message and view limits, checked with slack_sdk's Block Kit models plus the limits they leave out."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
VIEW_MAX_BYTES = 250_000
MESSAGE_TEXT_MAX = 40_000
VIEW_TEXT_MAX = 24  # modal title, submit and close
PRIVATE_METADATA_MAX = 3000
ID_MAX = 255  # action_id, block_id, callback_id, external_id
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
SELECT_OPTIONS_MAX = 100
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
INPUT_MAX_LENGTH_MAX = 3000
LABEL_MAX = 2000
ALT_TEXT_MAX = 2000

_SELECTS_WITH_OPTIONS = {"static_select", "multi_static_select"}


def _err(text: str, pointer: str) -> str:
    # Same wording shape as Slack's response_metadata.messages, so failures read like production ones.
    return f"[ERROR] {text} [json-pointer:{pointer}]"


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict):
        text = obj.get("text")
        return text if isinstance(text, str) else None
    return obj if isinstance(obj, str) else None


def _max_len(out: list[str], value: Any, limit: int, pointer: str) -> None:
    if isinstance(value, str) and len(value) > limit:
        out.append(_err(f"must be less than {limit + 1} characters (got {len(value)})", pointer))


def _max_items(out: list[str], value: Any, limit: int, pointer: str) -> None:
    if isinstance(value, list) and len(value) > limit:
        out.append(_err(f"no more than {limit} items allowed (got {len(value)})", pointer))


def _check_option(out: list[str], option: Any, pointer: str) -> None:
    if not isinstance(option, dict):
        out.append(_err("must provide an object", pointer))
        return
    _max_len(out, _text_of(option.get("text")), OPTION_TEXT_MAX, f"{pointer}/text/text")
    _max_len(out, option.get("value"), OPTION_VALUE_MAX, f"{pointer}/value")
    _max_len(out, _text_of(option.get("description")), OPTION_TEXT_MAX, f"{pointer}/description/text")


def _walk(node: Any, pointer: str, out: list[str]) -> None:  # noqa: C901 -- Slack's limits, one per block kind
    """Checks the limits slack_sdk's models do not, on any block, element or composition object."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{pointer}/{i}", out)
        return
    if not isinstance(node, dict):
        return

    for key in ("action_id", "block_id", "callback_id"):
        _max_len(out, node.get(key), ID_MAX, f"{pointer}/{key}")

    kind = node.get("type")
    if kind in ("plain_text", "mrkdwn"):
        text = node.get("text")
        if not isinstance(text, str) or not text:
            out.append(_err("must be more than 0 characters", f"{pointer}/text"))
    elif kind == "section":
        _max_len(out, _text_of(node.get("text")), SECTION_TEXT_MAX, f"{pointer}/text/text")
        fields = node.get("fields")
        _max_items(out, fields, SECTION_FIELDS_MAX, f"{pointer}/fields")
        for i, field in enumerate(fields if isinstance(fields, list) else []):
            _max_len(out, _text_of(field), SECTION_FIELD_TEXT_MAX, f"{pointer}/fields/{i}/text")
    elif kind == "header":
        _max_len(out, _text_of(node.get("text")), HEADER_TEXT_MAX, f"{pointer}/text/text")
    elif kind == "button":
        _max_len(out, _text_of(node.get("text")), BUTTON_TEXT_MAX, f"{pointer}/text/text")
        _max_len(out, node.get("value"), BUTTON_VALUE_MAX, f"{pointer}/value")
        _max_len(out, node.get("url"), URL_MAX, f"{pointer}/url")
    elif kind == "actions":
        elements = node.get("elements")
        _max_items(out, elements, ACTIONS_ELEMENTS_MAX, f"{pointer}/elements")
        seen: set[str] = set()
        for i, element in enumerate(elements if isinstance(elements, list) else []):
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id in seen:
                out.append(_err(f"duplicate action_id {action_id!r} in block", f"{pointer}/elements/{i}/action_id"))
            if action_id:
                seen.add(action_id)
    elif kind == "context":
        _max_items(out, node.get("elements"), CONTEXT_ELEMENTS_MAX, f"{pointer}/elements")
    elif kind in _SELECTS_WITH_OPTIONS:
        _max_items(out, node.get("options"), SELECT_OPTIONS_MAX, f"{pointer}/options")
        _max_items(out, node.get("option_groups"), SELECT_OPTIONS_MAX, f"{pointer}/option_groups")
    elif kind == "plain_text_input":
        max_length = node.get("max_length")
        if isinstance(max_length, int) and max_length > INPUT_MAX_LENGTH_MAX:
            out.append(_err(f"must be at most {INPUT_MAX_LENGTH_MAX}", f"{pointer}/max_length"))
    elif kind == "input":
        _max_len(out, _text_of(node.get("label")), LABEL_MAX, f"{pointer}/label/text")
        _max_len(out, _text_of(node.get("hint")), LABEL_MAX, f"{pointer}/hint/text")
    elif kind == "image":
        _max_len(out, node.get("alt_text"), ALT_TEXT_MAX, f"{pointer}/alt_text")

    for key in ("options", "initial_options"):
        options = node.get(key)
        if isinstance(options, list):
            for i, option in enumerate(options):
                _check_option(out, option, f"{pointer}/{key}/{i}")
    if isinstance(node.get("initial_option"), dict):
        _check_option(out, node["initial_option"], f"{pointer}/initial_option")

    for key, value in node.items():
        if isinstance(value, (dict, list)):
            _walk(value, f"{pointer}/{key}", out)


def check_blocks(blocks: Any, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Problems with a blocks array (empty list when it is valid)."""
    if not isinstance(blocks, list):
        return [_err("must provide an array", pointer)]
    out: list[str] = []
    _max_items(out, blocks, max_blocks, pointer)
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        if not isinstance(block, dict):
            out.append(_err("must provide an object", where))
            continue
        block_id = block.get("block_id")
        if block_id in block_ids:
            out.append(_err(f"duplicate block_id {block_id!r}", f"{where}/block_id"))
        if block_id:
            block_ids.add(block_id)
        try:
            model = Block.parse(block)
            if model is None:
                out.append(_err(f"unknown block type {block.get('type')!r}", f"{where}/type"))
            else:
                # to_dict() validates the whole tree of elements and composition objects, not just the block.
                model.to_dict()
        except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as e:
            out.append(_err(f"{type(e).__name__}: {e}", where))
        _walk(block, where, out)
    return _dedupe(out)


def check_message(args: dict) -> tuple[str | None, list[str]]:
    """(Slack error code, problems) for a message's text, blocks and attachment blocks; (None, []) if valid."""
    problems: list[str] = []
    text = args.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        problems.append(_err(f"must be less than {MESSAGE_TEXT_MAX + 1} characters (got {len(text)})", "/text"))
        return "msg_too_long", problems
    if args.get("blocks") is not None:
        problems += check_blocks(args["blocks"], MESSAGE_MAX_BLOCKS, "/blocks")
    attachments = args.get("attachments")
    if isinstance(attachments, list):
        for i, attachment in enumerate(attachments):
            if isinstance(attachment, dict) and attachment.get("blocks") is not None:
                problems += check_blocks(attachment["blocks"], MESSAGE_MAX_BLOCKS, f"/attachments/{i}/blocks")
    elif attachments is not None:
        problems.append(_err("must provide an array", "/attachments"))
    return ("invalid_blocks" if problems else None), problems


def check_view(view: Any) -> list[str]:  # noqa: C901 -- one check per documented view limit
    """Problems with a modal or Home tab view (empty list when it is valid)."""
    if not isinstance(view, dict):
        return [_err("must provide an object", "/view")]
    out: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        out.append(_err(f"type must be 'modal' or 'home' (got {kind!r})", "/view/type"))
    if kind == "modal":
        if view.get("title") is None:
            out.append(_err("missing required field: title", "/view/title"))
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and view.get("submit") is None:
            out.append(_err("submit is required when a modal has input blocks", "/view/submit"))
    if kind == "home":
        for key in ("submit", "close"):
            if view.get(key) is not None:
                out.append(_err(f"a home view cannot have {key}", f"/view/{key}"))
    for key in ("title", "submit", "close"):
        _max_len(out, _text_of(view.get(key)), VIEW_TEXT_MAX, f"/view/{key}/text")
    metadata = view.get("private_metadata")
    if metadata is not None and not isinstance(metadata, str):
        out.append(_err("must be a string", "/view/private_metadata"))
    _max_len(out, metadata, PRIVATE_METADATA_MAX, "/view/private_metadata")
    for key in ("callback_id", "external_id"):
        _max_len(out, view.get(key), ID_MAX, f"/view/{key}")
    size = len(json.dumps(view, ensure_ascii=False).encode("utf-8"))
    if size > VIEW_MAX_BYTES:
        out.append(_err(f"view must be under {VIEW_MAX_BYTES} bytes (got {size})", "/view"))
    # View.validate_json() runs only the view-level validators; blocks are checked one by one below.
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as e:
        out.append(_err(f"{type(e).__name__}: {e}", "/view"))
    out += check_blocks(view.get("blocks", []), VIEW_MAX_BLOCKS, "/view/blocks")
    return _dedupe(out)


def _dedupe(problems: list[str]) -> list[str]:
    return list(dict.fromkeys(problems))
