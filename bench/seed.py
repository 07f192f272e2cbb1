"""Seed benchmark workspaces fast: customers, deals, stage history, activity, notes, three currencies and rates.

PostgreSQL: COPY through psycopg (one COPY per table per workspace). SQLite: executemany inserts in batches.
Ids are assigned here (after the current maximum) so child rows can point at parents without RETURNING.

    python -m bench.seed --database-url postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_bench \
        --workspaces 10 --deals-per-workspace 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select, text

from oppbot.db.migrate import upgrade
from oppbot.db.models import (
    Activity,
    FxRate,
    Individual,
    Note,
    Opportunity,
    Organization,
    StageChange,
    Workspace,
)
from oppbot.db.repositories import build_search_text
from oppbot.db.session import make_engine
from oppbot.domain.stages import Stage

CURRENCIES = ("USD", "EUR", "NOK")  # USD is the reporting currency
RATES = {  # units of USD per 1 unit, from each date on
    "EUR": [
        (date(2024, 1, 1), Decimal("1.08")),
        (date(2025, 7, 1), Decimal("1.12")),
        (date(2026, 7, 1), Decimal("1.10")),
    ],
    "NOK": [
        (date(2024, 1, 1), Decimal("0.094")),
        (date(2025, 7, 1), Decimal("0.097")),
        (date(2026, 7, 1), Decimal("0.091")),
    ],
    "USD": [(date(2024, 1, 1), Decimal("1"))],
}
STAGE_WEIGHTS = [
    (Stage.LEAD, 20),
    (Stage.QUALIFICATION, 15),
    (Stage.PROPOSAL, 15),
    (Stage.NEGOTIATION, 10),
    (Stage.CLOSED_WON, 20),
    (Stage.CLOSED_LOST, 20),
]
PATH = [Stage.LEAD, Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION]
PROBABILITY = {
    Stage.LEAD: 10,
    Stage.QUALIFICATION: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.CLOSED_WON: 100,
    Stage.CLOSED_LOST: 0,
}
WORDS = (
    "renewal",
    "expansion",
    "pilot",
    "licence",
    "upgrade",
    "migration",
    "support",
    "rollout",
    "audit",
    "training",
    "integration",
    "hardware",
    "consulting",
    "platform",
    "analytics",
    "security",
    "cloud",
)
SYLLABLES = ("ka", "lo", "mi", "ver", "tan", "dor", "sel", "quin", "bra", "nor", "fjell", "vik", "hav", "sol")
REASONS = ("price", "competitor", "timing", "no budget", "no decision")
REPS_PER_WORKSPACE = 20
BATCH = 20_000


def team_id(index: int) -> str:
    return f"TBENCH{index:03d}"


def rep_id(ws: int, index: int) -> str:
    return f"UB{ws:03d}R{index:02d}"


def company_name(rng: random.Random, i: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + f" {('AS', 'Ltd', 'GmbH', 'Inc')[i % 4]}"


def person_name(rng: random.Random) -> str:
    first = "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
    last = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
    return f"{first} {last}"


class Writer:
    """Appends rows to one table: COPY on PostgreSQL, batched executemany elsewhere."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write(self, model, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        table = model.__table__
        json_cols = {i for i, c in enumerate(columns) if table.c[c].type.__class__.__name__ == "JSON"}
        if self.postgres:
            raw = self.engine.raw_connection()
            try:
                cur = raw.cursor()
                with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        if json_cols:
                            row = tuple(json.dumps(v) if i in json_cols else v for i, v in enumerate(row))
                        copy.write_row(row)
                raw.commit()
            finally:
                raw.close()
        else:
            with self.engine.begin() as conn:
                for start in range(0, len(rows), BATCH):
                    conn.execute(
                        table.insert(), [dict(zip(columns, r, strict=True)) for r in rows[start : start + BATCH]]
                    )


def next_id(engine: Engine, model) -> int:
    with engine.connect() as conn:
        return (conn.scalar(select(func.max(model.id))) or 0) + 1


# The models whose rows the seed gives explicit ids, and at most how many rows one workspace of `deals` deals adds to
# each (a deal's stage path has at most 5 steps, one history and one activity row per step): parallel workspaces
# take disjoint id ranges of these sizes.
ID_SPANS = {
    "Organization": lambda deals: deals // 10 + 1,
    "Individual": lambda deals: deals // 20 + 1,
    "Opportunity": lambda deals: deals,
    "StageChange": lambda deals: 5 * deals,
    "Activity": lambda deals: 5 * deals,
    "Note": lambda deals: deals // 10 + 1,
}


def id_starts(engine: Engine, deals: int, workspaces: int) -> list[dict[str, int]]:
    """For each of `workspaces` workspaces seeded at once, the first id of each model: after the current maximum,
    one span per workspace."""
    models = {m.__name__: m for m in (Organization, Individual, Opportunity, StageChange, Activity, Note)}
    first = {name: next_id(engine, model) for name, model in models.items()}
    return [{name: first[name] + k * ID_SPANS[name](deals) for name in models} for k in range(workspaces)]


def seed_workspace(
    engine: Engine, writer: Writer, ws: int, deals: int, now: datetime, seed: int, ids: dict[str, int] | None = None
) -> dict[str, int]:
    """One workspace of `deals` deals; `ids`: each model's first id (id_starts), else after the current maximum."""
    ids = ids or id_starts(engine, deals, 1)[0]
    rng = random.Random(seed * 1000 + ws)
    team = team_id(ws)
    today = now.date()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        conn.execute(Workspace.__table__.delete().where(Workspace.team_id == team))
        conn.execute(
            Workspace.__table__.insert(),
            [
                dict(
                    team_id=team,
                    name=f"Bench {ws}",
                    currency="USD",
                    reporting_currency="USD",
                    timezone="Europe/Oslo",
                    stage_probabilities={},
                    stale_days={},
                    loss_reasons=list(REASONS),
                    next_deal_number=deals + 1,
                    next_invoice_number=1,
                    created_at=now - timedelta(days=800),
                    updated_at=now,
                )
            ],
        )
    fx_rows = [(team, "USD", cur, rate, eff, "UBENCH", now) for cur, points in RATES.items() for eff, rate in points]
    writer.write(FxRate, ["team_id", "base", "currency", "rate", "effective_date", "created_by", "created_at"], fx_rows)

    # Customers: one organization per 10 deals, one individual per 20.
    org0, ind0 = ids["Organization"], ids["Individual"]
    orgs = [
        (
            org0 + i,
            team,
            name := company_name(rng, i),
            name.casefold(),
            f"c{ws}-{i}.example",
            "UBENCH",
            now - timedelta(days=800),
        )
        for i in range(max(1, deals // 10))
    ]
    writer.write(Organization, ["id", "team_id", "name", "name_key", "domain", "created_by", "created_at"], orgs)
    inds = [
        (
            ind0 + i,
            team,
            name := person_name(rng),
            name.casefold(),
            f"p{ws}-{i}@example.com",
            rng.choice(orgs)[0] if i % 2 else None,
            "UBENCH",
            now - timedelta(days=800),
        )
        for i in range(max(1, deals // 20))
    ]
    writer.write(
        Individual, ["id", "team_id", "name", "name_key", "email", "organization_id", "created_by", "created_at"], inds
    )
    counts["customers"] = len(orgs) + len(inds)

    opp0, sh0, act0, note0 = (ids[m] for m in ("Opportunity", "StageChange", "Activity", "Note"))
    stages = [s for s, _ in STAGE_WEIGHTS]
    weights = [w for _, w in STAGE_WEIGHTS]
    opp_cols = [
        "id",
        "team_id",
        "number",
        "title",
        "search_text",
        "description",
        "individual_id",
        "organization_id",
        "amount_minor",
        "currency",
        "stage",
        "probability",
        "probability_source",
        "expected_close",
        "assignee_id",
        "created_by",
        "created_at",
        "updated_at",
        "stage_entered_at",
        "last_activity_at",
        "closed_at",
        "lost_reason",
        "lost_at_stage",
        "version",
    ]
    sh_cols = [
        "id",
        "team_id",
        "opportunity_id",
        "from_stage",
        "to_stage",
        "changed_at",
        "changed_by",
        "amount_minor",
        "currency",
        "probability",
        "skipped",
    ]
    act_cols = ["id", "team_id", "event_id", "opportunity_id", "actor_id", "kind", "changes", "detail", "created_at"]
    note_cols = ["id", "team_id", "opportunity_id", "author_id", "body", "created_at"]
    opps, history, activity, notes = [], [], [], []
    for n in range(1, deals + 1):
        oid = opp0 + n - 1
        stage = rng.choices(stages, weights)[0]
        currency = CURRENCIES[n % 3]
        amount = rng.randrange(1_000, 500_000) * 100
        created = now - timedelta(days=rng.uniform(2, 720))
        title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {n}"
        if n % 3 == 0:
            customer = rng.choice(inds)
            ind_id, org_id, cname = customer[0], None, customer[2]
        else:
            customer = rng.choice(orgs)
            ind_id, org_id, cname = None, customer[0], customer[2]
        description = f"{rng.choice(WORDS)} for {cname}" if n % 4 == 0 else None
        assignee = rep_id(ws, rng.randrange(REPS_PER_WORKSPACE)) if n % 10 else None
        # Stage path: lead → … → the current stage (closed deals leave from a random open stage).
        path = PATH[: PATH.index(stage) + 1] if stage.is_open else [*PATH[: rng.randrange(1, 5)], stage]
        moments = sorted(created + (now - created) * rng.random() for _ in range(len(path) - 1))
        moments = [created, *moments]
        closed_at = moments[-1] if stage.is_closed else None
        last = moments[-1] + (now - moments[-1]) * rng.random() * 0.5
        expected = today + timedelta(days=rng.randrange(-120, 365))
        opps.append(
            (
                oid,
                team,
                n,
                title,
                build_search_text(title, cname, description),
                description,
                ind_id,
                org_id,
                amount,
                currency,
                stage.value,
                PROBABILITY[stage],
                "stage",
                expected,
                assignee,
                rep_id(ws, 0),
                created,
                last,
                moments[-1],
                last,
                closed_at,
                rng.choice(REASONS) if stage == Stage.CLOSED_LOST else None,
                path[-2].value if stage == Stage.CLOSED_LOST else None,
                1,
            )
        )
        previous = None
        for step, at in zip(path, moments, strict=True):
            history.append(
                (
                    sh0 + len(history),
                    team,
                    oid,
                    previous,
                    step.value,
                    at,
                    rep_id(ws, 0),
                    amount,
                    currency,
                    PROBABILITY[step],
                    [],
                )
            )
            kind = (
                "created"
                if previous is None
                else ("won" if step == Stage.CLOSED_WON else "lost" if step == Stage.CLOSED_LOST else "stage_changed")
            )
            changes = [] if previous is None else [{"field": "stage", "before": previous, "after": step.value}]
            activity.append(
                (
                    act0 + len(activity),
                    team,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    oid,
                    rep_id(ws, 0),
                    kind,
                    changes,
                    {},
                    at,
                )
            )
            previous = step.value
        if n % 10 == 0:
            notes.append((note0 + len(notes), team, oid, rep_id(ws, 0), f"Called {cname} about {title}", last))
    writer.write(Opportunity, opp_cols, opps)
    writer.write(StageChange, sh_cols, history)
    writer.write(Activity, act_cols, activity)
    writer.write(Note, note_cols, notes)
    counts.update(
        deals=len(opps), stage_history=len(history), activity=len(activity), notes=len(notes), fx_rates=len(fx_rows)
    )
    return counts


def _seed_with(engine: Engine, writer: Writer, ws: int, deals: int, now: datetime, seed: int, ids) -> dict[str, int]:
    t0 = time.monotonic()
    counts = seed_workspace(engine, writer, ws, deals, now, seed, ids)
    print(
        f"workspace {team_id(ws)}: {counts['deals']:,} deals, {counts['stage_history']:,} stage changes, "
        f"{counts['activity']:,} activity rows in {time.monotonic() - t0:.1f}s",
        flush=True,
    )
    return counts


def _seed_in_process(item: tuple) -> dict[str, int]:
    url, *rest = item
    engine = make_engine(url)
    try:
        return _seed_with(engine, Writer(engine), *rest)
    finally:
        engine.dispose()


def fix_sequences(engine: Engine) -> None:
    """COPY with explicit ids leaves PostgreSQL's sequences behind; move them past the maximum."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for model in (Organization, Individual, Opportunity, StageChange, Activity, Note, FxRate):
            name = model.__tablename__
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT max(id) FROM {name}), 1))"
                )
            )
    # A real pipeline is vacuumed by autovacuum; freshly COPYed rows are not yet: without the visibility map the
    # planner can't use index-only scans (a workspace's count(*) reads the heap: ~50 ms instead of a few).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist (never touches any other)."""
    if not url.startswith("postgresql"):
        return
    base, name = url.rsplit("/", 1)
    admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workspaces", type=int, default=10)
    parser.add_argument("--deals-per-workspace", type=int, default=100_000)
    parser.add_argument("--first-workspace", type=int, default=0, help="index of the first workspace (T BENCH000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="workspaces seeded at once, each in its own process (PostgreSQL only; default: the CPU count)",
    )
    args = parser.parse_args(argv)
    if args.database_url[-5:] == "/test":
        parser.error("refusing to seed the shared `test` database; use oppbot_bench")
    ensure_database(args.database_url)
    upgrade(args.database_url)
    engine = make_engine(args.database_url)
    writer = Writer(engine)
    now = datetime.now(UTC)
    totals: dict[str, int] = {}
    started = time.monotonic()
    indexes = range(args.first_workspace, args.first_workspace + args.workspaces)
    starts = id_starts(engine, args.deals_per_workspace, args.workspaces)
    jobs = max(1, min(args.jobs, args.workspaces)) if writer.postgres else 1
    work = [
        (args.database_url, ws, args.deals_per_workspace, now, args.seed, ids)
        for ws, ids in zip(indexes, starts, strict=True)
    ]
    # Generating rows is Python's work and COPYing them PostgreSQL's: with a process per workspace the two overlap.
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_seed_in_process, work))
    else:
        results = [_seed_with(engine, writer, *item[1:]) for item in work]
    for counts in results:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    fix_sequences(engine)
    elapsed = time.monotonic() - started
    print(
        f"seeded {args.workspaces} workspaces in {elapsed:.1f}s: "
        + ", ".join(f"{k}={v:,}" for k, v in totals.items())
        + f" ({totals.get('deals', 0) / max(elapsed, 1e-9):,.0f} deals/s)",
        flush=True,
    )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
