"""Shared bench helpers: percentiles, the fake Slack import, subprocess servers, result lines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/fakeslack is importable as `fakeslack`, as in the test suite

from fakeslack import FakeSlack, sign, slash_command_body  # noqa: E402

SECRET = "bench-secret"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_bench"

__all__ = ["DEFAULT_PG", "SECRET", "FakeSlack", "sign", "slash_command_body"]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ratio(ours: float, base: float) -> float:
    return ours / base if base else float("inf")


def line(name: str, ours: float, base: float, unit: str = "ms", target: float | None = None) -> dict:
    r = ratio(ours, base)
    verdict = "" if target is None else ("  MET" if r <= target else f"  MISSED (target ≤{target}×)")
    print(
        f"{name:<44} oppbot {ours:10.2f} {unit}   baseline {base:10.2f} {unit}   ratio {r:6.2f}×{verdict}", flush=True
    )
    return {"name": name, "ours": ours, "base": base, "unit": unit, "ratio": r, "target": target}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    argv: list[str], env: dict[str, str], url: str, log_path: Path, timeout: float = 60, cwd: Path = ROOT
) -> subprocess.Popen:
    """Start a subprocess HTTP server and wait until GET {url}/healthz answers 200."""
    # The child keeps its own descriptor of the log; ours can close at once.
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{argv} exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{argv} did not become healthy:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MB."""
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1]) / 1024
    return float("nan")


def base_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "REDIS_URL", "DATABASE_URL")
    }
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    return env
