"""The one place that picks the Dramatiq broker: Redis when REDIS_URL is set, otherwise an in-process one."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from oppbot.config import Settings

NAMESPACE = "oppbot"

# Retries back off exponentially from MIN to MAX; a job that keeps failing gives up after MAX_RETRIES (about a day).
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 10 * 60_000
MAX_RETRIES = 150
TIME_LIMIT_MS = 2 * 60_000
# An event older than this is not worth acting on any more (its card is refreshed by the next change anyway);
# generous so a long Redis outage still delivers every notification once the relay catches up.
MAX_AGE_MS = 7 * 24 * 3600_000
# A dead worker's reserved (prefetched, unacked) messages run again within 10 s: every live worker process writes
# its heartbeat on each Redis command, and its idle consumers poll at least once a second (the delay queue's
# consumer keeps polling even while every worker thread is busy), so 5 s of silence means the process is gone.
# Every command then checks for dead workers (a ZRANGEBYSCORE on a set with one entry per worker process: cheap),
# so their messages are requeued by the next command after those 5 s instead of by a 0.1% roll a minute later.
# A live worker wrongly taken for dead only causes a second delivery, which the claim ledger absorbs; and the
# outbox lease re-dispatches anything Redis loses whatever these settings are.
HEARTBEAT_TIMEOUT_MS = 5_000
MAINTENANCE_CHANCE = 1_000_000


@dataclass(frozen=True, slots=True)
class BrokerOptions:
    """Knobs tests turn: a private Redis namespace, quicker requeue of a dead worker's jobs, quicker retries."""

    namespace: str = NAMESPACE
    min_backoff_ms: int = MIN_BACKOFF_MS
    max_backoff_ms: int = MAX_BACKOFF_MS
    max_retries: int = MAX_RETRIES
    time_limit_ms: int = TIME_LIMIT_MS
    # Redis only: how long a worker may stay silent before its unacked jobs go back to the queue, and how many
    # Redis commands in a million run that clean-up (Dramatiq's heartbeat_timeout / maintenance_chance).
    heartbeat_timeout_ms: int = HEARTBEAT_TIMEOUT_MS
    maintenance_chance: int = MAINTENANCE_CHANCE


def middleware(options: BrokerOptions) -> list:
    return [
        AgeLimit(max_age=MAX_AGE_MS),
        TimeLimit(time_limit=options.time_limit_ms),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(
            max_retries=options.max_retries,
            min_backoff=options.min_backoff_ms,
            max_backoff=options.max_backoff_ms,
        ),
    ]


def build_broker(settings: Settings, options: BrokerOptions | None = None, *, redis_url: str | None = None):
    """A new broker (not yet global): RedisBroker for `redis_url` or settings.redis_url, else a StubBroker."""
    options = options or BrokerOptions()
    url = redis_url or settings.redis_url
    if url:
        import redis
        from dramatiq.brokers.redis import RedisBroker

        # Fail fast while Redis is down: the relay leaves the row undispatched and tries again later.
        # (RedisBroker ignores connection keywords beside url=, so the client is built here.)
        client = redis.Redis(
            connection_pool=redis.ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        )
        return RedisBroker(
            client=client,
            namespace=options.namespace,
            middleware=middleware(options),
            heartbeat_timeout=options.heartbeat_timeout_ms,
            maintenance_chance=options.maintenance_chance,
        )
    # No Redis: messages live in this process's memory and worker threads (start_in_process) consume them.
    # The outbox still holds every event, so a restart re-sends whatever was not processed.
    broker = StubBroker(middleware=middleware(options))
    broker.emit_after("process_boot")
    return broker


def setup_broker(
    settings: Settings,
    options: BrokerOptions | None = None,
    *,
    redis_url: str | None = None,
    runtime=None,
):
    """Build the broker, make it Dramatiq's global one, and declare oppbot's actors on it. Call before any `send`.

    `runtime` (workers.actors.Runtime) is what the actors use for the database and Slack; by default it is built
    from `settings`.
    """
    from workers import actors, scheduled

    broker = build_broker(settings, options, redis_url=redis_url)
    dramatiq.set_broker(broker)
    runtime = runtime or actors.default_runtime(settings)
    actors.declare(broker, runtime)
    scheduled.declare(broker, runtime)
    return broker
