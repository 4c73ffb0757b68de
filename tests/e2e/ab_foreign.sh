#!/usr/bin/env bash
# ab_foreign.sh - `perfgate ab` and `perfgate profile` on a Google Benchmark
# program that knows nothing of perfgate (tests/foreign/foreign_bench.cc,
# Debian's libbenchmark): the same paired, interleaved A/B, verdicts,
# budgets, waivers and outputs as for tpbench, and instruction counts.
#
# Never timing-flaky: the red case is five times the work in BM_Accumulate
# (foreign_bench_slowed), the A/A case runs with a 30 % tolerance, and
# BM_Copy (unchanged in the slowed build) is only required not to be a
# regression.  Instruction counts have no noise: exact assertions there.
set -u
: "${PG_BUILD_DIR:?}"
B=$PG_BUILD_DIR
PG=$B/cli/perfgate
FB=$B/tests/foreign/foreign_bench
SLOW=$B/tests/foreign/foreign_bench_slowed
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$T/out" >&2 2>/dev/null; exit 1; }
[ -x "$FB" ] && [ -x "$SLOW" ] || fail "foreign_bench builds missing"

# 1. what the program does not understand is said, exit 2
"$PG" ab --base "$FB" --head "$FB" --suite=indicators --rounds 2 >"$T/out" 2>&1
[ $? -eq 2 ] || fail "--suite= on a plain Google Benchmark program: want exit 2"
grep -q "does not understand --suite=" "$T/out" || fail "--suite= not named"
"$PG" ab --base "$PG" --head "$FB" --rounds 2 >"$T/out" 2>&1
[ $? -eq 2 ] || fail "perfgate itself as a build: want exit 2"
grep -q "is not a Google Benchmark program" "$T/out" || fail "non-benchmark program not named"

# 2. the slowed build fails, naming BM_Accumulate in every output
"$PG" ab --base "$FB" --head "$SLOW" --rounds 12 --confirm-budget 10s --tolerance 30% \
  --color never --json "$T/v.json" --markdown "$T/v.md" --junit "$T/v.xml" >"$T/out" 2>&1
[ $? -eq 1 ] || fail "the slowed build: want exit 1"
grep -Eq '^regression +BM_Accumulate/4096 ' "$T/out" || fail "BM_Accumulate not a regression"
grep -Eq '^regression +BM_Copy' "$T/out" && fail "BM_Copy (unchanged) called a regression"
grep -q 'gate FAILED' "$T/out" || fail "no 'gate FAILED'"
python3 - "$T/v.json" <<'PY' || fail "JSON verdicts"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["passed"] is False and d["mode"] == "time", d
v = {b["benchmark"]: b for b in d["benchmarks"]}
a = v["BM_Accumulate/4096"]
assert a["final"]["verdict"] == "regression" and a["fails"], a
assert a["final"]["ratio"] > 2.5, a           # five times the work
assert a["metric"] == "real_time", a          # no profile: real time, as check
assert v["BM_Copy/16384"]["final"]["verdict"] != "regression", v["BM_Copy/16384"]
PY
grep -q 'BM\\_Accumulate/4096' "$T/v.md" || fail "Markdown lacks the benchmark"
grep -A1 'name="BM_Accumulate/4096"' "$T/v.xml" | grep -q '<failure message="regression' \
  || fail "JUnit lacks the failure"

# 3. a budget's tolerance and a waiver apply as for tpbench
cat >"$T/budgets.json" <<'JSON'
{ "version": 1,
  "budgets": [ { "match": "BM_*", "regression": { "max": "30%", "metric": "cpu_time" } } ],
  "waivers": [ { "match": "BM_Accumulate/*", "reason": "known, being fixed", "ticket": "T-17",
                 "expires": "2999-01-01" } ] }
JSON
"$PG" ab --base "$FB" --head "$SLOW" --rounds 12 --confirm-budget 10s --budgets "$T/budgets.json" \
  --color never --json "$T/w.json" >"$T/out" 2>&1
[ $? -eq 0 ] || fail "a waived regression: want exit 0"
python3 - "$T/w.json" <<'PY' || fail "waiver / budget metric not applied"
import json, sys
d = json.load(open(sys.argv[1]))
v = {b["benchmark"]: b for b in d["benchmarks"]}
a = v["BM_Accumulate/4096"]
assert a["final"]["verdict"] == "regression" and not a["fails"], a
assert a["metric"] == "cpu_time" and abs(a["tolerance"] - 0.30) < 1e-9, a
assert d["passed"] is True, d
PY

# 4. A/A: the same build against itself is no regression
"$PG" ab --base "$FB" --head "$FB" --rounds 12 --confirm-budget 5s --tolerance 30% \
  --color never >"$T/out" 2>&1
[ $? -eq 0 ] || fail "A/A: want exit 0"
grep -Eq '^regression' "$T/out" && fail "A/A: a regression"

# 5. instruction counts: exact, gated, written as results
if ! command -v valgrind >/dev/null 2>&1 || [ "${PG_SANITIZE:-OFF}" = ON ]; then
  echo "ok (instruction counts skipped: no valgrind or a sanitized build)"; exit 0
fi
"$PG" ab --mode instructions --base "$FB" --head "$FB" --color never >"$T/out" 2>&1
[ $? -eq 0 ] || fail "instructions A/A: want exit 0"
grep -Eq '^pass +BM_Accumulate/4096 .* 1\.0000x' "$T/out" || fail "instructions A/A ratio not 1"
"$PG" ab --mode instructions --base "$FB" --head "$SLOW" --color never \
  --out "$T/head.json" --base-out "$T/base.json" >"$T/out" 2>&1
[ $? -eq 1 ] || fail "instructions, slowed: want exit 1"
grep -Eq '^regression +BM_Accumulate/4096 ' "$T/out" || fail "instructions: BM_Accumulate not flagged"
grep -Eq '^pass +BM_Copy/16384 .* 1\.0000x' "$T/out" || fail "instructions: BM_Copy changed"
python3 - "$T/base.json" "$T/head.json" <<'PY' || fail "instruction results"
import json, sys
b, h = (json.load(open(p)) for p in sys.argv[1:3])
assert h["perfgate"]["mode"] == "instructions", h["perfgate"]
cb = {r["name"]: r for r in b["benchmarks"]}
ch = {r["name"]: r for r in h["benchmarks"]}
ab, ah = cb["BM_Accumulate/4096"], ch["BM_Accumulate/4096"]
# one iteration sums 4096 numbers: a few instructions each
assert 4096 < ab["instructions"] < 20 * 4096, ab
assert ab["instructions_per_item"] == ab["instructions"] / 4096, ab
# five times the work: five times the instructions, within the loop's own few
r = ah["instructions"] / ab["instructions"]
assert 4.95 < r < 5.05, r
assert ch["BM_Copy/16384"]["instructions"] == cb["BM_Copy/16384"]["instructions"]
PY
cat >"$T/ceiling.json" <<'JSON'
{ "version": 1, "budgets": [ { "match": "BM_Accumulate/*",
  "counters": { "instructions_per_item": { "max": 10, "per_element": false } } } ] }
JSON
"$PG" check --results "$T/base.json" --budgets "$T/ceiling.json" --color never >"$T/out" 2>&1
[ $? -eq 0 ] || fail "base counts under the ceiling: want exit 0"
"$PG" check --results "$T/head.json" --budgets "$T/ceiling.json" --color never >"$T/out" 2>&1
[ $? -eq 1 ] || fail "slowed counts above the ceiling: want exit 1"
grep -Eq '^breach +BM_Accumulate/4096 +counter:instructions_per_item' "$T/out" \
  || fail "no breach named for the counter"

# 6. profile: the per-function difference of one benchmark
"$PG" profile BM_Accumulate/4096 --base "$FB" --head "$SLOW" >"$T/out" 2>&1 || fail "profile"
grep -Eq '\+399\.[0-9]+% +BM_Accumulate\(benchmark::State&\)' "$T/out" \
  || fail "profile: BM_Accumulate's function not shown 5x"
"$PG" profile BM_Nope/1 --head "$FB" >"$T/out" 2>&1
[ $? -eq 2 ] || fail "profile of an unknown benchmark: want exit 2"
grep -q "no benchmark 'BM_Nope/1' ran" "$T/out" || fail "unknown benchmark not named"
echo "ok"
