"""Quotas per rep and team, and managers' adjusted figures: set by managers, read by everyone, each one recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from oppbot.db.base import utcnow
from oppbot.db.models import ForecastAdjustment, Quota
from oppbot.domain.events import EventKind
from oppbot.domain.money import normalise_currency, parse_amount
from oppbot.domain.periods import Period
from oppbot.services import policy, workspaces
from oppbot.services.context import Actor
from oppbot.services.events import record

QUOTA_SET = EventKind.QUOTA_SET
FORECAST_ADJUSTED = EventKind.FORECAST_ADJUSTED
TEAM = ""  # the user_id of the team's own quota


@dataclass(frozen=True, slots=True)
class QuotaSet:
    user_id: str | None  # None: the team
    period: Period
    amount: Decimal
    currency: str
    before: tuple[Decimal, str] | None  # what it was, if any


@dataclass(frozen=True, slots=True)
class QuotaEntry:
    user_id: str | None
    period_key: str
    period_start: object
    amount: Decimal
    currency: str
    set_by: str
    set_at: datetime


def set_quota(
    session: Session, actor: Actor, user_id: str | None, period: Period, amount: str, currency: str | None
) -> QuotaSet:
    policy.require_quota(actor)
    code = normalise_currency(currency or workspaces.load_rules(session, actor.team_id).reporting_currency)
    value = parse_amount(amount, code, field="amount")
    key = user_id or TEAM
    row = session.scalar(
        select(Quota).where(Quota.team_id == actor.team_id, Quota.user_id == key, Quota.period_key == period.key)
    )
    before = (Decimal(row.amount), row.currency) if row is not None else None
    now = utcnow()
    if row is None:
        row = Quota(team_id=actor.team_id, user_id=key, period_key=period.key)
        session.add(row)
    row.period_start, row.period_end = period.start, period.end
    row.amount, row.currency, row.set_by, row.set_at = value, code, actor.user_id, now
    record(
        session,
        actor,
        None,
        QUOTA_SET,
        notify=False,
        detail={
            "user": user_id,
            "period": period.key,
            "amount": str(value),
            "currency": code,
            "before": f"{before[0]} {before[1]}" if before else None,
        },
    )
    session.flush()
    return QuotaSet(user_id, period, value, code, before)


def list_quotas(session: Session, team_id: str, period: Period | None) -> list[QuotaEntry]:
    """Every member may read the quotas (the team's first), newest periods first; one period when given."""
    query = select(Quota).where(Quota.team_id == team_id)
    if period is not None:
        query = query.where(Quota.period_key == period.key)
    rows = session.scalars(query.order_by(Quota.period_start.desc(), Quota.period_key, Quota.user_id).limit(200))
    return [
        QuotaEntry(r.user_id or None, r.period_key, r.period_start, Decimal(r.amount), r.currency, r.set_by, r.set_at)
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AdjustmentSet:
    user_id: str
    period: Period
    amount: Decimal
    currency: str
    note: str
    before: Decimal | None


def adjust(session: Session, actor: Actor, user_id: str, period: Period, amount: str, note: str) -> AdjustmentSet:
    """A manager's own number beside the rep's Closed + Commit, in the reporting currency, with the reason."""
    policy.require_adjust_forecast(actor)
    code = workspaces.load_rules(session, actor.team_id).reporting_currency
    value = parse_amount(amount, code, field="amount")
    row = session.scalar(
        select(ForecastAdjustment).where(
            ForecastAdjustment.team_id == actor.team_id,
            ForecastAdjustment.user_id == user_id,
            ForecastAdjustment.period_key == period.key,
        )
    )
    before = Decimal(row.amount) if row is not None else None
    if row is None:
        row = ForecastAdjustment(team_id=actor.team_id, user_id=user_id, period_key=period.key)
        session.add(row)
    row.amount, row.currency, row.note, row.set_by, row.set_at = value, code, note, actor.user_id, utcnow()
    record(
        session,
        actor,
        None,
        FORECAST_ADJUSTED,
        notify=False,
        detail={"user": user_id, "period": period.key, "amount": str(value), "currency": code, "note": note},
    )
    session.flush()
    return AdjustmentSet(user_id, period, value, code, note, before)
