"""Deal references as people type them: #42, 42 or OPP-42."""

from __future__ import annotations

import re

from oppbot.domain.errors import InvalidInput

_REF = re.compile(r"^(?:#|opp-?|OPP-?)?\s*(\d{1,9})$", re.IGNORECASE)


def parse_ref(text: str) -> int:
    match = _REF.match((text or "").strip())
    if not match or int(match.group(1)) == 0:
        shown = (text or "").strip()[:30] or "(nothing)"
        raise InvalidInput.field("ref", f"'{shown}' is not a deal reference. Use #42, 42 or OPP-42.")
    return int(match.group(1))


# Ids and deal numbers are 32-bit integer columns: a larger number names nothing, and would overflow the query.
MAX_ID = 2**31 - 1


def parse_id(raw: object, what: str = "item") -> int:
    """A positive id from a button value or metadata (`"42"` or 42); anything else is InvalidInput, never a crash."""
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not 0 < int(text) <= MAX_ID:
        raise InvalidInput.field("id", f"That {what} reference is not valid; open it again from a fresh message.")
    return int(text)


def looks_like_ref(text: str) -> bool:
    return bool(_REF.match((text or "").strip()))


def format_ref(number: int) -> str:
    return f"#{number}"
