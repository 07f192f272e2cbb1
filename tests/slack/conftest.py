"""End-to-end harness: the real `oppbot serve` process, a migrated SQLite file, and the fake Slack Web API.

One server per test session (starting a process per test would dominate the suite's time); each test gets its own
workspace (a fresh team_id), so deal numbers start at #1 and no test sees another's rows. After every test the fake
must have seen no Block Kit or limit violation.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fakeslack import FakeSlack, event_body, interactive_body, sign, slash_command_body
from fakeslack.signing import new_trigger_id
from slack_sdk import WebClient
from wsgi import InProcessSlack, single_token_settings

from oppbot.db.migrate import upgrade
from oppbot.db.session import make_engine, session_factory
from oppbot.services.context import Actor
from oppbot.slack import metadata
from oppbot.slack.app import build_app
from oppbot.slack.deps import Deps
from oppbot.slack.server import wsgi_app

SECRET = "secret"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class HttpResult:
    status: int
    body: bytes
    seconds: float  # how long until the HTTP answer arrived (the ack), not the reply


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> HttpResult:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return HttpResult(answer.status, answer.read(), time.monotonic() - started)
    except urllib.error.HTTPError as err:
        return HttpResult(err.code, err.read(), time.monotonic() - started)


class ServeProcess:
    """`python -m oppbot.cli serve` as a subprocess on a free port, a freshly migrated SQLite file and `fake` as
    its Slack Web API; its stdout and stderr go to `log_path`. Healthy (GET /healthz answered 200) once built."""

    def __init__(self, tmp: Path, fake: FakeSlack) -> None:
        self.fake = fake
        self.db_url = f"sqlite:///{tmp / 'oppbot.db'}"
        upgrade(self.db_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "serve.log"
        env = {k: v for k, v in os.environ.items() if k not in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "REDIS_URL")}
        env.update(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=self.db_url,
            PYTHONUNBUFFERED="1",
        )
        # The child keeps its own descriptor of the log; ours can close at once.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "oppbot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                cwd=tmp,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"oppbot serve exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"oppbot serve did not become healthy:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list[str]:
        return self.log_text().splitlines()

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class Server:
    fake: FakeSlack
    url: str
    db_url: str
    sessions: object
    log_path: Path


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """FakeSlack + migrated SQLite + `python -m oppbot.cli serve` as a subprocess, for the whole session."""
    fake = FakeSlack().start()
    process = ServeProcess(tmp_path_factory.mktemp("e2e"), fake)
    engine = make_engine(process.db_url)
    yield Server(fake, process.url, process.db_url, session_factory(engine), process.log_path)
    process.stop()
    engine.dispose()
    fake.stop()


@pytest.fixture(scope="module")
def private_server(tmp_path_factory) -> ServeProcess:
    """A server of the module's own (not the session's): its log holds only what that module's tests sent, and its
    memory is measured without other tests' traffic."""
    fake = FakeSlack().start()
    process = ServeProcess(tmp_path_factory.mktemp("private-serve"), fake)
    yield process
    process.stop()
    fake.stop()


@dataclass
class Slack:
    """One test's view of Slack: its own workspace, signed requests, and the fake's records."""

    server: Server
    team_id: str
    channel_id: str = "C111"
    last_key: str | None = field(default=None)

    @property
    def fake(self) -> FakeSlack:
        return self.server.fake

    @property
    def sessions(self):
        return self.server.sessions

    def actor(self, user_id: str = "U_REP", is_manager: bool = False) -> Actor:
        return Actor(self.team_id, user_id, is_manager=is_manager)

    def make_manager(self, user_id: str = "U_BOSS") -> str:
        """users.info says this user is a workspace admin: a manager."""
        self.fake.users[user_id] = {"is_admin": True}
        return user_id

    # --- raw HTTP ----------------------------------------------------------------------------------------------

    def send(
        self,
        body: bytes,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> HttpResult:
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sign(SECRET, body))
        all_headers.update(headers or {})
        return post(f"{self.server.url}/slack/events", body, all_headers)

    # --- slash commands ----------------------------------------------------------------------------------------

    def command(self, text: str, user: str = "U_REP", trigger_id: str | None = None) -> tuple[HttpResult, str]:
        """Post `/opp <text>`; returns the HTTP answer (the ack) and the response_url key replies go to."""
        key = uuid.uuid4().hex
        body = slash_command_body(
            text,
            team_id=self.team_id,
            user_id=user,
            channel_id=self.channel_id,
            response_url=self.fake.response_url(key),
            trigger_id=trigger_id,
        )
        result = self.send(body)
        assert result.status == 200, (result.status, result.body)
        self.last_key = key
        return result, key

    def reply(self, key: str, count: int = 1, timeout: float = 10.0) -> dict:
        """The `count`-th post to the response_url `key` (waiting for it)."""
        return self.fake.wait_for_responses(count, timeout=timeout, key=key)[count - 1].body

    def ask(self, text: str, user: str = "U_REP") -> dict:
        """`/opp <text>` and its (first) reply."""
        _, key = self.command(text, user)
        return self.reply(key)

    # --- interactivity -----------------------------------------------------------------------------------------

    def click(
        self, action: dict, user: str = "U_REP", block_id: str | None = None, response_key: str | None = None
    ) -> tuple[HttpResult, str]:
        """A block_actions payload (shape of payloads/block_actions.message_button.json) from an ephemeral card."""
        key = response_key or uuid.uuid4().hex
        action = {"action_ts": f"{time.time():.6f}", **action}
        if block_id is not None:
            action["block_id"] = block_id
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id},
            "api_app_id": "A111",
            "token": "verification_token",
            "container": {
                "type": "message",
                "message_ts": "111.222",
                "channel_id": self.channel_id,
                "is_ephemeral": True,
            },
            "trigger_id": new_trigger_id(),
            "team": {"id": self.team_id, "domain": "workspace-domain"},
            "channel": {"id": self.channel_id, "name": "sales"},
            "response_url": self.fake.response_url(key),
            "actions": [action],
        }
        result = self.send(interactive_body(payload))
        assert result.status == 200, (result.status, result.body)
        return result, key

    def press(
        self,
        message: dict,
        action_id: str,
        *,
        user: str = "U_REP",
        option_value: str | None = None,
        selected_user: str | None = None,
    ) -> dict:
        """Find `action_id` in a message's blocks and click it like Slack would; returns the reply."""
        block, element = find_element(message, action_id)
        action = {"action_id": element["action_id"], "type": element["type"]}
        if element["type"] == "button":
            action["value"] = element["value"]
            action["text"] = element["text"]
        elif element["type"] in ("static_select", "overflow"):
            chosen = next(
                o
                for o in element["options"]
                if option_value is None
                or o["value"] == option_value
                or o["value"].endswith(":" + option_value)
                or o["value"].startswith(option_value + ":")
            )
            action["selected_option"] = chosen
        elif element["type"] == "users_select":
            action["selected_user"] = selected_user
        _, key = self.click(action, user=user, block_id=block.get("block_id"))
        return self.reply(key)

    # --- modals, events, shortcuts, pickers ----------------------------------------------------------------------

    def _who(self, user: str) -> dict:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id}

    def interact(self, payload: dict) -> HttpResult:
        """Post an interactivity payload; the HTTP answer is the ack (its body: response_action, options...)."""
        result = self.send(interactive_body(payload))
        assert result.status == 200, (result.status, result.body)
        return result

    def opened_view(self, callback_id: str | None = None, timeout: float = 5.0) -> dict:
        """The view with `callback_id` once loaded (not the placeholder views.open shows), else the latest view."""
        calls = self.fake.wait_for("views.open", timeout=timeout) + self.fake.calls_to("views.push")
        calls.sort(key=lambda c: c.time)
        if callback_id is not None:
            # Loading modals become the real one through views.update: wait until it carries the callback.
            deadline = time.monotonic() + timeout
            while True:
                views = [
                    v
                    for v in list(self.fake.views.values())
                    if v.get("callback_id") == callback_id
                    and "Loading…" not in json.dumps(v["blocks"], ensure_ascii=False)
                ]
                if views or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            assert views, (
                f"no view with callback {callback_id}: {[v.get('callback_id') for v in self.fake.views.values()]}"
            )
            return views[-1]
        ids = [v["id"] for v in self.fake.views.values()]
        return self.fake.views[ids[-1]]

    def submit(self, view: dict, values: dict, user: str = "U_REP") -> tuple[HttpResult, dict]:
        """A view_submission (shape of payloads/view_submission.json) of `view` with state.values; (ack, body)."""
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "workspace-domain"},
            "user": self._who(user),
            "api_app_id": "A111",
            "token": "verification_token",
            "trigger_id": new_trigger_id(),
            "view": {
                **view,
                "team_id": self.team_id,
                "state": {"values": values},
                "app_installed_team_id": self.team_id,
            },
            "response_urls": [],
        }
        result = self.interact(payload)
        return result, (json.loads(result.body) if result.body.strip() not in (b"", b"null") else {})

    def event(self, event: dict) -> HttpResult:
        result = self.send(event_body(event, team_id=self.team_id), content_type="application/json")
        assert result.status == 200, (result.status, result.body)
        return result

    def open_home(self, user: str = "U_REP") -> dict:
        """app_home_opened (shape of payloads/app_home_opened.event_callback.bolt_test.json); the published view."""
        before = len(self.fake.calls_to("views.publish"))
        self.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": "D111",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
        )
        self.fake.wait_for("views.publish", count=before + 1, timeout=20)
        return self.fake.home_views[user]  # as stored: with its id and hash, like a click from it carries

    def message_shortcut(self, callback_id: str, text: str, user: str = "U_REP") -> HttpResult:
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": new_trigger_id(),
            "team": {"id": self.team_id, "domain": "workspace-domain"},
            "user": self._who(user),
            "channel": {"id": self.channel_id, "name": "sales"},
            "api_app_id": "A111",
            "token": "verification_token",
            "message_ts": "1700000000.000100",
            "response_url": self.fake.response_url(),
            "message": {"type": "message", "user": "U_CUSTOMER_FACING", "text": text, "ts": "1700000000.000100"},
        }
        return self.interact(payload)

    def suggest(self, view: dict, block_id: str, action_id: str, value: str, user: str = "U_REP") -> dict:
        """A block_suggestion from an external_select in `view`; returns the options answer."""
        payload = {
            "type": "block_suggestion",
            "team": {"id": self.team_id, "domain": "workspace-domain"},
            "user": self._who(user),
            "api_app_id": "A111",
            "token": "verification_token",
            "container": {"type": "view", "view_id": view["id"]},
            "block_id": block_id,
            "action_id": action_id,
            "value": value,
            "view": {**view, "team_id": self.team_id},
        }
        return json.loads(self.interact(payload).body)

    def click_in_view(
        self,
        view: dict,
        action_id: str,
        *,
        user: str = "U_REP",
        option_value: str | None = None,
        selected_user: str | None = None,
    ) -> HttpResult:
        """A block_actions from inside a view (modal or Home): it carries `view`, no channel and no response_url."""
        block, element = find_element(view, action_id)
        action = _action_for(element, option_value, selected_user)
        action.update(block_id=block.get("block_id"), action_ts=f"{time.time():.6f}")
        payload = {
            "type": "block_actions",
            "user": self._who(user),
            "api_app_id": "A111",
            "token": "verification_token",
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": new_trigger_id(),
            "team": {"id": self.team_id, "domain": "workspace-domain"},
            "view": {**view, "team_id": self.team_id, "state": {"values": {}}},
            "actions": [action],
        }
        return self.interact(payload)


def _action_for(element: dict, option_value: str | None, selected_user: str | None) -> dict:
    action = {"action_id": element["action_id"], "type": element["type"]}
    if element["type"] == "button":
        action["value"] = element["value"]
        action["text"] = element["text"]
    elif element["type"] in ("static_select", "overflow"):
        action["selected_option"] = next(
            o
            for o in element["options"]
            if option_value is None
            or o["value"] == option_value
            or o["value"].endswith(":" + option_value)
            or o["value"].startswith(option_value + ":")
        )
    elif element["type"] == "users_select":
        action["selected_user"] = selected_user
    elif element["type"] == "external_select":
        action["selected_option"] = {"text": {"type": "plain_text", "text": option_value}, "value": option_value}
    return action


def find_element(message: dict, action_id: str) -> tuple[dict, dict]:
    for block in message.get("blocks") or []:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
    raise AssertionError(f"no element {action_id} in {json.dumps(message)[:2000]}")


def text_of(message: dict) -> str:
    """Everything a person would read in a reply: fallback text and every block, as one string."""
    return json.dumps(message, ensure_ascii=False)


@pytest.fixture
def slack(server) -> Slack:
    server.fake.reset()
    # Forms built in the test process carry metadata signed as `oppbot serve` signs it (its key from the secret).
    metadata.configure(None, SECRET)
    yield Slack(server=server, team_id=f"T{uuid.uuid4().hex[:8].upper()}")
    assert server.fake.violations == [], server.fake.violations
    assert server.fake.errors == [], server.fake.errors


# --- in-process: build_app()'s WSGI app (tests/slack/wsgi.py) --------------------------------------------------


@pytest.fixture
def inproc(fake_slack, db_url, sessions, monkeypatch) -> InProcessSlack:
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = single_token_settings(fake_slack, db_url)
    app = build_app(settings, sessions=sessions)
    server = wsgi_app(app, settings, sessions)
    fake_slack.reset()  # forget the auth.test Bolt makes while starting
    yield InProcessSlack(fake=fake_slack, server=server, sessions=sessions)
    fake_slack.assert_clean()


@pytest.fixture
def sync(fake_slack, db_url, sessions, monkeypatch) -> InProcessSlack:
    """inproc with Bolt's listener runner made synchronous: a request returns when its listener is done, so the rows
    compared after it are final (and no sleeps are needed)."""
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = single_token_settings(fake_slack, db_url)
    app = build_app(settings, sessions=sessions, process_before_response=True)
    fake_slack.reset()
    return InProcessSlack(fake=fake_slack, server=wsgi_app(app, settings, sessions), sessions=sessions)


# --- handlers called directly (no HTTP, no Bolt dispatch) ------------------------------------------------------


@pytest.fixture
def deps(fake_slack, db_url, sessions) -> Deps:
    """What a handler needs besides the request: settings pointing at fake_slack, and the database."""
    return Deps(settings=single_token_settings(fake_slack, db_url), sessions=sessions)


@pytest.fixture
def client(fake_slack) -> WebClient:
    """slack_sdk's WebClient on fake_slack without retry handlers: a refused call fails at once, not retried."""
    return WebClient(token="xoxb-test", base_url=fake_slack.base_url, timeout=2)
