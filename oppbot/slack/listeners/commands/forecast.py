"""/opp forecast, forecast accuracy, forecast snapshot, stats and fx: parse, one service, one builder, reply."""

from __future__ import annotations

from datetime import date

from oppbot.db.base import utcnow
from oppbot.domain.errors import InvalidInput
from oppbot.domain.fx import format_rate
from oppbot.domain.periods import PERIOD_EXAMPLE, Period, is_period_word, month_of, parse_period
from oppbot.domain.stages import Stage, is_stage_word, parse_stage
from oppbot.i18n import N_, _, pgettext
from oppbot.services import forecast as forecasting
from oppbot.services import fx, quotas, workspaces
from oppbot.services import stats as statistics
from oppbot.slack import parsing
from oppbot.slack.blocks import forecast as blocks
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.parsing import parse_adjust, split_chart
from oppbot.slack.text import escape


def _today(session, team_id: str) -> date:
    return workspaces.load_rules(session, team_id).today(utcnow())


def parse_forecast_args(args: str, user_id: str, today: date):
    """(period, assignee, stages, by_currency) from `[period] [@user|mine] [stage…] [currencies]`."""
    period: Period | None = None
    assignee = None
    stages: list[Stage] = []
    by_currency = False
    for word in parsing.words(args):
        if parsing.is_user(word):
            assignee = parsing.parse_user(word)
        elif word.lower() in ("mine", "me"):
            assignee = user_id
        elif word.lower() in ("currencies", "currency", "by-currency"):
            by_currency = True
        elif is_period_word(word):
            period = parse_period(word, today)
        elif is_stage_word(word):
            stages.append(parse_stage(word))
        else:
            raise InvalidInput.field(
                "forecast",
                _(
                    "I don't understand '{word}'. Periods: {periods}; then @user or mine; then a stage.",
                    word=escape(word[:30]),
                    periods=_(PERIOD_EXAMPLE),
                ),
            )
    return period or month_of(today), assignee, stages, by_currency


def forecast_command(ctx: CommandContext) -> Reply:
    first, _sep, rest = ctx.args.partition(" ")
    if first.lower() == "accuracy":
        return accuracy_command(ctx, rest.strip())
    if first.lower() == "snapshot":
        return snapshot_command(ctx)
    if first.lower() == "adjust":
        return adjust_command(ctx, rest.strip())
    args, chart = split_chart(ctx.args)
    with ctx.unit_of_work() as session:
        today = _today(session, ctx.team_id)
        period, assignee, stages, by_currency = parse_forecast_args(args, ctx.user_id, today)
        result = forecasting.forecast(session, ctx.team_id, period, assignee_id=assignee, stages=stages, today=today)
        board = forecasting.category_board(session, ctx.team_id, period, today=today, assignee_id=assignee)
    built = blocks.build_forecast(result, show_currencies=by_currency, board=board)
    reply = Reply(text=blocks.forecast_text(result), blocks=built)
    if chart:
        from oppbot.slack.listeners.commands.data import forecast_chart

        return forecast_chart(ctx, period, lambda: reply, assignee_id=assignee, stages=stages)
    return reply


def adjust_command(ctx: CommandContext, args: str) -> Reply:
    with ctx.unit_of_work() as session:
        command = parse_adjust(args, _today(session, ctx.team_id))
    actor = ctx.actor  # resolved before the transaction: it may write the users cache
    with ctx.unit_of_work() as session:
        done = quotas.adjust(session, actor, command.user_id, command.period, command.amount, command.note)
    return Reply(text=blocks.adjustment_text(done))


def accuracy_command(ctx: CommandContext, args: str) -> Reply:
    with ctx.unit_of_work() as session:
        today = _today(session, ctx.team_id)
        period = parse_period(args, today) if args else month_of(today)
        result = forecasting.forecast_accuracy(session, ctx.team_id, period)
        history = forecasting.accuracy_history(session, ctx.team_id, period)
    built = blocks.build_accuracy(result) + blocks.build_accuracy_history(history)
    return Reply(text=_("Forecast accuracy {period}", period=period.label), blocks=built)


def snapshot_command(ctx: CommandContext) -> Reply:
    actor = ctx.actor
    now = utcnow()
    with ctx.unit_of_work() as session:
        period = month_of(_today(session, ctx.team_id))
        taken = forecasting.take_manual_snapshot(session, actor, period, now=now)
    return Reply(
        text=_(
            "Snapshot of the {period} forecast saved ({snapshot}).", period=period.label, snapshot=taken.snapshot.label
        )
    )


def stats_command(ctx: CommandContext) -> Reply:
    now = utcnow()
    with ctx.unit_of_work() as session:
        today = _today(session, ctx.team_id)
        period = parse_period(ctx.args, today) if ctx.args else None
        result = statistics.stats(session, ctx.team_id, period, today=today, now=now)
    return Reply(text=_("Stats"), blocks=blocks.build_stats(result))


def _rate_outcome(outcome: str) -> str:
    """What /opp fx set did to the rate (fx.set_rate's added | updated | unchanged), in the reader's words."""
    words = {
        "added": pgettext("fx rate", "added"),
        "updated": pgettext("fx rate", "updated"),
        "unchanged": pgettext("fx rate", "unchanged"),
    }
    return words.get(outcome, outcome)


def fx_command(ctx: CommandContext) -> Reply:
    words = parsing.words(ctx.args)
    if words and words[0].lower() == "set":
        cmd = parsing.parse_fx_set(" ".join(words[1:]))
        currency, rate, day = cmd.currency, cmd.rate, cmd.day
        actor = ctx.actor
        with ctx.unit_of_work() as session:
            done = fx.set_rate(session, actor, currency, rate, day, today=_today(session, ctx.team_id))
        r = done.rate
        since = r.effective_date.isoformat()
        return Reply(
            text=_(
                "1 {currency} = {rate} {reporting} from {since} ({outcome}).",
                currency=r.currency,
                rate=format_rate(r.rate),
                reporting=done.reporting,
                since=since,
                outcome=_rate_outcome(done.outcome),
            )
        )
    if words:
        raise InvalidInput.field("fx", _("Use `/opp fx` to list rates or `/opp fx set EUR 1.10 [YYYY-MM-DD]`."))
    with ctx.unit_of_work() as session:
        table = fx.list_rates(session, ctx.team_id)
    return Reply(text=_("Exchange rates into {currency}", currency=table.reporting), blocks=blocks.build_fx_list(table))


SUBCOMMANDS = [
    Subcommand(
        ("forecast",),
        forecast_command,
        N_("/opp forecast [period] [@user|mine] [stage] [currencies] [chart]"),
        N_("forecast by stage and category, quotas, Closed-Won and overdue, e.g. `/opp forecast 2026-Q4 mine`"),
        forms=(
            (N_("/opp forecast accuracy [period]"), N_("the period's start snapshot against what actually closed")),
            (N_("/opp forecast snapshot"), N_("managers: snapshot this month's and quarter's forecast now")),
            (
                N_('/opp forecast adjust @user <period> <amount> "reason"'),
                N_("managers: your own figure beside a rep's"),
            ),
        ),
    ),
    Subcommand(
        ("stats",),
        stats_command,
        N_("/opp stats [period]"),
        N_("win rate, deal size, cycle, conversion, loss reasons, calibration, workload"),
    ),
    Subcommand(
        ("fx",),
        fx_command,
        N_("/opp fx [set <CUR> <rate> [YYYY-MM-DD]]"),
        N_("exchange rates into the reporting currency, e.g. `/opp fx set EUR 1.10`"),
    ),
]
