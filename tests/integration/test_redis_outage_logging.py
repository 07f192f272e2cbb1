"""A scheduler or worker that loses Redis: one warning per back-off step, no traceback per tick, and a line when it is
back (issue 20). A private redis-server on a free port is stopped and started again; the shared one is never touched."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import dramatiq
import pytest
import redis

from oppbot import scheduling
from workers.outage import OnlyAtBackoffSteps, Outage
from workers.run import RedisWatch


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/4"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


def warnings_of(caplog, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and r.levelno >= logging.WARNING]


def test_outage_reports_once_per_backoff_step_and_when_back(caplog):
    clock = Clock()
    outage = Outage("Redis", logging.getLogger("test.outage"), clock=clock)
    caplog.set_level(logging.INFO, "test.outage")
    # A failure every 0.5 s for 20 s: reports at 0, 1, 3, 7, 15 s (steps of 1, 2, 4, 8 s), not 40 times.
    for _ in range(40):
        outage.failed(ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
        clock.now += 0.5
    outage.ok()
    outage.ok()  # said once
    lines = [r.getMessage() for r in warnings_of(caplog, "test.outage")]
    assert len(lines) == 6, lines
    assert all("unavailable (Error 111" in line for line in lines[:5])
    assert [line.split("next report in ")[1].split(" s")[0] for line in lines[:5]] == ["1", "2", "4", "8", "16"]
    assert lines[5] == "Redis is back after 20 s"
    assert not any(r.exc_info for r in caplog.records)


def test_the_scheduler_losing_redis_warns_per_step_and_says_when_it_is_back(private_redis, caplog, monkeypatch):
    from workers import scheduled
    from workers.broker import BrokerOptions, build_broker

    broker = build_broker(None, BrokerOptions(namespace="oppbot-outage-test"), redis_url=private_redis.url)
    scheduled.declare(broker, runtime=None)  # the tick only has to reach the queue: no runtime runs it
    previous = dramatiq.get_broker()
    dramatiq.set_broker(broker)
    clock = Clock()
    outage = Outage("Redis (the scheduler's broker)", scheduling.log, clock=clock)
    monkeypatch.setattr(scheduling, "BROKER_OUTAGE", outage)
    caplog.set_level(logging.INFO, "oppbot.scheduling")
    try:
        scheduling.enqueue_tick()  # Redis up: nothing said
        assert warnings_of(caplog, "oppbot.scheduling") == []
        private_redis.stop()
        for _ in range(10):  # ten ticks, 30 s apart on the scheduler's clock
            scheduling.enqueue_tick()  # no exception reaches APScheduler (which would log a traceback)
            clock.now += 30
        down = warnings_of(caplog, "oppbot.scheduling")
        # 0, 30, 60, 90, 120 s … with steps 1, 2, 4, 8, 16, 32, 64 s: reports at 0, 30, 60, 90, 120, 180, 270 s.
        assert len(down) == 7, [r.getMessage() for r in down]
        assert all("is unavailable" in r.getMessage() and not r.exc_info for r in down)
        private_redis.start()
        scheduling.enqueue_tick()
        back = warnings_of(caplog, "oppbot.scheduling")[len(down) :]
        assert [r.getMessage() for r in back] == ["Redis (the scheduler's broker) is back after 300 s"]
        queued = redis.Redis.from_url(private_redis.url).llen(f"oppbot-outage-test:{scheduled.QUEUE}")
        assert queued == 1  # the tick after it
    finally:
        dramatiq.set_broker(previous)


def test_the_workers_redis_watch_says_it_is_down_and_back(private_redis, caplog):
    log = logging.getLogger("test.watch")
    caplog.set_level(logging.INFO, "test.watch")
    outage = Outage("Redis", log, first_step=0.05, longest_step=0.2)
    watch = RedisWatch(private_redis.url, outage, every=0.05).start()
    try:
        private_redis.stop()
        deadline = time.monotonic() + 10
        while not outage.down and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        private_redis.start()
        while outage.down and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        watch.stop()
    messages = [r.getMessage() for r in warnings_of(caplog, "test.watch")]
    assert messages and "is unavailable" in messages[0] and messages[-1].startswith("Redis is back after")
    assert sum("is back" in m for m in messages) == 1
    assert not any(r.exc_info for r in caplog.records)


def test_dramatiqs_consumer_errors_are_thinned_to_backoff_steps():
    clock = Clock()
    logger = logging.getLogger("test.consumer")
    shown: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            shown.append(record.getMessage())

    logger.addHandler(Keep())
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addFilter(
        OnlyAtBackoffSteps("connection error", "Restarting", Outage("Redis", logger, clock=clock, longest_step=8))
    )
    for _ in range(10):  # Dramatiq: an error and a restart line every 3 s
        logger.critical("Consumer encountered a connection error: %s", "Error 111")
        logger.info("Restarting consumer in %0.2f seconds.", 3)
        clock.now += 3
    errors = [m for m in shown if "connection error" in m]
    # Errors at 0, 3, 6 … 27 s; steps 1, 2, 4, 8, 8 s: reported at 0, 3 (due 1), 6 (due 5), 12 (due 10), 21 (due 20).
    assert len(errors) == 5, shown
    assert "(1 more like it since the last report)" in errors[3]
    assert "(2 more like it since the last report)" in errors[4]
    assert len([m for m in shown if "Restarting" in m]) == 5
