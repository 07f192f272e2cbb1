"""Signed commands' acks while 20 clients each POST 50 MB unsigned to `oppbot serve` (the front door's 413s).

One `python -m oppbot.cli serve` (waitress, 16 threads) on a migrated SQLite file, the fake Slack behind it. First
the ack times of signed `/opp help` commands alone (baseline), then the same while 20 threads keep sending 50 MB
unsigned bodies (each sends until the server answers, then starts the next). Prints ack p50/p99/max in both runs,
the oversized requests' statuses, the server's peak RSS (VmHWM) and how many log lines the flood added.

    .venv/bin/python -m bench.front_door_bench [--commands 200] [--flooders 20]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import tempfile
import threading
import time
from pathlib import Path

from bench.common import (
    SECRET,
    FakeSlack,
    base_env,
    free_port,
    peak_rss_mb,
    percentile,
    sign,
    slash_command_body,
    start_server,
    stop_server,
)

FIFTY_MB = 50 * 1024 * 1024


def flood_once(port: int) -> int:
    """One unsigned 50 MB POST, sent until the server answers: its HTTP status (0 if none)."""
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {FIFTY_MB}\r\n\r\n"
    ).encode()
    chunk = b"x" * 65536
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        try:
            while sent < FIFTY_MB and b"\r\n" not in answer:
                with contextlib.suppress(BlockingIOError):
                    answer += sock.recv(4096)
                try:
                    sent += sock.send(chunk)
                except BlockingIOError:
                    time.sleep(0.0005)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(30)
        try:
            while b"\r\n" not in answer:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
        except (ConnectionResetError, TimeoutError):
            pass
    parts = answer.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def acks(url: str, fake: FakeSlack, count: int) -> list[float]:
    """Signed `/opp help`, one after another: seconds until each HTTP answer (the ack)."""
    import urllib.request

    out = []
    for _ in range(count):
        body = slash_command_body("help", team_id="TFLOOD", user_id="U1", response_url=fake.response_url())
        request = urllib.request.Request(
            f"{url}/slack/events",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)},
        )
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
            assert answer.status == 200, answer.status
        out.append(time.monotonic() - started)
    return out


def summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name:<32} p50 {percentile(ms, 50):7.1f} ms   p99 {percentile(ms, 99):7.1f} ms   max {max(ms):7.1f} ms"
        f"   ({len(ms)} acks)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--flooders", type=int, default=20)
    args = parser.parse_args()

    from oppbot.db.migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="front-door-bench-"))
    db_url = f"sqlite:///{tmp / 'oppbot.db'}"
    upgrade(db_url)
    fake = FakeSlack().start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = base_env()
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.base_url)
    env["DATABASE_URL"] = db_url
    log_path = tmp / "serve.log"
    import sys

    argv = [sys.executable, "-m", "oppbot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = start_server(argv, env, url, log_path)
    try:
        acks(url, fake, 20)  # warm-up: workspace row, users.info cache, imports
        alone = acks(url, fake, args.commands)
        rss_before = peak_rss_mb(process.pid)
        lines_before = len(log_path.read_text().splitlines())
        stop = threading.Event()
        statuses: dict[int, int] = {}
        lock = threading.Lock()

        def flooder() -> None:
            while not stop.is_set():
                status = flood_once(port)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=flooder, daemon=True) for _ in range(args.flooders)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # let the flood reach its stride
        flooded = acks(url, fake, args.commands)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        time.sleep(0.5)
        flood_lines = len(log_path.read_text().splitlines()) - lines_before
        print(summary("ack, signed /opp help alone", alone))
        print(summary(f"ack, with {args.flooders} × 50 MB floods", flooded))
        print(f"oversized requests: {sum(statuses.values())}, statuses {dict(sorted(statuses.items()))}")
        print(f"log lines added by the flood: {flood_lines} (one per refused request)")
        print(f"serve peak RSS: {rss_before:.0f} MB before the flood, {peak_rss_mb(process.pid):.0f} MB after")
    finally:
        stop_server(process)
        fake.stop()


if __name__ == "__main__":
    main()
