#!/usr/bin/env bash
# gate_foreign.sh - perfgate gates a foreign Google Benchmark program.
#
# The program (tests/foreign/foreign_bench.cc) knows nothing of perfgate.
# Its unchanged build must pass against its own baseline; a build slowed
# with FOREIGN_SLOW=5 must fail with exit 1 naming the slowed benchmark in
# every output; aggregates-only output must be called insufficient, never
# passed.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
FB="$PG_BUILD_DIR/tests/foreign/foreign_bench"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$FB" ] || fail "foreign_bench not built at $FB"

run_bench() { # out [extra args...]
    local out=$1; shift
    "$FB" --benchmark_repetitions=10 --benchmark_min_time=0.02 \
          --benchmark_out="$out" --benchmark_out_format=json "$@" >/dev/null 2>&1 \
        || fail "foreign_bench failed"
}

cat >"$T/budgets.json" <<'JSON'
{
  "version": 1,
  "defaults": { "repetitions": 10, "alpha": 0.01, "min_effect": "5%" },
  "budgets": [
    { "match": "BM_Accumulate/*", "regression": { "max": "50%", "metric": "cpu_time" },
      "absolute": { "real_time_per_element": "50ns" }, "owner": "e2e" },
    { "match": "BM_Copy/*", "regression": { "max": "50%", "metric": "cpu_time" } }
  ]
}
JSON
"$PG" budgets lint "$T/budgets.json" >/dev/null || fail "budget file does not lint"

# The unchanged build's baseline and head come from one run of 20
# repetitions, split by repetition index (even: baseline, odd: head), so
# the two are interleaved in time: a burst of load on this shared machine
# lands on both alike, as it would not on two runs one after the other.
# (That a 50 % tolerance holds between separate noisy runs is the accuracy
# campaign's question, docs/accuracy.md, never a timed unit test's.)
run_bench "$T/both.json" --benchmark_repetitions=20
python3 - "$T/both.json" "$T/base.json" "$T/head.json" <<'PY' || fail "cannot split the run"
import json, sys
d = json.load(open(sys.argv[1]))
rows = [b for b in d["benchmarks"] if b.get("run_type") == "iteration"]
assert rows and all("repetition_index" in b for b in rows), "no per-repetition rows"
for parity, out in ((0, sys.argv[2]), (1, sys.argv[3])):
    part = dict(d, benchmarks=[b for b in rows if b["repetition_index"] % 2 == parity])
    assert len(part["benchmarks"]) == 20, len(part["benchmarks"])  # 10 x 2 benchmarks
    json.dump(part, open(out, "w"), indent=1)
PY
FOREIGN_SLOW=5 run_bench "$T/slow.json"

# 1. the unchanged build passes
"$PG" check --results "$T/head.json" --baseline "$T/base.json" --budgets "$T/budgets.json" \
    --color never >"$T/pass.out" 2>"$T/pass.err"
rc=$?
[ $rc -eq 0 ] || { cat "$T/pass.out" "$T/pass.err" >&2; fail "unchanged build: exit $rc, want 0"; }
grep -q "gate passed" "$T/pass.out" || fail "unchanged build: no 'gate passed'"
grep -q "BM_Accumulate/4096 .*real_time_per_element" "$T/pass.out" || fail "no per-element verdict"

# 2. the slowed build fails, naming the benchmark, in every output
"$PG" check --results "$T/slow.json" --baseline "$T/base.json" --budgets "$T/budgets.json" \
    --junit "$T/junit.xml" --markdown "$T/summary.md" --json "$T/verdicts.json" \
    --color never >"$T/slow.out" 2>"$T/slow.err"
rc=$?
[ $rc -eq 1 ] || { cat "$T/slow.out" "$T/slow.err" >&2; fail "slowed build: exit $rc, want 1"; }
grep -Eq "^regression +BM_Accumulate/4096 +regression:cpu_time" "$T/slow.out" \
    || { cat "$T/slow.out"; fail "slowed build: BM_Accumulate/4096 not named as a regression"; }
grep -q "gate FAILED" "$T/slow.out" || fail "no 'gate FAILED'"
grep -Eq '<testcase classname="BM_Accumulate/4096" name="regression:cpu_time"><failure type="regression"' \
    "$T/junit.xml" || fail "JUnit lacks the failure"
grep -q "BM\\\\_Accumulate/4096" "$T/summary.md" || fail "Markdown lacks the benchmark"
python3 - "$T/verdicts.json" <<'PY' || fail "JSON verdicts wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failed"] is True
bad = [v for v in d["verdicts"] if v["fails"]]
assert any(v["benchmark"] == "BM_Accumulate/4096" and v["verdict"] == "regression" for v in bad), bad
PY
ls "$T" | grep -q '\.tmp\.' && fail "temporary files left behind"

# 3. compare marks the slowed benchmark as significant
"$PG" compare --color never "$T/base.json" "$T/slow.json" >"$T/cmp.out" || fail "compare failed"
grep -Eq "^BM_Accumulate/4096 .* p=0\.[0-9]+ \*$" "$T/cmp.out" || { cat "$T/cmp.out"; fail "compare: no marker"; }

# 4. aggregates only: one value per run is too few, and said so
run_bench "$T/agg.json" --benchmark_report_aggregates_only=true
"$PG" check --results "$T/agg.json" --baseline "$T/base.json" --budgets "$T/budgets.json" \
    --color never >"$T/agg.out" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$T/agg.out"; fail "aggregates only: exit $rc, want 1"; }
grep -Eq "^insufficient +BM_Copy/16384 .*only 1 of the 10 repetitions required" "$T/agg.out" \
    || { cat "$T/agg.out"; fail "aggregates only: not called insufficient"; }
echo "ok"
