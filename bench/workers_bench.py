"""Worker throughput and digest fan-out, each beside its baseline.

- throughput: N outbox events (deal edits) → the outbox relay → Redis → oppbot's handle_event actor (idempotency
  ledger, App Home publish at the fake Slack) vs N messages to a no-op Dramatiq actor on the same Redis, same number
  of worker threads. Uses a private Redis db (default 9) and flushes only that db.
- digest fan-out: 1,000 digest subscriptions in one workspace, delivered by workers/scheduled.deliver_digest from
  two racing deliverers (as two schedulers or a redelivery would) while the fake Slack enforces 1 message/s per
  channel; compared with the rate-limit bound, counting duplicate posts (must be 0).

    python -m bench.workers_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_bench
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import dramatiq
import redis
from sqlalchemy import delete, func, insert, select

from bench.common import DEFAULT_PG, FakeSlack, line
from bench.seed import rep_id, team_id
from oppbot.config import Settings
from oppbot.db.models import OutboxEvent, ProcessedEvent, ScheduledSend, ScheduleSubscription
from oppbot.db.session import make_engine, session_factory
from oppbot.slack.app import web_client
from workers.actors import EVENT_DONE, Runtime
from workers.broker import BrokerOptions, build_broker, setup_broker
from workers.relay import Relay


def wait_for(condition, timeout: float, what: str, poll: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(poll)


def throughput(url: str, redis_url: str, fake: FakeSlack, team: str, events: int, threads: int) -> list[dict]:
    redis.Redis.from_url(redis_url).flushdb()  # our private db number only
    engine = make_engine(url)
    sessions = session_factory(engine)
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="x",
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=url,
        REDIS_URL=redis_url,
    )
    client = web_client(settings)
    runtime = Runtime(settings=settings, sessions=sessions, slack=lambda _team: client)

    # --- baseline: a no-op actor, same Redis, same worker threads -------------------------------------------------
    noop_broker = build_broker(settings, BrokerOptions(namespace="oppbot-bench-noop"), redis_url=redis_url)
    done = [0]
    lock = threading.Lock()

    def noop(i: int) -> None:
        with lock:
            done[0] += 1

    actor = dramatiq.Actor(noop, broker=noop_broker, actor_name="noop", queue_name="bench-noop", priority=0, options={})
    worker = dramatiq.Worker(noop_broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    started = time.monotonic()
    for i in range(events):
        actor.send(i)
    wait_for(lambda: done[0] >= events, 300, "no-op actor")
    noop_seconds = time.monotonic() - started
    worker.stop()

    # --- oppbot: outbox rows → relay → Redis → handle_event --------------------------------------------------------
    with engine.begin() as conn:
        from oppbot.db.models import Opportunity

        deals = (
            conn.execute(
                select(Opportunity.id)
                .where(Opportunity.team_id == team, Opportunity.assignee_id.is_not(None))
                .order_by(Opportunity.id)
                .limit(events)
            )
            .scalars()
            .all()
        )
    broker = setup_broker(settings, BrokerOptions(namespace="oppbot-bench"), redis_url=redis_url, runtime=runtime)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    ids = [str(uuid.uuid4()) for _ in range(events)]
    now = datetime.now(UTC)
    fake.reset()
    started = time.monotonic()
    with engine.begin() as conn:
        conn.execute(
            insert(OutboxEvent),
            [
                dict(
                    team_id=team,
                    event_id=eid,
                    kind="edited",
                    opportunity_id=deals[i % len(deals)],
                    actor_id=rep_id(0, 1),
                    payload={},
                    created_at=now,
                    attempts=0,
                )
                for i, eid in enumerate(ids)
            ],
        )
    relay = Relay(sessions, broker, idle_seconds=0.05).start()

    def processed() -> int:
        # Cheap on purpose (no 1,000-id IN list, polled 4×/s): the harness must not eat the workers' CPU.
        with sessions() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(ProcessedEvent)
                    .where(ProcessedEvent.consumer == EVENT_DONE, ProcessedEvent.processed_at >= now)
                )
                or 0
            )

    wait_for(lambda: processed() >= events, 600, "oppbot events", poll=0.25)
    ours_seconds = time.monotonic() - started
    relay.stop()
    worker.stop()
    homes = len(fake.calls_to("views.publish"))
    print(
        f"throughput: {events} events, {threads} worker threads; oppbot {ours_seconds:.1f}s "
        f"({homes} App Home publishes), no-op {noop_seconds:.1f}s",
        flush=True,
    )
    with engine.begin() as conn:  # leave the bench database as seeded
        conn.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id.in_(ids)))
        conn.execute(delete(OutboxEvent).where(OutboxEvent.event_id.in_(ids)))
    engine.dispose()
    redis.Redis.from_url(redis_url).flushdb()
    ours_rate, noop_rate = events / ours_seconds, events / noop_seconds
    r = ours_rate / noop_rate  # higher is better here: target ≥ 0.5
    print(
        f"{'worker throughput (events/s)':<44} oppbot {ours_rate:10.2f} ev/s baseline {noop_rate:10.2f} ev/s "
        f"ratio {r:6.2f}×  {'MET' if r >= 0.5 else 'MISSED (target ≥0.5×)'}",
        flush=True,
    )
    result = {
        "name": "worker throughput (events/s)",
        "ours": ours_rate,
        "base": noop_rate,
        "unit": "ev/s",
        "ratio": r,
        "target": ">=0.5",
        "app_home_publishes": homes,
    }
    return [result]


def fanout(url: str, fake: FakeSlack, team: str, channels: int, racers: int, threads: int) -> list[dict]:
    from workers.scheduled import deliver_digest

    engine = make_engine(url)
    sessions = session_factory(engine)
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET="x", SLACK_API_URL=fake.base_url, DATABASE_URL=url
    )
    client = web_client(settings)
    prefix = f"CD{uuid.uuid4().hex[:6].upper()}"
    with engine.begin() as conn:
        conn.execute(
            insert(ScheduleSubscription),
            [
                dict(
                    team_id=team,
                    channel_id=f"{prefix}{i:04d}",
                    kind="digest",
                    weekday=0,
                    time_of_day="09:00",
                    active=True,
                    created_by=rep_id(0, 0),
                    created_at=datetime.now(UTC),
                )
                for i in range(channels)
            ],
        )
        subs = (
            conn.execute(select(ScheduleSubscription.id).where(ScheduleSubscription.channel_id.like(f"{prefix}%")))
            .scalars()
            .all()
        )
    period = f"bench-{uuid.uuid4().hex[:8]}"
    fake.reset()
    fake.rate_limit_per_channel = 1.0
    # Each subscription is handed to `racers` deliverers at once; the claim must let exactly one post.
    jobs = [sub for sub in subs for _ in range(racers)]
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda sub: deliver_digest(sessions, client, sub, period), jobs))
    seconds = time.monotonic() - started
    posts = [c for c in fake.calls_to("chat.postMessage") if str(c.args.get("channel", "")).startswith(prefix)]
    per_channel = Tally(str(c.args["channel"]) for c in posts)
    duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
    limited = sum(1 for c in fake.rejected if c.error == "ratelimited")
    # The bound the limit sets: the busiest channel's posts at 1/s (its first post is free), at least one window.
    bound = max(1.0, (max(per_channel.values(), default=1) - 1) / fake.rate_limit_per_channel + 1.0)
    print(
        f"fan-out: {channels} channels × {racers} racing deliverers, {threads} threads: {seconds:.1f}s, "
        f"{len(posts)} posts, {len(per_channel)} channels reached, {duplicates} duplicates, {limited} rate-limited "
        f"calls, {sum(1 for r in results if r)} deliveries won the claim",
        flush=True,
    )
    fake.rate_limit_per_channel = None
    with engine.begin() as conn:
        conn.execute(delete(ScheduledSend).where(ScheduledSend.channel_id.like(f"{prefix}%")))
        conn.execute(delete(ScheduleSubscription).where(ScheduleSubscription.channel_id.like(f"{prefix}%")))
    engine.dispose()
    result = line(f"digest fan-out to {channels} channels (s)", seconds, bound, unit="s", target=1.2)
    result.update(duplicates=duplicates, channels_reached=len(per_channel), per_digest_ms=seconds / channels * 1000)
    return [result]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--workspace", type=int, default=0)
    parser.add_argument("--digest-workspace", type=int, default=None, help="defaults to --workspace")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--racers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--skip", choices=["throughput", "fanout"], action="append", default=[])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    fake = FakeSlack().start()
    results = []
    try:
        if "throughput" not in args.skip:
            results += throughput(
                args.database_url, args.redis_url, fake, team_id(args.workspace), args.events, args.threads
            )
        if "fanout" not in args.skip:
            ws = args.workspace if args.digest_workspace is None else args.digest_workspace
            results += fanout(args.database_url, fake, team_id(ws), args.channels, args.racers, args.threads)
    finally:
        fake.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
