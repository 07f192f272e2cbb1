"""/opp export, and the chart variants of /opp pipeline and /opp forecast: parse, one service, a file to Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from oppbot.charts import ChartError
from oppbot.db.base import utcnow
from oppbot.domain.errors import InvalidInput
from oppbot.i18n import N_, _, ngettext, number
from oppbot.services import charts as figures
from oppbot.services import deal_export, policy, workspaces
from oppbot.slack import parsing
from oppbot.slack.chart_posts import forecast_upload, funnel_upload, user_locale
from oppbot.slack.files import Upload, dm_channel, upload
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.text import escape

log = logging.getLogger(__name__)

EXPORT_USAGE = N_("/opp export [the filters of /opp list]")


# --- charts ----------------------------------------------------------------------------------------------------------

# (session, today) -> the figures read, as a function that draws them for a locale. Reading happens in the
# transaction; drawing after it (a SQLite write lock must not wait for matplotlib).
Draw = Callable[[Session, object], Callable[[str | None], Upload]]


def post_chart(ctx: CommandContext, draw: Draw, fallback: Callable[[], Reply]) -> Reply:
    """Draw a chart and share it here when the channel-posting rule allows (policy.may_post_in_channel, the
    scheduled digests' rule), else in the user's DM. A chart that can't be
    drawn falls back to the same figures as text."""
    actor = ctx.actor
    locale = user_locale(ctx.client, ctx.user_id)
    with ctx.unit_of_work() as session:
        render = draw(session, workspaces.load_rules(session, ctx.team_id).today(utcnow()))
    try:
        chart = render(locale)
    except ChartError:
        log.exception("chart for %s could not be drawn", ctx.team_id)
        reply = fallback()
        return Reply(
            text=_("I couldn't draw the chart; here are the figures.") + "\n" + reply.text, blocks=reply.blocks
        )
    here = policy.may_post_in_channel(actor)
    channel = ctx.channel_id if here else dm_channel(ctx.client, ctx.user_id)
    try:
        upload(ctx.client, channel, [chart], comment=_("{user} asked for this chart.", user=f"<@{ctx.user_id}>"))
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("chart upload to %s failed: %s", channel, error)
        return Reply(
            text=_("I couldn't post the chart ({error}). Is oppbot in this channel? `/invite @oppbot`", error=error)
        )
    if here:
        return Reply(text=_("Posted {chart}.", chart=chart.title))
    return Reply(
        text=_(
            "Sent {chart} to your DM: charts go into a channel only from a manager or where the weekly digest is "
            "posted.",
            chart=chart.title,
        )
    )


def pipeline_chart(ctx: CommandContext, fallback: Callable[[], Reply]) -> Reply:
    """`/opp pipeline chart`: the funnel of open deals, value and weighted value per stage."""

    def draw(session: Session, today) -> Callable[[str | None], Upload]:
        funnel = figures.funnel(session, ctx.team_id, today)
        return lambda locale: funnel_upload(funnel, locale=locale)

    return post_chart(ctx, draw, fallback)


def forecast_chart(ctx: CommandContext, period, fallback: Callable[[], Reply], **filters) -> Reply:
    """`/opp forecast [period] [@user|mine] [stage] chart`: the period's weighted forecast beside what was won."""

    def draw(session: Session, today) -> Callable[[str | None], Upload]:
        result = figures.forecast_figures(session, ctx.team_id, period, today, **filters)
        title = _("Forecast vs actual, {period}", period=period.label)
        return lambda locale: forecast_upload(result, locale=locale, title=title)

    return post_chart(ctx, draw, fallback)


# --- export ----------------------------------------------------------------------------------------------------------


def export(ctx: CommandContext) -> Reply:
    try:
        return _export(ctx)
    except InvalidInput as exc:  # parse errors quote what the user typed: escaped before it enters mrkdwn
        return Reply(text=escape(exc.message) + "\n" + _("Usage: `{usage}`", usage=_(EXPORT_USAGE)))


def _export(ctx: CommandContext) -> Reply:
    actor = ctx.actor
    with ctx.unit_of_work() as session:
        today = workspaces.load_rules(session, ctx.team_id).today(utcnow())
        cmd = parsing.parse_export(ctx.args, today)
        total = deal_export.count_deals(session, actor, cmd.query)
        if total > deal_export.INLINE_LIMIT:
            deal_export.request_export(session, actor, parsing.list_state(cmd.query))
    if total == 0:
        return Reply(text=_("No deals match that, so there is nothing to export."))
    if total > deal_export.INLINE_LIMIT:
        return Reply(
            text=_(
                "Exporting {total} deals: follow the progress in your DM; the CSV arrives there.", total=number(total)
            )
        )
    with ctx.unit_of_work() as session:
        data, count = deal_export.export_bytes(session, actor, cmd.query)
    name = deal_export.export_filename(today)
    # English says "deals" whatever the count, as it always did; the catalog gives Norwegian its singular.
    shown = number(count)
    title = ngettext("{count} deals", "{count} deals", count, count=shown)
    upload(ctx.client, dm_channel(ctx.client, ctx.user_id), [Upload(name, data, title)])
    sent = ngettext(
        "Sent {count} deals to your DM as {name} (UTF-8 CSV, opens in any spreadsheet).",
        "Sent {count} deals to your DM as {name} (UTF-8 CSV, opens in any spreadsheet).",
        count,
        count=shown,
        name=name,
    )
    return Reply(text=sent)


def import_(ctx: CommandContext) -> Reply | None:
    """Open the import modal at once (the trigger_id dies in 3 s); the preview checks the role."""
    from slack_sdk.errors import SlackApiError

    from oppbot.slack.blocks.imports import import_modal

    try:
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=import_modal(team_id=ctx.team_id))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return Reply(text=_("I couldn't open the import form (the request expired). Run `/opp import` again."))
    return None


SUBCOMMANDS = [
    Subcommand(("export",), export, EXPORT_USAGE, N_("deals as a CSV in your DM, e.g. `/opp export won`")),
    Subcommand(
        ("import",),
        import_,
        N_("/opp import"),
        N_("managers: deals from a CSV (HubSpot, Pipedrive, Salesforce, oppbot), previewed first"),
    ),
]
