"""/opp subcommands about deals. (help for now; the rest arrive with the Slack surface.)"""

from __future__ import annotations

from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand


def help_(ctx: CommandContext) -> Reply:
    from oppbot.slack.listeners.commands import subcommands

    lines = [f"`{sub.usage}` — {sub.summary}" for sub in subcommands()]
    return Reply(text="*oppbot* — sales opportunities in Slack\n" + "\n".join(lines))


SUBCOMMANDS = [Subcommand(("help", "?"), help_, "/opp help", "this list, with examples")]
