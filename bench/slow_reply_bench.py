"""Acks while Slack's response_url host is slow: `oppbot serve` vs a bare Bolt app, open loop (issue 13).

Signed `/opp help` commands arrive at a fixed rate (default 15/s), each in its own client thread, whatever the
server's state: an open loop, as Slack sends them. The ack (HTTP answer) of each is timed; a non-200 ack (Bolt
answers 404 when no listener acked within 3 s) is counted as a failure. Phases, one after another in one run:
bare Bolt with a fast hook host (the baseline), oppbot with a fast host, oppbot with every response_url post
answered only after `--delay` seconds, and, with `--before-root`, the oppbot tree found there (an older checkout)
under the same slow host. No database work is needed: one migrated SQLite file serves both oppbot trees.

    python -m bench.slow_reply_bench --rate 15 --seconds 20 --delay 10 --before-root /tmp/oppbot-before
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import (
    ROOT,
    SECRET,
    FakeSlack,
    base_env,
    free_port,
    percentile,
    sign,
    slash_command_body,
    start_server,
    stop_server,
)


def open_loop(fake: FakeSlack, url: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """`rate` commands a second for `seconds`, each sent on schedule from its own thread: (ack seconds, non-200s)."""
    acks: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def one() -> None:
        body = slash_command_body("help", team_id="TSLOWBENCH", user_id="U1", response_url=fake.response_url())
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        request = urllib.request.Request(f"{url}/slack/events", data=body, method="POST", headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                answer.read()
                ok = answer.status == 200
        except (urllib.error.URLError, OSError):
            ok = False
        with lock:
            if ok:
                acks.append(time.monotonic() - started)
            else:
                failures[0] += 1

    threads = []
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(60)
    return acks, failures[0]


def report(name: str, acks: list[float], failed: int, base: tuple[float, float] | None) -> tuple[float, float]:
    if not acks:
        print(f"{name:<44} no ack answered 200 ({failed} failed)", flush=True)
        return float("inf"), float("inf")
    p50, p99 = percentile(acks, 50) * 1000, percentile(acks, 99) * 1000
    ratios = f"   {p50 / base[0]:5.2f}× / {p99 / base[1]:5.2f}× bare Bolt" if base else ""
    print(f"{name:<44} ack p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  non-200 {failed:4d}{ratios}", flush=True)
    return p50, p99


def serve(root: Path, env: dict[str, str], logs: Path, name: str, threads: int):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "oppbot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = start_server(
        [*argv, "--threads", str(threads)], {**env, "PYTHONPATH": str(root)}, url, logs / f"{name}.log", cwd=root
    )
    return process, url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=15, help="commands per second")
    parser.add_argument("--seconds", type=float, default=20, help="per phase")
    parser.add_argument("--delay", type=float, default=10, help="seconds the slow host takes per reply")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads for every server")
    parser.add_argument("--before-root", type=Path, help="an older oppbot checkout to run under the slow host too")
    args = parser.parse_args(argv)

    fake = FakeSlack().start()
    workdir = Path(tempfile.mkdtemp(prefix="oppbot-slow-reply-"))
    env = base_env()
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{workdir / 'oppbot.db'}",
    )
    subprocess.run([sys.executable, "-m", "oppbot.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True)
    print(f"{args.rate:g} commands/s for {args.seconds:g} s a phase, slow host {args.delay:g} s a reply", flush=True)
    bare_port = free_port()
    bare_url = f"http://127.0.0.1:{bare_port}"
    bare = start_server(
        [sys.executable, "-m", "bench.bare_app", "--port", str(bare_port), "--threads", str(args.threads)],
        env,
        bare_url,
        workdir / "bare.log",
    )
    ours, ours_url = serve(ROOT, env, workdir, "serve", args.threads)
    before = before_url = None
    if args.before_root:
        before, before_url = serve(args.before_root.resolve(), env, workdir, "serve-before", args.threads)
    try:
        for url in filter(None, (bare_url, ours_url, before_url)):  # warm: imports, pools
            open_loop(fake, url, 4, 1)
        fake.reset()
        base = report("bare Bolt, fast hooks", *open_loop(fake, bare_url, args.rate, args.seconds), None)
        report("oppbot, fast hooks", *open_loop(fake, ours_url, args.rate, args.seconds), base)
        fake.response_delay = args.delay
        acks, failed = open_loop(fake, ours_url, args.rate, args.seconds)
        report(f"oppbot, hooks answering in {args.delay:g} s", acks, failed, base)
        if before_url:
            time.sleep(args.delay + 1)  # the previous phase's replies out of the way
            acks, failed = open_loop(fake, before_url, args.rate, args.seconds)
            report(f"before ({args.before_root.name}), hooks in {args.delay:g} s", acks, failed, base)
        time.sleep(args.delay + 1)
        acks, failed = open_loop(fake, bare_url, args.rate, args.seconds)
        report(f"bare Bolt, hooks answering in {args.delay:g} s", acks, failed, base)
    finally:
        fake.response_delay = 0
        for process in filter(None, (bare, ours, before)):
            stop_server(process)
        fake.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
