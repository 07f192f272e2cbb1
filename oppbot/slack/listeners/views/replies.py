"""After a modal is saved: tell the user (ephemeral in the channel it came from, else a DM) and refresh cards."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from oppbot.db import repositories as repo
from oppbot.db.models import CardMessage
from oppbot.domain.errors import OppbotError
from oppbot.i18n import _
from oppbot.services.context import Actor
from oppbot.slack.pipeline import Request
from oppbot.slack.response_urls import is_slack_response_url

log = logging.getLogger(__name__)


def deal_card(req: Request, number: int, actor: Actor | None = None) -> tuple[str, list[dict]] | None:
    """(fallback text, blocks) of the deal card from the card builder, or None when it isn't available."""
    from oppbot.slack.cards import deal_card_message
    from oppbot.slack.roles import user_timezone

    actor = actor or req.actor
    try:
        tz = user_timezone(req.deps, actor.team_id, actor.user_id)
        with req.unit_of_work() as session:
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


def _recorded_card(req: Request, number: int, channel_id: str, ts: str) -> bool:
    """Whether channel/ts is one of the deal's own posted cards (card_messages): never chat.update another message."""
    with req.unit_of_work() as session:
        opp = repo.get_opportunity(session, req.team_id, number)
        found = session.execute(
            select(CardMessage.id).where(
                CardMessage.team_id == req.team_id,
                CardMessage.opportunity_id == opp.id,
                CardMessage.channel_id == channel_id,
                CardMessage.ts == ts,
            )
        ).first()
    return found is not None


def refresh_origin(req: Request, number: int) -> bool:
    """Re-render the card a modal was opened from: a posted card of the deal's (chat.update), the ephemeral one
    (its response_url) or the modal it lives in. The metadata naming it is signed; a channel/ts must also be one
    of the deal's recorded messages."""
    meta = req.meta
    card = deal_card(req, number)
    if card is None:
        return False
    text, blocks = card
    try:
        if meta.channel_id and meta.ts:
            if not _recorded_card(req, number, meta.channel_id, meta.ts):
                log.warning("A form named a message that is not deal %s's card; not updating it", number)
                return False
            req.client.chat_update(channel=meta.channel_id, ts=meta.ts, text=text, blocks=blocks)
            return True
        if meta.response_url:
            if not is_slack_response_url(meta.response_url, req.deps.settings.slack_api_url):
                # Never post a deal card to a host the metadata names: only Slack's own response URLs.
                log.warning("refused to refresh a card through a response_url that is not Slack's")
                return False
            req.deps.replies.to(meta.response_url)(text=text, blocks=blocks, replace_original=True)
            return True
        if meta.view_id:
            # The card lives in a modal (App Home finder) under the form just submitted: refresh it there.
            from oppbot.domain.refs import format_ref
            from oppbot.slack.blocks.modals import blocks_modal

            title = _("Deal {ref}", ref=format_ref(number))
            req.client.views_update(view_id=meta.view_id, view=blocks_modal(title, blocks[:100]))
            return True
    except SlackApiError as exc:
        log.info("Could not refresh the card: %s", exc.response.get("error"))
    return False
