"""Deal notifications: which channels subscribe (managers decide), and which channels hear about an event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import FxRate, NotificationSubscription, Opportunity
from oppbot.domain.events import EventKind
from oppbot.domain.money import normalise_currency, parse_amount
from oppbot.domain.stages import Stage
from oppbot.i18n import N_
from oppbot.services import workspaces
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.languages import AUTO, parse_language
from oppbot.services.policy import require_manager

SUBSCRIPTION_CHANGED = "notify_subscription"


@dataclass(frozen=True, slots=True)
class Subscription:
    channel_id: str
    stages: tuple[Stage, ...]  # empty: every stage
    min_amount: Decimal | None
    min_currency: str | None
    created_by: str
    language: str | None = None  # the channel's own (`lang nb`); None: follows the workspace's


def _view(row: NotificationSubscription) -> Subscription:
    return Subscription(
        channel_id=row.channel_id,
        stages=tuple(Stage(s) for s in row.stages or ()),
        min_amount=row.min_amount,
        min_currency=row.min_currency,
        created_by=row.created_by,
        language=row.language,
    )


def subscribe(
    session: Session,
    actor: Actor,
    channel_id: str,
    stages: Sequence[Stage] = (),
    min_amount: object | None = None,
    min_currency: str | None = None,
    *,
    default_currency: str = "USD",
    language: str | None = None,
) -> Subscription:
    """Subscribe (or re-configure) `channel_id`; the minimum is in `min_currency`, by default the workspace's.
    `language`: the channel's own (one of i18n.LANGUAGES); None or languages.AUTO: the workspace's."""
    require_manager(actor, N_("change deal notification subscriptions"))
    workspace = workspaces.ensure_workspace(session, actor.team_id, default_currency=default_currency)
    amount = currency = None
    if min_amount is not None:
        currency = normalise_currency(min_currency or workspace.currency)
        amount = parse_amount(min_amount, currency, field="min_value")
    ordered = sorted(set(stages), key=lambda s: s.order)
    row = session.scalars(
        select(NotificationSubscription).where(
            NotificationSubscription.team_id == actor.team_id, NotificationSubscription.channel_id == channel_id
        )
    ).one_or_none()
    if row is None:
        row = NotificationSubscription(team_id=actor.team_id, channel_id=channel_id, created_by=actor.user_id)
        session.add(row)
    row.stages = [s.value for s in ordered]
    row.min_amount, row.min_currency = amount, currency
    row.language = None if language in (None, AUTO) else parse_language(language)
    row.created_by, row.created_at = actor.user_id, utcnow()
    record(
        session,
        actor,
        None,
        SUBSCRIPTION_CHANGED,
        notify=False,
        detail={
            "channel": channel_id,
            "stages": row.stages,
            "min_amount": amount,
            "min_currency": currency,
            "language": row.language,
        },
    )
    session.flush()
    return _view(row)


def unsubscribe(session: Session, actor: Actor, channel_id: str) -> bool:
    """Stop notifications to `channel_id`; False when it was not subscribed."""
    require_manager(actor, N_("change deal notification subscriptions"))
    result = session.execute(
        delete(NotificationSubscription).where(
            NotificationSubscription.team_id == actor.team_id, NotificationSubscription.channel_id == channel_id
        )
    )
    if result.rowcount:
        record(session, actor, None, SUBSCRIPTION_CHANGED, notify=False, detail={"channel": channel_id, "off": True})
    return bool(result.rowcount)


def list_subscriptions(session: Session, actor: Actor) -> list[Subscription]:
    rows = session.scalars(
        select(NotificationSubscription)
        .where(NotificationSubscription.team_id == actor.team_id)
        .order_by(NotificationSubscription.channel_id)
    )
    return [_view(row) for row in rows]


# --- which channels hear about an event ------------------------------------------------------------------------------


def _rate(session: Session, team_id: str, base: str, currency: str, on: date) -> Decimal | None:
    """Units of `base` per one `currency` on `on`, from the workspace's rates; None when there is none."""
    if currency == base:
        return Decimal(1)
    return session.scalars(
        select(FxRate.rate)
        .where(FxRate.team_id == team_id, FxRate.base == base, FxRate.currency == currency, FxRate.effective_date <= on)
        .order_by(FxRate.effective_date.desc())
        .limit(1)
    ).first()


def meets_minimum(
    amount: Decimal,
    currency: str,
    minimum: Decimal,
    min_currency: str,
    deal_rate: Decimal | None,
    min_rate: Decimal | None,
) -> bool:
    """Whether a deal is worth at least the minimum; rates convert both to the reporting currency.

    A deal we can't compare (no exchange rate for one of the currencies) counts as meeting it: a channel that asked
    for big deals would rather see one deal too many than silently miss a large one in another currency.
    """
    if currency == min_currency:
        return amount >= minimum
    if deal_rate is None or min_rate is None:
        return True
    return amount * deal_rate >= minimum * min_rate


def event_stage(kind: str, opp: Opportunity, detail: dict[str, Any]) -> Stage:
    """The stage the event is about: where a moved deal went, else where the deal is now."""
    if kind in (EventKind.STAGE_CHANGED, EventKind.WON, EventKind.LOST, EventKind.REOPENED) and detail.get("to_stage"):
        return Stage(detail["to_stage"])
    if kind == EventKind.CREATED and detail.get("stage"):
        return Stage(detail["stage"])
    return opp.stage_enum


def channels_for(session: Session, team_id: str, kind: str, opp: Opportunity, detail: dict[str, Any]) -> list[str]:
    """Subscribed channels whose stage list and minimum value let this event through."""
    rows = session.scalars(
        select(NotificationSubscription)
        .where(NotificationSubscription.team_id == team_id)
        .order_by(NotificationSubscription.channel_id)
    ).all()
    if not rows:
        return []
    stage = event_stage(kind, opp, detail)
    rules = workspaces.load_rules(session, team_id)
    today = rules.today(utcnow())
    base = rules.reporting_currency
    chosen = []
    for row in rows:
        if row.stages and stage.value not in row.stages:
            continue
        if row.min_amount is not None and row.min_currency:
            deal_rate = _rate(session, team_id, base, opp.currency, today)
            min_rate = _rate(session, team_id, base, row.min_currency, today)
            if not meets_minimum(opp.amount, opp.currency, row.min_amount, row.min_currency, deal_rate, min_rate):
                continue
        chosen.append(row.channel_id)
    return chosen


# --- what a notification says ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DealEvent:
    """Everything a notification builder shows, loaded fresh; text fields are raw (the builder escapes them)."""

    kind: str
    number: int
    title: str
    customer_name: str
    amount: Decimal
    currency: str
    stage: Stage
    probability: int
    assignee_id: str | None
    actor_id: str | None
    from_stage: Stage | None = None
    to_stage: Stage | None = None
    from_user: str | None = None
    to_user: str | None = None
    loss_reason: str | None = None
    note: str | None = None  # a note's text (note_added)
    from_category: str | None = None  # category_changed
    to_category: str | None = None


def subject(
    session: Session, team_id: str, opportunity_id: int, kind: str, actor_id: str | None, detail: dict[str, Any]
) -> DealEvent:
    opp = repo.get_opportunity_by_id(session, team_id, opportunity_id)
    customer = None
    if opp.individual_id:
        customer = repo.get_individual(session, team_id, opp.individual_id)
    elif opp.organization_id:
        customer = repo.get_organization(session, team_id, opp.organization_id)

    def stage(key: str) -> Stage | None:
        return Stage(detail[key]) if detail.get(key) else None

    return DealEvent(
        kind=kind,
        number=opp.number,
        title=opp.title,
        customer_name=customer.name if customer is not None else "",
        amount=opp.amount,
        currency=opp.currency,
        stage=opp.stage_enum,
        probability=opp.probability,
        assignee_id=opp.assignee_id,
        actor_id=actor_id,
        from_stage=stage("from_stage"),
        to_stage=stage("to_stage") or (stage("stage") if kind == EventKind.CREATED else None),
        from_user=detail.get("from_user"),
        to_user=detail.get("to_user") or (detail.get("assignee") if kind == EventKind.CREATED else None),
        loss_reason=detail.get("loss_reason"),
        note=detail.get("note"),
        from_category=detail.get("from_category"),
        to_category=detail.get("to_category"),
    )
