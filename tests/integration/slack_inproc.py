"""Drive the Bolt app in-process: signed BoltRequests in, a small recording fake of Slack's Web API at HTTP.

(A stand-in until tests/fakeslack lands on main: it answers the methods the modals use and validates every view
with slack_sdk's Block Kit models, refusing what Slack would refuse.)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.models.views import View

SECRET = "test-signing-secret"
TEAM = "T111"


class MiniSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.errors: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.users: dict[str, dict] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(raw or "{}")
                else:
                    args = dict(parse_qsl(raw))
                for key in ("view", "blocks"):
                    if isinstance(args.get(key), str):
                        args[key] = json.loads(args[key])
                answer = fake.answer(self.path.rsplit("/", 1)[-1], args)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, method: str, args: dict) -> dict:
        with self._lock:
            self.calls.append((method, args))
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": TEAM, "team": "Test"}
        if method == "users.info":
            user = self.users.get(args.get("user"), {})
            return {"ok": True, "user": {"id": args.get("user"), "tz": "UTC", **user}}
        if method.startswith("views."):
            view = args.get("view") or {}
            try:
                View(**view).validate_json()
                assert len(view.get("blocks") or []) <= 100, "more than 100 blocks"
                assert len(view.get("private_metadata") or "") <= 3000, "private_metadata too long"
            except Exception as exc:  # what Slack answers: invalid_arguments, never a stored view
                self.errors.append(f"{method}: {exc}")
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {**view, "id": args.get("view_id") or f"V{next(self._ids)}",
                                         "hash": f"h{next(self._ids)}"}}
        if method.startswith("chat."):
            return {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}
        return {"ok": True}

    def calls_to(self, method: str) -> list[dict]:
        with self._lock:
            return [args for name, args in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Listeners keep working after their ack; wait (bounded) until the call they make has arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method} was called {len(self.calls_to(method))} times, expected {count}: "
                             f"{[name for name, _ in self.calls]} {self.errors}")


def signed(body: str, content_type: str) -> dict:
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"content-type": [content_type], "x-slack-request-timestamp": [ts], "x-slack-signature": [signature]}


def dispatch_form(app, fields: dict) -> Any:
    body = urlencode(fields)
    return app.dispatch(BoltRequest(body=body, headers=signed(body, "application/x-www-form-urlencoded")))


def interactive(app, payload: dict) -> Any:
    return dispatch_form(app, {"payload": json.dumps(payload)})


def event(app, payload: dict) -> Any:
    body = json.dumps(payload)
    return app.dispatch(BoltRequest(body=body, headers=signed(body, "application/json")))


def slash(app, text: str, *, user: str = "U_REP", team: str = TEAM, trigger: str = "1.2.trigger") -> Any:
    return dispatch_form(app, {
        "token": "x", "team_id": team, "team_domain": "test", "channel_id": "C1", "channel_name": "sales",
        "user_id": user, "user_name": "rep", "command": "/opp", "text": text,
        "response_url": "http://127.0.0.1:9/response", "trigger_id": trigger, "api_app_id": "A111",
    })


def submission(view: dict, values: dict, *, user: str = "U_REP", team: str = TEAM) -> dict:
    """A view_submission payload for `view` (as the app sent it) with the given state.values."""
    return {
        "type": "view_submission", "team": {"id": team, "domain": "test"},
        "user": {"id": user, "team_id": team, "name": "rep"}, "api_app_id": "A111", "trigger_id": "9.9.t",
        "view": {**view, "id": "V1", "team_id": team, "state": {"values": values}, "hash": "h"},
    }


def ack_body(response) -> dict:
    return json.loads(response.body) if response.body else {}
