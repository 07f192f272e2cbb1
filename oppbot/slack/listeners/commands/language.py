"""/opp language: a user's own language; and the words the other language settings reply with (`/opp settings
language`, `lang nb` on a channel's subscriptions). The rules themselves are oppbot.services.languages."""

from __future__ import annotations

from oppbot import i18n
from oppbot.i18n import _
from oppbot.services import languages
from oppbot.services.settings import SettingChange
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand

USAGE = "/opp language [nb|en|auto]"


def language_(ctx: CommandContext) -> Reply:
    word = ctx.args.strip()
    actor = ctx.actor  # users.info (cached): the Slack locale `auto` falls back to
    if not word:
        facts = ctx.reader
        choice = languages.LanguageChoice(facts.choice, facts.choice, ctx.language)
    else:
        with ctx.unit_of_work() as session:
            choice = languages.set_user_language(session, actor, word)
    # The answer already in the language chosen: the first thing said in it.
    with i18n.use(choice.effective):
        return Reply(text=choice_text(choice, changing=bool(word)))


def choice_text(choice: languages.LanguageChoice, *, changing: bool) -> str:
    name = languages.name_of(choice.effective)
    if not changing:
        if choice.after is None:
            return _(
                "oppbot speaks {language} to you: you have chosen no language of your own, so it follows your Slack "
                "language, else the workspace's. Choose one with `/opp language nb` or `/opp language en`.",
                language=name,
            )
        return _(
            "oppbot speaks {language} to you, as you chose. `/opp language auto` follows your Slack language, "
            "else the workspace's.",
            language=name,
        )
    if not choice.changed:
        return _("You had already chosen that; oppbot speaks {language} to you. Nothing changed.", language=name)
    if choice.after is None:
        return _(
            "Done: no language of your own any more. oppbot follows your Slack language, else the workspace's: "
            "it speaks {language} to you now.",
            language=name,
        )
    return _("Done: oppbot speaks {language} to you now.", language=name)


def setting_text(change: SettingChange) -> str:
    """The reply to `/opp settings language …`."""
    name = languages.name_of(str(change.after))
    if not change.changed:
        return _("The workspace language is already {language}; nothing changed.", language=name)
    return _(
        "The workspace language is now {language} (was {before}): oppbot speaks it to everyone and in every "
        "channel that chose no language of their own.",
        language=name,
        before=languages.name_of(str(change.before)),
    )


def workspace_line(language: str | None) -> str:
    """The line `/opp settings` shows the workspace language on."""
    return _(
        "Language: {language} (`/opp settings language nb|en`)", language=languages.name_of(language or i18n.DEFAULT)
    )


def channel_note(language: str | None) -> str:
    """What a channel's subscription says about its language (`/opp digest show`, `/opp notify`)."""
    if language is None:
        return _("Language: the workspace's (`lang nb` or `lang en` sets this channel's own).")
    return _("Language: {language}.", language=languages.name_of(language))


SUBCOMMANDS = [
    Subcommand(("language", "lang", "språk", "sprak"), language_, USAGE, "your language"),
]
