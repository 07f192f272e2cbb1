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


def looks_like_ref(text: str) -> bool:
    return bool(_REF.match((text or "").strip()))


def format_ref(number: int) -> str:
    return f"#{number}"
