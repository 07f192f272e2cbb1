"""The message shortcut "Create opportunity": the create modal prefilled from the message."""

from __future__ import annotations

from slack_bolt import App

from oppbot.domain.opportunity import DESCRIPTION_MAX, TITLE_MAX
from oppbot.slack import entities
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Callback
from oppbot.slack.listeners.views import open_views
from oppbot.slack.pipeline import Request, ack_first


def prefill_from_message(message_text: str) -> tuple[str | None, str | None]:
    """(title, description): the first non-empty line (≤ 200 chars) and the whole text (≤ 3,000).

    The message arrives in Slack's form (escaped entities, `<https://x|label>` links): the title shows what the
    message showed (`label`), the description keeps each link's address beside its label.
    """
    raw = (message_text or "").strip()
    first = next((line.strip() for line in raw.splitlines() if line.strip()), "")
    title = " ".join(entities.plain(first).split())[:TITLE_MAX] or None
    body = entities.plain(raw, keep_urls=True).strip()
    return title, body[:DESCRIPTION_MAX] or None


def create_from_message(req: Request) -> None:
    title, description = prefill_from_message((req.body.get("message") or {}).get("text") or "")
    open_views.open_create(req, title=title, description=description, channel_id=req.channel_id)


def register(app: App, deps: Deps) -> None:
    app.shortcut(Callback.MESSAGE_SHORTCUT.value)(ack_first(create_from_message))
