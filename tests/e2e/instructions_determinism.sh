#!/usr/bin/env bash
# Instruction-count mode: the same build gives the same counts, run after
# run; `perfgate check` gates them with a counter ceiling; `perfgate ab
# --mode instructions` passes A/A and fails on tpbench_slowed (pg_sma does
# its work 5 times), and `perfgate profile` names the functions that grew.
set -u
if [ "${PG_SANITIZE:-OFF}" = ON ]; then
    echo "skipped in the sanitizer build: valgrind cannot run an ASan binary (make test runs it)"
    exit 77
fi
B=$PG_BUILD_DIR
PG=$B/cli/perfgate
command -v valgrind >/dev/null || { echo "SKIP: no valgrind"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; cat "$T/out" 2>/dev/null; exit 1; }
F='--benchmark_filter=^indicators/(sma|ema)/hot/cpu/4096$'

"$PG" ab --mode instructions --head "$B/bench/tpbench" --out "$T/r1.json" "$F" >"$T/out" 2>&1 \
  || fail "measuring instructions"
"$PG" ab --mode instructions --head "$B/bench/tpbench" --out "$T/r2.json" "$F" >"$T/out" 2>&1 \
  || fail "measuring instructions again"
python3 - "$T/r1.json" "$T/r2.json" >"$T/out" 2>&1 <<'PY' || fail "counts differ between two runs"
import json, sys
def counts(p):
    return {b["name"]: b["instructions"] for b in json.load(open(p))["benchmarks"]}
a, b = counts(sys.argv[1]), counts(sys.argv[2])
assert set(a) == {"indicators/sma/hot/cpu/4096", "indicators/ema/hot/cpu/4096"}, a
assert a == b, (a, b)
assert all(v > 4096 for v in a.values()), a
PY

per=$(python3 -c "import json,sys; d=json.load(open('$T/r1.json')); print([b['instructions_per_item'] for b in d['benchmarks'] if 'sma' in b['name']][0])")
cat >"$T/ok.json" <<EOF2
{"version": 1, "budgets": [{"match": "indicators/*", "counters": {"instructions_per_item": {"max": $(python3 -c "print($per*3)"), "per_element": false}}}]}
EOF2
cat >"$T/low.json" <<EOF2
{"version": 1, "budgets": [{"match": "indicators/sma/*", "counters": {"instructions_per_item": {"max": $(python3 -c "print($per*0.5)"), "per_element": false}}}]}
EOF2
"$PG" check --results "$T/r1.json" --budgets "$T/ok.json" --color never >"$T/out" 2>&1
[ $? -eq 0 ] || fail "counts under a generous ceiling should pass"
"$PG" check --results "$T/r1.json" --budgets "$T/low.json" --color never >"$T/out" 2>&1
[ $? -eq 1 ] || fail "counts above the ceiling should fail"
grep -E '^breach +indicators/sma/hot/cpu/4096 +counter:instructions_per_item' "$T/out" >/dev/null \
  || fail "no breach named for the counter"

"$PG" ab --mode instructions --base "$B/bench/tpbench" --head "$B/bench/tpbench" "$F" \
  --color never >"$T/out" 2>&1
[ $? -eq 0 ] || fail "A/A in instruction mode should pass"
grep -E '^pass +indicators/sma/hot/cpu/4096 .* 1\.0000x' "$T/out" >/dev/null || fail "A/A ratio is not exactly 1"
"$PG" ab --mode instructions --base "$B/bench/tpbench" --head "$B/tests/tpbench_slowed" "$F" \
  --color never >"$T/out" 2>&1
[ $? -eq 1 ] || fail "the slowed build should fail in instruction mode"
grep -E '^regression +indicators/sma/hot/cpu/4096' "$T/out" >/dev/null || fail "sma not flagged"
grep -E '^pass +indicators/ema/hot/cpu/4096' "$T/out" >/dev/null || fail "ema should pass"

"$PG" profile indicators/sma/hot/cpu/4096 --base "$B/bench/tpbench" --head "$B/tests/tpbench_slowed" \
  >"$T/out" 2>&1 || fail "profile"
grep -E '\+400\.00%' "$T/out" >/dev/null || fail "profile shows no 5x function"
"$PG" profile no/such/bench --head "$B/bench/tpbench" >"$T/out" 2>&1
[ $? -eq 2 ] || fail "an unknown benchmark should be exit 2"
echo "ok"
