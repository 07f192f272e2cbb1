"""/opp settings and /opp managers: parse the text, call one settings service, reply with what changed."""

from __future__ import annotations

from oppbot.domain.categories import parse_category
from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import parse_stage
from oppbot.i18n import N_, _
from oppbot.services import languages
from oppbot.services import settings as service
from oppbot.slack import parsing
from oppbot.slack.blocks.common import context
from oppbot.slack.blocks.settings import build_manager_changes, build_managers, build_setting_change, build_settings
from oppbot.slack.listeners.commands import language
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand

SETTINGS_USAGE = N_(
    "/opp settings [currency <CUR> | reporting <CUR> | tz <Area/City> | probability <stage> <0-100> | "
    "stale <stage> <days> | reasons <a, b, c> | category <stage> <category> | rooms archive on|off]"
)
MANAGERS_USAGE = N_("/opp managers [add @user | remove @user]")


def _stage_and_value(args: str, what: str, example: str) -> tuple[str, str]:
    stage, _sep, value = args.strip().rpartition(" ")
    if not stage.strip() or not value:
        raise InvalidInput.field(what, _("Give a stage and a number, e.g. `{example}`.", example=example))
    return stage.strip(), value


def _apply(ctx: CommandContext, key: str, args: str):
    actor = ctx.actor
    with ctx.unit_of_work() as session:
        if key == "currency":
            return service.set_currency(session, actor, args)
        if key == "reporting":
            return service.set_reporting_currency(session, actor, args)
        if key == "tz":
            return service.set_timezone(session, actor, args)
        if key == "probability":
            stage, value = _stage_and_value(args, "probability", "/opp settings probability prop 60")
            return service.set_stage_probability(session, actor, parse_stage(stage), value)
        if key == "stale":
            stage, value = _stage_and_value(args, "days", "/opp settings stale neg 5")
            return service.set_stale_days(session, actor, parse_stage(stage), value)
        if key == "category":
            stage, value = _stage_and_value(args, "category", "/opp settings category prop commit")
            return service.set_stage_category(session, actor, parse_stage(stage), parse_category(value))
        if key == "rooms":
            return service.set_archive_rooms(session, actor, args.removeprefix("archive").strip())
        if key == "language":
            return service.set_language(session, actor, args)
        return service.set_loss_reasons(session, actor, args.split(","))


SETTING_WORDS = {
    "currency": "currency",
    "reporting": "reporting",
    "reporting-currency": "reporting",
    "tz": "tz",
    "timezone": "tz",
    "time-zone": "tz",
    "probability": "probability",
    "prob": "probability",
    "stale": "stale",
    "reasons": "reasons",
    "loss-reasons": "reasons",
    "category": "category",
    "categories": "category",
    "rooms": "rooms",
    "language": "language",
    "lang": "language",
    "språk": "language",
}


def settings_(ctx: CommandContext) -> Reply:
    word, _sep, rest = ctx.args.partition(" ")
    if not word:
        with ctx.unit_of_work() as session:
            view = service.show_settings(session, ctx.actor)
            workspace_language = languages.workspace_language(session, ctx.team_id)
        built = build_settings(view)
        blocks = [*built["blocks"], context(language.workspace_line(workspace_language))]
        return Reply(text=built["text"], blocks=blocks[:50])
    key = SETTING_WORDS.get(word.lower())
    if key is None:
        shown = word[:30]
        raise InvalidInput.field(
            "setting",
            _(
                "'{shown}' is not a setting. Use currency, reporting, tz, language, probability, stale, reasons, "
                "category or rooms.",
                shown=shown,
            ),
        )
    change = _apply(ctx, key, rest.strip())
    if key == "language":
        return Reply(text=language.setting_text(change))
    return Reply(text=build_setting_change(change))


def managers_(ctx: CommandContext) -> Reply:
    word, _sep, rest = ctx.args.partition(" ")
    action = word.lower()
    if action in ("", "list"):
        with ctx.unit_of_work() as session:
            entries = service.list_managers(session, ctx.actor)
        built = build_managers(entries)
        return Reply(text=built["text"], blocks=built["blocks"])
    if action in ("rm", "delete"):
        action = "remove"
    if action not in ("add", "remove"):
        raise InvalidInput.field("action", _("Use `/opp managers add @user` or `/opp managers remove @user`."))
    user_ids = parsing.find_users(rest)
    if not user_ids:
        raise InvalidInput.field(
            "user",
            _(
                "Mention the person with @, e.g. `/opp managers {action} @ana` (pick them from the list).",
                action=action,
            ),
        )
    actor = ctx.actor
    change_one = service.add_manager if action == "add" else service.remove_manager
    with ctx.unit_of_work() as session:
        changes = [change_one(session, actor, user_id) for user_id in user_ids]
    return Reply(text=build_manager_changes(action, changes))


SUBCOMMANDS = [
    Subcommand(
        ("settings", "setting", "config"), settings_, SETTINGS_USAGE, N_("workspace settings (managers change them)")
    ),
    Subcommand(("managers", "manager"), managers_, MANAGERS_USAGE, N_("who the managers are; managers name more")),
]
