"""Text as the user meant it, from Slack's escaped form (SLACK_NOTES.md: escaping).

Slack escapes a user's own `&`, `<` and `>` in slash-command text and in message text (`Tom & <b>` arrives as
`Tom &amp; &lt;b&gt;`); its own markup (mentions, channels, links) arrives as real `<…>`. oppbot decodes the three
entities once on the way in and stores what the user typed; oppbot.slack.text.escape encodes them once on the way out.
Modal inputs arrive as typed and are never decoded.
"""

from __future__ import annotations

import re

_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARS = {"amp": "&", "lt": "<", "gt": ">"}
# Slack's markup: <https://x|label>, <mailto:a@b|label>, <@U123|name>, <#C123|name>, <!channel>, <!subteam^S|@team>.
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def decode(text: str) -> str:
    """`&amp;`, `&lt;`, `&gt;` → `&`, `<`, `>`, in one pass (so a typed `&lt;`, sent as `&amp;lt;`, stays `&lt;`)."""
    return _ENTITY.sub(lambda m: _CHARS[m.group(1)], text)


def plain(text: str, *, keep_urls: bool = False) -> str:
    """Slack message text as plain words: markup replaced by what it shows, then the entities decoded.

    `<https://x|our tool>` → `our tool` (with keep_urls: `our tool (https://x)`), `<https://x>` → `https://x`,
    `<@U1|maria>` → `@maria`, `<#C1|sales>` → `#sales`, `<!channel>` → `@channel`.
    """
    return decode(_MARKUP.sub(lambda m: _shown(m.group(1), m.group(2), keep_urls), text))


def _shown(target: str, label: str | None, keep_urls: bool) -> str:
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        return label or f"@{name}"
    if label and keep_urls and label != target:
        return f"{label} ({target})"
    return label or target
