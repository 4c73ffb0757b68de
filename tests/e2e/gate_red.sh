#!/usr/bin/env bash
# The gate goes red: tpbench_slowed (a test-only build whose pg_sma does its
# work 20 times) fails `perfgate check` naming indicators/sma/hot/cpu/65536,
# against the default budgets alone (its ceiling relative to the FMA-chain
# calibration) and against a baseline run of the unchanged build (a regression),
# while the unchanged build passes and the untouched EMA benchmark passes.
set -u
if [ "${PG_SANITIZE:-OFF}" = ON ]; then
    echo "skipped in the sanitizer build: kernel timings against the budgets are not those of a sanitized build (make test runs it)"
    exit 77
fi
B=$PG_BUILD_DIR
PG=$B/cli/perfgate
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; cat "$T/out" 2>/dev/null; exit 1; }
filter='indicators/(sma|ema)/hot/cpu/65536|calibration/fma_chain'
run() { "$1" --suite=indicators,calibration --benchmark_filter="$filter" \
          --benchmark_repetitions=10 --benchmark_min_time=0.005 --out="$2" >/dev/null 2>&1 \
        || fail "$1 did not run"; }

# The default budgets, each made optional: this short run leaves out most of
# the benchmarks they cover, and a budget that matches nothing would
# otherwise be "missing" and fail the gate.
mkdir -p "$T/budgets"
python3 - "$PG_SOURCE_DIR/budgets/default.json" "$T/budgets/default.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["budgets"]:
    b["optional"] = True
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY

run "$B/bench/tpbench" "$T/base.json"
PG_SLOW_FACTOR=20 run "$B/tests/tpbench_slowed" "$T/slow.json"

"$PG" check --results "$T/base.json" --budgets "$T/budgets" --color never >"$T/out" 2>&1
[ $? -eq 0 ] || fail "the unchanged build should pass the default budgets"

"$PG" check --results "$T/slow.json" --budgets "$T/budgets" --color never >"$T/out" 2>&1
[ $? -eq 1 ] || fail "the slowed build should fail the default budgets"
grep -E '^breach +indicators/sma/hot/cpu/65536' "$T/out" >/dev/null || fail "no breach named for sma"

"$PG" check --results "$T/slow.json" --budgets "$T/budgets" --baseline "$T/base.json" \
  --color never --json "$T/v.json" >"$T/out" 2>&1
[ $? -eq 1 ] || fail "the slowed build should fail against the baseline"
grep -E '^regression +indicators/sma/hot/cpu/65536' "$T/out" >/dev/null || fail "no regression named for sma"
grep -E '^(pass|improved) +indicators/ema/hot/cpu/65536' "$T/out" >/dev/null || fail "ema should not fail"
echo "ok: the slowed sma turns the gate red; the unchanged build passes"
