"""A Dramatiq worker on Redis killed with SIGKILL mid-job: every event is processed after a restart, none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from fakeslack import FakeSlack
from integration.helpers import make_customer, make_deal
from integration.workers_support import processed_count, settings_for, wait_until

from oppbot.db.session import unit_of_work
from oppbot.services import notifications
from workers.broker import BrokerOptions, build_broker
from workers.relay import relay_once

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "C_KILL"


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "integration.gated_worker", "--processes", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the kill reaches the forked worker process too
    )


def stop(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(30)


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_worker_killed_mid_job_leaves_no_event_unprocessed_and_none_processed_twice(
    db_url, sessions, rep, manager, redis_url, tmp_path
):
    namespace = f"oppbot-test-{uuid.uuid4().hex[:10]}"
    gate = tmp_path / "gate"
    gate.mkdir()
    with FakeSlack() as fake:
        settings = settings_for(db_url, fake, redis_url)
        env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "SLACK_API_URL": fake.base_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "OPPBOT_TEST_GATE": str(gate),
            "OPPBOT_TEST_NAMESPACE": namespace,
        }
        with unit_of_work(sessions) as session:
            notifications.subscribe(session, manager, CHANNEL)
        customer = make_customer(sessions, rep)
        for title in ("Alpha", "Bravo", "Charlie"):
            make_deal(sessions, rep, customer, title=title)
        relay_once(sessions, build_broker(settings, BrokerOptions(namespace=namespace)))

        first = start_worker(env, tmp_path / "worker1.log")
        try:
            wait_until(lambda: any(gate.glob("started-*")), timeout=60, what="a job to start")
            stop(first, signal.SIGKILL)
        finally:
            stop(first, signal.SIGKILL)
        assert processed_count(sessions) == 0  # killed mid-job: nothing was finished
        assert fake.calls_to("chat.postMessage") == []

        (gate / "open").touch()
        second = start_worker(env, tmp_path / "worker2.log")
        try:
            wait_until(
                lambda: processed_count(sessions) == 3,
                timeout=90,
                what="all 3 events after the restart: " + (tmp_path / "worker2.log").read_text()[-2000:],
            )
        finally:
            stop(second, signal.SIGTERM)

        posts = Counter(
            t
            for c in fake.calls_to("chat.postMessage")
            for t in ("Alpha", "Bravo", "Charlie")
            if t in str(c.args["blocks"])
        )
        assert posts == {"Alpha": 1, "Bravo": 1, "Charlie": 1}
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
