"""CSV import of 100,000 deals (`oppbot import`) beside a raw COPY of the same deal rows, on PostgreSQL.

Makes its own database (oppbot_import_bench by default), writes a CSV in oppbot's export format (customers, stages,
close dates, stage-entry dates, external refs on a third of the rows), then:
  1. `oppbot import` of the file into an empty workspace, through the CLI entry point (pre-pass + batches);
  2. the same file again: must change nothing;
  3. baseline: the same deals as plain rows COPYed into `opportunities` of another workspace (no validation, no
     customers, no history, no activity).

    python -m bench.import_bench [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_import_bench]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select, text

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--deals", type=int, default=100_000)
    args = parser.parse_args(argv)
    ensure_database(args.database_url)
    upgrade(args.database_url)
    engine = make_engine(args.database_url)
    reset(engine)
    from oppbot.cli import main as oppbot

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.csv"
        write_csv(path, args.deals)
        size = path.stat().st_size
        os.environ["DATABASE_URL"] = args.database_url
        started, cpu = time.perf_counter(), time.process_time()
        assert oppbot(["import", str(path), "--team", TEAM]) == 0
        first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        after_first = counts(engine)
        started = time.perf_counter()
        assert oppbot(["import", str(path), "--team", TEAM]) == 0
        second = time.perf_counter() - started
        after_second = counts(engine)
        baseline = copy_baseline(engine, path)
    print(f"file: {args.deals:,} deals, {size / 1e6:.1f} MB")
    print(
        f"import:        {first:7.1f} s  ({args.deals / first:,.0f} deals/s)  "
        f"rows (deals, stages, activity) {after_first}"
    )
    print(f"import CPU:    {first_cpu:7.1f} s  of the importing process (the machine's load excluded)")
    print(f"second import: {second:7.1f} s  changed nothing: {after_first == after_second}")
    print(f"raw COPY:      {baseline:7.1f} s  ratio {first / baseline:.1f}×")
    print(f"target < 120 s: {'MET' if first < 120 else 'MISSED'}")
    print(f"load average during the run: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
