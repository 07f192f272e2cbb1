"""Channel subscriptions to digests and alerts, workspace schedule settings, and exactly-once send claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import ScheduledSend, ScheduleSubscription
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput, NotFound
from oppbot.domain.schedule import (
    DEFAULT_TIME,
    DEFAULT_WEEKDAY,
    Cadence,
    Period,
    Schedule,
    current_period,
    is_due,
    parse_time_of_day,
)
from oppbot.domain.workspace import parse_timezone
from oppbot.i18n import N_, _
from oppbot.services import policy
from oppbot.services.context import Actor
from oppbot.services.languages import AUTO, parse_language

DIGEST = "digest"
ALERTS = "alerts"
KINDS = (DIGEST, ALERTS)
# What a member is refused ("Only managers can …"), per subscription kind.
_CHANGE = {DIGEST: N_("change this channel's digest"), ALERTS: N_("change this channel's alerts")}
CADENCE = {DIGEST: Cadence.WEEKLY, ALERTS: Cadence.DAILY}
DEFAULT_ALERTS_TIME = "08:00"
# A claim not completed within this long belongs to a process that died mid-send: another may take it over.
CLAIM_LEASE = timedelta(minutes=15)


_require_manager = policy.require_manager


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput.field("kind", _("Unknown subscription '{kind}': use digest or alerts.", kind=kind[:20]))
    return kind


def _workspace(session: Session, team_id: str):
    workspace = repo.get_workspace(session, team_id)
    if workspace is None:
        raise NotFound(_("This workspace has not been set up yet."))
    return workspace


def schedule_of(sub: ScheduleSubscription, workspace_tz: str) -> Schedule:
    return Schedule(CADENCE[sub.kind], sub.weekday, sub.time_of_day, sub.timezone or workspace_tz)


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    id: int
    channel_id: str
    kind: str
    schedule: Schedule
    active: bool
    own_timezone: bool  # False: follows the workspace's
    last_sent_at: datetime | None
    language: str | None = None  # the channel's own (`lang nb`); None: follows the workspace's


def _view(sub: ScheduleSubscription, workspace_tz: str) -> SubscriptionView:
    return SubscriptionView(
        sub.id,
        sub.channel_id,
        sub.kind,
        schedule_of(sub, workspace_tz),
        sub.active,
        sub.timezone is not None,
        sub.last_sent_at,
        sub.language,
    )


def _get(session: Session, team_id: str, channel_id: str, kind: str) -> ScheduleSubscription | None:
    return session.scalar(
        select(ScheduleSubscription).where(
            ScheduleSubscription.team_id == team_id,
            ScheduleSubscription.channel_id == channel_id,
            ScheduleSubscription.kind == kind,
        )
    )


def subscribe(
    session: Session,
    actor: Actor,
    channel_id: str,
    kind: str,
    *,
    weekday: int | None = None,
    time_of_day: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
) -> SubscriptionView:
    """Subscribe (or re-subscribe, changing only what is given) this channel. Managers only. `language` is one of
    i18n.LANGUAGES, or languages.AUTO to follow the workspace's again."""
    _check_kind(kind)
    _require_manager(actor, _CHANGE.get(kind, kind))
    workspace = _workspace(session, actor.team_id)
    if timezone is not None:
        parse_timezone(timezone)
    if time_of_day is not None:
        time_of_day = parse_time_of_day(time_of_day)
    if weekday is not None and not 0 <= weekday <= 6:
        raise InvalidInput.field("weekday", _("The weekday must be Monday to Sunday."))
    sub = _get(session, actor.team_id, channel_id, kind)
    if sub is None:
        sub = ScheduleSubscription(
            team_id=actor.team_id,
            channel_id=channel_id,
            kind=kind,
            weekday=DEFAULT_WEEKDAY if weekday is None else weekday,
            time_of_day=time_of_day or (DEFAULT_TIME if kind == DIGEST else DEFAULT_ALERTS_TIME),
            timezone=timezone,
            language=_own_language(language),
            active=True,
            created_by=actor.user_id,
            created_at=utcnow(),
        )
        session.add(sub)
    else:
        if weekday is not None:
            sub.weekday = weekday
        if time_of_day is not None:
            sub.time_of_day = time_of_day
        if timezone is not None:
            sub.timezone = timezone
        if language is not None:
            sub.language = _own_language(language)
        if not sub.active:
            # Re-activation starts a new subscription: nothing is owed for the time it was off.
            sub.active = True
            sub.created_at = utcnow()
    session.flush()
    return _view(sub, workspace.timezone)


def _own_language(language: str | None) -> str | None:
    return None if language in (None, AUTO) else parse_language(language)


def unsubscribe(session: Session, actor: Actor, channel_id: str, kind: str) -> bool:
    """Stop this channel's digest/alerts; False when it had none. Managers only."""
    _check_kind(kind)
    _require_manager(actor, _CHANGE.get(kind, kind))
    sub = _get(session, actor.team_id, channel_id, kind)
    if sub is None or not sub.active:
        return False
    sub.active = False
    return True


def show(session: Session, actor: Actor, channel_id: str, kind: str) -> SubscriptionView | None:
    _check_kind(kind)
    sub = _get(session, actor.team_id, channel_id, kind)
    if sub is None or not sub.active:
        return None
    return _view(sub, _workspace(session, actor.team_id).timezone)


def get_subscription(session: Session, sub_id: int) -> tuple[ScheduleSubscription, str] | None:
    """A subscription by id with its workspace's time zone (for workers; ids come from our own tick)."""
    sub = session.get(ScheduleSubscription, sub_id)
    if sub is None:
        return None
    workspace = repo.get_workspace(session, sub.team_id)
    return sub, (workspace.timezone if workspace else "UTC")


# --- due runs and claims ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueRun:
    subscription_id: int
    kind: str
    period_key: str


def due_runs(session: Session, now: datetime) -> list[DueRun]:
    """Every active subscription whose current period has come and has no completed or pending claim."""
    rows = session.execute(select(ScheduleSubscription).where(ScheduleSubscription.active.is_(True))).scalars()
    subs = list(rows)
    zones = {}
    found: list[DueRun] = []
    for sub in subs:
        if sub.team_id not in zones:
            workspace = repo.get_workspace(session, sub.team_id)
            zones[sub.team_id] = workspace.timezone if workspace else "UTC"
        schedule = schedule_of(sub, zones[sub.team_id])
        period = current_period(schedule, now)
        claimed = session.scalar(
            select(ScheduledSend.id).where(
                ScheduledSend.team_id == sub.team_id,
                ScheduledSend.channel_id == sub.channel_id,
                ScheduledSend.kind == sub.kind,
                ScheduledSend.period_key == period.key,
            )
        )
        last = period.key if claimed is not None else None
        if is_due(schedule, now, last, active_since=sub.created_at):
            found.append(DueRun(sub.id, sub.kind, period.key))
    return found


def period_for(sub: ScheduleSubscription, workspace_tz: str, now: datetime) -> Period:
    return current_period(schedule_of(sub, workspace_tz), now)


def claim(
    sessions: sessionmaker[Session],
    team_id: str,
    channel_id: str,
    kind: str,
    period_key: str,
    *,
    now: datetime | None = None,
) -> int | None:
    """Claim (channel, kind, period) in a transaction of its own; the id when this process won, else None.

    The unique constraint decides between racing processes. A claim left unsent past its lease (its process died
    before posting) is taken over by one UPDATE that only one process can win.
    """
    now = now or utcnow()
    try:
        with unit_of_work(sessions) as session:
            row = ScheduledSend(
                team_id=team_id, channel_id=channel_id, kind=kind, period_key=period_key, claimed_at=now
            )
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        pass
    with unit_of_work(sessions) as session:
        existing = session.scalar(
            select(ScheduledSend).where(
                ScheduledSend.team_id == team_id,
                ScheduledSend.channel_id == channel_id,
                ScheduledSend.kind == kind,
                ScheduledSend.period_key == period_key,
            )
        )
        if existing is None or existing.sent_at is not None:
            return None
        taken = session.execute(
            update(ScheduledSend)
            .where(
                ScheduledSend.id == existing.id,
                ScheduledSend.sent_at.is_(None),
                ScheduledSend.claimed_at == existing.claimed_at,
                ScheduledSend.claimed_at < now - CLAIM_LEASE,
            )
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return existing.id if taken.rowcount == 1 else None


def complete_claim(
    sessions: sessionmaker[Session], claim_id: int, message_ts: str | None, subscription_id: int | None = None
) -> None:
    now = utcnow()
    with unit_of_work(sessions) as session:
        row = session.get(ScheduledSend, claim_id)
        if row is not None:
            row.sent_at = now
            row.message_ts = message_ts
        if subscription_id is not None:
            sub = session.get(ScheduleSubscription, subscription_id)
            if sub is not None:
                sub.last_sent_at = now


def release_claim(sessions: sessionmaker[Session], claim_id: int) -> None:
    """Posting failed: drop the unsent claim so the next tick retries the period (never a second post)."""
    with unit_of_work(sessions) as session:
        session.execute(delete(ScheduledSend).where(ScheduledSend.id == claim_id, ScheduledSend.sent_at.is_(None)))


def previous_sent_at(session: Session, team_id: str, channel_id: str, kind: str, before_period: str) -> datetime | None:
    """When this channel's previous scheduled send of `kind` went out: 'changes since the last digest' start here."""
    return session.scalar(
        select(ScheduledSend.sent_at)
        .where(
            ScheduledSend.team_id == team_id,
            ScheduledSend.channel_id == channel_id,
            ScheduledSend.kind == kind,
            ScheduledSend.period_key != before_period,
            ScheduledSend.sent_at.is_not(None),
        )
        .order_by(ScheduledSend.sent_at.desc())
        .limit(1)
    )
