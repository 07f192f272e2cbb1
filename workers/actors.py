"""Thin, idempotent Dramatiq actors: load the event by id, do each effect once, talk to Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from oppbot.config import Settings
from oppbot.db import repositories as repo
from oppbot.db.models import CardMessage, OutboxEvent, ProcessedEvent
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import NotFound
from oppbot.domain.stages import Stage
from oppbot.services import notifications, rooms
from oppbot.services.deal_export import EXPORT_REQUESTED
from oppbot.services.events import Kind
from oppbot.slack.rooms import archive_room
from workers.exports import deliver_export
from workers.ratelimit import RateGate, gated_client, retry_after_seconds

log = logging.getLogger(__name__)

QUEUE = "oppbot-events"
HANDLE_EVENT = "handle_event"

# Consumers in processed_events: "event" marks the whole event done; the others are one effect each.
EVENT_DONE = "event"


@dataclass
class Runtime:
    """What actors need besides the message: settings, the database, a Slack client per workspace."""

    settings: Settings
    sessions: sessionmaker[Session]
    # A client with the workspace's bot token, or None when the workspace has uninstalled the app.
    slack: Callable[[str], WebClient | None]
    # Called with the event id before any effect; tests use it to hold a job mid-flight.
    before_effect: Callable[[str], None] | None = field(default=None, repr=False)
    # Shared by this process's Slack calls: a 429 seen by one thread pauses them all until Retry-After.
    gate: RateGate = field(default_factory=RateGate)


def default_runtime(settings: Settings) -> Runtime:
    from oppbot.db.session import engine_for, session_factory

    gate = RateGate()
    engine = engine_for(settings.database_url)
    if not settings.oauth_enabled:
        client = gated_client(settings, gate)
        return Runtime(settings=settings, sessions=session_factory(engine), slack=lambda _team_id: client, gate=gate)

    from oppbot.slack.oauth import bot_token_for_team

    def slack(team_id: str) -> WebClient | None:
        # Looked up per event, so a reinstall's new token or an uninstall takes effect at once.
        token = bot_token_for_team(settings, team_id, engine=engine)
        return gated_client(settings, gate, token) if token else None

    return Runtime(settings=settings, sessions=session_factory(engine), slack=slack, gate=gate)


def declare(broker: dramatiq.Broker, runtime: Runtime) -> dict[str, dramatiq.Actor]:
    """Declare oppbot's actors on `broker`, bound to `runtime`. Called by workers.broker.setup_broker only."""

    def handle_event(event_id: str) -> None:
        process_event(runtime, event_id)

    return {
        HANDLE_EVENT: dramatiq.Actor(
            handle_event, broker=broker, actor_name=HANDLE_EVENT, queue_name=QUEUE, priority=0, options={}
        )
    }


# --- idempotency -----------------------------------------------------------------------------------------------------


def once(runtime: Runtime, event_id: str, consumer: str, effect: Callable[[], dict[str, Any] | None]) -> bool:
    """Run `effect` unless (event_id, consumer) was claimed before; True when it ran now.

    The claim is committed before the Slack call, so a redelivered or restarted message finds it and never posts
    again. A Slack call that definitely failed releases the claim so Dramatiq's retry can try again; a worker killed
    between the claim and the call loses that one effect rather than doubling it (logged as "claimed" forever).
    """
    try:
        with unit_of_work(runtime.sessions) as session:
            session.add(ProcessedEvent(event_id=event_id, consumer=consumer, result={"state": "claimed"}))
    except IntegrityError:
        return False
    try:
        runtime.gate.wait()
        result = effect() or {}
    except BaseException as exc:
        with unit_of_work(runtime.sessions) as session:
            session.execute(
                delete(ProcessedEvent).where(ProcessedEvent.event_id == event_id, ProcessedEvent.consumer == consumer)
            )
        delay = _retry_after_ms(exc)
        if delay is not None:
            runtime.gate.hold(delay / 1000)
            # Slack still says "slow down" after the client's own retries: come back no sooner than it asked.
            raise dramatiq.Retry(f"Slack rate limit on {consumer}", delay=delay) from exc
        raise
    with unit_of_work(runtime.sessions) as session:
        session.execute(
            update(ProcessedEvent)
            .where(ProcessedEvent.event_id == event_id, ProcessedEvent.consumer == consumer)
            .values(result={"state": "done", **result})
        )
    return True


def _retry_after_ms(exc: BaseException) -> int | None:
    if not isinstance(exc, SlackApiError) or exc.response is None or exc.response.status_code != 429:
        return None
    return retry_after_seconds(exc.response.headers) * 1000


def _mark_done(runtime: Runtime, event_id: str) -> None:
    try:
        with unit_of_work(runtime.sessions) as session:
            session.add(ProcessedEvent(event_id=event_id, consumer=EVENT_DONE, result={"state": "done"}))
    except IntegrityError:
        pass  # a redelivery finished first; every effect below was claimed once all the same


# --- the event -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventInfo:
    event_id: str
    team_id: str
    kind: str
    opportunity_id: int | None
    actor_id: str | None
    detail: dict[str, Any]


def load_event(session: Session, event_id: str) -> EventInfo | None:
    row = session.scalars(select(OutboxEvent).where(OutboxEvent.event_id == event_id)).one_or_none()
    if row is None:
        return None
    return EventInfo(row.event_id, row.team_id, row.kind, row.opportunity_id, row.actor_id, dict(row.payload or {}))


@dataclass(slots=True)
class Plan:
    """What one event calls for, read in one transaction before any effect."""

    cards: list[tuple[str, str]] = field(default_factory=list)
    homes: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    dm_user: str | None = None
    subject: notifications.DealEvent | None = None
    archive: list[str] = field(default_factory=list)  # the deal's room, once it is won or lost (a workspace setting)


ROOM_CLOSES = {Kind.WON: Stage.CLOSED_WON, Kind.LOST: Stage.CLOSED_LOST}
NOTIFY_KINDS = {Kind.CREATED, Kind.STAGE_CHANGED, Kind.WON, Kind.LOST, Kind.REOPENED, Kind.ASSIGNED, Kind.UNASSIGNED}


def plan(session: Session, event: EventInfo) -> Plan:
    try:
        opp = repo.get_opportunity_by_id(session, event.team_id, event.opportunity_id)
    except NotFound:
        log.info("Deal %s of event %s no longer exists", event.opportunity_id, event.event_id)
        return Plan()
    result = Plan()
    result.cards = [
        (c.channel_id, c.ts) for c in session.scalars(select(CardMessage).where(CardMessage.opportunity_id == opp.id))
    ]
    result.homes = sorted(
        {u for u in (opp.assignee_id, event.detail.get("from_user"), event.detail.get("to_user")) if u}
    )
    if event.kind in NOTIFY_KINDS:
        result.channels = notifications.channels_for(session, event.team_id, event.kind, opp, event.detail)
    result.channels += [c for c in rooms.room_channels(session, opp.id) if c not in result.channels]
    result.archive = rooms.rooms_to_archive(session, event.team_id, ROOM_CLOSES.get(event.kind), opp.id)
    to_user = {Kind.ASSIGNED: event.detail.get("to_user"), Kind.CREATED: event.detail.get("assignee")}.get(event.kind)
    if to_user and to_user != event.actor_id:
        result.dm_user = to_user
    if result.channels or result.dm_user:
        result.subject = notifications.subject(session, event.team_id, opp.id, event.kind, event.actor_id, event.detail)
    return result


def process_event(runtime: Runtime, event_id: str) -> None:
    with unit_of_work(runtime.sessions) as session:
        if session.get(ProcessedEvent, (event_id, EVENT_DONE)) is not None:
            return
        event = load_event(session, event_id)
        todo = plan(session, event) if event is not None and event.opportunity_id is not None else Plan()
    if event is None:
        log.warning("Outbox event %s is gone; nothing to do", event_id)
        return
    if runtime.before_effect is not None:
        runtime.before_effect(event_id)
    client = runtime.slack(event.team_id)
    if client is None:
        # The workspace uninstalled the app (its token is gone): there is no one left to tell.
        log.info("No Slack token for %s; event %s done without Slack effects", event.team_id, event_id)
        _mark_done(runtime, event_id)
        return
    if event.kind == EXPORT_REQUESTED:  # issue 15: a large /opp export, with its progress message
        once(runtime, event_id, "export", lambda: deliver_export(runtime.sessions, client, *_who(event)))
    for channel_id, ts in todo.cards:
        once(
            runtime,
            event_id,
            f"card:{channel_id}:{ts}",
            lambda channel_id=channel_id, ts=ts: _refresh_card(runtime, client, event, channel_id, ts),
        )
    for user_id in todo.homes:
        once(
            runtime,
            event_id,
            f"home:{user_id}",
            lambda user_id=user_id: _publish_home(runtime, client, event.team_id, user_id),
        )
    for channel_id in todo.channels:
        once(
            runtime,
            event_id,
            f"notify:{channel_id}",
            lambda channel_id=channel_id: _post_notification(client, todo.subject, channel_id),
        )
    if todo.dm_user:
        once(runtime, event_id, f"dm:{todo.dm_user}", lambda: _dm_assignee(client, todo.subject, todo.dm_user))
    for channel_id in todo.archive:  # after the room heard the news
        once(runtime, event_id, f"archive:{channel_id}", lambda c=channel_id: archive_room(client, runtime.sessions, c))
    _mark_done(runtime, event_id)


# --- effects ---------------------------------------------------------------------------------------------------------


def _who(event: EventInfo) -> tuple[str, str, dict]:
    return event.team_id, event.actor_id, event.detail


def _post_notification(client: WebClient, subject: notifications.DealEvent, channel_id: str) -> dict:
    from oppbot.slack.blocks.notifications import deal_notification

    message = deal_notification(subject)
    response = client.chat_postMessage(
        channel=channel_id, text=message["text"], blocks=message["blocks"], unfurl_links=False
    )
    return {"channel": response.get("channel"), "ts": response.get("ts")}


def _dm_assignee(client: WebClient, subject: notifications.DealEvent, user_id: str) -> dict:
    from oppbot.slack.blocks.notifications import assignment_dm

    message = assignment_dm(subject)
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    response = client.chat_postMessage(channel=channel, text=message["text"], blocks=message["blocks"])
    return {"channel": response.get("channel"), "ts": response.get("ts")}


def _refresh_card(runtime: Runtime, client: WebClient, event: EventInfo, channel_id: str, ts: str) -> dict:
    message = card_message(runtime, event.team_id, event.opportunity_id)
    try:
        client.chat_update(channel=channel_id, ts=ts, text=message["text"], blocks=message["blocks"])
    except SlackApiError as exc:
        # A deleted message or a channel we left can't be refreshed; forget that copy instead of retrying forever.
        if exc.response.get("error") in (
            "message_not_found",
            "channel_not_found",
            "cant_update_message",
            "not_in_channel",
            "is_archived",
        ):
            with unit_of_work(runtime.sessions) as session:
                session.execute(delete(CardMessage).where(CardMessage.channel_id == channel_id, CardMessage.ts == ts))
            return {"forgotten": exc.response.get("error")}
        raise
    return {}


def card_message(runtime: Runtime, team_id: str, opportunity_id: int) -> dict:
    """The deal card as a message ({"text", "blocks"}), fresh from the database."""
    from oppbot.services.context import Actor
    from oppbot.slack.cards import deal_card_message

    with unit_of_work(runtime.sessions) as session:
        number = repo.get_opportunity_by_id(session, team_id, opportunity_id).number
        # A channel card: every reader gets the buttons; each click is re-checked for that user.
        return deal_card_message(session, Actor(team_id=team_id, user_id="UBOT"), number, can_edit=True)


def _publish_home(runtime: Runtime, client: WebClient, team_id: str, user_id: str) -> dict:
    from oppbot.slack.deps import Deps
    from oppbot.slack.listeners.events.home import publish_home

    publish_home(client, Deps(settings=runtime.settings, sessions=runtime.sessions), team_id, user_id)
    return {}
