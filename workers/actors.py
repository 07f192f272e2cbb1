"""Thin, idempotent Dramatiq actors: load the event by id, do each effect once, talk to Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dramatiq
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from oppbot import i18n
from oppbot.config import Settings
from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import CardMessage, OutboxEvent, ProcessedEvent
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import NotFound
from oppbot.domain.events import EventKind as Kind
from oppbot.domain.stages import Stage
from oppbot.services import languages, notifications, rooms
from oppbot.services.deal_export import EXPORT_REQUESTED
from oppbot.slack.rooms import archive_room
from workers.exports import deliver_export
from workers.ratelimit import ChannelPacer, RateGate, gated_client, retry_after_seconds

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
    # Paces this process's posts per channel, so a burst to one channel waits here rather than drawing 429s.
    pacer: ChannelPacer = field(default_factory=ChannelPacer)


def default_runtime(settings: Settings) -> Runtime:
    from oppbot.db.session import engine_for, session_factory

    gate = RateGate()
    pacer = ChannelPacer(settings.channel_post_interval)
    engine = engine_for(settings.database_url)
    if not settings.oauth_enabled:
        client = gated_client(settings, gate)
        return Runtime(
            settings=settings, sessions=session_factory(engine), slack=lambda _team_id: client, gate=gate, pacer=pacer
        )

    from oppbot.slack.oauth import bot_token_for_team

    def slack(team_id: str) -> WebClient | None:
        # Looked up per event, so a reinstall's new token or an uninstall takes effect at once.
        token = bot_token_for_team(settings, team_id, engine=engine)
        return gated_client(settings, gate, token) if token else None

    return Runtime(settings=settings, sessions=session_factory(engine), slack=slack, gate=gate, pacer=pacer)


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

RAN, RECORDED = "ran", "recorded"
# Slack's answers that no retry will change: the effect is recorded refused and the event can finish.
REFUSALS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "account_inactive",
        "restricted_action",
        "team_access_not_granted",
        "missing_scope",
    }
)


@dataclass(frozen=True, slots=True)
class Claim:
    at: datetime  # our claim's processed_at: the token every later write on the row is conditional on
    previous: datetime | None = None  # set when we took over a claim whose lease ran out (outcome unknown)


@dataclass(frozen=True, slots=True)
class Busy:
    until: datetime  # another delivery holds a live claim until then


def claim(runtime: Runtime, event_id: str, consumer: str) -> Claim | Busy | None:
    """Claim (event_id, consumer); None when it was recorded done or refused before.

    A claim is a row in state "claimed" whose processed_at is its lease start. One older than the claim lease
    belongs to a delivery that died between claim and record: it is taken over (compare-and-set on processed_at, so
    of several deliveries one wins), and the caller learns the previous claim's time to look for its post.
    """
    now = utcnow()
    try:
        with unit_of_work(runtime.sessions) as session:
            session.add(
                ProcessedEvent(event_id=event_id, consumer=consumer, processed_at=now, result={"state": "claimed"})
            )
        return Claim(at=now)
    except IntegrityError:
        pass
    lease = timedelta(seconds=runtime.settings.claim_lease_seconds)
    with unit_of_work(runtime.sessions) as session:
        row = session.get(ProcessedEvent, (event_id, consumer))
        if row is None:  # released between our insert and this read: the next delivery claims it
            return Busy(until=now)
        if (row.result or {}).get("state") != "claimed":
            return None
        previous = row.processed_at
        if previous + lease > now:
            return Busy(until=previous + lease)
        taken = session.execute(
            update(ProcessedEvent)
            .where(_key(event_id, consumer), ProcessedEvent.processed_at == previous)
            .values(processed_at=now, result={"state": "claimed", "taken_over": previous.isoformat()})
        )
        if taken.rowcount != 1:
            return Busy(until=now + lease)
    log.warning("Effect %s of event %s: claim from %s never recorded; taking it over", consumer, event_id, previous)
    return Claim(at=now, previous=previous)


def _key(event_id: str, consumer: str):
    return (ProcessedEvent.event_id == event_id) & (ProcessedEvent.consumer == consumer)


def record(runtime: Runtime, event_id: str, consumer: str, token: Claim, result: dict[str, Any]) -> None:
    """Record the effect's outcome under our claim (the Slack `ts` of a post, as soon as Slack answered)."""
    with unit_of_work(runtime.sessions) as session:
        done = session.execute(
            update(ProcessedEvent)
            .where(_key(event_id, consumer), ProcessedEvent.processed_at == token.at)
            .values(processed_at=utcnow(), result=result)
        )
    if done.rowcount != 1:
        log.warning("Effect %s of event %s: our claim was taken over before we recorded it", consumer, event_id)


def release(runtime: Runtime, event_id: str, consumer: str, token: Claim, *, unsure: bool) -> None:
    """Give the claim up after a failed call. `unsure` (the call may have reached Slack): keep the row but let its
    lease lapse, so the next delivery takes it over and looks for the post before posting; otherwise delete it."""
    with unit_of_work(runtime.sessions) as session:
        where = _key(event_id, consumer) & (ProcessedEvent.processed_at == token.at)
        if unsure:
            session.execute(update(ProcessedEvent).where(where).values(processed_at=token.at - timedelta(days=1)))
        else:
            session.execute(delete(ProcessedEvent).where(where))


def once(
    runtime: Runtime,
    event_id: str,
    consumer: str,
    effect: Callable[[], dict[str, Any] | None],
    find: Callable[[datetime], dict[str, Any] | None] | None = None,
) -> str | Busy:
    """Run `effect` unless (event_id, consumer) was recorded before: RAN, RECORDED, or Busy (another delivery
    holds it now; the event stays unfinished and comes back).

    The claim is committed before the Slack call and the result recorded right after it. A delivery that died in
    between leaves a claim that is taken over after the claim lease; for a post (`find` given), the taker first
    looks in the channel for the post carrying the effect's marker, and records it instead of posting again.
    """
    token = claim(runtime, event_id, consumer)
    if token is None:
        return RECORDED
    if isinstance(token, Busy):
        return token
    if token.previous is not None and find is not None:
        found = _find_safely(find, token.previous)
        if found is not None:
            record(runtime, event_id, consumer, token, {"state": "done", "recovered": True, **found})
            return RAN
    try:
        runtime.gate.wait()
        result = {"state": "done", **(effect() or {})}
    except SlackApiError as exc:
        refused = _refusal(exc)
        if refused is not None:
            log.warning("Slack refused %s of event %s: %s", consumer, event_id, refused)
            record(runtime, event_id, consumer, token, {"state": "refused", "error": refused})
            return RAN
        _fail(runtime, event_id, consumer, token, exc, unsure=find is not None)
    except BaseException as exc:
        _fail(runtime, event_id, consumer, token, exc, unsure=find is not None)
    record(runtime, event_id, consumer, token, result)
    return RAN


def _fail(runtime: Runtime, event_id: str, consumer: str, token: Claim, exc: BaseException, *, unsure: bool):
    delay = _retry_after_ms(exc)
    # A 429 means Slack did not take the post: release outright. Anything else may have reached Slack.
    release(runtime, event_id, consumer, token, unsure=unsure and delay is None)
    if delay is not None:
        runtime.gate.hold(delay / 1000)
        # Slack still says "slow down" after the client's own retries: come back no sooner than it asked.
        raise dramatiq.Retry(f"Slack rate limit on {consumer}", delay=delay) from exc
    raise exc


def _find_safely(find: Callable[[datetime], dict | None], since: datetime) -> dict | None:
    try:
        return find(since)
    except SlackApiError as exc:
        # No history scope or not a member: the bot cannot tell, so it posts (README: the window for a repeat).
        log.warning("Could not read history to look for an earlier post: %s", exc.response.get("error"))
        return None


def _refusal(exc: SlackApiError) -> str | None:
    response = exc.response
    if response is None or response.status_code != 200:
        return None
    error = response.get("error")
    return error if error in REFUSALS else None


def _retry_after_ms(exc: BaseException) -> int | None:
    if not isinstance(exc, SlackApiError) or exc.response is None or exc.response.status_code != 429:
        return None
    return retry_after_seconds(exc.response.headers) * 1000


# --- the event's row in the outbox -----------------------------------------------------------------------------------

ORDER_WAIT = timedelta(seconds=5)  # how soon a change waiting for its deal's earlier one looks again (or is nudged)


def _earlier_unfinished(session: Session, row: OutboxEvent) -> bool:
    """An earlier change of the same deal is still owed: this one waits, so a channel hears them in order."""
    if row.opportunity_id is None:
        return False
    return (
        session.scalar(
            select(OutboxEvent.id)
            .where(
                OutboxEvent.team_id == row.team_id,
                OutboxEvent.opportunity_id == row.opportunity_id,
                OutboxEvent.id < row.id,
                OutboxEvent.finished_at.is_(None),
                OutboxEvent.parked_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def _come_back(session: Session, row: OutboxEvent, at: datetime) -> None:
    """Hand the event back to the relay for `at`; not an expired lease, so it never counts towards parking."""
    row.dispatched_at = None
    row.due_at = at


def _finish(runtime: Runtime, event_id: str) -> None:
    """Every effect is recorded: the event is done, and the deal's next waiting change may go at once."""
    try:
        _finish_now(runtime, event_id)
    except IntegrityError:
        log.debug("Event %s was finished by another delivery", event_id)  # its EVENT_DONE row came first


def _finish_now(runtime: Runtime, event_id: str) -> None:
    now = utcnow()
    with unit_of_work(runtime.sessions) as session:
        row = session.scalars(select(OutboxEvent).where(OutboxEvent.event_id == event_id)).one_or_none()
        if session.get(ProcessedEvent, (event_id, EVENT_DONE)) is None:
            session.add(ProcessedEvent(event_id=event_id, consumer=EVENT_DONE, result={"state": "done"}))
        if row is None or row.finished_at is not None:
            return
        row.finished_at = now
        row.last_error = None
        if row.opportunity_id is None:
            return
        next_id = session.scalar(
            select(func.min(OutboxEvent.id)).where(
                OutboxEvent.team_id == row.team_id,
                OutboxEvent.opportunity_id == row.opportunity_id,
                OutboxEvent.id > row.id,
                OutboxEvent.finished_at.is_(None),
                OutboxEvent.dispatched_at.is_(None),
            )
        )
        if next_id is not None:
            session.execute(update(OutboxEvent).where(OutboxEvent.id == next_id).values(due_at=None))


def _not_finished(runtime: Runtime, event_id: str, busy: list[Busy]) -> None:
    """Another delivery holds some effect: look again when its claim would lapse."""
    with unit_of_work(runtime.sessions) as session:
        row = session.scalars(select(OutboxEvent).where(OutboxEvent.event_id == event_id)).one_or_none()
        if row is not None and row.finished_at is None:
            _come_back(session, row, min(b.until for b in busy))


def _note_error(runtime: Runtime, event_id: str, exc: BaseException) -> None:
    try:
        with unit_of_work(runtime.sessions) as session:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.event_id == event_id)
                .values(last_error=f"{type(exc).__name__}: {exc}"[:300])
            )
    except Exception:  # the database may be what failed; the error is logged by Dramatiq either way
        log.debug("Could not note the error of event %s", event_id, exc_info=True)


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
    return None if row is None else _info(row)


def _info(row: OutboxEvent) -> EventInfo:
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
    # The language each post is rendered in: a channel's (its subscription's, else the workspace's) for cards and
    # notifications, the assignee's own for the DM. App Home finds its owner's language itself.
    languages: dict[str, str] = field(default_factory=dict)

    def language(self, channel_or_user: str | None) -> str:
        return self.languages.get(channel_or_user or "", i18n.DEFAULT)


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
    channels = {c for c, _ts in result.cards} | set(result.channels)
    result.languages = languages.channel_languages(session, event.team_id, channels)
    if result.dm_user:
        result.languages.update(languages.user_languages(session, event.team_id, [result.dm_user]))
    return result


def process_event(runtime: Runtime, event_id: str) -> None:
    try:
        _process_event(runtime, event_id)
    except Exception as exc:
        _note_error(runtime, event_id, exc)
        raise


def _start(runtime: Runtime, event_id: str) -> tuple[EventInfo, Plan] | None:
    """The event and its plan, or None when there is nothing to do now (done, gone, or waiting its turn)."""
    with unit_of_work(runtime.sessions) as session:
        if session.get(ProcessedEvent, (event_id, EVENT_DONE)) is not None:
            return None
        row = session.scalars(select(OutboxEvent).where(OutboxEvent.event_id == event_id)).one_or_none()
        if row is None:
            log.warning("Outbox event %s is gone; nothing to do", event_id)
            return None
        if not _earlier_unfinished(session, row):
            event = _info(row)
            return event, plan(session, event) if event.opportunity_id is not None else Plan()
        _come_back(session, row, utcnow() + ORDER_WAIT)
    _recheck_turn(runtime, event_id)
    return None


def _recheck_turn(runtime: Runtime, event_id: str) -> None:
    """The earlier change may have finished while we decided to wait (missing our row in its nudge): look again."""
    with unit_of_work(runtime.sessions) as session:
        row = session.scalars(select(OutboxEvent).where(OutboxEvent.event_id == event_id)).one_or_none()
        if row is not None and row.dispatched_at is None and not _earlier_unfinished(session, row):
            row.due_at = None


def _process_event(runtime: Runtime, event_id: str) -> None:
    started = _start(runtime, event_id)
    if started is None:
        return
    event, todo = started
    if runtime.before_effect is not None:
        runtime.before_effect(event_id)
    client = runtime.slack(event.team_id)
    if client is None:
        # The workspace uninstalled the app (its token is gone): there is no one left to tell.
        log.info("No Slack token for %s; event %s done without Slack effects", event.team_id, event_id)
        _finish(runtime, event_id)
        return
    busy = [outcome for outcome in _effects(runtime, client, event, todo) if isinstance(outcome, Busy)]
    if busy:
        _not_finished(runtime, event_id, busy)
        return
    _finish(runtime, event_id)


def _effects(runtime: Runtime, client: WebClient, event: EventInfo, todo: Plan) -> Iterator[str | Busy]:
    event_id = event.event_id
    if event.kind == EXPORT_REQUESTED:  # issue 15: a large /opp export, with its progress message
        yield once(runtime, event_id, "export", lambda: _export(runtime, client, event))
    for channel_id, ts in todo.cards:
        yield once(
            runtime,
            event_id,
            f"card:{channel_id}:{ts}",
            lambda channel_id=channel_id, ts=ts: _in(
                todo.language(channel_id), _refresh_card, runtime, client, event, channel_id, ts
            ),
        )
    for user_id in todo.homes:
        yield once(
            runtime,
            event_id,
            f"home:{user_id}",
            lambda user_id=user_id: _publish_home(runtime, client, event.team_id, user_id),
        )
    for channel_id in todo.channels:
        consumer = f"notify:{channel_id}"
        marker = effect_marker(event_id, consumer)
        runtime.pacer.wait(channel_id)
        yield once(
            runtime,
            event_id,
            consumer,
            lambda channel_id=channel_id, marker=marker: _in(
                todo.language(channel_id), _post_notification, client, todo.subject, channel_id, marker
            ),
            find=lambda _since, channel_id=channel_id, marker=marker: find_post(client, channel_id, marker),
        )
    if todo.dm_user:
        consumer = f"dm:{todo.dm_user}"
        marker = effect_marker(event_id, consumer)
        yield once(
            runtime,
            event_id,
            consumer,
            lambda: _in(todo.language(todo.dm_user), _dm_assignee, client, todo.subject, todo.dm_user, marker),
            find=lambda _since: find_post(client, _open_dm(client, todo.dm_user), marker),
        )
    for channel_id in todo.archive:  # after the room heard the news; archiving twice is harmless
        yield once(
            runtime,
            event_id,
            f"archive:{channel_id}",
            lambda channel_id=channel_id: archive_room(client, runtime.sessions, channel_id),
        )


# --- effects ---------------------------------------------------------------------------------------------------------

EFFECT_EVENT_TYPE = "oppbot_effect"
HISTORY_PAGES = 5  # up to 1,000 of the channel's latest messages are searched for a post whose outcome is unknown


def _who(event: EventInfo) -> tuple[str, str, dict]:
    return event.team_id, event.actor_id, event.detail


def _in(language: str, effect: Callable[..., dict], *args) -> dict:
    """One effect rendered in `language` (the exactly-once bookkeeping around it is untouched)."""
    with i18n.use(language):
        return effect(*args)


def _export(runtime: Runtime, client: WebClient, event: EventInfo) -> dict:
    """The export's progress messages in the DM of whoever asked, in their language."""
    with unit_of_work(runtime.sessions) as session:
        language = languages.user_language(session, event.team_id, event.actor_id)
    return _in(language, deliver_export, runtime.sessions, client, *_who(event))


def effect_marker(event_id: str, consumer: str) -> dict:
    """Slack message metadata naming the effect a post is for, so a retry can recognise the post in history."""
    return {"event_type": EFFECT_EVENT_TYPE, "event_payload": {"effect": f"{event_id}/{consumer}"}}


def find_post(client: WebClient, channel_id: str, marker: dict) -> dict | None:
    """The post carrying `marker` among the channel's latest messages ({"channel", "ts"}), or None."""
    want = marker["event_payload"]["effect"]
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(channel=channel_id, include_all_metadata=True, limit=200, cursor=cursor)
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == EFFECT_EVENT_TYPE
                and (metadata.get("event_payload") or {}).get("effect") == want
            ):
                return {"channel": channel_id, "ts": message.get("ts")}
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    return None


def _post_notification(client: WebClient, subject: notifications.DealEvent, channel_id: str, marker: dict) -> dict:
    from oppbot.slack.blocks.notifications import deal_notification

    message = deal_notification(subject)
    response = client.chat_postMessage(
        channel=channel_id, text=message["text"], blocks=message["blocks"], unfurl_links=False, metadata=marker
    )
    return {"channel": response.get("channel"), "ts": response.get("ts")}


def _open_dm(client: WebClient, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def _dm_assignee(client: WebClient, subject: notifications.DealEvent, user_id: str, marker: dict) -> dict:
    from oppbot.slack.blocks.notifications import assignment_dm

    message = assignment_dm(subject)
    channel = _open_dm(client, user_id)
    response = client.chat_postMessage(channel=channel, text=message["text"], blocks=message["blocks"], metadata=marker)
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
    from oppbot.slack.home import publish_home

    publish_home(client, Deps(settings=runtime.settings, sessions=runtime.sessions), team_id, user_id)
    return {}
