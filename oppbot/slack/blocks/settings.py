"""Pure builders for /opp settings and /opp managers: the current rules, what a change did, who the managers are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.services.settings import ManagerChange, ManagerEntry, SettingChange, SettingsView
from oppbot.slack.blocks.common import context, header, mrkdwn, section
from oppbot.slack.text import escape, truncate, user

SECTION_TEXT_LIMIT = 3000
# Leave room under the 3,000-character section limit for the label in front of a list.
LIST_LIMIT = 2800

SETTINGS_HELP = (
    "Managers change these with `/opp settings currency EUR`, `reporting EUR`, `tz Europe/Oslo`, "
    "`probability prop 60`, `stale neg 5`, `reasons Price, Timing, Other`, `category prop commit`, `rooms archive on`."
)


def _reasons(reasons: Sequence[str]) -> str:
    return truncate(", ".join(escape(reason) for reason in reasons), LIST_LIMIT)


def managers_line(managers: Sequence[ManagerEntry]) -> str:
    if not managers:
        return "Slack workspace admins and owners. No one else is named yet."
    named = truncate(", ".join(user(entry.user_id) for entry in managers), LIST_LIMIT)
    return f"Slack workspace admins and owners, plus {named}."


def build_settings(view: SettingsView) -> dict[str, Any]:
    """The whole settings card: {"text": fallback, "blocks": [...]} (7 blocks, far under the 50 limit)."""
    rules = view.rules
    probabilities = " · ".join(f"{stage.label} {rules.probabilities[stage]}%" for stage in OPEN_STAGES)
    probabilities += f" · {Stage.CLOSED_WON.label} 100% · {Stage.CLOSED_LOST.label} 0% (fixed)"
    stale = " · ".join(f"{stage.label} {rules.stale_days[stage]} d" for stage in OPEN_STAGES)
    blocks = [
        header("Workspace settings"),
        {
            "type": "section",
            "fields": [
                mrkdwn(f"*Currency for new deals*\n{escape(rules.currency)}"),
                mrkdwn(f"*Reporting currency*\n{escape(rules.reporting_currency)}"),
                mrkdwn(f"*Time zone*\n{escape(rules.timezone)}"),
            ],
        },
        section(f"*Stage probabilities*\n{probabilities}"),
        section(f"*Stale after (days without activity)*\n{stale}"),
        section(f"*Loss reasons*\n{_reasons(rules.loss_reasons)}"),
        section(
            "*Forecast categories*\n"
            + " · ".join(f"{stage.label} → {rules.categories[stage].label}" for stage in OPEN_STAGES)
            + f" · {Stage.CLOSED_WON.label} → Closed · {Stage.CLOSED_LOST.label} → Omitted (fixed)"
            + f"\n*Deal rooms* archived when the deal closes: {'on' if rules.archive_rooms else 'off'}"
        ),
        section(f"*Managers*\n{managers_line(view.managers)}"),
        context(SETTINGS_HELP),
    ]
    text = (
        f"Workspace settings: currency {rules.currency}, reporting {rules.reporting_currency}, "
        f"time zone {rules.timezone}."
    )
    return {"text": escape(text), "blocks": blocks}


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def build_setting_change(change: SettingChange) -> str:
    """One or two sentences saying what changed (or that nothing did), in mrkdwn."""
    say = _SETTING_SENTENCES.get(change.setting)
    if say is None:
        return "Settings updated." if change.changed else "Nothing changed."
    return say(change, change.stage.label if change.stage else "")


def _currency_change(change: SettingChange, _stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return f"New deals already start in *{escape(after)}*; nothing changed."
    return f"New deals now start in *{escape(after)}* (was {escape(before)}). Existing deals keep their currency."


def _reporting_currency_change(change: SettingChange, _stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return f"The reporting currency is already *{escape(after)}*; nothing changed."
    lines = [f"Forecasts and totals now report in *{escape(after)}* (was {escape(before)})."]
    lines += [escape(note) for note in change.notes]
    return "\n".join(lines)


def _timezone_change(change: SettingChange, _stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return f"The workspace time zone is already *{escape(after)}*; nothing changed."
    return f"The workspace time zone is now *{escape(after)}* (was {escape(before)})."


def _probability_change(change: SettingChange, stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return f"{stage} already defaults to *{after}%*; nothing changed."
    followed = (
        f"{_plural(change.deals_updated, 'open deal', 'open deals')} in {stage} that followed the default "
        f"now {'shows' if change.deals_updated == 1 else 'show'} {after}%"
    )
    return (
        f"{stage} now defaults to *{after}%* (was {before}%). {followed}; "
        "deals with a probability set by hand keep theirs."
    )


def _stale_days_change(change: SettingChange, stage: str) -> str:
    before, after = change.before, change.after
    if not change.changed:
        return f"{stage} deals already go stale after *{after} days*; nothing changed."
    return (
        f"{stage} deals now count as stale after *{_plural(int(after), 'day', 'days')}* "
        f"without activity (was {before})."
    )


def _loss_reasons_change(change: SettingChange, _stage: str) -> str:
    if not change.changed:
        return f"The loss reasons are already: {_reasons(change.after)}. Nothing changed."
    return f"Loss reasons are now: {_reasons(change.after)}."


def _category_change(change: SettingChange, stage: str) -> str:
    if not change.changed:
        return f"{stage} deals already forecast as *{change.after.label}*; nothing changed."
    return (
        f"{stage} deals now forecast as *{change.after.label}* (was {change.before.label}), "
        "except those whose rep picked a category."
    )


def _archive_rooms_change(change: SettingChange, _stage: str) -> str:
    state = "are archived" if change.after else "stay open"
    return f"Deal rooms {state} when their deal is won or lost" + ("." if change.changed else "; nothing changed.")


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
            lines.append(f"{who} is now a manager." if change.changed else f"{who} was already a named manager.")
        elif change.changed:
            lines.append(f"{who} is no longer a named manager.")
        else:
            lines.append(f"{who} was not a named manager; nothing changed.")
    if action == "remove":
        lines.append("_Slack workspace admins and owners stay managers through Slack._")
    return "\n".join(lines)


def build_managers(managers: Sequence[ManagerEntry]) -> dict[str, Any]:
    text = f"*Managers*: {managers_line(managers)}"
    blocks = [
        section(text),
        context("Managers change them with `/opp managers add @user` or `/opp managers remove @user`."),
    ]
    return {"text": truncate(text, SECTION_TEXT_LIMIT), "blocks": blocks}
