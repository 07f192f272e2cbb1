"""CSV import of 100,000 deals (`oppbot import`) beside a raw COPY of the same deal rows, on PostgreSQL.

Makes its own database (oppbot_import_bench by default), writes a CSV in oppbot's export format (customers, stages,
close dates, stage-entry dates, external refs on a third of the rows), then:
  1. `oppbot import` of the file into an empty workspace, through the CLI entry point (pre-pass + batches);
  2. the same file again: must change nothing;
  3. baseline: the same deals as plain rows COPYed into `opportunities` of another workspace (no validation, no
     customers, no history, no activity).

With `--before REF` (a commit, e.g. main), the same file is first imported by the code of REF (taken with `git
archive` into a temporary directory), then by this tree, one after the other in the same run, each in a child
process and a freshly made database of its own (`…_before`, `…_after`), so the two see the same machine load.
Reported for each: wall time, CPU time (user + sys) of the importing process, and CPU time of the PostgreSQL
backends it used (read from /proc: the server runs on this machine), and the load average.

    python -m bench.import_bench [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_import_bench]
    python -m bench.import_bench --before main     # before/after in one run
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, event, func, select, text

from bench.seed import ensure_database
from oppbot.db.migrate import upgrade
from oppbot.db.models import Activity, Opportunity, StageChange, Workspace
from oppbot.db.session import make_engine, session_factory, unit_of_work
from oppbot.domain.dealcsv import COLUMNS, ENTERED, neutralise
from oppbot.domain.stages import DEFAULT_PROBABILITIES, STAGES

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_import_bench"
TEAM, COPY_TEAM = "TIMPORT", "TCOPY"


def write_csv(path: Path, count: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for n in range(1, count + 1):
            stage = rng.choices(STAGES, weights=(20, 15, 15, 10, 20, 20))[0]
            currency = rng.choice(("USD", "EUR", "NOK"))
            value = f"{rng.randint(1_000, 500_000)}.{rng.randint(0, 99):02d}"
            created = start + timedelta(minutes=rng.randint(0, 400_000))
            entered = {}
            at = created
            for s in STAGES[: stage.order + 1] if stage.is_open else (*STAGES[: rng.randint(1, 4)], stage):
                entered[s] = at
                at += timedelta(days=rng.randint(1, 20))
            row = {
                "number": str(n),
                "title": rng.choice(("=Renewal", "Licence", "+Upsell", "Support", "@Pilot")) + f" {n}",
                "customer": f"Customer {n % 5000}",
                "customer_type": "organization",
                "value": value,
                "currency": currency,
                "stage": stage.value,
                "probability": str(DEFAULT_PROBABILITIES[stage]),
                "probability_source": "stage",
                "expected_close": (date(2026, 1, 1) + timedelta(days=rng.randint(0, 700))).isoformat(),
                "assignee": f"U{rng.randint(1, 20):04d}",
                "external_ref": f"crm-{n}" if n % 3 == 0 else "",
                "lost_reason": "Price" if stage.value == "closed_lost" else "",
                "created_by": "U0001",
                **{ENTERED[s]: t.strftime("%Y-%m-%dT%H:%M:%SZ") for s, t in entered.items()},
            }
            writer.writerow([neutralise(row.get(c, "")) for c in COLUMNS])


def copy_baseline(engine, path: Path) -> float:
    """The same deals as raw rows COPYed into opportunities (the floor any import pays)."""
    with unit_of_work(session_factory(engine)) as session:
        org = session.scalar(text("SELECT id FROM organizations WHERE team_id = :t LIMIT 1"), {"t": TEAM})
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cols = "team_id, number, title, search_text, organization_id, amount_minor, currency, stage, probability, "
        cols += "probability_source, expected_close, assignee_id, external_ref, created_by, created_at, updated_at, "
        cols += "stage_entered_at, last_activity_at, version"
        now = datetime.now(UTC)
        with cur.copy(f"COPY opportunities ({cols}) FROM STDIN") as copy:
            for r in rows:
                minor = int(r["value"].replace(".", ""))
                copy.write_row(
                    (COPY_TEAM, int(r["number"]), r["title"], r["title"].casefold(), org, minor, r["currency"],
                     r["stage"], int(r["probability"]), "stage", r["expected_close"], r["assignee"],
                     r["external_ref"] or None, r["created_by"], now, now, now, now, 1)
                )  # fmt: skip
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def reset(engine) -> None:
    with unit_of_work(session_factory(engine)) as session:
        session.execute(delete(Workspace).where(Workspace.team_id.in_((TEAM, COPY_TEAM))))
        for team in (TEAM, COPY_TEAM):
            session.add(Workspace(team_id=team, name=team, currency="USD", reporting_currency="USD"))


def counts(engine) -> tuple[int, int, int]:
    with unit_of_work(session_factory(engine)) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m).where(m.team_id == TEAM))
            for m in (Opportunity, StageChange, Activity)
        )


class BackendCpu:
    """CPU seconds (user + sys) of the PostgreSQL backends this process connects to, from /proc."""

    def __init__(self) -> None:
        self.pids: set[int] = set()
        self.last: dict[int, float] = {}
        event.listen(Engine, "connect", self._connected)

    def _connected(self, dbapi_connection, _record) -> None:
        pid = getattr(getattr(dbapi_connection, "info", None), "backend_pid", None)
        if pid:
            self.pids.add(pid)

    def sample(self) -> float:
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a closed connection keeps its last reading
            self.last[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return sum(self.last.values())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_imports(url: str, path: Path) -> dict:
    """Import the file twice through the CLI entry point into an empty workspace; what each cost."""
    import oppbot
    from oppbot.cli import main as oppbot_main

    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    reset(engine)
    os.environ["DATABASE_URL"] = url
    backends = BackendCpu()
    result: dict = {"code": str(Path(oppbot.__file__).parent.parent)}
    for label in ("first", "second"):
        load = os.getloadavg()[0]
        started, cpu, server = time.perf_counter(), _cpu(), backends.sample()
        assert oppbot_main(["import", str(path), "--team", TEAM]) == 0
        result[label] = {
            "wall": time.perf_counter() - started,
            "cpu": _cpu() - cpu,
            "server_cpu": backends.sample() - server,
            "load": (load + os.getloadavg()[0]) / 2,
            "rows": counts(engine),
        }
    engine.dispose()
    return result


def _child(tree: Path, url: str, path: Path) -> dict:
    """run_imports in a fresh process with the oppbot of `tree` (its own database, dropped and made anew)."""
    base, name = url.rsplit("/", 1)
    admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    script = Path(__file__).resolve()
    out = subprocess.run(
        [sys.executable, str(script), "--child", str(path), "--database-url", url],
        cwd=tree, env=env, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    assert Path(result["code"]).resolve() == tree.resolve(), result["code"]  # the tree's oppbot, not the installed one
    return result


def _line(label: str, deals: int, r: dict) -> str:
    first, second = r["first"], r["second"]
    return (
        f"{label:<22} import {first['wall']:6.1f} s ({deals / first['wall']:,.0f} deals/s)  CPU: import process "
        f"{first['cpu']:5.1f} s, PostgreSQL {first['server_cpu']:5.1f} s  load {first['load']:.1f}  | second "
        f"{second['wall']:5.1f} s (CPU {second['cpu']:.1f} s), changed nothing: {first['rows'] == second['rows']}"
    )


def compare(args, path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as old:
        archive = subprocess.run(["git", "archive", args.before], cwd=root, check=True, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", old], input=archive.stdout, check=True)
        before = _child(Path(old), args.database_url + "_before", path)
    after = _child(root, args.database_url + "_after", path)
    engine = make_engine(args.database_url + "_after")
    baseline = copy_baseline(engine, path)
    engine.dispose()
    print(f"file: {args.deals:,} deals, {path.stat().st_size / 1e6:.1f} MB; rows written {after['first']['rows']}")
    print(_line(f"before ({args.before})", args.deals, before))
    print(_line("after (this tree)", args.deals, after))
    ratio = before["first"]["wall"] / after["first"]["wall"]
    print(f"raw COPY of the deals: {baseline:.1f} s; after/COPY {after['first']['wall'] / baseline:.1f}×; "
          f"before/after {ratio:.1f}×")  # fmt: skip
    print(f"target < 120 s: {'MET' if after['first']['wall'] < 120 else 'MISSED'}; load now {os.getloadavg()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--before", help="also import with the code of this commit first (e.g. main)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # internal: run_imports of this file
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_imports(args.database_url, args.child)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.csv"
        write_csv(path, args.deals)
        if args.before:
            compare(args, path)
            return 0
        result = run_imports(args.database_url, path)
        baseline = copy_baseline(make_engine(args.database_url), path)
    print(f"file: {args.deals:,} deals; rows written (deals, stages, activity) {result['first']['rows']}")
    print(_line("this tree", args.deals, result))
    print(f"raw COPY:      {baseline:7.1f} s  ratio {result['first']['wall'] / baseline:.1f}×")
    print(f"target < 120 s: {'MET' if result['first']['wall'] < 120 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
