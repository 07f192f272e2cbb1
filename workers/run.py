"""Running the workers: `oppbot worker` (Dramatiq processes on Redis + the relay) and in-process for `oppbot dev`."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass

import dramatiq

from oppbot.config import Settings
from workers.relay import Lease, Relay

log = logging.getLogger(__name__)

REDIS_REQUIRED = """`oppbot worker` needs Redis: set REDIS_URL (for example REDIS_URL=redis://localhost:6379/0) in the
environment or in .env, and run the same REDIS_URL for `oppbot serve`/`oppbot socket`.
Without Redis, run everything in one process with `oppbot dev` (an in-process broker and worker threads)."""


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


def run_worker(settings: Settings, *, processes: int, threads: int) -> int:
    """`oppbot worker`: Dramatiq's own CLI runs the worker processes (it restarts and signals them properly);
    this process runs the outbox relay beside them and stops them when it is stopped."""
    if not settings.redis_url:
        print(REDIS_REQUIRED, file=sys.stderr)
        return 2
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
    relay = Relay(runtime.sessions, build_broker(settings), lease=lease_for(settings)).start()
    log.info("Worker processes started (pid %s); outbox relay running", child.pid)

    def forward(signum, _frame):
        relay.stop()
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        return child.wait()
    finally:
        relay.stop()
