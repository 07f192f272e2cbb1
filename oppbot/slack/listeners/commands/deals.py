"""/opp subcommands about deals: help, show, list, search, move, won, lost, claim, assign, unassign, note, pipeline, bulk."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from oppbot.db.base import utcnow
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.services import cards, opportunities, queries, workspaces
from oppbot.services.context import Actor
from oppbot.services.opportunities import BulkOutcome, Outcome
from oppbot.slack import parsing
from oppbot.slack.blocks.deal_list import deal_list_message
from oppbot.slack.blocks.pipeline import pipeline_message
from oppbot.slack.cards import deal_card_message
from oppbot.slack.deps import Deps
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.roles import user_timezone
from oppbot.slack.text import escape

log = logging.getLogger(__name__)
PAGE_SIZE = 10


# --- shared by commands and actions ----------------------------------------------------------------------------------


def card_reply(deps: Deps, actor: Actor, number: int, note: str | None = None) -> Reply:
    """The fresh deal card (read in its own transaction, after the change committed), with `note` on top."""
    tz = user_timezone(deps, actor.team_id, actor.user_id)
    with unit_of_work(deps.sessions) as session:
        msg = deal_card_message(session, actor, number, tz=tz, note=note)
    return Reply(text=(note + "\n" if note else "") + msg["text"], blocks=msg["blocks"])


def outcome_note(done: str, outcome: Outcome) -> str:
    """'*Moved #42 to Proposal.*' plus each warning on its own line (skipped stages, a kept manual probability)."""
    lines = [f"*{done}*" if outcome.changed else ""]
    lines += [f":warning: {w}" for w in outcome.warnings]
    return "\n".join(line for line in lines if line)


def list_reply(deps: Deps, actor: Actor, args: parsing.ListArgs, offset: int = 0, title: str = "Deals") -> Reply:
    with unit_of_work(deps.sessions) as session:
        page = queries.list_deals(session, actor, args, offset=offset, limit=PAGE_SIZE)
        msg = deal_list_message(page.items, page.total, page.offset, args, title=title, limit=PAGE_SIZE)
    return Reply(text=msg["text"], blocks=msg["blocks"])


def workspace_today(deps: Deps, team_id: str):
    with unit_of_work(deps.sessions) as session:
        return workspaces.load_rules(session, team_id).today(utcnow())


def _unresolved(ctx: CommandContext) -> Actor:
    # Before views.open no role lookup (users.info): the trigger_id dies after 3 s; the save re-checks the role.
    return Actor(ctx.team_id, ctx.user_id)


def open_loss_modal(ctx: CommandContext, number: int) -> Reply | None:
    from oppbot.slack.listeners.views import open_views

    try:
        open_views.open_loss(ctx.client, ctx.trigger_id, ctx.deps, _unresolved(ctx), number, None)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return Reply(
            text="I couldn't open the loss form (the request expired). Run the command again, or give "
            f"the reason: `/opp lost {number} price`."
        )
    return None


def _user_errors(handler: Callable[[CommandContext], Reply | None], usage: str):
    """Parse errors quote what the user typed, so they are escaped here; the usage line follows."""

    def run(ctx: CommandContext) -> Reply | None:
        try:
            return handler(ctx)
        except InvalidInput as exc:
            return Reply(text=f"{escape(exc.message)}\nUsage: `{usage}`")

    return run


# --- handlers --------------------------------------------------------------------------------------------------------


HELP = """*oppbot* — your sales pipeline in Slack. Deals are `#42`, `42` or `OPP-42`; stages are lead, qual, prop, neg, won, lost (Norwegian names work too).
*Deals*
• `/opp new Acme renewal` — open the form for a new deal
• `/opp show #42` — the deal card, with buttons to move, claim, assign, edit, note, close (`here`: post it live in the channel)
• `/opp move #42 prop` — change stage (`/opp move #42 lost price` closes it as lost)
• `/opp won #42` · `/opp lost #42 competitor lost on features` — close it
• `/opp claim #42` · `/opp assign #42 @maria` · `/opp unassign #42`
• `/opp note #42 Sent the revised quote`
*Finding deals*
• `/opp list` — everything, newest activity first
• `/opp list prop neg mine overdue` · `/opp list @maria stale` · `/opp list unassigned closing this-quarter`
  (closing: this-month, next-month, this-quarter, 2026-11, 2026-Q4, 2026-01-01..2026-03-31)
• `/opp search acme licence` — title, customer and description
• `/opp pipeline` — count, value and weighted value per stage (`/opp pipeline chart`: as a picture)
*Managers*
• `/opp bulk move 12,13 14-16 neg` · `/opp bulk move 12,13 lost price` · `/opp bulk assign 12-15 @maria`"""


def help_(ctx: CommandContext) -> Reply:
    from oppbot.slack.listeners.commands import subcommands

    mine = {id(s) for s in SUBCOMMANDS}
    others = [f"• `{s.usage}` — {s.summary}" for s in subcommands() if id(s) not in mine and "new" not in s.names]
    text = HELP + ("\n*More*\n" + "\n".join(dict.fromkeys(others)) if others else "")
    return Reply(text=text[:3000])


def show(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_show(ctx.args)
    if not cmd.share:
        return card_reply(ctx.deps, ctx.actor, cmd.number)
    # A shared card is a real channel message, the same one the workers chat.update after every change:
    # the workspace's time zone, and buttons for everyone (each click is re-checked for whoever clicks).
    with unit_of_work(ctx.deps.sessions) as session:
        msg = deal_card_message(session, ctx.actor, cmd.number, can_edit=True)
    try:
        posted = ctx.client.chat_postMessage(channel=ctx.channel_id, text=msg["text"], blocks=msg["blocks"])
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        return Reply(text=f"I couldn't post in this channel ({error}). Invite me with `/invite @oppbot` and try again.")
    with unit_of_work(ctx.deps.sessions) as session:
        cards.remember_card(session, ctx.actor, cmd.number, posted["channel"], posted["ts"])
    return Reply(text=f"Shared deal #{cmd.number} here; the card stays up to date as the deal changes.")


def list_(ctx: CommandContext) -> Reply:
    actor = ctx.actor
    args = parsing.parse_list(ctx.args, workspace_today(ctx.deps, actor.team_id))
    return list_reply(ctx.deps, actor, args)


def search(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_search(ctx.args)
    return list_reply(ctx.deps, ctx.actor, parsing.ListArgs(text=cmd.text), title="Search")


def _change(ctx: CommandContext, number: int, done: str, change: Callable) -> Reply:
    actor = ctx.actor
    with unit_of_work(ctx.deps.sessions) as session:
        outcome = change(session, actor)
    return card_reply(ctx.deps, actor, number, outcome_note(done, outcome))


def move(ctx: CommandContext) -> Reply | None:
    cmd = parsing.parse_move(ctx.args)
    if cmd.stage == Stage.CLOSED_LOST and not cmd.reason:
        return open_loss_modal(ctx, cmd.number)
    return _change(
        ctx,
        cmd.number,
        f"Moved {format_ref(cmd.number)} to {cmd.stage.label}.",
        lambda s, a: opportunities.move(s, a, cmd.number, cmd.stage, loss_reason=cmd.reason),
    )


def won(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_won(ctx.args)
    return _change(
        ctx,
        cmd.number,
        f"{format_ref(cmd.number)} is Closed-Won. :tada:",
        lambda s, a: opportunities.close_won(s, a, cmd.number),
    )


def lost(ctx: CommandContext) -> Reply | None:
    cmd = parsing.parse_lost(ctx.args)
    if not cmd.reason:
        return open_loss_modal(ctx, cmd.number)
    return _change(
        ctx,
        cmd.number,
        f"{format_ref(cmd.number)} is Closed-Lost.",
        lambda s, a: opportunities.close_lost(s, a, cmd.number, cmd.reason, cmd.note),
    )


def claim(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_claim(ctx.args)
    return _change(
        ctx, cmd.number, f"{format_ref(cmd.number)} is yours now.", lambda s, a: opportunities.claim(s, a, cmd.number)
    )


def assign(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_assign(ctx.args)
    return _change(
        ctx,
        cmd.number,
        f"Assigned {format_ref(cmd.number)} to <@{cmd.user_id}>.",
        lambda s, a: opportunities.assign(s, a, cmd.number, cmd.user_id),
    )


def unassign(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_unassign(ctx.args)
    return _change(
        ctx,
        cmd.number,
        f"{format_ref(cmd.number)} is unassigned.",
        lambda s, a: opportunities.unassign(s, a, cmd.number),
    )


def note(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_note(ctx.args)
    return _change(
        ctx,
        cmd.number,
        f"Note added to {format_ref(cmd.number)}.",
        lambda s, a: opportunities.add_note(s, a, cmd.number, cmd.text),
    )


def pipeline(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_pipeline(ctx.args)

    def text() -> Reply:
        with unit_of_work(ctx.deps.sessions) as session:
            msg = pipeline_message(queries.pipeline(session, ctx.actor))
        return Reply(text=msg["text"], blocks=msg["blocks"])

    if cmd.chart:
        from oppbot.slack.listeners.commands.data import pipeline_chart

        return pipeline_chart(ctx, text)
    return text()


def bulk_summary(done: str, result: BulkOutcome) -> str:
    lines = []
    if result.done:
        refs = ", ".join(format_ref(o.opportunity.number) for o in result.done)
        lines.append(f"*{done}* {refs}")
        warnings = [f"{format_ref(o.opportunity.number)}: {w}" for o in result.done for w in o.warnings]
        lines += [f":warning: {w}" for w in warnings[:10]]
    if result.failed:
        lines.append(f"*Not changed ({len(result.failed)}):*")
        lines += [f"• {format_ref(n)}: {why}" for n, why in list(result.failed.items())[:20]]
    return "\n".join(lines) or "Nothing to do."


def bulk(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_bulk(ctx.args)
    actor = ctx.actor
    with unit_of_work(ctx.deps.sessions) as session:
        if isinstance(cmd, parsing.BulkMove):
            result = opportunities.bulk_move(session, actor, cmd.numbers, cmd.stage, loss_reason=cmd.reason)
            done = f"Moved to {cmd.stage.label}:"
        else:
            result = opportunities.bulk_assign(session, actor, cmd.numbers, cmd.user_id)
            done = f"Assigned to <@{cmd.user_id}>:" if cmd.user_id else "Unassigned:"
    return Reply(text=bulk_summary(done, result)[:3000])


def _sub(names, handler, usage, summary, **kw) -> Subcommand:
    return Subcommand(names, _user_errors(handler, usage), usage, summary, **kw)


SUBCOMMANDS = [
    Subcommand(("help", "?", "h"), help_, "/opp help", "this list, with examples"),
    _sub(
        ("show", "card", "view"),
        show,
        "/opp show <ref> [here]",
        "the deal card, e.g. `/opp show #42`; `here` posts it live in the channel",
    ),
    _sub(
        ("list", "ls"),
        list_,
        "/opp list [stage] [mine|@user|unassigned] [overdue|stale] [closing <period>]",
        "a filtered list, e.g. `/opp list prop mine closing this-quarter`",
    ),
    _sub(("search", "find"), search, "/opp search <text>", "title, customer, description, e.g. `/opp search acme`"),
    _sub(
        ("move", "stage"), move, "/opp move <ref> <stage>", "change stage, e.g. `/opp move #42 prop`", opens_modal=True
    ),
    _sub(("won", "win"), won, "/opp won <ref>", "close as won, e.g. `/opp won #42`"),
    _sub(
        ("lost", "lose"),
        lost,
        "/opp lost <ref> [reason] [note]",
        "close as lost, e.g. `/opp lost #42 price`",
        opens_modal=True,
    ),
    _sub(("claim", "take"), claim, "/opp claim <ref>", "assign an unassigned deal to yourself"),
    _sub(("assign",), assign, "/opp assign <ref> @user", "assign a deal, e.g. `/opp assign #42 @maria`"),
    _sub(("unassign",), unassign, "/opp unassign <ref>", "remove the assignee"),
    _sub(("note", "comment"), note, "/opp note <ref> <text>", "add a note, e.g. `/opp note #42 Sent the quote`"),
    _sub(
        ("pipeline", "pipe"),
        pipeline,
        "/opp pipeline [chart]",
        "per-stage counts, value and weighted value; `chart` posts the funnel",
    ),
    _sub(
        ("bulk",),
        bulk,
        "/opp bulk move <refs> <stage> [reason] · /opp bulk assign <refs> @user",
        "managers: many deals at once, e.g. `/opp bulk move 12,13 14-16 neg`",
    ),
]
