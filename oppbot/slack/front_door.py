"""The WSGI front door: what a request must be before Bolt (or anything else) reads it.

In order, each refusal one short log line (status, reason, size; never the body, user text or a response_url):

1. **Size, before the body is read.** A declared `Content-Length` above the limit (`OPPBOT_MAX_REQUEST_BYTES`,
   1 MB by default; Slack's own payloads are a few KB) is answered 413 without reading a byte of it; a body with no
   length (chunked, for servers that pass it through) gets 411. Waitress checks the same limit itself while
   parsing (see oppbot.slack.server), so there the body is not even buffered.
2. **Signature** (Slack's v0 HMAC and the 5-minute timestamp window), checked on the bounded body: 401.
3. **Content type**: form or JSON, as Slack sends; anything else 415, even correctly signed.
4. **Shape**: the body parses, the payload is an object, and the fields Bolt and the listeners read have the types
   Slack documents (oppbot.slack.payload_shape): else 400 with the reason. A `response_url` that is not Slack's is
   refused here too (oppbot.slack.response_urls), so no listener ever posts to it.

Only then is the (re-wrapped) body handed on. Bolt verifies the signature again; that is cheap and keeps Bolt safe
if it is ever mounted without this wrapper.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs

from oppbot.slack import payload_shape
from oppbot.slack.response_urls import is_slack_response_url

log = logging.getLogger("oppbot.front_door")

DEFAULT_MAX_BODY = 1_048_576
SIGNATURE_WINDOW = 5 * 60  # seconds either side of now, as Slack documents (and Bolt checks again)
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason: str


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.refusal = Refusal(status, reason)


STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
}


def respond_refusal(start_response: Callable, refusal: Refusal) -> Iterable[bytes]:
    body = (refusal.reason + "\n").encode() if refusal.status != 401 else b""
    start_response(
        f"{refusal.status} {STATUS_TEXT.get(refusal.status, 'Error')}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def log_refusal(refusal: Refusal, method: str, path: str, length: int | None) -> None:
    size = "unknown size" if length is None else f"{length} bytes"
    log.warning("refused %s %s: %s %s (%s)", method[:10], path[:100], refusal.status, refusal.reason, size)


def declared_length(environ: dict, max_body: int) -> int:
    """The body's declared length, refusing a missing, malformed or too large one before anything is read."""
    raw = (environ.get("CONTENT_LENGTH") or "").strip()
    if not raw:
        chunked = "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower()
        if chunked:
            raise Refused(411, "a Content-Length is required")
        return 0
    if not raw.isascii() or not raw.isdigit():
        raise Refused(400, "malformed Content-Length")
    length = int(raw)
    if length > max_body:
        raise Refused(413, f"body over the {max_body}-byte limit")
    return length


def _length(environ: dict) -> int | None:
    raw = environ.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 20 else None


@dataclass
class FrontDoor:
    """Wraps the Slack route of a WSGI app (Bolt's handler); other paths pass through the size limit only."""

    app: Callable
    signing_secret: str
    slack_api_url: str | None
    max_body: int = DEFAULT_MAX_BODY
    path: str = "/slack/events"

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        try:
            length = declared_length(environ, self.max_body)
            if method == "POST" and path == self.path:
                body = _read(environ, length)
                self.check(environ, body)
                body = self.unconfused(environ, body)
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
        except Refused as exc:
            log_refusal(exc.refusal, method, path, _length(environ))
            return respond_refusal(start_response, exc.refusal)
        return self.app(environ, start_response)

    def check(self, environ: dict, body: bytes) -> None:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        # slack_sdk raises on a non-numeric timestamp: that is a bad signature too, not a 500.
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 12):
            raise Refused(401, "missing or malformed signature timestamp")
        fresh = abs(time.time() - int(timestamp)) <= SIGNATURE_WINDOW
        if not (fresh and hmac.compare_digest(self.signature(timestamp, body), signature.encode("latin-1", "replace"))):
            raise Refused(401, "bad signature or stale timestamp")
        content_type = _content_type(environ)
        if content_type not in (FORM, JSON):
            raise Refused(415, "Slack sends application/x-www-form-urlencoded or application/json")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        reason = self.shape_problem(text, content_type)
        if reason:
            raise Refused(400, reason[:200])

    def unconfused(self, environ: dict, body: bytes) -> bytes:
        """Bolt parses any form body containing the letters "payload" as an interaction and finds nothing in a
        command whose text has that word (`/opp note 4 payload delivered` went unanswered). Spell the word's `p` as
        `%70` (the same text once decoded) and sign the result again, so Bolt's own check still holds."""
        if b"payload" not in body or body.startswith(b"{") or _content_type(environ) == JSON:
            return body
        if any(part.startswith(b"payload=") for part in body.split(b"&")):
            return body
        rewritten = body.replace(b"payload", b"%70ayload")
        timestamp = environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"]
        environ["HTTP_X_SLACK_SIGNATURE"] = self.signature(timestamp, rewritten).decode()
        return rewritten

    def signature(self, timestamp: str, body: bytes) -> bytes:
        """Slack's v0 signature of `body` (over its bytes: a body that is not UTF-8 is simply not Slack's)."""
        base = b"v0:" + timestamp.encode() + b":" + body
        return b"v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest().encode()

    def shape_problem(self, text: str, content_type: str) -> str | None:
        # Bolt treats any body starting with "{" as JSON, whatever the content type says: so do we.
        if content_type == JSON or text.startswith("{"):
            body = _json(text)
            return payload_shape.event_problem(body) if body is not _BAD else "the body is not JSON"
        fields = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        if "payload" in fields:
            payload = _json(fields["payload"])
            if payload is _BAD:
                return "payload is not JSON"
            return payload_shape.interactive_problem(payload) or self.url_problem(payload)
        if "ssl_check" in fields:
            return None
        return payload_shape.command_problem(fields) or self.url_problem(fields)

    def url_problem(self, payload: dict) -> str | None:
        urls = [payload.get("response_url")] if "response_url" in payload else []
        urls += [item.get("response_url") for item in payload.get("response_urls") or [] if "response_url" in item]
        for url in urls:
            if url and not is_slack_response_url(url, self.slack_api_url):
                return "response_url is not a Slack URL"
        return None


_BAD = object()


def _content_type(environ: dict) -> str:
    return (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _BAD


def _read(environ: dict, length: int) -> bytes:
    """Exactly the declared bytes (never more: the limit was checked on the declared length)."""
    if length == 0:
        return b""
    stream = environ["wsgi.input"]
    chunks: list[bytes] = []
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
