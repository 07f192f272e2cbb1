"""Pure builders for /opp settings and /opp managers: the current rules, what a change did, who the managers are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oppbot.domain.categories import Category
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.i18n import N_, _, ngettext
from oppbot.services.settings import ManagerChange, ManagerEntry, SettingChange, SettingsView
from oppbot.slack.blocks.common import bold, context, header, mrkdwn, section
from oppbot.slack.text import escape, percent, truncate, user

SECTION_TEXT_LIMIT = 3000
# Leave room under the 3,000-character section limit for the label in front of a list.
LIST_LIMIT = 2800

SETTINGS_HELP = N_(
    "Managers change these with `/opp settings currency EUR`, `reporting EUR`, `tz Europe/Oslo`, "
    "`probability prop 60`, `stale neg 5`, `reasons Price, Timing, Other`, `category prop commit`, `rooms archive on`."
)


def _reasons(reasons: Sequence[str]) -> str:
    return truncate(", ".join(escape(reason) for reason in reasons), LIST_LIMIT)


def managers_line(managers: Sequence[ManagerEntry]) -> str:
    if not managers:
        return _("Slack workspace admins and owners. No one else is named yet.")
    named = truncate(", ".join(user(entry.user_id) for entry in managers), LIST_LIMIT)
    return _("Slack workspace admins and owners, plus {named}.", named=named)


def build_settings(view: SettingsView) -> dict[str, Any]:
    """The whole settings card: {"text": fallback, "blocks": [...]} (7 blocks, far under the 50 limit)."""
    rules = view.rules
    fixed = "(" + _("fixed") + ")"
    probabilities = " · ".join(f"{stage.label} {percent(rules.probabilities[stage])}" for stage in OPEN_STAGES)
    probabilities += f" · {Stage.CLOSED_WON.label} {percent(100)} · {Stage.CLOSED_LOST.label} {percent(0)} {fixed}"
    stale = " · ".join(f"{stage.label} " + _("{days} d", days=rules.stale_days[stage]) for stage in OPEN_STAGES)
    categories = (
        " · ".join(f"{stage.label} → {rules.categories[stage].label}" for stage in OPEN_STAGES)
        + f" · {Stage.CLOSED_WON.label} → {Category.CLOSED.label}"
        + f" · {Stage.CLOSED_LOST.label} → {Category.OMITTED.label} {fixed}"
    )
    rooms = (
        _("*Deal rooms* archived when the deal closes: on")
        if rules.archive_rooms
        else _("*Deal rooms* archived when the deal closes: off")
    )
    blocks = [
        header(_("Workspace settings")),
        {
            "type": "section",
            "fields": [
                mrkdwn(bold(_("Currency for new deals")) + f"\n{escape(rules.currency)}"),
                mrkdwn(bold(_("Reporting currency")) + f"\n{escape(rules.reporting_currency)}"),
                mrkdwn(bold(_("Time zone")) + f"\n{escape(rules.timezone)}"),
            ],
        },
        section(bold(_("Stage probabilities")) + f"\n{probabilities}"),
        section(bold(_("Stale after (days without activity)")) + f"\n{stale}"),
        section(bold(_("Loss reasons")) + f"\n{_reasons(rules.loss_reasons)}"),
        section(bold(_("Forecast categories")) + f"\n{categories}\n{rooms}"),
        section(bold(_("Managers")) + f"\n{managers_line(view.managers)}"),
        context(_(SETTINGS_HELP)),
    ]
    text = _(
        "Workspace settings: currency {currency}, reporting {reporting}, time zone {timezone}.",
        currency=rules.currency,
        reporting=rules.reporting_currency,
        timezone=rules.timezone,
    )
    return {"text": escape(text), "blocks": blocks}


def build_setting_change(change: SettingChange) -> str:
    """One or two sentences saying what changed (or that nothing did), in mrkdwn."""
    say = _SETTING_SENTENCES.get(change.setting)
    if say is None:
        return _("Settings updated.") if change.changed else _("Nothing changed.")
    return say(change, change.stage.label if change.stage else "")


def _currency_change(change: SettingChange, _stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return _("New deals already start in *{currency}*; nothing changed.", currency=escape(after))
    return _(
        "New deals now start in *{currency}* (was {before}). Existing deals keep their currency.",
        currency=escape(after),
        before=escape(before),
    )


def _reporting_currency_change(change: SettingChange, _stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return _("The reporting currency is already *{currency}*; nothing changed.", currency=escape(after))
    lines = [
        _(
            "Forecasts and totals now report in *{currency}* (was {before}).",
            currency=escape(after),
            before=escape(before),
        )
    ]
    lines += [escape(note) for note in change.notes]
    return "\n".join(lines)


def _timezone_change(change: SettingChange, _stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return _("The workspace time zone is already *{timezone}*; nothing changed.", timezone=escape(after))
    return _(
        "The workspace time zone is now *{timezone}* (was {before}).", timezone=escape(after), before=escape(before)
    )


def _probability_change(change: SettingChange, stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return _(
            "{stage} already defaults to *{probability}*; nothing changed.", stage=stage, probability=percent(after)
        )
    followed = ngettext(
        "{n} open deal in {stage} that followed the default now shows {probability}",
        "{n} open deals in {stage} that followed the default now show {probability}",
        change.deals_updated,
        stage=stage,
        probability=percent(after),
    )
    return _(
        "{stage} now defaults to *{probability}* (was {before}). {followed}; "
        "deals with a probability set by hand keep theirs.",
        stage=stage,
        probability=percent(after),
        before=percent(before),
        followed=followed,
    )


def _stale_days_change(change: SettingChange, stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return _("{stage} deals already go stale after *{days} days*; nothing changed.", stage=stage, days=after)
    return ngettext(
        "{stage} deals now count as stale after *{n} day* without activity (was {before}).",
        "{stage} deals now count as stale after *{n} days* without activity (was {before}).",
        int(after),
        stage=stage,
        before=before,
    )


def _loss_reasons_change(change: SettingChange, _stage: str) -> str:
    if not change.changed:
        return _("The loss reasons are already: {reasons}. Nothing changed.", reasons=_reasons(change.after))
    return _("Loss reasons are now: {reasons}.", reasons=_reasons(change.after))


def _category_change(change: SettingChange, stage: str) -> str:
    if not change.changed:
        return _(
            "{stage} deals already forecast as *{category}*; nothing changed.", stage=stage, category=change.after.label
        )
    return _(
        "{stage} deals now forecast as *{category}* (was {before}), except those whose rep picked a category.",
        stage=stage,
        category=change.after.label,
        before=change.before.label,
    )


def _archive_rooms_change(change: SettingChange, _stage: str) -> str:
    if change.after:
        if change.changed:
            return _("Deal rooms are archived when their deal is won or lost.")
        return _("Deal rooms are archived when their deal is won or lost; nothing changed.")
    if change.changed:
        return _("Deal rooms stay open when their deal is won or lost.")
    return _("Deal rooms stay open when their deal is won or lost; nothing changed.")


_SETTING_SENTENCES = {
    "currency": _currency_change,
    "reporting_currency": _reporting_currency_change,
    "timezone": _timezone_change,
    "probability": _probability_change,
    "stale_days": _stale_days_change,
    "loss_reasons": _loss_reasons_change,
    "category": _category_change,
    "archive_rooms": _archive_rooms_change,
}


def build_manager_changes(action: str, changes: Sequence[ManagerChange]) -> str:
    """Replies to `/opp managers add|remove @a @b`, one line per person."""
    lines = []
    for change in changes:
        who = user(change.user_id)
        if action == "add":
            added = _("{who} is now a manager.", who=who)
            lines.append(added if change.changed else _("{who} was already a named manager.", who=who))
        elif change.changed:
            lines.append(_("{who} is no longer a named manager.", who=who))
        else:
            lines.append(_("{who} was not a named manager; nothing changed.", who=who))
    if action == "remove":
        lines.append(_("_Slack workspace admins and owners stay managers through Slack._"))
    return "\n".join(lines)


def build_managers(managers: Sequence[ManagerEntry]) -> dict[str, Any]:
    text = bold(_("Managers")) + f": {managers_line(managers)}"
    blocks = [
        section(text),
        context(_("Managers change them with `/opp managers add @user` or `/opp managers remove @user`.")),
    ]
    return {"text": truncate(text, SECTION_TEXT_LIMIT), "blocks": blocks}
