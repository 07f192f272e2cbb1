"""After a modal is saved: tell the user (ephemeral in the channel it came from, else a DM) and refresh cards."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import OppbotError
from oppbot.services.context import Actor
from oppbot.slack.deps import Deps
from oppbot.slack.response_urls import is_slack_response_url

log = logging.getLogger(__name__)


def deal_card(deps: Deps, actor: Actor, number: int) -> tuple[str, list[dict]] | None:
    """(fallback text, blocks) of the deal card from the card builder, or None when it isn't available."""
    from oppbot.slack.cards import deal_card_message
    from oppbot.slack.roles import user_timezone

    try:
        tz = user_timezone(deps, actor.team_id, actor.user_id)
        with unit_of_work(deps.sessions) as session:
            message = deal_card_message(session, actor, number, tz=tz)
    except OppbotError:
        return None
    if isinstance(message, dict):
        return message.get("text") or "", message.get("blocks") or []
    return None


def tell_user(
    client: WebClient, actor: Actor, channel_id: str | None, text: str, blocks: list[dict] | None = None
) -> None:
    """Ephemeral in the channel the modal came from; a DM when there is none or the bot can't post there."""
    kwargs = {"text": text}
    if blocks:
        kwargs["blocks"] = blocks
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=actor.user_id, **kwargs)
            return
        except SlackApiError as exc:
            log.info("postEphemeral to %s failed (%s); sending a DM", channel_id, exc.response.get("error"))
    try:
        client.chat_postMessage(channel=actor.user_id, **kwargs)
    except SlackApiError as exc:
        log.warning("Could not tell %s: %s", actor.user_id, exc.response.get("error"))


def refresh_origin(client: WebClient, deps: Deps, actor: Actor, number: int, meta: dict) -> bool:
    """Re-render the card a modal was opened from (chat.update by channel/ts, or its response_url)."""
    card = deal_card(deps, actor, number)
    if card is None:
        return False
    text, blocks = card
    try:
        if meta.get("c") and meta.get("ts"):
            client.chat_update(channel=meta["c"], ts=meta["ts"], text=text, blocks=blocks)
            return True
        if meta.get("r"):
            if not is_slack_response_url(meta["r"], deps.settings.slack_api_url):
                # Never post a deal card to a host the metadata names: only Slack's own response URLs.
                log.warning("refused to refresh a card through a response_url that is not Slack's")
                return False
            WebhookClient(meta["r"]).send(text=text, blocks=blocks, replace_original=True)
            return True
        if meta.get("vid"):
            # The card lives in a modal (App Home finder) under the form just submitted: refresh it there.
            from oppbot.domain.refs import format_ref
            from oppbot.slack.blocks.modals import blocks_modal

            client.views_update(view_id=meta["vid"], view=blocks_modal(f"Deal {format_ref(number)}", blocks[:100]))
            return True
    except SlackApiError as exc:
        log.info("Could not refresh the card: %s", exc.response.get("error"))
    return False
