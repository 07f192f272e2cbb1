"""Aggregates, search and statement counts on a seeded database, each beside its baseline.

- forecast (this quarter), pipeline_summary and stats vs the same aggregates as hand-written SQL (text(), one
  connection, conversion done in SQL against the rate table);
- search (oppbot.services.queries.search) vs a raw query on opportunities.search_text that the trigram index serves
  (PostgreSQL; on SQLite the same LIKE, unindexed) — p95 over a set of search words;
- SQL statements per slash command (/opp list, show, forecast, pipeline, search, stats) through the real Bolt
  listeners in-process, counted with before_cursor_execute, in a large and a small workspace: must be equal.

    python -m bench.queries_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/oppbot_bench
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, text

from bench.common import DEFAULT_PG, SECRET, FakeSlack, line, percentile, sign, slash_command_body
from bench.seed import WORDS, rep_id, team_id
from oppbot.db.session import make_engine, session_factory
from oppbot.domain.periods import quarter_of
from oppbot.services import forecast as fc
from oppbot.services import queries, stats
from oppbot.services.context import Actor
from oppbot.services.forecast import local_midnight
from oppbot.services.workspaces import load_rules

OPEN = ("lead", "qualification", "proposal", "negotiation")
OPEN_SQL = "('lead', 'qualification', 'proposal', 'negotiation')"


# Rates per currency: the row with the latest effective_date <= :day (rates are few; the join is per group).
def rates_on(day: str) -> str:
    return f"""(SELECT f.currency, f.rate FROM fx_rates f
                 JOIN (SELECT currency, max(effective_date) AS d FROM fx_rates
                        WHERE team_id = :team AND base = :rep AND effective_date <= {day} GROUP BY currency) m
                   ON f.currency = m.currency AND f.effective_date = m.d
                WHERE f.team_id = :team AND f.base = :rep) r"""


# Aggregate first (stage × currency), then convert each group: what a person writing the SQL by hand would do.
def by_stage(where: str) -> str:
    return f"""SELECT g.stage, sum(g.n), sum(g.a * r.rate), sum(g.w * r.rate) FROM
               (SELECT stage, currency, count(*) AS n, sum(amount_minor) AS a, sum(amount_minor * probability) AS w
                  FROM opportunities WHERE team_id = :team AND stage IN {OPEN_SQL} {where}
                 GROUP BY stage, currency) g
               JOIN {rates_on(":today")} ON r.currency = g.currency GROUP BY g.stage"""


# Rate intervals [from, to) per currency, for converting each won deal at the rate of its close date.
INTERVALS = """(SELECT currency, rate, effective_date AS d0,
                       lead(effective_date) OVER (PARTITION BY currency ORDER BY effective_date) AS d1
                  FROM fx_rates WHERE team_id = :team AND base = :rep) r"""
RAW_FORECAST = [
    by_stage("AND expected_close BETWEEN :start AND :end"),
    by_stage("AND expected_close < :start"),
    f"""SELECT o.currency, count(*), sum(o.amount_minor) * r.rate FROM opportunities o
          JOIN {INTERVALS} ON r.currency = o.currency AND o.closed_at >= r.d0 AND (r.d1 IS NULL OR o.closed_at < r.d1)
         WHERE o.team_id = :team AND o.stage = 'closed_won' AND o.closed_at >= :low AND o.closed_at < :high
         GROUP BY o.currency, r.rate""",
]
RAW_PIPELINE = [by_stage(""), by_stage("AND expected_close < :today")]
MOVES = """(SELECT to_stage AS stage, changed_at AS at,
                   lead(to_stage) OVER (PARTITION BY opportunity_id ORDER BY changed_at, id) AS next_stage,
                   lead(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at, id) AS next_at
              FROM stage_history WHERE team_id = :team AND changed_at >= :low) m"""
ORDER = (
    "CASE {c} WHEN 'lead' THEN 0 WHEN 'qualification' THEN 1 WHEN 'proposal' THEN 2 "
    "WHEN 'negotiation' THEN 3 WHEN 'closed_won' THEN 4 WHEN 'closed_lost' THEN 5 ELSE -1 END"
)
RAW_STATS = [
    """SELECT stage, count(*) FROM opportunities WHERE team_id = :team AND closed_at >= :low AND closed_at < :high
        AND stage IN ('closed_won', 'closed_lost') GROUP BY stage""",
    f"""SELECT o.amount_minor * r.rate, o.created_at, o.closed_at FROM opportunities o
          JOIN {INTERVALS} ON r.currency = o.currency AND o.closed_at >= r.d0 AND (r.d1 IS NULL OR o.closed_at < r.d1)
         WHERE o.team_id = :team AND o.stage = 'closed_won' AND o.closed_at >= :low AND o.closed_at < :high""",
    f"""SELECT m.stage, count(*), sum(CASE WHEN {ORDER.format(c="m.next_stage")} > {ORDER.format(c="m.stage")}
                                          AND m.next_stage <> 'closed_lost' THEN 1 ELSE 0 END)
         FROM {MOVES} WHERE m.stage IN {OPEN_SQL} AND m.at >= :low AND m.at < :high GROUP BY m.stage""",
    f"""SELECT m.stage, m.at, m.next_at FROM {MOVES}
         WHERE m.stage IN {OPEN_SQL} AND m.next_at IS NOT NULL AND m.at >= :low AND m.at < :high""",
    """SELECT lost_at_stage, lost_reason, count(*) FROM opportunities WHERE team_id = :team AND closed_at >= :low
        AND closed_at < :high AND stage = 'closed_lost' GROUP BY lost_at_stage, lost_reason""",
    f"""SELECT s.to_stage, count(*), sum(CASE WHEN o.stage = 'closed_won' THEN 1 ELSE 0 END), sum(s.probability)
         FROM stage_history s JOIN opportunities o ON s.opportunity_id = o.id AND s.to_stage IN {OPEN_SQL}
        WHERE o.team_id = :team AND o.closed_at >= :low AND o.closed_at < :high
          AND o.stage IN ('closed_won', 'closed_lost') GROUP BY s.to_stage""",
    f"""SELECT CASE WHEN s.probability <= 20 THEN 0 WHEN s.probability <= 40 THEN 1 WHEN s.probability <= 60 THEN 2
                    WHEN s.probability <= 80 THEN 3 ELSE 4 END AS band, count(*),
               sum(CASE WHEN o.stage = 'closed_won' THEN 1 ELSE 0 END), sum(s.probability)
         FROM stage_history s JOIN opportunities o ON s.opportunity_id = o.id AND s.to_stage IN {OPEN_SQL}
        WHERE o.team_id = :team AND o.closed_at >= :low AND o.closed_at < :high
          AND o.stage IN ('closed_won', 'closed_lost') GROUP BY band""",
    f"""SELECT g.assignee_id, sum(g.n), sum(g.a * r.rate), sum(g.w * r.rate), sum(g.stale) FROM
          (SELECT assignee_id, currency, count(*) AS n, sum(amount_minor) AS a, sum(amount_minor * probability) AS w,
                  sum(CASE WHEN last_activity_at < :stale THEN 1 ELSE 0 END) AS stale
             FROM opportunities WHERE team_id = :team AND stage IN {OPEN_SQL} GROUP BY assignee_id, currency) g
          JOIN {rates_on(":today")} ON r.currency = g.currency GROUP BY g.assignee_id""",
]
RAW_SEARCH = """SELECT id, number, title FROM opportunities WHERE team_id = :team AND search_text LIKE :pattern
                ORDER BY last_activity_at DESC, id DESC LIMIT 10"""


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm: plan caches, statement caches, buffers
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def run_raw(engine, statements: list[str], params: dict) -> None:
    with engine.connect() as conn:
        for sql in statements:
            conn.execute(text(sql), params).fetchall()


def aggregates(engine, team: str, repeat: int) -> list[dict]:
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    with sessions() as s:
        rules = load_rules(s, team)
    today = rules.today(now)
    period = quarter_of(today)
    low, high = local_midnight(period.start, rules.zone), local_midnight(period.end + timedelta(days=1), rules.zone)
    params = dict(
        team=team,
        rep=rules.reporting_currency,
        today=today,
        start=period.start,
        end=period.end,
        low=low,
        high=high,
        stale=now - timedelta(days=30),
    )
    if engine.dialect.name == "sqlite":  # stored as naive UTC text there
        params.update(
            low=low.replace(tzinfo=None), high=high.replace(tzinfo=None), stale=params["stale"].replace(tzinfo=None)
        )

    def ours(fn):
        def call():
            with sessions() as s:
                fn(s)

        return call

    results = []
    cases = [
        ("forecast (this quarter)", ours(lambda s: fc.forecast(s, team, period, today=today)), RAW_FORECAST),
        ("pipeline_summary", ours(lambda s: fc.pipeline_summary(s, team, today=today)), RAW_PIPELINE),
        ("stats (this quarter)", ours(lambda s: stats.stats(s, team, period, today=today, now=now)), RAW_STATS),
    ]
    for name, fn, raw in cases:
        mine = timed(fn, repeat)
        base = timed(lambda raw=raw: run_raw(engine, raw, params), repeat)
        results.append(
            line(f"{name} median", statistics.median(mine) * 1000, statistics.median(base) * 1000, target=1.5)
        )
    return results


def search(engine, team: str, repeat: int) -> list[dict]:
    """Ours (count + page + customers) vs the raw page query alone and vs raw count + page (the same answer)."""
    sessions = session_factory(engine)
    actor = Actor(team, rep_id(0, 1))
    words = [*WORDS[:8], "renewal pilot", "vikhav", "nomatchatall"]
    mine, page_only, with_count = [], [], []
    for _ in range(repeat):
        for word in words:
            terms = word.split()
            where = " AND ".join(f"search_text LIKE :p{i}" for i in range(len(terms)))
            params = {"team": team, **{f"p{i}": f"%{w}%" for i, w in enumerate(terms)}}
            started = time.perf_counter()
            with sessions() as s:
                queries.search(s, actor, word)
            mine.append(time.perf_counter() - started)
            started = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(text(RAW_SEARCH.replace("search_text LIKE :pattern", where)), params).fetchall()
            page_only.append(time.perf_counter() - started)
            started = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(
                    text(f"SELECT count(*) FROM opportunities WHERE team_id = :team AND {where}"), params
                ).scalar()
                conn.execute(text(RAW_SEARCH.replace("search_text LIKE :pattern", where)), params).fetchall()
            with_count.append(time.perf_counter() - started)
    return [
        line(
            "search p95 (vs raw indexed page)",
            percentile(mine, 95) * 1000,
            percentile(page_only, 95) * 1000,
            target=1.5,
        ),
        line(
            "search p95 (vs raw indexed count + page)",
            percentile(mine, 95) * 1000,
            percentile(with_count, 95) * 1000,
            target=1.5,
        ),
        line(
            "search p50 (vs raw indexed count + page)", percentile(mine, 50) * 1000, percentile(with_count, 50) * 1000
        ),
    ]


class Counter:
    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self.hit)

    def hit(self, *args, **kwargs) -> None:
        self.count += 1


def statement_counts(url: str, teams: list[tuple[str, int]]) -> list[dict]:
    """Statements per slash command through the real listeners (in-process Bolt app, fake Slack at HTTP)."""
    from slack_bolt.request import BoltRequest

    from oppbot.config import Settings
    from oppbot.slack.app import build_app

    fake = FakeSlack().start()
    engine = make_engine(url)
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.base_url, DATABASE_URL=url
    )
    app = build_app(settings, sessions=session_factory(engine))
    counter = Counter(engine)
    commands = ["list", "show #{n}", "forecast", "pipeline", "search renewal", "stats", "list overdue"]
    table: dict[str, list[int]] = {c: [] for c in commands}
    try:
        for ws, deals in teams:
            team, user = team_id(ws), rep_id(ws, 1)
            for command in commands:
                body_text = command.format(n=deals // 2)
                counts = []
                for _ in range(2):  # the first warms the users.info cache; the second is the steady state
                    key = uuid.uuid4().hex
                    body = slash_command_body(
                        body_text, team_id=team, user_id=user, channel_id="CBENCH", response_url=fake.response_url(key)
                    )
                    headers = {
                        "content-type": ["application/x-www-form-urlencoded"],
                        **{k.lower(): [v] for k, v in sign(SECRET, body).items()},
                    }
                    before = counter.count
                    app.dispatch(BoltRequest(body=body.decode(), headers=headers))
                    fake.wait_for_responses(1, timeout=60, key=key)
                    time.sleep(0.05)  # the listener thread may still be closing its session after replying
                    counts.append(counter.count - before)
                table[command].append(counts[-1])
        header = "  ".join(f"{team_id(ws)} ({deals:,} deals)" for ws, deals in teams)
        print(f"{'statements per command':<28}{header}", flush=True)
        results = []
        for command, counts in table.items():
            equal = len(set(counts)) == 1
            print(
                f"/opp {command:<23}" + "".join(f"{c:>24}" for c in counts) + ("   equal" if equal else "   DIFFER"),
                flush=True,
            )
            results.append({"name": f"statements /opp {command}", "counts": counts, "equal": equal})
        return results
    finally:
        fake.stop()
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--workspace", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--small", default="90:20000", help="index:deals of the small workspace for statement counts")
    parser.add_argument("--large-deals", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url)
    team = team_id(args.workspace)
    results = aggregates(engine, team, args.repeat)
    results += search(engine, team, max(2, args.repeat // 5))
    small_ws, small_deals = (int(x) for x in args.small.split(":"))
    results += statement_counts(args.database_url, [(args.workspace, args.large_deals), (small_ws, small_deals)])
    engine.dispose()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
