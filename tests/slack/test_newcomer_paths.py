"""The README's two Slack paths from a fresh directory and a fresh .env, through the real processes `make run` starts,
and honest health on a database that was never migrated (issue 20)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import free_port
from fakeslack import sign, slash_command_body
from unit.blockkit import mrkdwn_texts

from oppbot.db.migrate import head_revisions, upgrade
from oppbot.slack.server import NOT_MIGRATED

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "0123456789abcdef0123456789abcdef"
SETTINGS = ("SLACK_", "DATABASE_URL", "REDIS_URL", "OPPBOT_")


def make_run_steps() -> list[list[str]]:
    """The commands of the Makefile's `run` target, with $(BIN) as this interpreter's bin directory."""
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", text, re.MULTILINE).group(1)
    return [line.strip().replace("$(BIN)", str(BIN)).split() for line in recipe.splitlines()]


def clean_env() -> dict[str, str]:
    """The environment without any oppbot setting: the fresh .env is the only source, as for a newcomer."""
    return {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)} | {"PYTHONUNBUFFERED": "1"}


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


class Process:
    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.log_path = cwd / f"{Path(argv[0]).name}-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop(), after the process ends)
        self.process = subprocess.Popen(argv, cwd=cwd, env=clean_env(), stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def wait_until(self, ready, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None:
                pytest.fail(f"exited with {self.process.returncode} before {what}:\n{self.log[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {timeout} s:\n{self.log[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _healthy(url: str):
    def ready() -> bool:
        try:
            return get(f"{url}/healthz")[0] in (200, 503)
        except (urllib.error.URLError, OSError):
            return False

    return ready


def test_make_run_serves_http_with_only_a_bot_token_and_signing_secret(fake_slack, tmp_path):
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN=xoxb-newcomer\nSLACK_SIGNING_SECRET={SECRET}\nSLACK_API_URL={fake_slack.base_url}\n"
    )
    migrate, dev = make_run_steps()
    done = subprocess.run(migrate, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"revision {head_revisions()[0]} (head)" in done.stdout
    port = free_port()
    process = Process([*dev, "--port", str(port)], tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        process.wait_until(_healthy(url), "/healthz")
        assert get(f"{url}/healthz") == (
            200,
            {
                "status": "ok",
                "database": "ok",
                "broker": "ok (in-process)",
                "outbox": {"backlog": 0, "oldest_unfinished_seconds": None, "parked": 0},
            },
        )
        key = uuid.uuid4().hex
        body = slash_command_body("help", response_url=fake_slack.response_url(key))
        request = urllib.request.Request(
            f"{url}/slack/events",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        (reply,) = fake_slack.wait_for_responses(1, timeout=15, key=key)
        assert "/opp show #42" in "\n".join(mrkdwn_texts(reply.body["blocks"]))
    finally:
        process.stop()
    assert "oppbot dev: HTTP mode" in process.log and not fake_slack.calls_to("apps.connections.open")
    assert "token` will be unused" not in process.log and "Traceback" not in process.log


def test_make_run_uses_socket_mode_when_an_app_token_is_set(fake_slack, tmp_path):
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN=xoxb-newcomer\nSLACK_APP_TOKEN=xapp-1-A1-1-newcomer\nSLACK_API_URL={fake_slack.base_url}\n"
    )
    migrate, dev = make_run_steps()
    assert subprocess.run(migrate, cwd=tmp_path, env=clean_env(), capture_output=True, timeout=60).returncode == 0
    process = Process(dev, tmp_path)
    try:
        process.wait_until(lambda: fake_slack.calls_to("apps.connections.open"), "apps.connections.open")
        process.wait_until(lambda: "oppbot dev: Socket Mode" in process.log, "the Socket Mode line")
    finally:
        process.stop()
    (call, *_) = fake_slack.calls_to("apps.connections.open")
    assert call.token == "xapp-1-A1-1-newcomer"
    assert "token` will be unused" not in process.log


def test_healthz_is_503_until_the_database_is_migrated(fake_slack, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN=xoxb-x\nSLACK_SIGNING_SECRET={SECRET}\nSLACK_API_URL={fake_slack.base_url}\nDATABASE_URL={db_url}\n"
    )
    port = free_port()
    process = Process([str(BIN / "oppbot"), "serve", "--host", "127.0.0.1", "--port", str(port)], tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_until(_healthy(url), "/healthz")
        status, body = get(f"{url}/healthz")
        assert (status, body["database"]) == (503, NOT_MIGRATED)
        assert NOT_MIGRATED == "not migrated (run oppbot db upgrade)"
        upgrade(db_url, "0001")  # part of the way: still behind head
        assert get(f"{url}/healthz") == (
            503,
            {"status": "unavailable", "database": NOT_MIGRATED, "broker": "ok (in-process)", "outbox": "unavailable"},
        )
        upgrade(db_url)
        assert get(f"{url}/healthz")[0] == 200
    finally:
        process.stop()
    said = [line for line in process.log.splitlines() if "not migrated" in line]
    assert len(said) == 1 and "run oppbot db upgrade" in said[0] and "WARNING" in said[0], process.log
