"""Every table oppbot keeps. Each row belongs to one Slack workspace (`team_id`); amounts are integer minor units."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oppbot.db.base import Base, ExactDecimal, UTCDateTime, utcnow
from oppbot.domain.money import minor_units
from oppbot.domain.stages import Stage

TEAM = String(32)
USER = String(32)
CHANNEL = String(32)
LANGUAGE = String(8)  # one of oppbot.i18n.LANGUAGES
STAGE_VALUES = ", ".join(f"'{stage.value}'" for stage in Stage)


def team_fk() -> Mapped[str]:
    return mapped_column(TEAM, ForeignKey("workspaces.team_id", ondelete="CASCADE"), nullable=False)


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    reporting_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    # Overrides of the stage defaults; keys are Stage values. Empty means the product's defaults.
    stage_probabilities: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    stale_days: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    loss_reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Overrides of the stage → forecast category defaults (open stages only); keys are Stage values.
    stage_categories: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")
    archive_rooms: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    # What oppbot speaks where nobody chose otherwise (oppbot.i18n.LANGUAGES); None: English.
    language: Mapped[str | None] = mapped_column(LANGUAGE)
    # Per-workspace counters, bumped under a row lock so numbers never repeat.
    next_deal_number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    next_invoice_number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Manager(Base):
    """Users a workspace names as managers, beside its Slack admins and owners."""

    __tablename__ = "managers"

    team_id: Mapped[str] = mapped_column(TEAM, ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(USER, primary_key=True)
    added_by: Mapped[str] = mapped_column(USER, nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class SlackUser(Base):
    """A short-lived cache of users.info: role flags for permissions, time zone and locale for display; and the
    user's own language choice (`/opp language`), which is theirs, not the cache's: a refresh keeps it. A row made
    for a choice before any users.info answer has fetched_at NEVER_FETCHED, so it never counts as a fresh answer."""

    __tablename__ = "slack_users"

    team_id: Mapped[str] = mapped_column(TEAM, ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(USER, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_owner: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))  # users.info's `locale` (include_locale), e.g. nb-NO
    language: Mapped[str | None] = mapped_column(LANGUAGE)  # the user's choice; None: auto (locale, workspace)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (Index(None, "team_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # casefolded name, for search and duplicate hints without a functional index.
    name_key: Mapped[str] = mapped_column(String(200), nullable=False)
    domain: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(USER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Individual(Base):
    __tablename__ = "individuals"
    __table_args__ = (Index(None, "team_id", "name_key"), Index(None, "team_id", "email"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    created_by: Mapped[str | None] = mapped_column(USER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="raise")


class Opportunity(Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        CheckConstraint(
            "(individual_id IS NOT NULL AND organization_id IS NULL)"
            " OR (individual_id IS NULL AND organization_id IS NOT NULL)",
            name="one_customer",
        ),
        CheckConstraint("probability >= 0 AND probability <= 100", name="probability_range"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint(f"stage IN ({STAGE_VALUES})", name="stage_known"),
        CheckConstraint("probability_source IN ('stage', 'manual')", name="probability_source_known"),
        Index(None, "team_id", "stage", "last_activity_at"),
        Index(None, "team_id", "assignee_id", "stage"),
        Index(None, "team_id", "expected_close"),
        Index(None, "team_id", "closed_at"),
        Index(None, "team_id", "last_activity_at"),
        Index(None, "individual_id"),
        Index(None, "organization_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    # casefolded title + customer name + description, what `/opp search` matches against.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str | None] = mapped_column(Text)
    individual_id: Mapped[int | None] = mapped_column(ForeignKey("individuals.id", ondelete="RESTRICT"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    stage: Mapped[str] = mapped_column(String(20), nullable=False)
    probability: Mapped[int] = mapped_column(Integer, nullable=False)
    probability_source: Mapped[str] = mapped_column(String(10), nullable=False, default="stage")
    expected_close: Mapped[date | None] = mapped_column(Date)
    assignee_id: Mapped[str | None] = mapped_column(USER)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(USER, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(String(100))
    lost_note: Mapped[str | None] = mapped_column(Text)
    lost_at_stage: Mapped[str | None] = mapped_column(String(20))
    # The rep's own forecast category; None: it follows the stage (oppbot.domain.categories).
    forecast_category: Mapped[str | None] = mapped_column(String(12))
    # Optimistic lock: every change bumps it; a write carrying an older version is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    individual: Mapped[Individual | None] = relationship(lazy="raise")
    organization: Mapped[Organization | None] = relationship(lazy="raise")

    # SQLAlchemy adds "AND version = :old" to every UPDATE and raises StaleDataError when no row matched.
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    @property
    def customer_name(self) -> str:
        customer = self.individual or self.organization
        return customer.name if customer is not None else ""

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-minor_units(self.currency))

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)


class StageChange(Base):
    __tablename__ = "stage_history"
    __table_args__ = (Index(None, "opportunity_id", "changed_at"), Index(None, "team_id", "changed_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    changed_by: Mapped[str] = mapped_column(USER, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    probability: Mapped[int] = mapped_column(Integer, nullable=False)
    skipped: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)


class AssignmentChange(Base):
    __tablename__ = "assignment_history"
    __table_args__ = (Index(None, "opportunity_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    from_user: Mapped[str | None] = mapped_column(USER)
    to_user: Mapped[str | None] = mapped_column(USER)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    changed_by: Mapped[str] = mapped_column(USER, nullable=False)


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (Index(None, "opportunity_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[str] = mapped_column(USER, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Activity(Base):
    """What happened, by whom, with field-level before/after. Written in the transaction of the change."""

    __tablename__ = "activity"
    __table_args__ = (Index(None, "opportunity_id", "created_at"), Index(None, "team_id", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    actor_id: Mapped[str] = mapped_column(USER, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    # [{"field": ..., "before": ..., "after": ...}], values as JSON-safe text.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class OutboxEvent(Base):
    """An event the workers owe, committed with the change; it stays unfinished until every effect is recorded.

    The relay hands it to the broker when `due_at` has come (NULL: at once) and leases it for a while; an event
    still unfinished when its lease runs out is handed over again, with a longer lease, until it is parked.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "dispatched_at", "id"), Index(None, "finished_at", "parked_at", "id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    team_id: Mapped[str] = team_fk()
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    opportunity_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[str | None] = mapped_column(USER)
    # Small and id-only: workers load current state, they never trust a copy.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last handed to the broker
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # sends the broker refused
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # (re)dispatch when unfinished by then
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # every effect recorded done or refused
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the relay gave up; `oppbot outbox retry`
    redispatches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # leases that ran out
    last_error: Mapped[str | None] = mapped_column(String(300))


class ProcessedEvent(Base):
    """Idempotency ledger: (event, consumer) done once, whatever Dramatiq or Slack redeliver."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class HandledRequest(Base):
    """A Slack request already acted on (an event, a click, a command, a submission): a repeat does nothing.

    `key` is a digest of what Slack gives for the request (oppbot.slack.pipeline.once_key); the row is written in
    the same transaction as the request's change, so a failed request leaves no row and may be retried.
    """

    __tablename__ = "handled_requests"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)


class CardMessage(Base):
    """Where a deal's card was posted, so a change can refresh every copy."""

    __tablename__ = "card_messages"
    __table_args__ = (UniqueConstraint("channel_id", "ts"), Index(None, "opportunity_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    channel_id: Mapped[str] = mapped_column(CHANNEL, nullable=False)
    ts: Mapped[str] = mapped_column(String(32), nullable=False)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class NotificationSubscription(Base):
    __tablename__ = "notification_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    channel_id: Mapped[str] = mapped_column(CHANNEL, nullable=False)
    stages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)  # empty: every stage
    min_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    min_currency: Mapped[str | None] = mapped_column(String(3))
    language: Mapped[str | None] = mapped_column(LANGUAGE)  # the channel's; None: the workspace's
    created_by: Mapped[str] = mapped_column(USER, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ScheduleSubscription(Base):
    """A channel's weekly digest or its stale/overdue alerts, at a local day and time."""

    __tablename__ = "schedule_subscriptions"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "kind"),
        CheckConstraint("kind IN ('digest', 'alerts')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    channel_id: Mapped[str] = mapped_column(CHANNEL, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    weekday: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # Monday = 0
    time_of_day: Mapped[str] = mapped_column(String(5), nullable=False, default="09:00")
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the workspace's
    language: Mapped[str | None] = mapped_column(LANGUAGE)  # the channel's; None: the workspace's
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(USER, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduledSend(Base):
    """The claim that makes a digest exactly-once: one row per (channel, kind, period), whoever inserts first."""

    __tablename__ = "scheduled_sends"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "kind", "period_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    channel_id: Mapped[str] = mapped_column(CHANNEL, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    period_key: Mapped[str] = mapped_column(String(40), nullable=False)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_ts: Mapped[str | None] = mapped_column(String(32))


class AlertState(Base):
    """The last alert a channel (or, under channel_id '', the assignee's DM) got for a deal, keyed on the state it
    described: a new state or a lapsed snooze re-alerts. The '' row also holds the deal's snooze, for every channel."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("opportunity_id", "kind", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # stale | overdue
    channel_id: Mapped[str] = mapped_column(CHANNEL, nullable=False, default="", server_default="")
    state_key: Mapped[str] = mapped_column(String(100), nullable=False)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FxRate(Base):
    """Units of `base` (the reporting currency) per one unit of `currency`, from `effective_date` on."""

    __tablename__ = "fx_rates"
    __table_args__ = (
        UniqueConstraint("team_id", "base", "currency", "effective_date"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    base: Mapped[str] = mapped_column(String(3), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    created_by: Mapped[str | None] = mapped_column(USER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ForecastSnapshot(Base):
    __tablename__ = "forecast_snapshots"
    __table_args__ = (UniqueConstraint("team_id", "period_key", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    period_key: Mapped[str] = mapped_column(String(40), nullable=False)  # 2026-11, 2026-Q4
    label: Mapped[str] = mapped_column(String(40), nullable=False, default="start")  # start | manual-<ts>
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    reporting_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    weighted_total: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    taken_by: Mapped[str | None] = mapped_column(USER)


class Quota(Base):
    """A rep's (user_id '' : the team's) quota for a month or quarter, in the currency it was set in."""

    __tablename__ = "quotas"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "period_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    user_id: Mapped[str] = mapped_column(USER, nullable=False)
    period_key: Mapped[str] = mapped_column(String(40), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    set_by: Mapped[str] = mapped_column(USER, nullable=False)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ForecastAdjustment(Base):
    """A manager's own figure beside a rep's Closed + Commit for a period, in the reporting currency, with why."""

    __tablename__ = "forecast_adjustments"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "period_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    user_id: Mapped[str] = mapped_column(USER, nullable=False)
    period_key: Mapped[str] = mapped_column(String(40), nullable=False)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    set_by: Mapped[str] = mapped_column(USER, nullable=False)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class DealRoom(Base):
    """The channel made for one deal by /opp room; channel_id is None while the room is being made."""

    __tablename__ = "deal_rooms"
    __table_args__ = (UniqueConstraint("opportunity_id"), Index(None, "channel_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    channel_id: Mapped[str | None] = mapped_column(CHANNEL)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_by: Mapped[str] = mapped_column(USER, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Service(Base):
    """An entry of the service catalog."""

    __tablename__ = "services"
    __table_args__ = (Index(None, "team_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str | None] = mapped_column(USER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Billable(Base):
    __tablename__ = "billables"
    __table_args__ = (Index(None, "opportunity_id"), CheckConstraint("unit_price_minor >= 0", name="price_ok"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(300), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4), nullable=False)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    created_by: Mapped[str] = mapped_column(USER, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Invoice(Base):
    """A numbered invoice, frozen at creation: its lines are a copy, not a view of the billables."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("team_id", "number"), UniqueConstraint("opportunity_id", "content_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="RESTRICT"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    total_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(USER, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index(None, "team_id", "assignee_id", "done_at"), Index(None, "due_at", "reminded_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = team_fk()
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    assignee_id: Mapped[str] = mapped_column(USER, nullable=False)
    created_by: Mapped[str] = mapped_column(USER, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
