"""/opp: ack at once, split off the subcommand, run its handler from the table; errors go to the one handler."""

from __future__ import annotations

import logging
from functools import cache

from slack_bolt import App

from oppbot.slack.deps import Deps
from oppbot.slack.ids import Command
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.pipeline import ack_first
from oppbot.slack.text import escape

log = logging.getLogger(__name__)


def subcommands() -> list[Subcommand]:
    """Every subcommand, from the modules that define them (each exports SUBCOMMANDS)."""
    from oppbot.slack.listeners.commands import admin, customers, deals, forecast, modals, notify, schedules

    found: list[Subcommand] = []
    for module in (deals, forecast, customers, notify, schedules, admin, modals):
        found.extend(module.SUBCOMMANDS)
    return found


@cache
def registry() -> dict[str, Subcommand]:
    table: dict[str, Subcommand] = {}
    for sub in subcommands():
        for name in sub.names:
            if name in table:
                raise ValueError(f"/opp {name} is registered twice")
            table[name] = sub
    return table


def opp(ctx: CommandContext) -> None:
    """The /opp handler: the subcommand's handler from the table, its reply sent ephemeral (or in the channel)."""
    name, _, rest = (ctx.body.get("text") or "").strip().partition(" ")
    ctx.name, ctx.args = name.lower() or "help", rest.strip()
    sub = registry().get(ctx.name)
    if sub is None:
        reply = unknown(ctx.name)
    else:
        ctx.usage = sub.usage
        reply = sub.handler(ctx)
    if reply is not None:
        send(ctx, reply)


def register(app: App, deps: Deps) -> None:
    registry()  # a name registered twice fails at start, not on first use
    app.command(Command.OPP.value)(ack_first(opp))


def unknown(name: str) -> Reply:
    shown = escape(name[:30].replace("`", "'"))
    return Reply(text=f"I don't know `/opp {shown}`. Try `/opp help` for the list, e.g. `/opp show #42`.")


def send(ctx: CommandContext, reply: Reply) -> None:
    kwargs = {"text": reply.text, "response_type": "in_channel" if reply.in_channel else "ephemeral"}
    if reply.blocks is not None:
        kwargs["blocks"] = reply.blocks
    ctx.respond(**kwargs)
