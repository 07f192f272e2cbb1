"""/opp: ack at once, split off the subcommand, run its handler from the table; errors go to the one handler."""

from __future__ import annotations

import logging
from functools import cache

from slack_bolt import App

from oppbot.i18n import N_, _
from oppbot.slack import entities
from oppbot.slack.blocks.common import SECTION_MAX, section
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Command
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.pipeline import ack_first
from oppbot.slack.text import escape

log = logging.getLogger(__name__)


def sections() -> list[tuple[str, list[Subcommand]]]:
    """The table, in the order /opp help shows it: (heading, subcommands) from the modules that define them."""
    from oppbot.slack.listeners.commands import (
        admin,
        customers,
        data,
        deals,
        forecast,
        language,
        modals,
        notify,
        planning,
        schedules,
    )

    # Headings, usages and summaries are marked for the catalog here and translated by help_text() when shown.
    return [
        (N_("Deals"), [HELP, *modals.SUBCOMMANDS, *deals.SUBCOMMANDS]),
        (N_("Forecast and figures"), forecast.SUBCOMMANDS + planning.SUBCOMMANDS),
        (N_("Customers, billing and tasks"), customers.SUBCOMMANDS),
        (N_("Channels"), notify.SUBCOMMANDS + schedules.SUBCOMMANDS),
        (N_("Import and export"), data.SUBCOMMANDS),
        (N_("Workspace"), admin.SUBCOMMANDS + language.SUBCOMMANDS),
    ]


def help_(ctx: CommandContext) -> Reply:
    """The list as one section per heading (each well within Slack's 3,000 characters, whatever the language); the
    message text, Slack's notification fallback, is the intro line."""
    return Reply(text=_(INTRO), blocks=[section(part) for part in help_parts()])


HELP = Subcommand(("help", "?", "h"), help_, N_("/opp help"), N_("this list, with examples"))


def subcommands() -> list[Subcommand]:
    """Every subcommand (each module exports SUBCOMMANDS)."""
    return [sub for _heading, subs in sections() for sub in subs]


INTRO = N_(
    "*oppbot* — your sales pipeline in Slack. Deals are `#42`, `42` or `OPP-42`; stages are lead, qual, prop, neg, "
    "won, lost (Norwegian names work too)."
)


# Each part of the help is one section block: Slack's limit for a section's text. A heading whose lines would pass
# it is split into several parts, so no language's longer words can cut the list short.
HELP_MAX = SECTION_MAX


def help_parts() -> list[str]:
    """/opp help, generated from the same table the dispatcher uses: a subcommand in it is in the help, and so is
    every sub-form its handler dispatches on itself (`forecast accuracy`, `forecast snapshot`). In the reader's
    language: the command words stay as typed, their placeholders and descriptions are translated. The intro, then
    one part per heading, none longer than HELP_MAX."""
    parts = [_(INTRO)]
    for heading, subs in sections():
        lines = [f"*{_(heading)}*"]
        for sub in subs:
            lines.append(f"• `{_(sub.usage)}` — {_(sub.summary)}")
            lines += [f"• `{_(usage)}` — {_(summary)}" for usage, summary in sub.forms]
        part = ""
        for line in lines:
            if part and len(part) + 1 + len(line) > HELP_MAX:
                parts.append(part)
                part = ""
            part = f"{part}\n{line}" if part else line[:HELP_MAX]
        parts.append(part)
    return parts


def help_text() -> str:
    """The whole help as one text (the parts joined): what the tests read."""
    return "\n".join(help_parts())


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
    # Slack sends the user's own & < > escaped: decode once here, so every field stores what was typed.
    name, _sep, rest = entities.decode(ctx.body.get("text") or "").strip().partition(" ")
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
    return Reply(text=_("I don't know `/opp {name}`. Try `/opp help` for the list, e.g. `/opp show #42`.", name=shown))


def send(ctx: CommandContext, reply: Reply) -> None:
    kwargs = {"text": reply.text, "response_type": "in_channel" if reply.in_channel else "ephemeral"}
    if reply.blocks is not None:
        kwargs["blocks"] = reply.blocks
    ctx.respond(**kwargs)
