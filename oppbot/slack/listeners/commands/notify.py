"""/opp notify: subscribe a channel to deal notifications, stop them, or show them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from oppbot.domain.errors import InvalidInput
from oppbot.domain.money import normalise_currency
from oppbot.domain.stages import STAGE_EXAMPLE, Stage, is_stage_word, parse_stage
from oppbot.i18n import N_, _
from oppbot.services import notifications
from oppbot.slack import parsing
from oppbot.slack.listeners.commands import language
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.text import money

USAGE = N_("/opp notify #channel [stage…] [min value] · /opp notify off · /opp notify")

_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


@dataclass(frozen=True, slots=True)
class NotifyRequest:
    channel_id: str
    stages: tuple[Stage, ...]
    min_amount: str | None
    min_currency: str | None
    language: str | None = None  # `lang nb`: the channel's own; None: the workspace's


def parse_channel(token: str) -> str | None:
    return parsing.parse_channel(token) if parsing.is_channel(token) else None


def parse_subscribe(args: str) -> NotifyRequest:
    """`<#C1|sales> proposal negotiation 10000 EUR` → channel, stages and minimum (amount checked by the service)."""
    tokens, language = parsing.take_language(parsing.words(args), "/opp notify #sales lang nb")
    channel = parse_channel(tokens[0]) if tokens else None
    if channel is None:
        raise InvalidInput.field(
            "channel", _("Name the channel to notify, like `/opp notify #sales`, or `/opp notify off` to stop here.")
        )
    stages: list[Stage] = []
    amount: str | None = None
    currency: str | None = None
    for token in tokens[1:]:
        if is_stage_word(token):
            stages.append(parse_stage(token))
        elif _CURRENCY.match(token) and currency is None:
            try:
                currency = normalise_currency(token)
            except InvalidInput:
                neither = _(
                    "'{shown}' is neither a stage ({stages}) nor a currency code.",
                    shown=token[:20],
                    stages=_(STAGE_EXAMPLE),
                )
                raise InvalidInput.field("min_value", neither) from None
        elif amount is None and any(ch.isdigit() for ch in token):
            amount = token
        else:
            raise InvalidInput.field(
                "min_value",
                _(
                    "'{shown}' is neither a stage ({stages}) nor a minimum value like 10000 or 10k EUR.",
                    shown=token[:20],
                    stages=_(STAGE_EXAMPLE),
                ),
            )
    if currency is not None and amount is None:
        raise InvalidInput.field("min_value", _("Give the minimum value with its currency, like `10000 EUR`."))
    return NotifyRequest(channel, tuple(stages), amount, currency, language)


def describe(sub: notifications.Subscription) -> str:
    stages = ", ".join(s.label for s in sub.stages) if sub.stages else _("every stage")
    if sub.min_amount is not None and sub.min_currency:
        minimum = money(Decimal(sub.min_amount), sub.min_currency)
        said = _(
            "{channel}: {stages}, worth at least {minimum}",
            channel=f"<#{sub.channel_id}>",
            stages=stages,
            minimum=minimum,
        )
    else:
        said = f"<#{sub.channel_id}>: {stages}"
    return f"{said} · {language.channel_note(sub.language)}"


def notify(ctx: CommandContext) -> Reply:
    args = ctx.args.strip()
    if not args:
        with ctx.unit_of_work() as session:
            subs = notifications.list_subscriptions(session, ctx.actor)
        if not subs:
            return Reply(
                text=_(
                    "No channel gets deal notifications yet. A manager can start them with "
                    "`/opp notify #channel [stage…] [min value]`."
                )
            )
        return Reply(text="*" + _("Deal notifications") + "*\n" + "\n".join(f"• {describe(s)}" for s in subs))
    first = parsing.words(args)[0].lower()
    if first in ("off", "stop"):
        rest = parsing.words(args)[1:]
        channel = parse_channel(rest[0]) if rest else ctx.channel_id
        if not channel:
            raise InvalidInput.field(
                "channel", _("Use `/opp notify off` in the channel, or `/opp notify off #channel`.")
            )
        with ctx.unit_of_work() as session:
            stopped = notifications.unsubscribe(session, ctx.actor, channel)
        mention = f"<#{channel}>"
        if stopped:
            return Reply(text=_("{channel} will no longer get deal notifications.", channel=mention))
        return Reply(text=_("{channel} wasn't getting deal notifications; nothing changed.", channel=mention))
    request = parse_subscribe(args)
    with ctx.unit_of_work() as session:
        sub = notifications.subscribe(
            session,
            ctx.actor,
            request.channel_id,
            request.stages,
            request.min_amount,
            request.min_currency,
            default_currency=ctx.deps.settings.default_currency,
            language=request.language,
        )
    return Reply(
        text=_("Deal notifications (created, moved, won, lost, reassigned) will go to {where}.", where=describe(sub))
    )


SUBCOMMANDS = [
    Subcommand(("notify",), notify, USAGE, N_("deal notifications to a channel, filtered by stage or minimum value")),
]
