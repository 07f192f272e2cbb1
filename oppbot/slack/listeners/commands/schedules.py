"""/opp digest …, /opp alerts …: channel subscriptions to the weekly digest and the stale/overdue alerts."""

from __future__ import annotations

from oppbot import i18n
from oppbot.db.base import utcnow
from oppbot.domain.errors import InvalidInput
from oppbot.domain.schedule import next_run, parse_weekday
from oppbot.i18n import N_, _
from oppbot.services import languages, policy, schedules
from oppbot.services.schedules import SubscriptionView
from oppbot.slack import parsing
from oppbot.slack.blocks.common import context
from oppbot.slack.listeners.commands import language
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.text import escape, when

DIGEST_USAGE = N_("/opp digest here [weekly <day> <HH:MM>] [tz <Area/City>] [lang nb|en] | off | show | now")
ALERTS_USAGE = N_("/opp alerts here [at <HH:MM>] [tz <Area/City>] | off | show")


def _says(kind: str, key: str, **params: object) -> str:
    """One whole sentence per subscription kind (a digest and alerts take different words in Norwegian)."""
    if kind == schedules.DIGEST:
        sentences = {
            "gets": lambda: _("This channel gets the digest {schedule}{tz_note}. Next: {next}.", **params),
            "stopped": lambda: _("This channel no longer gets the digest."),
            "had_none": lambda: _("This channel had no digest."),
            "none": lambda: _("This channel gets no digest. A manager can start it with `/opp digest here`."),
        }
    else:
        sentences = {
            "gets": lambda: _("This channel gets the alerts {schedule}{tz_note}. Next: {next}.", **params),
            "stopped": lambda: _("This channel no longer gets the alerts."),
            "had_none": lambda: _("This channel had no alerts."),
            "none": lambda: _("This channel gets no alerts. A manager can start it with `/opp alerts here`."),
        }
    return sentences[key]()


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
                "options",
                _(
                    "I didn't understand '{word}'. Example: `{example}`.",
                    word=escape(words[i][:30]),
                    example=f"/opp {kind} here {example}",
                ),
            )
    return options


def describe(view: SubscriptionView) -> str:
    tz_note = "" if view.own_timezone else _(" — the workspace's time zone")
    upcoming = next_run(view.schedule, utcnow())
    sentence = _says(
        view.kind,
        "gets",
        schedule=escape(view.schedule.describe()),
        tz_note=tz_note,
        next=when(upcoming, view.schedule.timezone),
    )
    return f"{sentence} {language.channel_note(view.language)}"


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
                return Reply(text=_("Done. {subscription}", subscription=describe(view)), in_channel=True)
        if action == "off":
            with ctx.unit_of_work() as session:
                stopped = schedules.unsubscribe(session, ctx.actor, ctx.channel_id, kind)
            return Reply(text=_says(kind, "stopped" if stopped else "had_none"))
        if action == "show":
            with ctx.unit_of_work() as session:
                view = schedules.show(session, ctx.actor, ctx.channel_id, kind)
            if view is None:
                return Reply(text=_says(kind, "none"))
            return Reply(text=describe(view))
        if action == "now" and kind == schedules.DIGEST:
            return digest_now(ctx)
        raise InvalidInput.field("action", _("Unknown `{command}`.", command=f"/opp {kind} {escape(action[:20])}"))

    return handle


PREVIEW_NOTE = N_("Only managers post the digest in a channel. Here it is just for you:")


def digest_now(ctx: CommandContext) -> Reply | None:
    """A manager's digest goes to the channel; a member's stays a preview only they see (the scheduled rule)."""
    from workers.scheduled import digest_now_message, post_digest_now

    if policy.may_post_in_channel(ctx.actor):
        post_digest_now(ctx.deps.sessions, ctx.client, ctx.team_id, ctx.channel_id)
        return None  # the digest itself is the answer
    message = digest_now_message(ctx.deps.sessions, ctx.team_id, ctx.channel_id)
    preview = _(PREVIEW_NOTE)
    return Reply(text=f"{preview} {message['text']}"[:3000], blocks=[context(preview), *message["blocks"]][:50])


SUBCOMMANDS = [
    Subcommand(
        ("digest",),
        _subscription_command(schedules.DIGEST, DIGEST_USAGE),
        DIGEST_USAGE,
        N_("weekly forecast digest in this channel"),
    ),
    Subcommand(
        ("alerts",),
        _subscription_command(schedules.ALERTS, ALERTS_USAGE),
        ALERTS_USAGE,
        N_("daily stale/overdue alerts in this channel"),
    ),
]
