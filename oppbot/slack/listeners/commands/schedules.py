"""/opp digest …, /opp alerts …: channel subscriptions to the weekly digest and the stale/overdue alerts."""

from __future__ import annotations

from oppbot import i18n
from oppbot.db.base import utcnow
from oppbot.domain.errors import InvalidInput
from oppbot.domain.schedule import next_run, parse_weekday
from oppbot.services import languages, policy, schedules
from oppbot.services.schedules import SubscriptionView
from oppbot.slack import parsing
from oppbot.slack.blocks.common import context
from oppbot.slack.listeners.commands import language
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.text import escape, when

DIGEST_USAGE = "/opp digest here [weekly <day> <HH:MM>] [tz <Area/City>] [lang nb|en] | off | show | now"
ALERTS_USAGE = "/opp alerts here [at <HH:MM>] [tz <Area/City>] | off | show"


def parse_options(words: list[str], kind: str) -> dict:
    """`weekly mon 09:00`, `at 08:30`, `tz Europe/Oslo`, `lang nb` in any order."""
    words, language = parsing.take_language(words, f"/opp {kind} here lang nb")
    options: dict = {} if language is None else {"language": language}
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "weekly" and kind == schedules.DIGEST and i + 2 < len(words):
            options["weekday"] = parse_weekday(words[i + 1])
            options["time_of_day"] = words[i + 2]
            i += 3
        elif word == "at" and i + 1 < len(words):
            options["time_of_day"] = words[i + 1]
            i += 2
        elif word == "tz" and i + 1 < len(words):
            options["timezone"] = words[i + 1]
            i += 2
        else:
            example = "weekly mon 09:00 tz Europe/Oslo" if kind == schedules.DIGEST else "at 08:00 tz Europe/Oslo"
            raise InvalidInput.field(
                "options", f"I didn't understand '{escape(words[i][:30])}'. Example: `/opp {kind} here {example}`."
            )
    return options


def describe(view: SubscriptionView) -> str:
    tz_note = "" if view.own_timezone else " — the workspace's time zone"
    upcoming = next_run(view.schedule, utcnow())
    return (
        f"This channel gets the {view.kind} {escape(view.schedule.describe())}{tz_note}. "
        f"Next: {when(upcoming, view.schedule.timezone)}."
    ) + f" {language.channel_note(view.language)}"


def _subscription_command(kind: str, usage: str):
    def handle(ctx: CommandContext) -> Reply:
        words = parsing.words(ctx.args)
        action = words[0].lower() if words else "show"
        if action == "here":
            options = parse_options(words[1:], kind)
            with ctx.unit_of_work() as session:
                view = schedules.subscribe(session, ctx.actor, ctx.channel_id, kind, **options)
                channel_language = languages.scheduled_language(session, ctx.team_id, ctx.channel_id, kind)
            with i18n.use(channel_language):  # said in the channel: in the channel's language
                return Reply(text=f"Done. {describe(view)}", in_channel=True)
        if action == "off":
            with ctx.unit_of_work() as session:
                stopped = schedules.unsubscribe(session, ctx.actor, ctx.channel_id, kind)
            return Reply(text=f"This channel no longer gets the {kind}." if stopped else f"This channel had no {kind}.")
        if action == "show":
            with ctx.unit_of_work() as session:
                view = schedules.show(session, ctx.actor, ctx.channel_id, kind)
            if view is None:
                return Reply(text=f"This channel gets no {kind}. A manager can start it with `/opp {kind} here`.")
            return Reply(text=describe(view))
        if action == "now" and kind == schedules.DIGEST:
            return digest_now(ctx)
        raise InvalidInput.field("action", f"Unknown `/opp {kind} {escape(action[:20])}`.")

    return handle


PREVIEW_NOTE = "Only managers post the digest in a channel. Here it is just for you:"


def digest_now(ctx: CommandContext) -> Reply | None:
    """A manager's digest goes to the channel; a member's stays a preview only they see (the scheduled rule)."""
    from workers.scheduled import digest_now_message, post_digest_now

    if policy.may_post_in_channel(ctx.actor):
        post_digest_now(ctx.deps.sessions, ctx.client, ctx.team_id, ctx.channel_id)
        return None  # the digest itself is the answer
    message = digest_now_message(ctx.deps.sessions, ctx.team_id, ctx.channel_id)
    note = context(PREVIEW_NOTE)
    return Reply(text=f"{PREVIEW_NOTE} {message['text']}"[:3000], blocks=[note, *message["blocks"]][:50])


SUBCOMMANDS = [
    Subcommand(
        ("digest",),
        _subscription_command(schedules.DIGEST, DIGEST_USAGE),
        DIGEST_USAGE,
        "weekly forecast digest in this channel",
    ),
    Subcommand(
        ("alerts",),
        _subscription_command(schedules.ALERTS, ALERTS_USAGE),
        ALERTS_USAGE,
        "daily stale/overdue alerts in this channel",
    ),
]
