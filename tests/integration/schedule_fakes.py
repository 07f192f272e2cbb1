"""A minimal Slack Web API on loopback for the schedule tests (to be replaced by tests/fakeslack from main)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class MiniSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.fail_next: dict[str, str] = {}  # method -> error to answer once
        self._lock = threading.Lock()
        self._ts = 1000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1] if self.path.startswith("/api/") else "response_url"
                body = fake.answer(method, params)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    @property
    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/response/1"

    def answer(self, method: str, params: dict) -> dict:
        with self._lock:
            self.calls.append((method, params))
            error = self.fail_next.pop(method, None)
            if error:
                return {"ok": False, "error": error}
            self._ts += 1
            ts = f"{self._ts}.000100"
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T111", "team": "Test"}
        if method == "users.info":
            return {"ok": True, "user": {"id": params.get("user"), "name": "someone", "is_admin": False}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {}}
        return {"ok": True}

    def posts(self, channel: str | None = None) -> list[dict]:
        return [p for m, p in self.calls if m == "chat.postMessage" and (channel is None or p.get("channel") == channel)]

    def method(self, name: str) -> list[dict]:
        return [p for m, p in self.calls if m == name]

    def __enter__(self) -> "MiniSlack":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
