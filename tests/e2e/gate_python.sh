#!/usr/bin/env bash
# gate_python.sh - perfgate gates a Python project's own benchmarks: the
# real pytest-benchmark on examples/python (its budgets, calibration-
# relative, unchanged), and the real hyperfine on `perfgate compute`.
#
#  - pytest-benchmark --benchmark-save-data: the unchanged module passes its
#    budgets; TP_SLOWDOWN=10 (every indicator computed ten times) fails
#    with breaches naming the slowed benchmarks; both runs go into a history
#    and the report draws them.  The same results without stats.data are
#    judged "insufficient", never passed, and say "summary only".
#  - hyperfine --export-json: two `perfgate compute` commands, named with
#    -n, against a baseline of themselves (one run split even/odd) pass a
#    100 % regression budget; the same names on a fifty times larger input
#    fail it; history and report.
#  - --format forces a reader and a wrong one is a file:line:col error.
# Both tools come from Debian (scripts/deps.sh); the interpreter is the one
# that has pytest-benchmark (/usr/bin/python3, not a pyenv shim).
. "$(dirname "$0")/lib.bash"

. "$PG_SOURCE_DIR/tests/e2e/python_tools.bash"

# The example is copied, so nothing is written into the source tree.
cp -r "$PG_SOURCE_DIR/examples/python" "$T/py"
B="$T/py/budgets/indicators.json"
run_pytest() { # out [env...]
    local out=$1; shift
    (cd "$T/py" && env "$@" "$PY" -m pytest -q -p no:cacheprovider tests \
        --benchmark-json="$out" --benchmark-save-data \
        --benchmark-min-rounds=10 --benchmark-max-time=0.1 >"$out.log" 2>&1) \
        || { cat "$out.log" >&2; fail "pytest failed"; }
}
run_pytest "$T/head.json" TP_SLOWDOWN=1
run_pytest "$T/slow.json" TP_SLOWDOWN=10

expect 0 "$PG" budgets lint --results "$T/head.json" "$B"
grep -q "7 benchmarks, 0 without a budget" "$T/out" || fail "lint: $(cat "$T/out")"

# The unslowed run passes the example's ceilings.  Its samples are real
# timings taken one test after another, so a burst of load on this shared
# machine can land on one test and not on its calibration: as the gate
# measures a failing benchmark again before it counts (scripts/gate.sh), a
# breach here is measured again, up to twice.
for attempt in 1 2 3; do
    "$PG" check --results "$T/head.json" --budgets "$B" --json "$T/v-head.json" >"$T/out" 2>"$T/err" \
        && break
    [ $attempt -lt 3 ] || { cat "$T/out" "$T/err" >&2; fail "unslowed run breached 3 times"; }
    echo "gate_python: attempt $attempt breached; measuring again" >&2
    run_pytest "$T/head.json" TP_SLOWDOWN=1
done
grep -q 'tests/test_indicators.py::test_sma\[65536\] *relative:real_time' "$T/out" \
    || fail "no relative verdict on the bracketed pytest id"
grep -q "pytest-benchmark per-round samples (stats.data)" "$T/out" || fail "source not said"

expect 1 "$PG" check --results "$T/slow.json" --budgets "$B" --json "$T/v-slow.json"
"$PY" - "$T/v-slow.json" <<'PY' || fail "slowed verdicts"
import json, sys
v = json.load(open(sys.argv[1]))
rows = v["verdicts"] if isinstance(v, dict) else v
breach = {r["benchmark"] for r in rows if r["verdict"] == "breach"}
assert breach, "no breach"
assert all(b.startswith("tests/test_indicators.py::test_") for b in breach), breach
assert "tests/test_indicators.py::test_calibration" not in breach
PY

# Summary statistics only: never passed on a ratio that needs samples.
"$PY" - "$T/head.json" "$T/summary.json" <<'PY' || fail "strip"
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    del b["stats"]["data"]
json.dump(d, open(sys.argv[2], "w"))
PY
expect 1 "$PG" check --results "$T/summary.json" --budgets "$B"
grep -q "^insufficient.*summary only, no stats.data" "$T/out" || fail "summary not called insufficient"
if grep -q "^pass .*relative" "$T/out"; then fail "a ratio passed on a summary"; fi

# --format: forced right, and forced wrong (a file:line:col error, exit 2).
expect 0 "$PG" check --results "$T/head.json" --budgets "$B" --format pytest-benchmark
expect 2 "$PG" check --results "$T/head.json" --budgets "$B" --format hyperfine
grep -q "head.json:1:1: no \"results\" member" "$T/err" || fail "wrong format: $(cat "$T/err")"
expect 2 "$PG" check --results "$T/head.json" --budgets "$B" --format json
# Shards of one pytest run merge in their own format and gate as the whole
# run did; a duplicate is refused.
"$PY" - "$T" <<'PY' || fail "shard"
import json, sys
d = json.load(open(f"{sys.argv[1]}/head.json"))
for k in (0, 1):
    part = dict(d, benchmarks=d["benchmarks"][k::2])
    json.dump(part, open(f"{sys.argv[1]}/shard{k}.json", "w"))
PY
expect 0 "$PG" merge "$T/shard0.json" "$T/shard1.json" -o "$T/merged.json"
grep -q "merged 2 pytest-benchmark files, 7 benchmarks" "$T/err" || fail "merge: $(cat "$T/err")"
expect 0 "$PG" check --results "$T/merged.json" --budgets "$B"
expect 2 "$PG" merge "$T/head.json" "$T/head.json" -o "$T/m.json"
grep -q "a benchmark may run in one shard only" "$T/err" || fail "merge duplicate"

H="$T/h.sqlite"
expect 0 "$PG" history add "$T/head.json" --history "$H" --budgets "$B" --commit c1
expect 0 "$PG" history add "$T/slow.json" --history "$H" --budgets "$B" --commit c2
expect 0 "$PG" history show latest --history "$H"
grep -q "test_rsi\[65536\]" "$T/out" || fail "history show lacks the pytest id"
expect 0 "$PG" report --history "$H" --out "$T/report" --no-png
grep -q "test_sma\[65536\]" "$T/report/index.html" || fail "report lacks the pytest id"

# hyperfine on perfgate compute: 2000 rows, and 100000 for the slowed run.
price_csvs "$T"
hf() { # out runs csv
    hyperfine -N --style none --runs "$2" --warmup 1 --export-json "$1" \
        -n "compute sma" "$PG compute sma --input $3 -o /dev/null" \
        -n "compute ema" "$PG compute ema --input $3 -o /dev/null" >"$1.log" 2>&1 \
        || { cat "$1.log" >&2; fail "hyperfine failed"; }
}
# The unchanged build's baseline and head come from one run of 20 runs a
# command, split by run (even: baseline, odd: head), so the two are
# interleaved in time and a burst of load on this shared machine hits both.
hf "$T/hf-both.json" 20 "$T/small.csv"
hf "$T/hf-slow.json" 10 "$T/large.csv"
"$PY" - "$T" <<'PY' || fail "split"
import json, sys
d = json.load(open(f"{sys.argv[1]}/hf-both.json"))
for name, k in (("hf-base.json", 0), ("hf-head.json", 1)):
    part = json.loads(json.dumps(d))
    for r in part["results"]:
        r["times"] = r["times"][k::2]
        r["exit_codes"] = r["exit_codes"][k::2]
    json.dump(part, open(f"{sys.argv[1]}/{name}", "w"))
PY
cat >"$T/hf-budgets.json" <<'JSON'
{ "version": 1, "defaults": { "repetitions": 10, "alpha": 0.01 },
  "budgets": [ { "match": "compute *", "regression": { "max": "100%" },
                 "absolute": { "median_cpu_time": "10s" } } ] }
JSON
expect 0 "$PG" check --results "$T/hf-head.json" --baseline "$T/hf-base.json" --budgets "$T/hf-budgets.json"
# the CPU ceiling is unavailable (hyperfine keeps no per-run CPU time): said,
# not judged on a made-up figure (unavailable, like a counter the machine
# cannot read, does not fail the gate: docs/budgets.md)
grep -q "^unavailable.*compute sma.*median_cpu_time.*not each run's" "$T/out" \
    || fail "CPU ceiling not unavailable: $(cat "$T/out")"
grep -q "^pass .*compute sma.*regression:real_time" "$T/out" || fail "A/A not a pass"
grep -q "hyperfine per-run samples (times)" "$T/out" || fail "hyperfine source not said"
# fifty times the rows: the same command names, several times slower
expect 1 "$PG" check --results "$T/hf-slow.json" --baseline "$T/hf-base.json" --budgets "$T/hf-budgets.json"
grep -q "^regression *compute sma" "$T/out" || fail "slowed compute sma not a regression: $(cat "$T/out")"
H2="$T/hf.sqlite"
expect 0 "$PG" history add "$T/hf-head.json" --history "$H2" --budgets "$T/hf-budgets.json" --baseline "$T/hf-base.json" --commit c1
expect 0 "$PG" history add "$T/hf-slow.json" --history "$H2" --budgets "$T/hf-budgets.json" --baseline "$T/hf-base.json" --commit c2
expect 0 "$PG" report --history "$H2" --out "$T/hf-report" --no-png
grep -q "compute sma" "$T/hf-report/index.html" || fail "report lacks the hyperfine command"
echo "ok"
