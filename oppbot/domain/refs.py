"""Deal references as people type them: #42, 42 or OPP-42."""

from __future__ import annotations

import re

from oppbot.domain.errors import InvalidInput
from oppbot.i18n import N_, _

_REF = re.compile(r"^(?:#|opp-?|OPP-?)?\s*(\d{1,9})$", re.IGNORECASE)


def parse_ref(text: str) -> int:
    match = _REF.match((text or "").strip())
    if not match or int(match.group(1)) == 0:
        shown = (text or "").strip()[:30] or _("(nothing)")
        raise InvalidInput.field("ref", _("'{shown}' is not a deal reference. Use #42, 42 or OPP-42.", shown=shown))
    return int(match.group(1))


# Ids and deal numbers are 32-bit integer columns: a larger number names nothing, and would overflow the query.
MAX_ID = 2**31 - 1
# The refusal per kind of reference, whole sentences so each reads naturally once translated.
_NOT_VALID = {
    "deal": N_("That deal reference is not valid; open it again from a fresh message."),
    "version": N_("That version reference is not valid; open it again from a fresh message."),
    "item": N_("That item reference is not valid; open it again from a fresh message."),
}


def parse_id(raw: object, what: str = "item") -> int:
    """A positive id from a button value or metadata (`"42"` or 42); anything else is InvalidInput, never a crash."""
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not 0 < int(text) <= MAX_ID:
        known = _NOT_VALID.get(what)
        message = (
            _(known)
            if known
            else _("That {what} reference is not valid; open it again from a fresh message.", what=what)
        )
        raise InvalidInput.field("id", message)
    return int(text)


def looks_like_ref(text: str) -> bool:
    return bool(_REF.match((text or "").strip()))


def format_ref(number: int) -> str:
    return f"#{number}"
