"""Notes as the card and `/opp note` show them: the text, who wrote it and when (in the viewer's zone)."""

from __future__ import annotations

from typing import Any

from oppbot.db.models import Note
from oppbot.i18n import _
from oppbot.slack.blocks.common import section
from oppbot.slack.text import escape, truncate, user, when

NOTE_SHOWN = 600  # characters of each note on a card; the full text is in the activity history


def note_line(note: Note, *, tz: str = "UTC") -> str:
    """'> text' then '— @author, <time>': the author is a stored user id, the body user text (escaped)."""
    body = "\n".join(f"> {line}" for line in escape(truncate(note.body, NOTE_SHOWN)).splitlines() or [""])
    return f"{body}\n— {user(note.author_id)}, {when(note.created_at, tz)}"


def build_notes_section(notes: list[Note], *, tz: str = "UTC", title: str | None = None) -> list[dict[str, Any]]:
    """One section with the newest notes first (pass repositories.recent_notes(...)); nothing when there are none.
    `title` (translated) defaults to "Notes"."""
    if not notes:
        return []
    title = title if title is not None else _("Notes")
    text = f"*{title}*\n" + "\n".join(note_line(n, tz=tz) for n in notes)
    return [section(text, limit=2900)]
