"""Running the workers: `oppbot worker` (Dramatiq processes on Redis + the relay) and in-process for `oppbot dev`."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass

import dramatiq

from oppbot.config import Settings
from oppbot.startup import redis_location
from workers.outage import Outage
from workers.relay import Lease, Relay

log = logging.getLogger(__name__)

# How often `oppbot worker` pings Redis while it answers; while it does not, Outage's back-off steps apply.
WATCH_SECONDS = 5.0


def lease_for(settings: Settings) -> Lease:
    return Lease(seconds=settings.outbox_lease_seconds, max_redispatches=settings.outbox_max_redispatches)


@dataclass
class InProcess:
    """Worker threads and the relay thread on one broker; stop() drains nothing, the outbox keeps what's left."""

    broker: dramatiq.Broker
    worker: dramatiq.Worker
    relay: Relay

    def stop(self, timeout: float = 10.0) -> None:
        self.relay.stop(timeout)
        self.worker.stop(timeout=int(timeout * 1000))


def start_in_process(settings: Settings, *, runtime=None, worker_threads: int = 4, options=None) -> InProcess:
    """For `oppbot dev`: the broker from settings (in-process without REDIS_URL), worker threads and the relay."""
    from workers.actors import default_runtime
    from workers.broker import setup_broker

    runtime = runtime or default_runtime(settings)
    broker = setup_broker(settings, options, runtime=runtime)
    worker = dramatiq.Worker(broker, worker_threads=worker_threads, worker_timeout=100)
    worker.start()
    relay = Relay(runtime.sessions, broker, lease=lease_for(settings)).start()
    return InProcess(broker, worker, relay)


class RedisWatch:
    """A thread that pings Redis: the worker's outage is reported (and its end said) even when nothing is queued."""

    def __init__(self, url: str, outage: Outage, every: float = WATCH_SECONDS) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.outage = outage
        self.every = every
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.client.ping()
            except Exception as exc:  # redis' ConnectionError, TimeoutError, …
                self._stop.wait(min(self.every, self.outage.failed(exc)))
                continue
            self.outage.ok()
            self._stop.wait(self.every)

    def start(self) -> RedisWatch:
        threading.Thread(target=self.run, name="oppbot-redis-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()


def run_worker(settings: Settings, *, processes: int, threads: int) -> int:
    """`oppbot worker`: Dramatiq's own CLI runs the worker processes (it restarts and signals them properly);
    this process runs the outbox relay beside them and stops them when it is stopped. The CLI has checked that
    REDIS_URL is set and answers."""
    from workers.actors import default_runtime
    from workers.broker import build_broker

    command = [
        sys.executable,
        "-m",
        "dramatiq",
        "workers.main",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
    ]
    child = subprocess.Popen(command, env=os.environ.copy())
    runtime = default_runtime(settings)
    outage = Outage(f"Redis at {redis_location(settings.redis_url)}", log)
    watch = RedisWatch(settings.redis_url, outage).start()
    relay = Relay(runtime.sessions, build_broker(settings), broker_outage=outage, lease=lease_for(settings)).start()
    log.info("Worker processes started (pid %s); outbox relay running", child.pid)

    def forward(signum, _frame):
        watch.stop()
        relay.stop()
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        return child.wait()
    finally:
        relay.stop()
