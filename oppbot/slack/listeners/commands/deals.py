"""/opp subcommands about deals: show, list, search, move, won, lost, claim, (un)assign, note, pipeline, bulk."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from oppbot import i18n
from oppbot.db.base import utcnow
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import Stage
from oppbot.i18n import N_, _
from oppbot.services import cards, languages, opportunities, queries, workspaces
from oppbot.services.context import Actor
from oppbot.services.opportunities import BulkOutcome, Outcome
from oppbot.services.policy import may_post_in_channel
from oppbot.slack import parsing
from oppbot.slack.blocks.deal_list import deal_list_message
from oppbot.slack.blocks.pipeline import pipeline_message
from oppbot.slack.cards import deal_card_message
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.pipeline import Request
from oppbot.slack.roles import user_timezone
from oppbot.slack.text import error_text

log = logging.getLogger(__name__)
PAGE_SIZE = 10


# --- shared by commands and actions ----------------------------------------------------------------------------------


def card_reply(req: Request, number: int, note: str | None = None, *, actor: Actor | None = None) -> Reply:
    """The fresh deal card (read in its own transaction, after the change committed), with `note` on top."""
    actor = actor or req.actor
    tz = user_timezone(req.deps, actor.team_id, actor.user_id)
    with req.unit_of_work() as session:
        msg = deal_card_message(session, actor, number, tz=tz, note=note)
    return Reply(text=(note + "\n" if note else "") + msg["text"], blocks=msg["blocks"])


def outcome_note(done: str, outcome: Outcome) -> str:
    """'*Moved #42 to Proposal.*' plus each warning on its own line (skipped stages, a kept manual probability)."""
    lines = [f"*{done}*" if outcome.changed else ""]
    lines += [f":warning: {w}" for w in outcome.warnings]
    return "\n".join(line for line in lines if line)


def list_reply(req: Request, args: parsing.ListArgs, offset: int = 0, title: str | None = None) -> Reply:
    """A page of deals under `title` (an already translated heading; the default is "Deals")."""
    title = title or _("Deals")
    with req.unit_of_work() as session:
        page = queries.list_deals(session, req.actor, args, offset=offset, limit=PAGE_SIZE)
        msg = deal_list_message(
            page.items, page.total, page.offset, args, title=title, limit=PAGE_SIZE, capped=page.capped
        )
    return Reply(text=msg["text"], blocks=msg["blocks"])


def workspace_today(req: Request):
    with req.unit_of_work() as session:
        return workspaces.load_rules(session, req.team_id).today(utcnow())


def open_loss_modal(ctx: CommandContext, number: int) -> Reply | None:
    from oppbot.slack.listeners.views import open_views

    try:
        open_views.open_loss(ctx, number, None)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return Reply(
            text=_(
                "I couldn't open the loss form (the request expired). Run the command again, or give the reason: "
                "`/opp lost {number} price`.",
                number=number,
            )
        )
    return None


# --- handlers --------------------------------------------------------------------------------------------------------


def show(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_show(ctx.args)
    if not cmd.share:
        return card_reply(ctx, cmd.number)
    if not may_post_in_channel(ctx.actor):
        note = _("Only managers post deal cards in a channel. Here it is just for you:")
        return card_reply(ctx, cmd.number, note)
    # A shared card is a real channel message, the same one the workers chat.update after every change:
    # the workspace's time zone, and buttons for everyone (each click is re-checked for whoever clicks).
    with ctx.unit_of_work() as session, i18n.use(languages.channel_language(session, ctx.team_id, ctx.channel_id)):
        msg = deal_card_message(session, ctx.actor, cmd.number, can_edit=True)  # the channel's language
    try:
        posted = ctx.client.chat_postMessage(channel=ctx.channel_id, text=msg["text"], blocks=msg["blocks"])
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        return Reply(
            text=_(
                "I couldn't post in this channel ({error}). Invite me with `/invite @oppbot` and try again.",
                error=error,
            )
        )
    with ctx.unit_of_work() as session:
        cards.remember_card(session, ctx.actor, cmd.number, posted["channel"], posted["ts"])
    return Reply(
        text=_("Shared deal #{number} here; the card stays up to date as the deal changes.", number=cmd.number)
    )


def list_(ctx: CommandContext) -> Reply:
    args = parsing.parse_list(ctx.args, workspace_today(ctx))
    return list_reply(ctx, args)


def search(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_search(ctx.args)
    return list_reply(ctx, parsing.ListArgs(text=cmd.text), title=_("Search"))


def _change(ctx: CommandContext, number: int, done: str, change: Callable) -> Reply:
    actor = ctx.actor
    with ctx.unit_of_work() as session:
        outcome = change(session, actor)
    return card_reply(ctx, number, outcome_note(done, outcome))


def move(ctx: CommandContext) -> Reply | None:
    cmd = parsing.parse_move(ctx.args)
    if cmd.stage == Stage.CLOSED_LOST and not cmd.reason:
        return open_loss_modal(ctx, cmd.number)
    return _change(
        ctx,
        cmd.number,
        _("Moved {ref} to {stage}.", ref=format_ref(cmd.number), stage=cmd.stage.label),
        lambda s, a: opportunities.move(s, a, cmd.number, cmd.stage, loss_reason=cmd.reason),
    )


def won(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_won(ctx.args)
    return _change(
        ctx,
        cmd.number,
        _("{ref} is Closed-Won. :tada:", ref=format_ref(cmd.number)),
        lambda s, a: opportunities.close_won(s, a, cmd.number),
    )


def lost(ctx: CommandContext) -> Reply | None:
    cmd = parsing.parse_lost(ctx.args)
    if not cmd.reason:
        return open_loss_modal(ctx, cmd.number)
    return _change(
        ctx,
        cmd.number,
        _("{ref} is Closed-Lost.", ref=format_ref(cmd.number)),
        lambda s, a: opportunities.close_lost(s, a, cmd.number, cmd.reason, cmd.note),
    )


def claim(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_claim(ctx.args)
    return _change(
        ctx,
        cmd.number,
        _("{ref} is yours now.", ref=format_ref(cmd.number)),
        lambda s, a: opportunities.claim(s, a, cmd.number),
    )


def assign(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_assign(ctx.args)
    return _change(
        ctx,
        cmd.number,
        _("Assigned {ref} to {user}.", ref=format_ref(cmd.number), user=f"<@{cmd.user_id}>"),
        lambda s, a: opportunities.assign(s, a, cmd.number, cmd.user_id),
    )


def unassign(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_unassign(ctx.args)
    return _change(
        ctx,
        cmd.number,
        _("{ref} is unassigned.", ref=format_ref(cmd.number)),
        lambda s, a: opportunities.unassign(s, a, cmd.number),
    )


def note(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_note(ctx.args)
    return _change(
        ctx,
        cmd.number,
        _("Note added to {ref}.", ref=format_ref(cmd.number)),
        lambda s, a: opportunities.add_note(s, a, cmd.number, cmd.text),
    )


def pipeline(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_pipeline(ctx.args)

    def text() -> Reply:
        with ctx.unit_of_work() as session:
            msg = pipeline_message(queries.pipeline(session, ctx.actor))
        return Reply(text=msg["text"], blocks=msg["blocks"])

    if cmd.chart:
        from oppbot.slack.listeners.commands.data import pipeline_chart

        return pipeline_chart(ctx, text)
    return text()


def bulk_summary(done: str, result: BulkOutcome, already: str | None = None) -> str:
    """What changed under `done`; deals that already were so under `already` (a no-op is not a move)."""
    already = already or _("Already so, not changed:")
    lines = []
    changed = [o for o in result.done if o.changed]
    unchanged = [o for o in result.done if not o.changed]
    if changed:
        lines.append(f"*{done}* " + ", ".join(format_ref(o.opportunity.number) for o in changed))
        warnings = [f"{format_ref(o.opportunity.number)}: {w}" for o in changed for w in o.warnings]
        lines += [f":warning: {w}" for w in warnings[:10]]
    if unchanged:
        lines.append(f"*{already}* " + ", ".join(format_ref(o.opportunity.number) for o in unchanged))
    if result.failed:
        lines.append("*" + _("Not changed ({count}):", count=len(result.failed)) + "*")
        lines += [f"• {format_ref(n)}: {error_text(why)}" for n, why in list(result.failed.items())[:20]]
    return "\n".join(lines) or _("Nothing to do.")


def bulk(ctx: CommandContext) -> Reply:
    cmd = parsing.parse_bulk(ctx.args)
    actor = ctx.actor
    with ctx.unit_of_work() as session:
        if isinstance(cmd, parsing.BulkMove):
            result = opportunities.bulk_move(session, actor, cmd.numbers, cmd.stage, loss_reason=cmd.reason)
            stage = cmd.stage.label
            done, already = _("Moved to {stage}:", stage=stage), _("Already in {stage}:", stage=stage)
        else:
            result = opportunities.bulk_assign(session, actor, cmd.numbers, cmd.user_id)
            user = f"<@{cmd.user_id}>"
            done = _("Assigned to {user}:", user=user) if cmd.user_id else _("Unassigned:")
            already = _("Already assigned to {user}:", user=user) if cmd.user_id else _("Already unassigned:")
    return Reply(text=bulk_summary(done, result, already)[:3000])


SUBCOMMANDS = [
    Subcommand(
        ("show", "card", "view"),
        show,
        N_("/opp show <ref> [here]"),
        N_("the deal card, e.g. `/opp show #42`; `here` posts it live in the channel"),
    ),
    Subcommand(
        ("list", "ls"),
        list_,
        N_("/opp list [stage] [mine|@user|unassigned] [overdue|stale] [closing <period>]"),
        N_("a filtered list, e.g. `/opp list prop mine closing this-quarter`"),
    ),
    Subcommand(
        ("search", "find"),
        search,
        N_("/opp search <text>"),
        N_("title, customer, description, e.g. `/opp search acme`"),
    ),
    Subcommand(("move", "stage"), move, N_("/opp move <ref> <stage>"), N_("change stage, e.g. `/opp move #42 prop`")),
    Subcommand(("won", "win"), won, N_("/opp won <ref>"), N_("close as won, e.g. `/opp won #42`")),
    Subcommand(
        ("lost", "lose"),
        lost,
        N_("/opp lost <ref> [reason] [note]"),
        N_("close as lost, e.g. `/opp lost #42 price`"),
    ),
    Subcommand(("claim", "take"), claim, N_("/opp claim <ref>"), N_("assign an unassigned deal to yourself")),
    Subcommand(("assign",), assign, N_("/opp assign <ref> @user"), N_("assign a deal, e.g. `/opp assign #42 @maria`")),
    Subcommand(("unassign",), unassign, N_("/opp unassign <ref>"), N_("remove the assignee")),
    Subcommand(
        ("note", "comment"), note, N_("/opp note <ref> <text>"), N_("add a note, e.g. `/opp note #42 Sent the quote`")
    ),
    Subcommand(
        ("pipeline", "pipe"),
        pipeline,
        N_("/opp pipeline [chart]"),
        N_("per-stage counts, value and weighted value; `chart` posts the funnel"),
    ),
    Subcommand(
        ("bulk",),
        bulk,
        N_("/opp bulk move <refs> <stage> [reason] · /opp bulk assign <refs> @user"),
        N_("managers: many deals at once, e.g. `/opp bulk move 12,13 14-16 neg`"),
    ),
]
