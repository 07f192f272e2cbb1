"""/opp category, /opp quota, /opp changes: parse into a typed command, one service, one builder, reply."""

from __future__ import annotations

from oppbot.db.base import utcnow
from oppbot.domain.periods import quarter_of
from oppbot.i18n import N_, _
from oppbot.services import changes as changes_service
from oppbot.services import opportunities, quotas, workspaces
from oppbot.slack import parsing
from oppbot.slack.blocks import forecast as blocks
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.rooms import open_room


def category_command(ctx: CommandContext) -> Reply:
    command = parsing.parse_category_command(ctx.args)
    actor = ctx.actor
    with ctx.unit_of_work() as session:
        done = opportunities.set_category(session, actor, command.number, command.category)
        after = opportunities.category_of(session, done.opportunity)
    return Reply(text=blocks.category_text(command.number, None, after, command.category is None, done.changed))


def _today(ctx: CommandContext):
    with ctx.unit_of_work() as session:
        return workspaces.load_rules(session, ctx.team_id).today(utcnow())


def quota_command(ctx: CommandContext) -> Reply:
    command = parsing.parse_quota(ctx.args, _today(ctx))
    if isinstance(command, parsing.ListQuotas):
        with ctx.unit_of_work() as session:
            entries = quotas.list_quotas(session, ctx.team_id, command.period)
        return Reply(text=_("Quotas"), blocks=blocks.build_quota_list(entries))
    actor = ctx.actor  # resolved before the transaction: it may write the users cache
    with ctx.unit_of_work() as session:
        done = quotas.set_quota(session, actor, command.user_id, command.period, command.amount, command.currency)
    return Reply(text=blocks.quota_set_text(done))


def changes_command(ctx: CommandContext) -> Reply:
    now = utcnow()
    with ctx.unit_of_work() as session:
        today = workspaces.load_rules(session, ctx.team_id).today(now)
        command = parsing.parse_changes(ctx.args, today)
        period = command.period or quarter_of(today)
        result = changes_service.changes(session, ctx.team_id, period, now, since=command.since)
    return Reply(text=blocks.changes_text(result), blocks=blocks.build_changes(result))


def room_command(ctx: CommandContext) -> Reply:
    command = parsing.parse_room(ctx.args)
    opened = open_room(ctx, command.number)
    return Reply(text=blocks.room_text(opened.number, opened.channel_id, opened.created))


SUBCOMMANDS = [
    Subcommand(
        ("category", "cat"),
        category_command,
        N_("/opp category <ref> <pipeline|best|commit|omit|stage>"),
        N_("a deal's forecast category, e.g. `/opp category #42 commit` (`stage` follows the stage again)"),
    ),
    Subcommand(
        ("quota", "quotas"),
        quota_command,
        N_("/opp quota [@user|team <period> <amount> [CUR]]"),
        N_("quotas per rep and team per month or quarter, e.g. `/opp quota @maria 2027-Q1 250000`"),
    ),
    Subcommand(
        ("room",),
        room_command,
        N_("/opp room <ref>"),
        N_("a channel for the deal with its live card pinned; its changes and notes are posted there"),
    ),
    Subcommand(
        ("changes", "changed"),
        changes_command,
        N_("/opp changes [since <YYYY-MM-DD>|last-week] [period]"),
        N_("what changed in the pipeline since the last weekly digest: new, won, lost, value, moves, slipped"),
    ),
]
