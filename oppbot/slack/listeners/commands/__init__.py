"""/opp: ack at once, split off the subcommand, run its handler, reply in words whatever happens."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from oppbot.domain.errors import OppbotError
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Command
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.roles import resolve_actor
from oppbot.slack.text import escape

log = logging.getLogger(__name__)


def subcommands() -> list[Subcommand]:
    """Every subcommand, from the modules that define them (each exports SUBCOMMANDS)."""
    from oppbot.slack.listeners.commands import (
        admin,
        customers,
        data,
        deals,
        forecast,
        modals,
        notify,
        planning,
        schedules,
    )

    found: list[Subcommand] = []
    # modals last: its `customer` hands uses other than "new" to the customers module's.
    for module in (deals, forecast, planning, customers, notify, schedules, admin, data, modals):
        found.extend(module.SUBCOMMANDS)
    return found


def registry() -> dict[str, Subcommand]:
    table: dict[str, Subcommand] = {}
    for sub in subcommands():
        for name in sub.names:
            table[name] = sub
    return table


def register(app: App, deps: Deps) -> None:
    table = registry()

    def handle_opp(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        name, _, rest = text.partition(" ")
        name = name.lower() or "help"
        team_id, user_id = command["team_id"], command["user_id"]
        ctx = CommandContext(
            deps=deps,
            client=client,
            respond=respond,
            team_id=team_id,
            user_id=user_id,
            channel_id=command.get("channel_id", ""),
            trigger_id=command.get("trigger_id", ""),
            name=name,
            args=rest.strip(),
            resolve_actor=lambda: resolve_actor(deps, client, team_id, user_id),
        )
        sub = table.get(name)
        if sub is None:
            reply = unknown(name)
        else:
            try:
                reply = sub.handler(ctx)
            except OppbotError as exc:
                reply = Reply(text=exc.message + (f"\nUsage: `{sub.usage}`" if _is_usage_error(exc) else ""))
        if reply is not None:
            send(respond, reply)

    app.command(Command.OPP.value)(handle_opp)


def _is_usage_error(exc: OppbotError) -> bool:
    from oppbot.domain.errors import InvalidInput

    return isinstance(exc, InvalidInput)


def unknown(name: str) -> Reply:
    shown = escape(name[:30].replace("`", "'"))
    return Reply(text=f"I don't know `/opp {shown}`. Try `/opp help` for the list, e.g. `/opp show #42`.")


def send(respond: Respond, reply: Reply) -> None:
    kwargs = {"text": reply.text, "response_type": "in_channel" if reply.in_channel else "ephemeral"}
    if reply.blocks is not None:
        kwargs["blocks"] = reply.blocks
    respond(**kwargs)
