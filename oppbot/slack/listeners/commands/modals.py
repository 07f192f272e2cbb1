"""/opp new [title] and /opp customer new: subcommands that open a modal (views.open before anything slow)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from oppbot.services.context import Actor
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.listeners.views import open_views

log = logging.getLogger(__name__)
CUSTOMER_NEW_WORDS = ("new", "add", "create")


def _could_not_open(exc: SlackApiError) -> Reply:
    log.warning("views.open failed: %s", exc.response.get("error"))
    return Reply(text="I couldn't open the form (Slack said the request had expired). Please run the command again.")


def _actor(ctx: CommandContext) -> Actor:
    # No role lookup before views.open: it can call users.info, and the trigger_id dies after 3 s.
    # Every save re-checks the role server-side.
    return Actor(ctx.team_id, ctx.user_id)


def new_deal(ctx: CommandContext) -> Reply | None:
    try:
        open_views.open_create(
            ctx.client, ctx.trigger_id, ctx.deps, _actor(ctx), title=ctx.args or None, channel_id=ctx.channel_id or None
        )
    except SlackApiError as exc:
        return _could_not_open(exc)
    return None


def customer(ctx: CommandContext) -> Reply | None:
    """`/opp customer new` opens the customer modal; anything else goes to the other `customer` subcommand."""
    if ctx.args.strip().lower() in CUSTOMER_NEW_WORDS:
        try:
            open_views.open_customer(
                ctx.client, ctx.trigger_id, ctx.deps, _actor(ctx), channel_id=ctx.channel_id or None
            )
        except SlackApiError as exc:
            return _could_not_open(exc)
        return None
    from oppbot.slack.listeners.commands import subcommands

    for sub in subcommands():
        if "customer" in sub.names and sub.handler is not customer:
            return sub.handler(ctx)
    return Reply(text="Usage: `/opp customer new` opens the form for a new individual or organization.")


SUBCOMMANDS = [
    Subcommand(
        ("new", "create"),
        new_deal,
        "/opp new [title]",
        "open the form for a new deal, e.g. `/opp new Acme renewal`",
        opens_modal=True,
    ),
    Subcommand(
        ("customer", "customers"), customer, "/opp customer new", "add an individual or organization", opens_modal=True
    ),
]
