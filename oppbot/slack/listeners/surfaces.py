"""Where a click came from decides how to answer it: a message (respond), or a modal (views.update, push, a DM)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot.i18n import pgettext
from oppbot.slack.blocks import modals
from oppbot.slack.ids import Callback
from oppbot.slack.response_urls import ReplyPoster

log = logging.getLogger(__name__)
MODAL_BLOCKS_MAX = 100


def in_modal(body: dict) -> bool:
    """A block_actions from inside a modal: it carries the view, and no response_url to answer through."""
    return (body.get("view") or {}).get("type") == "modal" and not body.get("response_url")


def open_or_push(client: WebClient, body: dict, view: dict):
    """views.open from a message or Home; from inside a modal the new view is pushed on top of it (Slack's rule)."""
    if in_modal(body):
        return client.views_push(trigger_id=body["trigger_id"], view=view)
    return client.views_open(trigger_id=body["trigger_id"], view=view)


class ModalResponder:
    """Stands in for Bolt's respond() when there is no response_url.

    A replacement with blocks (a refreshed card) updates the modal the click came from; anything else (a refusal,
    a confirmation, a click on App Home) goes to the user as an ephemeral in the channel, else as a DM.
    """

    def __init__(self, client: WebClient, body: dict) -> None:
        self.client, self.body = client, body
        self.user_id = (body.get("user") or {}).get("id") or ""

    def __call__(
        self,
        text: str | None = None,
        blocks: list[dict] | None = None,
        replace_original: bool | None = None,
        response_type: str | None = None,
        **_: Any,
    ) -> None:
        view = self.body.get("view") or {}
        if blocks and replace_original and view.get("id") and in_modal(self.body):  # never turn Home into a modal
            self.update_view(blocks)
            return
        kwargs: dict[str, Any] = {"text": text or ""}
        if blocks:
            kwargs["blocks"] = blocks[:50]
        channel = (self.body.get("channel") or {}).get("id")
        try:
            if channel:
                self.client.chat_postEphemeral(channel=channel, user=self.user_id, **kwargs)
                return
        except SlackApiError as exc:
            log.info("postEphemeral to %s failed (%s); sending a DM", channel, exc.response.get("error"))
        self.client.chat_postMessage(channel=self.user_id, **kwargs)

    def update_view(self, blocks: list[dict]) -> None:
        view = self.body["view"]
        title = ((view.get("title") or {}).get("text")) or pgettext("modal title", "Deal")
        callback = view.get("callback_id") or Callback.DEAL_FOUND.value
        try:
            callback_enum = Callback(callback)
        except ValueError:
            callback_enum = Callback.DEAL_FOUND
        new_view = modals.blocks_modal(title, blocks[:MODAL_BLOCKS_MAX], callback_enum)
        try:
            self.client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as exc:
            # hash_conflict: the modal changed meanwhile (another click won); the user's newer view stays.
            log.info("views.update of the card modal skipped: %s", exc.response.get("error"))


def responder(body: dict, client: WebClient, respond, replies: ReplyPoster):
    """Bolt's respond for messages, its posts made by `replies` (off the listener's thread); a ModalResponder for
    clicks inside a modal (respond can't reach those). A stand-in respond without a response_url (a test's) is
    called as it is."""
    if body.get("response_url") and respond is not None:
        url = getattr(respond, "response_url", None)
        return replies.to(url) if isinstance(url, str) else respond
    return ModalResponder(client, body)
