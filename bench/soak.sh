#!/bin/sh
# `make soak`: the fault tests (tests/integration/test_faults.py) run again and again through the real processes.
# Usage: bench/soak.sh [runs]   (default 20). Needs OPPBOT_TEST_DATABASE_URL (PostgreSQL) and redis-server on PATH;
# each run starts its own redis-server on a free port. One line per test per run goes to bench/soak.log (a failing
# run's whole output to bench/soak-runN.out), and a table of passes per test is printed at the end (and whenever the
# run is cut short, from what finished).
set -u
RUNS=${1:-20}
PY=${PYTHON:-.venv/bin/python}
LOG=${SOAK_LOG:-bench/soak.log}
: > "$LOG"
summary() {
    echo "soak: $(grep -c . "$LOG") results from $(cut -d' ' -f1 "$LOG" | sort -u | grep -c .) run(s)"
    awk '{ total[$3]++; if ($2 == "PASSED") ok[$3]++ } END { for (t in total) printf "%3d/%-3d %s\n", ok[t], total[t], t }' "$LOG" | sort -k2
}
trap 'summary; exit 1' INT TERM
i=1
while [ "$i" -le "$RUNS" ]; do
    started=$(date +%s)
    out="${LOG%.log}-run$i.out"
    OPPBOT_REQUIRE_SERVICES=1 "$PY" -m pytest tests/integration/test_faults.py -q -rA -p no:cacheprovider -p no:logging \
        > "$out" 2>&1
    grep -E '^(PASSED|FAILED|ERROR) ' "$out" | sed "s/^/run$i /" | cut -d' ' -f1-3 >> "$LOG"
    # A run with a failure keeps its whole output beside the log (the assertion and the processes' logs); a clean
    # run's is removed.
    if grep -qE '^(FAILED|ERROR) ' "$out"; then echo "run $i: failures, output kept in $out"; else rm -f "$out"; fi
    echo "run $i done in $(( $(date +%s) - started )) s"
    i=$((i + 1))
done
summary
