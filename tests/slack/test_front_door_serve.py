"""The front door through the real `oppbot serve` (waitress): oversized, malformed and forged-log requests.

A server of its own (conftest's private_server, not the session's), so its log holds only what these tests sent and
its memory is measured without other tests' traffic.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from conftest import SECRET, ServeProcess, post
from fakeslack import interactive_body, sign, slash_command_body

LIMIT = 1_048_576
FIFTY_MB = 50 * 1024 * 1024


def raw_post(port: int, headers: dict[str, str], body_bytes: int, chunk: bytes = b"x" * 65536) -> tuple[int, int]:
    """POST `body_bytes` of body as a client would, stopping when the server answers; (status, bytes sent)."""
    head = "POST /slack/events HTTP/1.1\r\nHost: localhost\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        answer = b""
        try:
            while sent < body_bytes:
                try:
                    answer += sock.recv(4096)
                    if b"\r\n" in answer:
                        break
                except BlockingIOError:
                    pass
                try:
                    sent += sock.send(chunk[: body_bytes - sent])
                except BlockingIOError:
                    time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.setblocking(True)
        try:
            while b"\r\n" not in answer:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
        except (ConnectionResetError, TimeoutError):
            pass
    return int(answer.split()[1]), sent


def new_lines(private_server: ServeProcess, before: int) -> list[str]:
    """The log lines after line `before`, once the refusal's line is there (it is written after the answer)."""
    deadline = time.monotonic() + 10
    while not any("refused" in line for line in private_server.log_lines()[before:]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return private_server.log_lines()[before:]


def test_a_50_mb_unsigned_post_is_refused_with_413_before_its_body_is_read(private_server):
    before_lines = len(private_server.log_lines())
    before_rss = private_server.rss_kb()
    status, sent = raw_post(
        private_server.port,
        {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(FIFTY_MB)},
        FIFTY_MB,
    )
    assert status == 413
    assert sent < FIFTY_MB  # the answer came while the body was still on its way: it was not waited for
    assert private_server.rss_kb() - before_rss < 10 * 1024
    lines = new_lines(private_server, before_lines)
    assert len(lines) == 1, lines
    assert "refused POST /slack/events: 413" in lines[0] and len(lines[0]) < 200


def test_chunked_bodies_over_the_limit_are_refused_too(private_server):
    status, sent = _chunked(private_server.port, 20 * LIMIT)
    assert status == 413 and sent < 20 * LIMIT


def _chunked(port: int, total: int) -> tuple[int, int]:
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 32768
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        try:
            while sent < total:
                sock.sendall(frame)
                sent += len(piece)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = sock.recv(4096)
    return int(answer.split()[1]), sent


def test_a_body_at_the_limit_gets_past_the_size_check(private_server):
    body = b"x" * LIMIT
    result = post(f"{private_server.url}/slack/events", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert result.status == 401  # not 413: the size was allowed, the (missing) signature was not


def test_a_refused_request_logs_one_line_without_its_body_or_response_url(private_server):
    before = len(private_server.log_lines())
    body = slash_command_body(
        "note 1 SECRET-USER-TEXT\nERROR oppbot.security: forged",
        response_url=private_server.fake.response_url("leak-me"),
    )
    result = post(f"{private_server.url}/slack/events", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert result.status == 401
    lines = new_lines(private_server, before)
    assert len(lines) == 1, lines
    text = "\n".join(lines)
    assert "SECRET-USER-TEXT" not in text and "leak-me" not in text and "response" not in text
    assert not any(line.startswith("ERROR oppbot.security") for line in private_server.log_lines())


def test_a_newline_in_a_logged_value_cannot_forge_a_log_line(private_server):
    """The path is the one request value the refusal line quotes: a newline in it stays on the same line."""
    before = len(private_server.log_lines())
    with socket.create_connection(("127.0.0.1", private_server.port), timeout=10) as sock:
        # %0A in the path: waitress decodes it into PATH_INFO, so the logged path holds a real newline.
        sock.sendall(
            b"POST /slack/events%0AERROR%20oppbot.security:%20forged HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 99999999\r\n\r\n"
        )
        assert b" 413 " in sock.recv(4096)
    lines = new_lines(private_server, before)
    assert len(lines) == 1 and "\\nERROR oppbot.security" in lines[0], lines
    assert not any(line.startswith("ERROR") for line in private_server.log_lines())


def test_wrong_content_type_with_a_valid_signature_is_415(private_server):
    body = json.dumps({"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened"}}).encode()
    result = post(f"{private_server.url}/slack/events", body, {"Content-Type": "text/plain", **sign(SECRET, body)})
    assert result.status == 415 and b"Traceback" not in result.body


@pytest.mark.parametrize(
    "payload",
    ["{not json", "[1, 2]", "null", '"text"', "7", '{"type": ["block_actions"]}'],
    ids=["not-json", "list", "null", "string", "number", "typed-wrong"],
)
def test_signed_malformed_interactive_payloads_are_400_with_a_short_reason(private_server, payload):
    from urllib.parse import urlencode

    body = urlencode({"payload": payload}).encode()
    result = post(
        f"{private_server.url}/slack/events",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)},
    )
    assert result.status == 400, result
    assert 0 < len(result.body) < 300 and b"Traceback" not in result.body


@pytest.mark.parametrize("raw", [b"{bad", b"[1]", b"null", b'{"type": 5}'], ids=["bad", "list", "null", "typed-wrong"])
def test_signed_malformed_json_bodies_are_400(private_server, raw):
    result = post(f"{private_server.url}/slack/events", raw, {"Content-Type": "application/json", **sign(SECRET, raw)})
    assert result.status == 400 and b"Traceback" not in result.body


def test_button_values_that_are_lists_or_dicts_are_400(private_server):
    for value in ([1, 2], {"n": 1}):
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "U1"},
            "actions": [{"action_id": "deal_claim", "type": "button", "value": value}],
        }
        body = interactive_body(payload)
        result = post(
            f"{private_server.url}/slack/events",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)},
        )
        assert result.status == 400 and b"actions[0].value" in result.body


def test_a_response_url_that_is_not_slacks_is_refused_and_never_called(private_server):
    body = slash_command_body("help", response_url="https://attacker.example/collect")
    result = post(
        f"{private_server.url}/slack/events",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)},
    )
    assert result.status == 400 and b"response_url" in result.body
