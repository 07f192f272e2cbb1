"""A fake Slack Web API and response_url endpoint on loopback that records calls, checks limits and injects faults."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import sys
import threading
import time
import traceback
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import yaml

from .limits import check_message, check_view

# Form fields slack_sdk and Bolt send as JSON strings inside application/x-www-form-urlencoded bodies.
_JSON_FIELDS = {"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks", "files"}

RESPONSE_URL_MAX_POSTS = 5  # Slack: up to 5 posts per response_url (within 30 minutes)

_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # Each inner tuple is "one of these"; every inner tuple must be satisfied.
    "chat.postMessage": (("channel",),),
    "chat.postEphemeral": (("channel",), ("user",)),
    "chat.update": (("channel",), ("ts",)),
    "chat.delete": (("channel",), ("ts",)),
    "chat.getPermalink": (("channel",), ("message_ts",)),
    "views.open": (("trigger_id", "interactivity_pointer"), ("view",)),
    "views.push": (("trigger_id", "interactivity_pointer"), ("view",)),
    "views.update": (("view_id", "external_id"), ("view",)),
    "views.publish": (("user_id",), ("view",)),
    "users.info": (("user",),),
    "conversations.open": (("users", "channel"),),
    "conversations.info": (("channel",),),
    "conversations.create": (("name",),),
    "conversations.invite": (("channel",), ("users",)),
    "conversations.archive": (("channel",),),
    "pins.add": (("channel",), ("timestamp",)),
    "conversations.history": (("channel",),),
    "oauth.v2.access": (("code", "refresh_token"),),
    "files.getUploadURLExternal": (("filename",), ("length",)),
    "files.completeUploadExternal": (("files",),),
    "files.info": (("file",),),
}


# What auth.test's x-oauth-scopes header lists by default: the bot scopes of oppbot's manifest.yml, read from it so
# the fake grants what a fresh install grants (set FakeSlack.scopes to try a token installed with fewer).
def _manifest_bot_scopes() -> tuple[str, ...]:
    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())
    return tuple(manifest["oauth_config"]["scopes"]["bot"])


DEFAULT_SCOPES = _manifest_bot_scopes()

_MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update"}
_VIEW_METHODS = {"views.open", "views.push", "views.update", "views.publish"}
_NO_TOKEN_METHODS = {"oauth.v2.access", "oauth.v2.exchange", "api.test"}


@dataclass(frozen=True)
class Call:
    """One Web API call (or a rejected response_url post) as the fake received it."""

    method: str
    args: dict
    headers: dict  # header names lower-cased
    time: float  # time.time() when received
    status: int = 200  # HTTP status the fake answered; rejected calls keep theirs here
    error: str | None = None  # Slack error code for rejected calls

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        token = self.args.get("token")
        return token if isinstance(token, str) else None


@dataclass(frozen=True)
class Response:
    """One accepted post to a response_url."""

    key: str
    body: dict
    headers: dict
    time: float


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int | None
    error: str


@dataclass
class Hold:
    """A call held by the fake (FakeSlack.hold): `arrived` is set when it comes in; release() lets it finish."""

    method: str
    after: bool  # True: the call takes effect, then its answer is held; False: held before it takes effect
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    call: Call | None = None

    def release(self) -> None:
        self.released.set()


@dataclass
class _Answer:
    status: int
    body: dict | str
    headers: dict = field(default_factory=dict)


class FakeSlack:
    """A Slack Web API on 127.0.0.1:<ephemeral port>; point the bot at it with SLACK_API_URL=fake.base_url."""

    def __init__(self, *, team_id: str = "T111", team_name: str = "Test Team") -> None:
        self.team_id = team_id
        self.team_name = team_name
        # Configuration a test may change at any time (read under the lock per request).
        self.tokens: dict[str, str] = {}  # token -> team_id; when non-empty, other tokens get invalid_auth
        self.users: dict[str, dict] = {}  # user_id -> fields overriding the default users.info user
        self.channels: dict[str, dict] = {}  # channel_id -> fields overriding the default conversations.info
        self.oauth_response: dict | None = None  # whole oauth.v2.access answer; None means a default install
        self.response_delay = 0.0  # seconds every response_url post waits before it is answered (a slow hook host)
        self.socket_url: str | None = None  # apps.connections.open url
        self.rate_limit_per_channel: float | None = None  # chat.postMessage per second per channel
        self.single_use_triggers = True  # a trigger_id opens one view, once
        self.scopes: list[str] = list(DEFAULT_SCOPES)  # granted, as auth.test's x-oauth-scopes header says

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._handlers: dict[str, Callable[[Call], dict]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._clear_state()

    # ----- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        self._server = _Server(self)
        # A short poll interval keeps stop() (and so every test's teardown) from waiting half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fakeslack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """Web API base URL (trailing slash), as slack_sdk's WebClient(base_url=...) and SLACK_API_URL expect."""
        return f"{self.url}/api/"

    def response_url(self, key: str | None = None) -> str:
        """A response_url for a slash command or interaction payload; posts to it land in .responses."""
        return f"{self.url}/response/{key or uuid.uuid4().hex}"

    # ----- configuration and fault injection -------------------------------------------------------------------

    def on(self, method: str, handler: Callable[[Call], dict]) -> None:
        """Answer `method` with handler(call) (a Slack response body) instead of the built-in behaviour."""
        with self._lock:
            self._handlers[method] = handler

    def fail_next(
        self, method: str, count: int = 1, status: int = 429, retry_after: int | None = 1, error: str | None = None
    ) -> None:
        """The next `count` calls to `method` (or "response_url") get HTTP `status` (429 with Retry-After, or 5xx)."""
        if error is None:
            error = {429: "ratelimited", 500: "fatal_error", 503: "service_unavailable"}.get(status, "request_failed")
        fault = _Fault(status, retry_after if status == 429 else None, error)
        with self._lock:
            self._faults[method].extend([fault] * count)

    def fail_every(
        self, method: str, every: int = 2, status: int = 429, retry_after: int | None = 1, count: int | None = None
    ) -> None:
        """Every `every`-th call to `method` fails with HTTP `status`, counted per channel (`count` failures at most,
        None: no end). "429 on every other post in a channel" is fail_every("chat.postMessage")."""
        error = {429: "ratelimited", 500: "fatal_error", 503: "service_unavailable"}.get(status, "request_failed")
        with self._lock:
            self._periodic[method] = (every, _Fault(status, retry_after if status == 429 else None, error), count)

    def hold(self, method: str, *, after: bool) -> Hold:
        """Hold the next call to `method`: before it takes effect (after=False: it is then refused with a 503 and
        leaves no trace) or after (after=True: the message is posted, only the answer waits). Fault tests kill the
        caller while it waits, then release() the hold."""
        hold = Hold(method, after)
        with self._lock:
            self._holds[method].append(hold)
        return hold

    def slow_responses(self) -> threading.Event:
        """From now on every post to a response_url waits (up to 120 s) until the returned event is set, as a
        response_url host that has stopped answering would; set it to let them through in arrival order."""
        gate = threading.Event()
        with self._lock:
            self._response_gate = gate
        return gate

    def history(self, channel: str) -> list[dict]:
        """The channel's messages as conversations.history returns them: newest first."""
        with self._lock:
            found = [m for (c, _), m in self.messages.items() if c == channel]
        return sorted(found, key=lambda m: tuple(int(p) for p in m["ts"].split(".")), reverse=True)

    def reset(self) -> None:
        """Forget recorded calls, state and pending faults; configuration (tokens, users, limits) stays."""
        with self._lock:
            self._clear_state()

    def _clear_state(self) -> None:
        self.calls: list[Call] = []
        self.rejected: list[Call] = []
        self.responses: list[Response] = []
        self.violations: list[str] = []
        self.errors: list[str] = []  # exceptions inside the fake itself
        self.messages: dict[tuple[str, str], dict] = {}  # (channel, ts) -> latest message
        self.views: dict[str, dict] = {}  # view id -> latest view
        self.home_views: dict[str, dict] = {}  # user_id -> published Home view
        self.files: dict[str, dict] = {}  # file id -> upload state, bytes and (for PNGs) what decoding found
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._last_post: dict[tuple[str, str], float] = {}
        self._response_posts: dict[str, int] = defaultdict(int)
        self._used_triggers: set[str] = set()
        self._ts = itertools.count(1)
        self._holds: dict[str, deque[Hold]] = defaultdict(deque)
        self._response_gate: threading.Event | None = None
        self.responses_waiting = 0  # response_url posts held by slow_responses() right now
        self._periodic: dict[str, tuple[int, _Fault, int | None]] = {}
        self._periodic_seen: dict[tuple[str, str], int] = defaultdict(int)
        self._view_ids = itertools.count(1)
        self.created: dict[str, dict] = {}  # channel id -> channel made by conversations.create (members, pins…)
        self._channel_ids = itertools.count(1)

    # ----- inspection ------------------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def responses_to(self, key_or_url: str) -> list[Response]:
        key = key_or_url.rsplit("/response/", 1)[-1]
        with self._lock:
            return [r for r in self.responses if r.key == key]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until `count` accepted calls to `method` (matching `predicate`) arrived; returns them all."""

        def matching() -> list[Call]:
            return [c for c in self.calls if c.method == method and (predicate is None or predicate(c))]

        with self._changed:
            if not self._changed.wait_for(lambda: len(matching()) >= count, timeout):
                raise AssertionError(
                    f"expected {count} accepted {method} call(s) within {timeout}s, got {len(matching())}; "
                    f"rejected: {[(c.method, c.error) for c in self.rejected]}; violations: {self.violations}"
                )
            return matching()

    def wait_for_responses(
        self,
        count: int = 1,
        timeout: float = 5.0,
        key: str | None = None,
        predicate: Callable[[Response], bool] | None = None,
    ) -> list[Response]:
        """Block until `count` response_url posts (to `key`, matching `predicate`) arrived; returns them all."""
        key = key.rsplit("/response/", 1)[-1] if key else None

        def matching() -> list[Response]:
            return [r for r in self.responses if (key is None or r.key == key) and (predicate is None or predicate(r))]

        with self._changed:
            if not self._changed.wait_for(lambda: len(matching()) >= count, timeout):
                raise AssertionError(
                    f"expected {count} response_url post(s) within {timeout}s, got {len(matching())}; "
                    f"violations: {self.violations}"
                )
            return matching()

    def shared_files(self, channel: str | None = None) -> list[dict]:
        """Files whose upload completed (files.completeUploadExternal), optionally only those shared to `channel`."""
        with self._lock:
            done = [f for f in self.files.values() if f["completed"]]
        return [f for f in done if channel is None or channel in f["channels"]]

    def wait_for_files(self, count: int = 1, channel: str | None = None, timeout: float = 60.0) -> list[dict]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.shared_files(channel)) >= count, timeout):
                raise AssertionError(
                    f"expected {count} shared file(s) in {channel}, got {len(self.shared_files(channel))}; "
                    f"rejected: {[(c.method, c.error) for c in self.rejected]}; violations: {self.violations}"
                )
            return self.shared_files(channel)

    def add_file(self, name: str, data: bytes, *, user: str = "U_REP") -> str:
        """A file a user uploaded (e.g. through a file_input): files.info describes it, its private URL serves it."""
        with self._lock:
            file_id = f"F{uuid.uuid4().hex[:10].upper()}"
            self.files[file_id] = {
                "id": file_id,
                "name": name,
                "title": name,
                "length": len(data),
                "data": data,
                "completed": True,
                "channels": [],
                "user": user,
            }
            return file_id

    def assert_clean(self) -> None:
        """Fail if any call broke Slack's limits or the fake itself crashed."""
        with self._lock:
            assert self.violations == [], self.violations
            assert self.errors == [], self.errors

    # ----- request handling (called from server threads) -------------------------------------------------------

    def _handle_api(self, method: str, args: dict, headers: dict) -> _Answer:
        with self._lock:
            hold = self._holds[method].popleft() if self._holds.get(method) else None
        if hold is None:
            return self._handle_api_now(method, args, headers)
        hold.call = Call(method, args, headers, time.time())
        if not hold.after:
            hold.arrived.set()
            hold.released.wait(120)
            with self._changed:
                self.rejected.append(Call(method, args, headers, time.time(), 503, "held"))
                self._changed.notify_all()
            return _Answer(503, {"ok": False, "error": "service_unavailable"})
        answer = self._handle_api_now(method, args, headers)
        hold.arrived.set()
        hold.released.wait(120)
        return answer

    def _handle_api_now(self, method: str, args: dict, headers: dict) -> _Answer:
        now = time.time()
        with self._changed:
            call = Call(method, args, headers, now)
            answer = self._answer_api(call)
            if method == "auth.test" and answer.status == 200:
                # Slack names the token's scopes in a header (on every Web API answer; oppbot reads auth.test's).
                answer.headers.setdefault("x-oauth-scopes", ",".join(self.scopes))
            if answer.status == 200 and isinstance(answer.body, dict) and answer.body.get("ok"):
                self.calls.append(call)
            else:
                error = answer.body.get("error") if isinstance(answer.body, dict) else str(answer.body)
                self.rejected.append(Call(method, args, headers, now, answer.status, error))
            self._changed.notify_all()
            return answer

    def _answer_api(self, call: Call) -> _Answer:  # noqa: C901 -- one branch per Slack answer kind, read top down
        method, args = call.method, call.args
        fault = self._faults[method].popleft() if self._faults.get(method) else self._periodic_fault(method, args)
        if fault is not None:
            return self._fault_answer(fault)

        token = call.token
        if method not in _NO_TOKEN_METHODS:
            if not token:
                return _Answer(200, {"ok": False, "error": "not_authed"})
            if self.tokens and token not in self.tokens and not token.startswith("xapp-"):
                return _Answer(200, {"ok": False, "error": "invalid_auth"})

        handler = self._handlers.get(method)
        if handler is not None:
            return _Answer(200, handler(call))
        builtin = getattr(self, "_m_" + method.replace(".", "_"), None)
        if builtin is None:
            self.violations.append(f"{method}: unknown_method (not implemented by FakeSlack; add one with .on())")
            return _Answer(200, {"ok": False, "error": "unknown_method"})

        missing = [" or ".join(alts) for alts in _REQUIRED.get(method, ()) if not any(args.get(a) for a in alts)]
        if missing:
            messages = [f"[ERROR] missing required field: {m}" for m in missing]
            return self._invalid(method, "invalid_arguments", messages)
        if method in ("chat.postMessage", "chat.postEphemeral") and not any(
            args.get(k) for k in ("text", "blocks", "attachments")
        ):
            return self._invalid(method, "no_text", ["[ERROR] text, blocks or attachments is required"])
        if method in _MESSAGE_METHODS:
            error, problems = check_message(args)
            if problems:
                return self._invalid(method, error or "invalid_blocks", problems)
        if method in _VIEW_METHODS:
            problems = check_view(args.get("view"))
            if problems:
                return self._invalid(method, "invalid_arguments", problems)

        team = self.tokens.get(token or "", self.team_id)
        if method == "chat.postMessage" and self.rate_limit_per_channel:
            limited = self._rate_limited(team, str(args["channel"]))
            if limited is not None:
                return limited
        return _Answer(200, builtin(args, team))

    def _handle_bad_json(self, method: str, raw: bytes, headers: dict) -> _Answer:
        with self._changed:
            self.violations.append(f"{method}: request body is not valid JSON")
            args = {"_raw": raw.decode("utf-8", "replace")}
            self.rejected.append(Call(method, args, headers, time.time(), 200, "invalid_json"))
            self._changed.notify_all()
        return _Answer(200, {"ok": False, "error": "invalid_json"})

    def _periodic_fault(self, method: str, args: dict) -> _Fault | None:
        if method not in self._periodic:
            return None
        every, fault, left = self._periodic[method]
        key = (method, str(args.get("channel", "")))
        self._periodic_seen[key] += 1
        if self._periodic_seen[key] % every or left == 0:
            return None
        if left is not None:
            self._periodic[method] = (every, fault, left - 1)
        return fault

    def _fault_answer(self, fault: _Fault) -> _Answer:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return _Answer(fault.status, {"ok": False, "error": fault.error}, headers)

    def _invalid(self, method: str, error: str, messages: list[str]) -> _Answer:
        self.violations.extend(f"{method}: {m}" for m in messages)
        body: dict[str, Any] = {"ok": False, "error": error, "response_metadata": {"messages": messages}}
        if error == "invalid_blocks":
            body["errors"] = messages  # chat.* also lists them under "errors"
        return _Answer(200, body)

    def _rate_limited(self, team: str, channel: str) -> _Answer | None:
        interval = 1.0 / self.rate_limit_per_channel  # type: ignore[operator]
        now = time.monotonic()
        last = self._last_post.get((team, channel))
        if last is not None and now - last < interval:
            wait = max(1, math.ceil(interval - (now - last)))
            return _Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})
        self._last_post[(team, channel)] = now
        return None

    def _handle_response(self, key: str, body: Any, headers: dict) -> _Answer:
        if self.response_delay:
            time.sleep(self.response_delay)
        gate = self._response_gate
        if gate is not None and not gate.is_set():
            with self._changed:
                self.responses_waiting += 1
                self._changed.notify_all()
            gate.wait(120)
            with self._changed:
                self.responses_waiting -= 1
        now = time.time()
        with self._changed:
            answer = self._answer_response(key, body)
            if answer.status == 200:
                self.responses.append(Response(key, body, headers, now))
            else:
                args = body if isinstance(body, dict) else {"_raw": body}
                self.rejected.append(Call("response_url", args, headers, now, answer.status, str(answer.body)))
            self._changed.notify_all()
            return answer

    def _answer_response(self, key: str, body: Any) -> _Answer:
        fault = self._faults["response_url"].popleft() if self._faults.get("response_url") else None
        if fault is not None:
            answer = self._fault_answer(fault)
            return _Answer(answer.status, fault.error, answer.headers)
        if not isinstance(body, dict):
            self.violations.append("response_url: body is not a JSON object")
            return _Answer(400, "invalid_payload")
        if self._response_posts[key] >= RESPONSE_URL_MAX_POSTS:
            self.violations.append(f"response_url: more than {RESPONSE_URL_MAX_POSTS} posts to {key}")
            return _Answer(404, "used_url")
        error, problems = check_message(body)
        if problems:
            self.violations.extend(f"response_url: {p}" for p in problems)
            return _Answer(400, error or "invalid_blocks")
        self._response_posts[key] += 1
        return _Answer(200, "ok")

    def _record_error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    # ----- built-in methods: each gets validated args and the caller's team, returns Slack's answer -----------

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1700000000 + n // 10000}.{(n % 10000) * 100:06d}"

    def _m_api_test(self, args: dict, team: str) -> dict:
        return {"ok": True, "args": args}

    def _m_auth_test(self, args: dict, team: str) -> dict:
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": self.team_name,
            "user": "oppbot",
            "team_id": team,
            "user_id": "UBOT",
            "bot_id": "BBOT",
            "is_enterprise_install": False,
        }

    def _m_team_info(self, args: dict, team: str) -> dict:
        return {"ok": True, "team": {"id": team, "name": self.team_name, "domain": "test"}}

    def _m_chat_postMessage(self, args: dict, team: str) -> dict:
        channel = str(args["channel"])
        if channel[:1] in ("U", "W"):
            channel = "D" + channel  # posting to a user id lands in the DM with them
        ts = self._next_ts()
        message = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "team": team, "ts": ts}
        message.update({k: args[k] for k in ("text", "blocks", "attachments", "thread_ts", "metadata") if k in args})
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_chat_postEphemeral(self, args: dict, team: str) -> dict:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, args: dict, team: str) -> dict:
        channel, ts = str(args["channel"]), str(args["ts"])
        blank = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": ts}
        message = dict(self.messages.get((channel, ts), blank))
        message.update({k: args[k] for k in ("text", "blocks", "attachments", "metadata") if k in args})
        message["edited"] = {"user": "UBOT", "ts": self._next_ts()}
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "text": message.get("text", ""), "message": message}

    def _m_chat_delete(self, args: dict, team: str) -> dict:
        channel, ts = str(args["channel"]), str(args["ts"])
        self.messages.pop((channel, ts), None)
        return {"ok": True, "channel": channel, "ts": ts}

    def _m_chat_getPermalink(self, args: dict, team: str) -> dict:
        channel, ts = str(args["channel"]), str(args["message_ts"])
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _store_view(self, view: dict, team: str, view_id: str | None = None, previous: str | None = None) -> dict:
        view_id = view_id or f"V{next(self._view_ids):04d}"
        stored = {
            "id": view_id,
            "team_id": team,
            "app_id": "A111",
            "bot_id": "BBOT",
            "external_id": "",
            "state": {"values": {}},
            "root_view_id": view_id,
            "previous_view_id": previous,
            "clear_on_close": False,
            "notify_on_close": False,
            "private_metadata": "",
            "callback_id": "",
            **view,
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        }
        self.views[view_id] = stored
        return stored

    def _use_trigger(self, args: dict) -> dict | None:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if self.single_use_triggers and trigger in self._used_triggers:
            self.violations.append(f"views: trigger_id {trigger!r} used twice")
            return {"ok": False, "error": "expired_trigger_id"}
        self._used_triggers.add(trigger)
        return None

    def _m_views_open(self, args: dict, team: str) -> dict:
        return self._use_trigger(args) or {"ok": True, "view": self._store_view(args["view"], team)}

    def _m_views_push(self, args: dict, team: str) -> dict:
        return self._use_trigger(args) or {"ok": True, "view": self._store_view(args["view"], team)}

    def _m_views_update(self, args: dict, team: str) -> dict:
        view_id = args.get("view_id")
        if not view_id:
            view_id = next((v["id"] for v in self.views.values() if v.get("external_id") == args["external_id"]), None)
        current = self.views.get(view_id) if view_id else None
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        # Unknown ids are accepted so tests can update a view id taken from a hand-made payload.
        previous = current["previous_view_id"] if current else None
        return {"ok": True, "view": self._store_view(args["view"], team, view_id, previous)}

    def _m_views_publish(self, args: dict, team: str) -> dict:
        user_id = str(args["user_id"])
        current = self.home_views.get(user_id)
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        view = self._store_view(args["view"], team, current["id"] if current else None)
        self.home_views[user_id] = view
        return {"ok": True, "view": view}

    def _m_users_info(self, args: dict, team: str) -> dict:
        user_id = str(args["user"])
        override = dict(self.users.get(user_id, {}))
        real_name = override.get("real_name", f"User {user_id}")
        tz = override.get("tz", "Europe/Oslo")
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        user = {
            "id": user_id,
            "team_id": team,
            "name": user_id.lower(),
            "real_name": real_name,
            "deleted": False,
            "is_bot": user_id == "UBOT",
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
        }
        profile = {"real_name": real_name, "display_name": real_name, "real_name_normalized": real_name}
        profile.update(override.pop("profile", {}))
        # Slack adds the user's locale only when asked (a test sets another with users[id]["locale"]).
        locale = override.pop("locale", "en-US")
        if str(args.get("include_locale", "")).lower() in ("1", "true"):
            user["locale"] = locale
        user.update(override)
        user["profile"] = profile
        return {"ok": True, "user": user}

    def _m_conversations_open(self, args: dict, team: str) -> dict:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": str(args["channel"])}}
        users = args["users"]
        users = users if isinstance(users, list) else str(users).split(",")
        return {"ok": True, "channel": {"id": "D" + users[0].strip()}}

    def _m_conversations_info(self, args: dict, team: str) -> dict:
        channel_id = str(args["channel"])
        channel = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": channel_id.startswith("C"),
            "is_group": channel_id.startswith("G"),
            "is_im": channel_id.startswith("D"),
            "is_private": channel_id.startswith("G"),
            "is_archived": False,
            "is_member": True,
            "context_team_id": team,
        }
        channel.update(self.channels.get(channel_id, {}))
        return {"ok": True, "channel": channel}

    # Channels the bot makes (deal rooms): names as Slack checks them, members, pins, archiving.

    def _m_conversations_create(self, args: dict, team: str) -> dict:
        name = str(args["name"])
        if len(name) > 80:
            return {"ok": False, "error": "invalid_name_maxlength"}
        if not all(ch.islower() or ch.isdigit() or ch in "-_" for ch in name):
            return {"ok": False, "error": "invalid_name_specials"}
        if any(c["name"] == name for c in self.created.values()):
            return {"ok": False, "error": "name_taken"}
        channel_id = f"CROOM{next(self._channel_ids):04d}"
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": True,
            "is_private": bool(args.get("is_private")),
            "is_archived": False,
            "is_member": True,
            "creator": "UBOT",
            "context_team_id": team,
            "members": ["UBOT"],
            "pins": [],
        }
        self.created[channel_id] = channel
        return {"ok": True, "channel": {k: v for k, v in channel.items() if k not in ("members", "pins")}}

    def _m_conversations_invite(self, args: dict, team: str) -> dict:
        channel = self.created.get(str(args["channel"]))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel["is_archived"]:
            return {"ok": False, "error": "is_archived"}
        users = [u.strip() for u in str(args["users"]).split(",") if u.strip()]
        if "UBOT" in users:
            return {"ok": False, "error": "cant_invite_self"}
        new = [u for u in users if u not in channel["members"]]
        if not new:
            return {"ok": False, "error": "already_in_channel"}
        channel["members"].extend(new)
        return {"ok": True, "channel": {"id": channel["id"], "name": channel["name"]}}

    def _m_conversations_archive(self, args: dict, team: str) -> dict:
        channel = self.created.get(str(args["channel"]))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel["is_archived"]:
            return {"ok": False, "error": "already_archived"}
        channel["is_archived"] = True
        return {"ok": True}

    def _m_pins_add(self, args: dict, team: str) -> dict:
        channel_id, ts = str(args["channel"]), str(args["timestamp"])
        if (channel_id, ts) not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        channel = self.created.setdefault(channel_id, {"id": channel_id, "name": channel_id.lower(), "pins": []})
        if ts in channel.setdefault("pins", []):
            return {"ok": False, "error": "already_pinned"}
        channel["pins"].append(ts)
        return {"ok": True}

    def _m_conversations_history(self, args: dict, team: str) -> dict:
        # Newest first, `limit` a page (Slack's default 100), an opaque cursor; metadata only on request.
        messages = self.history(str(args["channel"]))
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = messages[start : start + limit]
        if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(messages)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _m_oauth_v2_access(self, args: dict, team: str) -> dict:
        answer = (
            dict(self.oauth_response)
            if self.oauth_response is not None
            else {
                "ok": True,
                "app_id": "A111",
                "authed_user": {"id": "W111"},
                "scope": "commands,chat:write,chat:write.public,im:write,"
                "users:read,channels:read,groups:read,team:read",
                "token_type": "bot",
                "access_token": f"xoxb-{self.team_id}-installed",
                "bot_user_id": "UBOT",
                "team": {"id": self.team_id, "name": self.team_name},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        )
        # Bolt calls auth.test with the new token right away; it must be known when tokens are enforced.
        if self.tokens and answer.get("access_token"):
            self.tokens[answer["access_token"]] = (answer.get("team") or {}).get("id", self.team_id)
        return answer

    # --- files: files_upload_v2's three steps, and files.info + the private URL for reading an uploaded file -----

    def _m_files_getUploadURLExternal(self, args: dict, team: str) -> dict:
        try:
            length = int(args["length"])
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        self.files[file_id] = {
            "id": file_id,
            "name": str(args["filename"]),
            "title": str(args["filename"]),
            "length": length,
            "data": None,
            "completed": False,
            "channels": [],
            "alt_txt": args.get("alt_txt"),
        }
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict, team: str) -> dict:
        files = args["files"]
        if not isinstance(files, list) or not files:
            return self._invalid("files.completeUploadExternal", "invalid_arguments", ["[ERROR] files is not a list"])
        channel = args.get("channel_id") or None
        done = []
        for item in files:
            stored = self.files.get(str(item.get("id")))
            if stored is None or stored["data"] is None:
                self.violations.append(f"files.completeUploadExternal: {item.get('id')} was never uploaded")
                return {"ok": False, "error": "file_not_found"}
            if len(stored["data"]) != stored["length"]:
                self.violations.append(
                    f"files.completeUploadExternal: {stored['name']} declared {stored['length']} bytes, got "
                    f"{len(stored['data'])}"
                )
            stored["title"] = item.get("title") or stored["name"]
            stored["initial_comment"] = args.get("initial_comment")
            stored["thread_ts"] = args.get("thread_ts")
            if stored["name"].lower().endswith(".png"):
                stored["png"] = _decode_png(stored["data"], self.violations)
            stored["completed"] = True
            if channel:
                stored["channels"].append(str(channel))
            done.append({"id": stored["id"], "title": stored["title"], "name": stored["name"]})
        return {"ok": True, "files": done}

    def _m_files_info(self, args: dict, team: str) -> dict:
        stored = self.files.get(str(args["file"]))
        if stored is None or not stored["completed"]:
            return {"ok": False, "error": "file_not_found"}
        url = f"{self.url}/files-pri/{stored['id']}/{stored['name']}"
        return {
            "ok": True,
            "file": {
                "id": stored["id"],
                "name": stored["name"],
                "title": stored["title"],
                "size": stored["length"],
                "filetype": stored["name"].rsplit(".", 1)[-1].lower(),
                "user": stored.get("user"),
                "url_private": url,
                "url_private_download": url + "?download=1",
            },
        }

    def _handle_upload(self, file_id: str, raw: bytes) -> _Answer:
        with self._changed:
            stored = self.files.get(file_id)
            if stored is None:
                return _Answer(404, "not_found")
            stored["data"] = raw
            self._changed.notify_all()
        return _Answer(200, f"OK - {len(raw)}")

    def _handle_download(self, file_id: str, headers: dict) -> _Answer:
        with self._lock:
            stored = self.files.get(file_id)
            if not headers.get("authorization", "").startswith("Bearer xox"):
                self.violations.append("file download without a bot token: Slack would answer with its login page")
                return _Answer(302, "login")
            if stored is None or stored["data"] is None:
                return _Answer(404, "not_found")
            return _Answer(200, stored["data"])

    def _m_apps_connections_open(self, args: dict, team: str) -> dict:
        return {"ok": True, "url": self.socket_url or f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4()}"}


def _decode_png(data: bytes, violations: list[str]) -> dict:
    """What a viewer would see: size and number of colours, or a violation when the bytes are not a PNG."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
            return {
                "format": image.format,
                "width": image.width,
                "height": image.height,
                "colours": len(colours) if colours is not None else 1 << 20,
                "bytes": len(data),
            }
    except Exception as exc:  # whatever PIL says, the upload was not a PNG
        violations.append(f"files.completeUploadExternal: not a PNG ({exc})")
        return {"format": None, "width": 0, "height": 0, "colours": 0, "bytes": len(data)}


def _decode_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw.decode("utf-8"))
    if "x-www-form-urlencoded" in content_type:
        args: dict[str, Any] = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        for key in _JSON_FIELDS & args.keys():
            with contextlib.suppress(ValueError):  # left as the string Slack would also reject
                args[key] = json.loads(args[key])
        if set(args) == {"payload"}:
            # A form with a single payload=<json> field (interactivity shape) carries its object inside.
            try:
                return json.loads(args["payload"])
            except ValueError:
                pass
        return args
    return {"_raw": raw.decode("utf-8", "replace")}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for clients that pool connections
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read the fake's records, not its access log

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server.fake
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            content_type = headers.get("content-type", "")
            if parts.path.startswith("/api/"):
                method = parts.path[len("/api/") :]
                try:
                    body = _decode_body(raw, content_type)
                except ValueError:
                    body = None
                if body is None:
                    answer = fake._handle_bad_json(method, raw, headers)
                else:
                    args = dict(parse_qsl(parts.query, keep_blank_values=True))
                    if isinstance(body, dict):
                        args.update(body)
                    answer = fake._handle_api(method, args, headers)
            elif parts.path.startswith("/upload/"):
                answer = fake._handle_upload(parts.path[len("/upload/") :], raw)
            elif parts.path.startswith("/files-pri/"):
                answer = fake._handle_download(parts.path[len("/files-pri/") :].split("/")[0], headers)
            elif parts.path.startswith("/response/"):
                try:
                    body = _decode_body(raw, content_type or "application/json")
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                answer = fake._handle_response(parts.path[len("/response/") :], body, headers)
            else:
                answer = _Answer(404, "not_found")
        except Exception:
            fake._record_error(traceback.format_exc())
            answer = _Answer(500, {"ok": False, "error": "fakeslack_internal_error"})
        self._send(answer)

    def _send(self, answer: _Answer) -> None:
        if isinstance(answer.body, bytes):
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
            return
        if isinstance(answer.body, dict):
            data, content_type = json.dumps(answer.body).encode("utf-8"), "application/json; charset=utf-8"
        else:
            data, content_type = str(answer.body).encode("utf-8"), "text/plain; charset=utf-8"
        self.send_response(answer.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # fan-out benchmarks open many connections at once

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client hanging up mid-request is not the fake's problem
        self.fake._record_error(traceback.format_exc())
