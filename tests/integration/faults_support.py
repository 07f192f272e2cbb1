"""The fault rig: the real `oppbot serve` and `oppbot worker` processes, a private `redis-server` on a free port that
a test may stop and start again empty, and the fake Slack; slash commands go in over HTTP like Slack sends them.

Used by test_faults.py (one run of each fault in `make test`) and by `make soak` (the same tests, repeated).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from fakeslack import FakeSlack, sign, slash_command_body
from integration.workers_support import unfinished, wait_until
from sqlalchemy import func, select

from oppbot.db.models import OutboxEvent, ProcessedEvent

ROOT = Path(__file__).resolve().parents[2]
SECRET = "secret"
TEAM = "T111"
MANAGER = "U_BOSS"
DEALS = "C0DEALS"
# Short leases so a lost message or a dead worker's claim comes back within seconds, not minutes; the fake Slack
# has no per-channel limit, so posts are paced at 5 a second instead of Slack's 1 (the 429 test brings its own).
WORKER_ENV = {
    "OPPBOT_OUTBOX_LEASE_SECONDS": "4",
    "OPPBOT_CLAIM_LEASE_SECONDS": "5",
    "OPPBOT_CHANNEL_POST_INTERVAL": "0.2",
}
MOVED = re.compile(r"#(\d+)\D.*?(?:moved|reopened) (.+?) → (.+?) by ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of our own, without persistence (how Redis usually runs as a queue): a restart is empty."""

    def __init__(self, log: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        wait_until(self._answers, timeout=20, what="redis-server to answer")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # an abrupt end: nothing saved, everything queued is gone
            self.process.wait(10)
        self.process = None


class Rig:
    """One fault test's processes. Deals are made through the services; changes arrive as `/opp` over HTTP."""

    def __init__(self, tmp: Path, db_url: str, sessions, fake: FakeSlack, redis: RedisServer) -> None:
        self.tmp = tmp
        self.db_url = db_url
        self.sessions = sessions
        self.fake = fake
        self.redis = redis
        self.serve: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.url = ""
        self.workers_started = 0

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")}
        env.update(
            DATABASE_URL=self.db_url,
            REDIS_URL=self.redis.url,
            SLACK_API_URL=self.fake.base_url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            PYTHONUNBUFFERED="1",
            **WORKER_ENV,
            **extra,
        )
        return env

    def start_serve(self) -> None:
        port = free_port()
        self.serve = subprocess.Popen(
            [sys.executable, "-m", "oppbot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=self.env(),
            stdout=(self.tmp / "serve.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}"
        wait_until(self._healthy, timeout=60, what="oppbot serve to answer /healthz")

    def _healthy(self) -> bool:
        if self.serve is not None and self.serve.poll() is not None:
            raise AssertionError(f"oppbot serve exited: {(self.tmp / 'serve.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                return answer.status in (200, 503)
        except OSError:
            return False

    def start_worker(self, processes: int = 2, threads: int = 4) -> None:
        self.workers_started += 1
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "oppbot.cli", "worker", "--processes", str(processes), "--threads", str(threads)],
            cwd=ROOT,
            env=self.env(),
            stdout=(self.tmp / f"worker{self.workers_started}.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches the relay and every worker process
        )

    def kill_worker(self, sig: int = signal.SIGKILL) -> None:
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, sig)
            self.worker.wait(30)
        self.worker = None

    def stop(self) -> None:
        self.kill_worker(signal.SIGKILL)
        if self.serve is not None and self.serve.poll() is None:
            self.serve.terminate()
            try:
                self.serve.wait(10)
            except subprocess.TimeoutExpired:
                self.serve.kill()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.tmp.glob("*.log")))

    # --- Slack in --------------------------------------------------------------------------------------------------

    def command(self, text: str, user: str = "U_REP") -> str:
        """`/opp <text>` over HTTP, like Slack; returns the reply's text once the listener has answered."""
        key = uuid.uuid4().hex
        body = slash_command_body(
            text, team_id=TEAM, user_id=user, channel_id="C111", response_url=self.fake.response_url(key)
        )
        request = urllib.request.Request(
            f"{self.url}/slack/events",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        reply = self.fake.wait_for_responses(1, timeout=30, key=key)[0].body
        return str(reply.get("text", "")) + str(reply.get("blocks", ""))

    def subscribe(self, channel: str = DEALS) -> None:
        self.fake.users[MANAGER] = {"is_admin": True}
        assert channel in self.command(f"notify <#{channel}|deals>", user=MANAGER)

    def move(self, number: int, stage: str) -> None:
        reply = self.command(f"move {number} {stage}")
        assert "→" in reply or stage.lower() in reply.lower(), reply

    # --- what happened -----------------------------------------------------------------------------------------

    def wait_finished(self, timeout: float = 120) -> None:
        wait_until(
            lambda: unfinished(self.sessions) == 0, timeout=timeout, what="every outbox event finished\n" + self.logs()
        )

    def wait_dispatched(self, timeout: float = 60) -> None:
        """Every unfinished event was handed to Redis at least once (leased, or sent back to wait its turn)."""

        def handed_over() -> bool:
            with self.sessions() as session:
                waiting = session.scalar(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.finished_at.is_(None), OutboxEvent.due_at.is_(None))
                )
            return waiting == 0

        wait_until(handed_over, timeout=timeout, what="the relay to hand every event to Redis\n" + self.logs())

    def rejected_summary(self) -> list[tuple[str, int, str | None]]:
        return [(c.method, c.status, c.error) for c in self.fake.rejected][-20:]

    def notifications(self, channel: str = DEALS) -> list[tuple[int, str, str]]:
        """(deal number, from, to) of each accepted post to `channel`, in the order Slack took them."""
        out = []
        for call in self.fake.calls_to("chat.postMessage"):
            if call.args.get("channel") == channel:
                match = MOVED.search(str(call.args.get("text", "")))
                assert match, call.args.get("text")
                out.append((int(match.group(1)), match.group(2), match.group(3)))
        return out

    def markers(self) -> Counter:
        """How many accepted posts carry each effect's marker: exactly-once means every count is 1."""
        return Counter(
            (c.args.get("metadata") or {}).get("event_payload", {}).get("effect")
            for c in self.fake.calls_to("chat.postMessage")
        )

    def ledger(self) -> dict[str, dict[str, str]]:
        """event id -> consumer -> recorded state, for every finished event."""
        with self.sessions() as session:
            rows = session.execute(
                select(ProcessedEvent.event_id, ProcessedEvent.consumer, ProcessedEvent.result)
                .join(OutboxEvent, OutboxEvent.event_id == ProcessedEvent.event_id)
                .where(OutboxEvent.finished_at.is_not(None))
            ).all()
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for event_id, consumer, result in rows:
            out[event_id][consumer] = (result or {}).get("state")
        return out


def in_order(posts: list[tuple[int, str, str]], moves: dict[int, list[str]], first: str = "Lead") -> None:
    """Each deal's posts name its moves in the order they were made, each once."""
    for number, stages in moves.items():
        said = [(before, after) for n, before, after in posts if n == number]
        expected = list(zip([first, *stages[:-1]], stages, strict=True))
        assert said == expected, (number, said, expected)


def quietly(what, *args) -> None:
    """Clean-up that must not hide the test's own failure."""
    try:
        what(*args)
    except Exception as exc:
        print(f"teardown: {exc}", file=sys.stderr)


def settle(seconds: float) -> None:
    """Let background processes run on (not an assertion: nothing is measured)."""
    time.sleep(seconds)
