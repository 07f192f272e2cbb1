"""/opp new [title] and /opp customer new: subcommands that open a modal (views.open before anything slow)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from oppbot.i18n import N_, _
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.listeners.views import open_views

log = logging.getLogger(__name__)


def _could_not_open(exc: SlackApiError) -> Reply:
    log.warning("views.open failed: %s", exc.response.get("error"))
    return Reply(text=_("I couldn't open the form (Slack said the request had expired). Please run the command again."))


def new_deal(ctx: CommandContext) -> Reply | None:
    try:
        open_views.open_create(ctx, title=ctx.args or None, channel_id=ctx.channel_id or None)
    except SlackApiError as exc:
        return _could_not_open(exc)
    return None


SUBCOMMANDS = [
    Subcommand(
        ("new", "create"),
        new_deal,
        N_("/opp new [title]"),
        N_("open the form for a new deal, e.g. `/opp new Acme renewal`"),
    ),
]
