"""Workspace settings and the named managers: anyone may read them, only managers may change them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from oppbot import i18n
from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import Manager, Opportunity, Workspace
from oppbot.domain.categories import OPEN_CATEGORIES, Category
from oppbot.domain.errors import InvalidInput
from oppbot.domain.money import normalise_currency
from oppbot.domain.opportunity import FieldChange
from oppbot.domain.probability import ProbabilitySource, parse_probability
from oppbot.domain.stages import Stage
from oppbot.domain.workspace import WorkspaceRules, parse_timezone
from oppbot.i18n import N_, _
from oppbot.services import events, policy
from oppbot.services.context import Actor
from oppbot.services.languages import parse_language
from oppbot.services.workspaces import rules_for

# Activity kinds of workspace-level changes (opportunity_id is NULL on these rows).
SETTINGS_CHANGED = "settings_changed"
MANAGER_ADDED = "manager_added"
MANAGER_REMOVED = "manager_removed"

MAX_STALE_DAYS = 3650  # ten years: anything longer is a typo, and timedelta arithmetic stays far from overflow
MAX_LOSS_REASON_LENGTH = 100  # the width of opportunities.lost_reason
MAX_LOSS_REASONS = 50  # they become options of one select; Slack allows 100, people can't scan half that
USER_ID = re.compile(r"^[UW][A-Z0-9_]{2,31}$")  # real ids are [A-Z0-9]; tests use U_REP


@dataclass(frozen=True, slots=True)
class ManagerEntry:
    user_id: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class SettingsView:
    rules: WorkspaceRules
    managers: tuple[ManagerEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class SettingChange:
    """What a settings command did, for the reply. `changed` is False when the value was already so."""

    setting: str  # currency | reporting_currency | timezone | probability | stale_days | loss_reasons | language
    before: object
    after: object
    changed: bool
    stage: Stage | None = None
    deals_updated: int = 0  # open deals whose stage-default probability followed a new default
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ManagerChange:
    user_id: str
    changed: bool  # False: was already (or already not) a named manager


require_manager = policy.require_manager


# --- reading ---------------------------------------------------------------------------------------------------------


def list_managers(session: Session, actor: Actor) -> list[ManagerEntry]:
    rows = session.scalars(
        select(Manager).where(Manager.team_id == actor.team_id).order_by(Manager.added_at, Manager.user_id)
    )
    return [ManagerEntry(row.user_id, row.added_by, row.added_at) for row in rows]


def show_settings(session: Session, actor: Actor) -> SettingsView:
    """Every member may see the rules and who the named managers are (so they know whom to ask)."""
    workspace = repo.get_workspace(session, actor.team_id)
    rules = rules_for(workspace) if workspace is not None else WorkspaceRules()
    return SettingsView(rules=rules, managers=tuple(list_managers(session, actor)))


# --- changing --------------------------------------------------------------------------------------------------------


def _locked(session: Session, actor: Actor, doing: str) -> Workspace:
    require_manager(actor, doing)
    # Under the row lock: two managers editing the JSON maps at once must not lose each other's change.
    return repo.lock_workspace(session, actor.team_id)


def _record(session: Session, actor: Actor, name: str, before: object, after: object, **detail: object) -> None:
    events.record(
        session,
        actor,
        None,
        SETTINGS_CHANGED,
        changes=[FieldChange(name, before, after)],
        detail={"setting": name, **detail},
        notify=False,
    )


def set_currency(session: Session, actor: Actor, code: str) -> SettingChange:
    """The currency new deals start in. Existing deals keep theirs: an amount never changes currency silently."""
    workspace = _locked(session, actor, N_("change the workspace currency"))
    new = normalise_currency(code)
    before = workspace.currency
    if new == before:
        return SettingChange("currency", before, new, changed=False)
    workspace.currency = new
    _record(session, actor, "currency", before, new)
    return SettingChange("currency", before, new, changed=True)


def set_reporting_currency(session: Session, actor: Actor, code: str) -> SettingChange:
    workspace = _locked(session, actor, N_("change the reporting currency"))
    new = normalise_currency(code)
    before = workspace.reporting_currency
    if new == before:
        return SettingChange("reporting_currency", before, new, changed=False)
    workspace.reporting_currency = new
    _record(session, actor, "reporting_currency", before, new)
    return SettingChange(
        "reporting_currency",
        before,
        new,
        changed=True,
        notes=(
            _(
                "Forecasts now convert into {currency}: exchange rates are needed for every other deal currency.",
                currency=new,
            ),
        ),
    )


def set_timezone(session: Session, actor: Actor, name: str) -> SettingChange:
    workspace = _locked(session, actor, N_("change the workspace time zone"))
    new = parse_timezone(name).key
    before = workspace.timezone
    if new == before:
        return SettingChange("timezone", before, new, changed=False)
    workspace.timezone = new
    _record(session, actor, "timezone", before, new)
    return SettingChange("timezone", before, new, changed=True)


# Why a closed stage can't be set, one whole sentence each (the stage names are in them, to translate with them).
_FIXED = {
    ("probability", Stage.CLOSED_WON): N_(
        "Closed-Won is always 100%; only open stages (Lead to Negotiation) can be set."
    ),
    ("probability", Stage.CLOSED_LOST): N_(
        "Closed-Lost is always 0%; only open stages (Lead to Negotiation) can be set."
    ),
    ("category", Stage.CLOSED_WON): N_(
        "Closed-Won is always Closed; only open stages (Lead to Negotiation) can be set."
    ),
    ("category", Stage.CLOSED_LOST): N_(
        "Closed-Lost is always Omitted; only open stages (Lead to Negotiation) can be set."
    ),
}


def _open_stage(stage: Stage, what: str) -> Stage:
    if stage.is_closed:
        fixed = _FIXED.get((what, stage))
        reason = (
            _(fixed)
            if fixed
            else _(
                "{stage} deals are never stale; only open stages (Lead to Negotiation) can be set.", stage=stage.label
            )
        )
        raise InvalidInput.field("stage", reason)
    return stage


def set_stage_probability(session: Session, actor: Actor, stage: Stage, value: int | str) -> SettingChange:
    """A new default for an open stage; open deals there that follow the default follow it, in one UPDATE."""
    workspace = _locked(session, actor, N_("change stage probabilities"))
    stage = _open_stage(stage, "probability")
    new = parse_probability(value)
    before = rules_for(workspace).probabilities[stage]
    if new == before:
        return SettingChange("probability", before, new, changed=False, stage=stage)
    workspace.stage_probabilities = {**(workspace.stage_probabilities or {}), stage.value: new}
    # One statement, not a loop: the ORM's version check only runs on per-object flushes, so the version is
    # bumped here by hand; an edit modal opened before this change is then refused as stale, as it should be.
    result = session.execute(
        update(Opportunity)
        .where(
            Opportunity.team_id == actor.team_id,
            Opportunity.stage == stage.value,
            Opportunity.probability_source == ProbabilitySource.STAGE.value,
            Opportunity.probability != new,
        )
        .values(probability=new, version=Opportunity.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    updated = int(result.rowcount or 0)
    _record(session, actor, f"probability.{stage.value}", before, new, stage=stage.value, deals_updated=updated)
    return SettingChange("probability", before, new, changed=True, stage=stage, deals_updated=updated)


def parse_days(raw: int | str) -> int:
    text = str(raw).strip().lower().removesuffix("days").removesuffix("day").removesuffix("d").strip()
    try:
        days = int(text)
    except ValueError:
        raise InvalidInput.field(
            "days", _("Days must be a whole number such as 7 (got '{text}').", text=str(raw)[:20])
        ) from None
    if not 1 <= days <= MAX_STALE_DAYS:
        raise InvalidInput.field("days", _("Days must be from 1 to {max} (got {days}).", max=MAX_STALE_DAYS, days=days))
    return days


def set_stale_days(session: Session, actor: Actor, stage: Stage, days: int | str) -> SettingChange:
    workspace = _locked(session, actor, N_("change stale-deal thresholds"))
    stage = _open_stage(stage, "stale")
    new = parse_days(days)
    before = rules_for(workspace).stale_days[stage]
    if new == before:
        return SettingChange("stale_days", before, new, changed=False, stage=stage)
    workspace.stale_days = {**(workspace.stale_days or {}), stage.value: new}
    _record(session, actor, f"stale_days.{stage.value}", before, new, stage=stage.value)
    return SettingChange("stale_days", before, new, changed=True, stage=stage)


def set_stage_category(session: Session, actor: Actor, stage: Stage, category: Category) -> SettingChange:
    """Which forecast category an open stage's deals fall in unless their rep picked one."""
    workspace = _locked(session, actor, N_("change the forecast categories"))
    stage = _open_stage(stage, "category")
    if category not in OPEN_CATEGORIES:
        raise InvalidInput.field("category", _("Closed is for won deals only; map an open stage to another category."))
    before = rules_for(workspace).categories[stage]
    if category == before:
        return SettingChange("category", before, category, changed=False, stage=stage)
    workspace.stage_categories = {**(workspace.stage_categories or {}), stage.value: category.value}
    _record(session, actor, f"stage_categories.{stage.value}", before.value, category.value, stage=stage.value)
    return SettingChange("category", before, category, changed=True, stage=stage)


def set_archive_rooms(session: Session, actor: Actor, value: str) -> SettingChange:
    """Whether a deal room is archived when its deal is won or lost."""
    workspace = _locked(session, actor, N_("change how deal rooms end"))
    word = (value or "").strip().lower()
    if word not in ("on", "off", "yes", "no", "true", "false"):
        raise InvalidInput.field("rooms", _("Say `on` or `off`: archive a deal's room when it is won or lost."))
    new = word in ("on", "yes", "true")
    before = bool(workspace.archive_rooms)
    if new == before:
        return SettingChange("archive_rooms", before, new, changed=False)
    workspace.archive_rooms = new
    _record(session, actor, "archive_rooms", before, new)
    return SettingChange("archive_rooms", before, new, changed=True)


def set_language(session: Session, actor: Actor, word: str) -> SettingChange:
    """What oppbot speaks in this workspace where a user or a channel chose nothing of their own."""
    workspace = _locked(session, actor, "change the workspace language")
    new = parse_language(word)
    before = workspace.language or i18n.DEFAULT
    if new == before:
        return SettingChange("language", before, new, changed=False)
    workspace.language = new
    _record(session, actor, "language", before, new)
    return SettingChange("language", before, new, changed=True)


def clean_loss_reasons(reasons: Sequence[str]) -> list[str]:
    """Trimmed, blank ones dropped, duplicates (ignoring case) dropped keeping the first spelling."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in reasons:
        reason = " ".join(str(raw).split())
        if not reason:
            continue
        if len(reason) > MAX_LOSS_REASON_LENGTH:
            raise InvalidInput.field(
                "loss_reasons",
                _(
                    "A loss reason can be at most {max} characters ('{reason}…' is longer).",
                    max=MAX_LOSS_REASON_LENGTH,
                    reason=reason[:30],
                ),
            )
        key = reason.casefold()
        if key not in seen:
            seen.add(key)
            cleaned.append(reason)
    if not cleaned:
        raise InvalidInput.field("loss_reasons", _("Give at least one loss reason, separated by commas."))
    if len(cleaned) > MAX_LOSS_REASONS:
        raise InvalidInput.field(
            "loss_reasons", _("At most {max} loss reasons (got {count}).", max=MAX_LOSS_REASONS, count=len(cleaned))
        )
    return cleaned


def set_loss_reasons(session: Session, actor: Actor, reasons: Sequence[str]) -> SettingChange:
    workspace = _locked(session, actor, N_("change the loss reasons"))
    new = clean_loss_reasons(reasons)
    before = list(rules_for(workspace).loss_reasons)
    if new == before:
        return SettingChange("loss_reasons", before, new, changed=False)
    workspace.loss_reasons = new
    _record(session, actor, "loss_reasons", before, new)
    return SettingChange("loss_reasons", before, new, changed=True)


# --- named managers --------------------------------------------------------------------------------------------------


def _user_id(user_id: str) -> str:
    user_id = (user_id or "").strip()
    if not USER_ID.match(user_id):
        raise InvalidInput.field("user", _("Name a person with an @-mention, e.g. `/opp managers add @ana`."))
    return user_id


def add_manager(session: Session, actor: Actor, user_id: str) -> ManagerChange:
    require_manager(actor, N_("name managers"))
    user_id = _user_id(user_id)
    repo.lock_workspace(session, actor.team_id)  # serialises concurrent adds of the same person
    if session.get(Manager, (actor.team_id, user_id)) is not None:
        return ManagerChange(user_id, changed=False)
    session.add(Manager(team_id=actor.team_id, user_id=user_id, added_by=actor.user_id, added_at=utcnow()))
    session.flush()
    events.record(session, actor, None, MANAGER_ADDED, detail={"user_id": user_id}, notify=False)
    return ManagerChange(user_id, changed=True)


def remove_manager(session: Session, actor: Actor, user_id: str) -> ManagerChange:
    """Takes effect at once: roles read the managers table on every request, it is never cached."""
    require_manager(actor, N_("remove managers"))
    user_id = _user_id(user_id)
    result = session.execute(delete(Manager).where(Manager.team_id == actor.team_id, Manager.user_id == user_id))
    if not result.rowcount:
        return ManagerChange(user_id, changed=False)
    events.record(session, actor, None, MANAGER_REMOVED, detail={"user_id": user_id}, notify=False)
    return ManagerChange(user_id, changed=True)
