"""Scheduled work as Dramatiq actors: the minute tick, digests, alerts, snapshots, reminders.

Actors are declared on the broker by declare() (from workers/broker.py's setup_broker). Each actor is a thin shell
over a plain function taking (sessions, client, ...) so tests run the same path without a broker. Exactly-once comes
from the scheduled_sends claim, not from there being one scheduler or one delivery.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import dramatiq
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from oppbot import i18n
from oppbot.db.base import utcnow
from oppbot.db.session import unit_of_work
from oppbot.services import alerts, changes, digests, languages, schedules
from oppbot.slack.blocks.alerts import build_assignee_dm, build_channel_summary
from oppbot.slack.blocks.digest import build_digest_message
from oppbot.slack.chart_posts import post_digest_charts

log = logging.getLogger(__name__)


# --- plain functions (the actors' bodies) ----------------------------------------------------------------------------


def find_due(sessions: sessionmaker[Session], now: datetime) -> list[schedules.DueRun]:
    with unit_of_work(sessions) as session:
        return schedules.due_runs(session, now)


def deliver_digest(
    sessions: sessionmaker[Session], client: WebClient, sub_id: int, period_key: str, now: datetime | None = None
) -> str | None:
    """Post this subscription's digest for `period_key` if this process wins the claim; the message ts or None."""
    now = now or utcnow()
    with unit_of_work(sessions) as session:
        loaded = schedules.get_subscription(session, sub_id)
        if loaded is None or not loaded[0].active or loaded[0].kind != schedules.DIGEST:
            return None
        team_id, channel_id = loaded[0].team_id, loaded[0].channel_id
        language = languages.subscription_language(session, team_id, loaded[0].language)
    claim_id = schedules.claim(sessions, team_id, channel_id, schedules.DIGEST, period_key, now=now)
    if claim_id is None:
        return None
    try:
        with i18n.use(language):  # the channel's language, else the workspace's
            message = _digest_message(sessions, team_id, channel_id, period_key, now)
        response = client.chat_postMessage(channel=channel_id, text=message["text"], blocks=message["blocks"])
    except BaseException:
        # Not posted: free the period so the next tick retries it (the claim never lets two posts happen).
        schedules.release_claim(sessions, claim_id)
        raise
    ts = response.get("ts")
    schedules.complete_claim(sessions, claim_id, ts, sub_id)
    with unit_of_work(sessions) as session:  # the start of the next digest's "what changed"
        changes.take_weekly_snapshot(session, team_id, now)
    with i18n.use(language):  # after the claim: the text digest stands alone
        post_digest_charts(sessions, client, team_id, channel_id, now)
    return ts


# A workspace's digest is the same for every channel that last heard it at the same time: built once, reused by the
# other channels' sends for a minute, and rebuilt as soon as anything in the workspace changes (the key holds the
# latest activity id), so a fan-out to many channels costs one build, not one per channel.
DIGEST_REUSE = timedelta(seconds=60)
_built: dict[tuple, tuple[datetime, dict]] = {}
_built_lock = threading.Lock()


def _digest_message(
    sessions: sessionmaker[Session], team_id: str, channel_id: str, period_key: str, now: datetime
) -> dict:
    with unit_of_work(sessions) as session:
        since = schedules.previous_sent_at(session, team_id, channel_id, schedules.DIGEST, period_key)
        key = (
            str(session.get_bind().url),
            team_id,
            since,
            digests.latest_activity_id(session, team_id),
            i18n.current(),  # a Norwegian channel never gets the English build, nor the other way round
        )
        with _built_lock:
            hit = _built.get(key)
        if hit is not None and timedelta(0) <= now - hit[0] < DIGEST_REUSE:
            return hit[1]
        message = build_digest_message(digests.build_digest(session, team_id, now, since=since))
    with _built_lock:
        for stale in [k for k, (at, _m) in _built.items() if not timedelta(0) <= now - at < DIGEST_REUSE]:
            del _built[stale]
        _built[key] = (now, message)
    return message


def digest_now_message(
    sessions: sessionmaker[Session], team_id: str, channel_id: str, now: datetime | None = None
) -> dict:
    """The digest `/opp digest now` shows: posted for a manager, an ephemeral preview for a member (in the active
    language: the caller's for a preview, the channel's for a post)."""
    now = now or utcnow()
    with unit_of_work(sessions) as session:
        since = schedules.previous_sent_at(session, team_id, channel_id, schedules.DIGEST, "")
        digest = digests.build_digest(session, team_id, now, since=since)
    return build_digest_message(digest, manual=True)


def post_digest_now(
    sessions: sessionmaker[Session], client: WebClient, team_id: str, channel_id: str, now: datetime | None = None
) -> str | None:
    """`/opp digest now` by a manager: an extra digest on request, not the period's scheduled one (no claim); in
    the channel's language (its digest subscription's, else the workspace's)."""
    now = now or utcnow()
    with unit_of_work(sessions) as session:
        language = languages.scheduled_language(session, team_id, channel_id, schedules.DIGEST)
    with i18n.use(language):
        message = digest_now_message(sessions, team_id, channel_id, now)
        ts = client.chat_postMessage(channel=channel_id, text=message["text"], blocks=message["blocks"]).get("ts")
        post_digest_charts(sessions, client, team_id, channel_id, now)
    return ts


def deliver_alerts(
    sessions: sessionmaker[Session], client: WebClient, sub_id: int, period_key: str, now: datetime | None = None
) -> int:
    """Post the channel summary and one DM per assignee for deals not yet alerted in their state; how many deals."""
    now = now or utcnow()
    with unit_of_work(sessions) as session:
        loaded = schedules.get_subscription(session, sub_id)
        if loaded is None or not loaded[0].active or loaded[0].kind != schedules.ALERTS:
            return 0
        team_id, channel_id = loaded[0].team_id, loaded[0].channel_id
        language = languages.subscription_language(session, team_id, loaded[0].language)
    claim_id = schedules.claim(sessions, team_id, channel_id, schedules.ALERTS, period_key, now=now)
    if claim_id is None:
        return 0
    try:
        with unit_of_work(sessions) as session:
            # Each alerts channel hears of a deal once per state; the assignee's DM once, whichever channel ran.
            items = alerts.pending_alerts(session, team_id, now, channel_id)
            dm_items = [i for i in alerts.pending_alerts(session, team_id, now) if i.assignee_id]
            today = alerts.workspaces.load_rules(session, team_id).today(now)
            # Each assignee reads their DM in their own language.
            readers = languages.user_languages(session, team_id, [i.assignee_id for i in dm_items])
        ts = None
        if items:
            with i18n.use(language):
                summary = build_channel_summary(items, today)
            ts = client.chat_postMessage(channel=channel_id, text=summary["text"], blocks=summary["blocks"]).get("ts")
        by_assignee: dict[str, list[alerts.AlertItem]] = {}
        for item in dm_items:
            by_assignee.setdefault(item.assignee_id, []).append(item)
        for assignee, theirs in by_assignee.items():
            dm = client.conversations_open(users=assignee)["channel"]["id"]
            with i18n.use(readers.get(assignee)):
                message = build_assignee_dm(theirs, today)
            client.chat_postMessage(channel=dm, text=message["text"], blocks=message["blocks"])
        with unit_of_work(sessions) as session:
            alerts.mark_alerted(session, team_id, items, now, channel_id)
            alerts.mark_alerted(session, team_id, dm_items, now)
    except BaseException:
        schedules.release_claim(sessions, claim_id)
        raise
    schedules.complete_claim(sessions, claim_id, ts, sub_id)
    return len({i.opportunity_id for i in items})


def take_due_snapshots(sessions: sessionmaker[Session], now: datetime) -> int:
    """The "start" forecast snapshot of each workspace's current month and quarter (a no-op once taken, so the hourly
    job catches up after downtime). Each workspace in its own transaction; how many were newly taken."""
    from sqlalchemy import select

    from oppbot.db.models import Workspace
    from oppbot.domain.periods import snapshot_due_periods
    from oppbot.services.forecast import take_snapshot

    with unit_of_work(sessions) as session:
        team_ids = list(session.scalars(select(Workspace.team_id)))
    taken = 0
    for team_id in team_ids:
        with unit_of_work(sessions) as session:
            today = alerts.workspaces.load_rules(session, team_id).today(now)
            for period in snapshot_due_periods(today):
                taken += take_snapshot(session, team_id, period, "start", now=now).created
    return taken


def send_task_reminders(sessions: sessionmaker[Session], client, now: datetime) -> None:
    """Task reminder DMs: the customers branch's send_due_reminders (oppbot/slack/reminders.py), when present."""
    try:
        from oppbot.slack.reminders import send_due_reminders
    except ImportError:
        log.info("task reminders are not in this build yet; skipping")
        return
    send_due_reminders(sessions, client, now)


# --- actors ----------------------------------------------------------------------------------------------------------

QUEUE = "scheduled"


@dataclass(frozen=True, slots=True)
class ScheduledActors:
    """The scheduled actors declared on one broker: enqueued by reference (`actors.tick.send()`), never by name."""

    tick: dramatiq.Actor
    send_digest: dramatiq.Actor
    send_alerts: dramatiq.Actor
    snapshots: dramatiq.Actor
    reminders: dramatiq.Actor


_current: ScheduledActors | None = None


def current() -> ScheduledActors:
    """The actors of the broker set up last (like dramatiq.get_broker(), whose broker they are declared on)."""
    if _current is None:
        raise RuntimeError("no scheduled actors: call workers.broker.setup_broker first")
    return _current


def declare(broker: dramatiq.Broker, runtime) -> ScheduledActors:
    """Declare the scheduled actors on `broker`, bound to `runtime` (workers.actors.Runtime); called by
    workers.broker.setup_broker beside the event actors, so workers and the scheduler both know them. The set
    declared last is current(): the one the scheduler's jobs enqueue."""
    global _current

    def scheduled_tick() -> None:
        # Every minute: one send per due (channel, kind, period). Duplicated ticks are harmless (the claim decides).
        for run in find_due(runtime.sessions, utcnow()):
            send = actors.send_digest if run.kind == schedules.DIGEST else actors.send_alerts
            send.send(run.subscription_id, run.period_key)

    def send_digest(sub_id: int, period_key: str) -> None:
        client = _client(runtime, sub_id)
        if client is not None:
            deliver_digest(runtime.sessions, client, sub_id, period_key)

    def send_alerts(sub_id: int, period_key: str) -> None:
        client = _client(runtime, sub_id)
        if client is not None:
            deliver_alerts(runtime.sessions, client, sub_id, period_key)

    def snapshot_tick() -> None:
        take_due_snapshots(runtime.sessions, utcnow())

    def reminders_tick() -> None:
        send_task_reminders(runtime.sessions, runtime.slack, utcnow())

    def actor(fn) -> dramatiq.Actor:
        # The function's name is the actor's name on the queue (what a worker process looks the message up by).
        return dramatiq.Actor(fn, broker=broker, actor_name=fn.__name__, queue_name=QUEUE, priority=0, options={})

    actors = ScheduledActors(
        tick=actor(scheduled_tick),
        send_digest=actor(send_digest),
        send_alerts=actor(send_alerts),
        snapshots=actor(snapshot_tick),
        reminders=actor(reminders_tick),
    )
    _current = actors
    return actors


def _client(runtime, sub_id: int) -> WebClient | None:
    with unit_of_work(runtime.sessions) as session:
        loaded = schedules.get_subscription(session, sub_id)
    return runtime.slack(loaded[0].team_id if loaded else "")
