"""Request handling: /opp list, show, forecast through the real `oppbot serve` vs a bare Bolt app, 20 clients.

Both servers are subprocesses on waitress with the same thread count, both talk to the same FakeSlack. Each client
is closed-loop: send a signed slash command, time the HTTP answer (the ack), wait for the response_url post at the
fake (the reply; timed by the fake's receive clock), then send the next. Also reads the serve process's VmHWM.

    python -m bench.requests_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_bench
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    DEFAULT_PG,
    SECRET,
    FakeSlack,
    base_env,
    free_port,
    line,
    peak_rss_mb,
    percentile,
    sign,
    slash_command_body,
    start_server,
    stop_server,
)
from bench.seed import rep_id, team_id


def run_load(
    fake: FakeSlack,
    url: str,
    team: str,
    texts: Callable[[int], str],
    user: str,
    clients: int,
    requests: int,
    timeout: float = 30.0,
) -> tuple[list[float], list[float], int]:
    """`requests` commands spread over `clients` closed-loop threads: (ack seconds, reply seconds, failures)."""
    acks: list[float] = []
    replies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            key = uuid.uuid4().hex
            body = slash_command_body(
                texts(i), team_id=team, user_id=user, channel_id="CBENCH", response_url=fake.response_url(key)
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
            request = urllib.request.Request(f"{url}/slack/events", data=body, method="POST", headers=headers)
            wall, started = time.time(), time.monotonic()
            try:
                with urllib.request.urlopen(request, timeout=timeout) as answer:
                    answer.read()
                    ok = answer.status == 200
                ack = time.monotonic() - started
                reply = fake.wait_for_responses(1, timeout=timeout, key=key)[0]
            except Exception:
                ok = False
            with lock:
                if ok:
                    acks.append(ack)
                    replies.append(max(reply.time - wall, ack))
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acks, replies, failures[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--workspace", type=int, default=0, help="seeded workspace index to query")
    parser.add_argument("--deals", type=int, default=100_000, help="deal numbers to pick from for /opp show")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per command")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads for both servers")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    fake = FakeSlack().start()
    env = base_env()
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=args.database_url,
    )
    logs = Path("/tmp/oppbot-bench")
    logs.mkdir(exist_ok=True)
    ours_port, bare_port = free_port(), free_port()
    ours_url, bare_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}"
    ours = start_server(
        [
            sys.executable,
            "-m",
            "oppbot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(ours_port),
            "--threads",
            str(args.threads),
        ],
        env,
        ours_url,
        logs / "serve.log",
    )
    bare = start_server(
        [sys.executable, "-m", "bench.bare_app", "--port", str(bare_port), "--threads", str(args.threads)],
        env,
        bare_url,
        logs / "bare.log",
    )
    team, user = team_id(args.workspace), rep_id(args.workspace, 1)
    rng = random.Random(7)
    commands = {
        "list": lambda i: "list",
        "show": lambda i: f"show #{rng.randrange(1, args.deals + 1)}",
        "forecast": lambda i: "forecast",
    }
    results = []
    try:
        # Warm both: imports, connection pools, the users.info cache.
        for texts in commands.values():
            run_load(fake, ours_url, team, texts, user, 4, 8)
        run_load(fake, bare_url, team, commands["list"], user, 4, 8)
        problems = list(fake.violations) + list(fake.errors)
        fake.reset()
        print(
            f"{args.clients} clients, {args.requests} requests per command, {args.threads} server threads, "
            f"workspace {team}",
            flush=True,
        )
        t0 = time.monotonic()
        base_acks, base_replies, base_fail = run_load(
            fake, bare_url, team, commands["list"], user, args.clients, args.requests
        )
        print(f"bare Bolt: {args.requests} requests in {time.monotonic() - t0:.1f}s, {base_fail} failed", flush=True)
        fake.reset()
        for name, texts in commands.items():
            t0 = time.monotonic()
            acks, replies, failed = run_load(fake, ours_url, team, texts, user, args.clients, args.requests)
            print(f"/opp {name}: {args.requests} requests in {time.monotonic() - t0:.1f}s, {failed} failed", flush=True)
            problems += list(fake.violations) + list(fake.errors)
            fake.reset()
            for p in (50, 99):
                results.append(
                    line(
                        f"/opp {name} reply p{p}",
                        percentile(replies, p) * 1000,
                        percentile(base_replies, p) * 1000,
                        target=2.0,
                    )
                )
                results[-1]["absolute_ok"] = percentile(replies, p) < 1.0
            for p in (50, 99):
                results.append(
                    line(
                        f"/opp {name} ack p{p}", percentile(acks, p) * 1000, percentile(base_acks, p) * 1000, target=2.0
                    )
                )
            results[-1]["failures"] = failed
        rss_ours, rss_bare = peak_rss_mb(ours.pid), peak_rss_mb(bare.pid)
        results.append(line("web process peak RSS (VmHWM)", rss_ours, rss_bare, unit="MB"))
        print(
            f"peak RSS under 300 MB: {'MET' if rss_ours < 300 else 'MISSED'}; fake Slack problems: {problems[:5]}",
            flush=True,
        )
    finally:
        stop_server(ours)
        stop_server(bare)
        fake.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
