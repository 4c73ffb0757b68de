#!/usr/bin/env bash
# complexity.sh - results with ->Complexity() fit rows (BigO, RMS).
#
# The rows are read (never "a benchmark row without real_time"), shown by
# compare, skipped by history add, and judged by check only where a
# budget's "counters" name one of their figures (real_coefficient,
# cpu_coefficient, rms): a broad glob leaves them alone, a coefficient
# over its ceiling fails the gate naming the row, a figure the row lacks
# is missing (exit 1).  Once on the checked-in run of
# tests/foreign/complexity_bench, once on a fresh run of it.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
CB="$PG_BUILD_DIR/tests/foreign/complexity_bench"
DATA="$PG_SOURCE_DIR/tests/e2e/gate_data/complexity.json"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$CB" ] || fail "complexity_bench not built at $CB"

# The same run with BM_SumOfN's fit 1.5 times steeper.
python3 - "$DATA" "$T/steeper.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    if b["name"] == "BM_SumOfN_BigO":
        b["real_coefficient"] *= 1.5
        b["cpu_coefficient"] *= 1.5
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY

# compare: the fit rows with their figures and the ratio of coefficients.
"$PG" compare "$DATA" "$T/steeper.json" >"$T/cmp.out" 2>&1 || fail "compare: exit $?: $(cat "$T/cmp.out")"
grep -q '^BM_SumOfN_BigO .*BigO .*ns \* N .*1\.500x' "$T/cmp.out" || fail "compare: no BigO row: $(cat "$T/cmp.out")"
grep -q '^BM_Sum_BigO .*NlgN.*1\.000x' "$T/cmp.out" || fail "compare: no NlgN row"
grep -q '^BM_Sum_RMS .*RMS 2\.25%' "$T/cmp.out" || fail "compare: no RMS row"

mkdir -p "$T/broad" "$T/fit" "$T/wrong"
cat >"$T/broad/b.json" <<'JSON'
{ "version": 1, "defaults": { "repetitions": 1 },
  "budgets": [ { "match": "BM_*", "absolute": { "median_real_time": "1s" } } ] }
JSON
cat >"$T/fit/b.json" <<'JSON'
{ "version": 1, "defaults": { "repetitions": 1 },
  "budgets": [
    { "match": "BM_SumOfN_BigO", "counters": { "cpu_coefficient": { "max": 0.5 } } },
    { "match": "BM_SumOfN_RMS", "counters": { "rms": { "max": 0.5 } } } ] }
JSON
cat >"$T/wrong/b.json" <<'JSON'
{ "version": 1, "budgets": [ { "match": "BM_Sum_BigO", "counters": { "rms": { "max": 0.5 } } } ] }
JSON
for d in broad fit wrong; do "$PG" budgets lint "$T/$d" >/dev/null || fail "$d budgets do not lint"; done

# A broad glob judges the timings and leaves the fit rows alone.
"$PG" check --results "$DATA" --budgets "$T/broad" >"$T/broad.out" 2>&1 \
    || fail "broad: exit $?: $(cat "$T/broad.out")"
grep -q 'BM_Sum/256 ' "$T/broad.out" || fail "broad: timings not judged"
! grep -q '_BigO\|_RMS' "$T/broad.out" || fail "broad: a fit row was judged: $(cat "$T/broad.out")"

# Budgets on the fit: pass as measured, fail when the fit is steeper.
"$PG" check --results "$DATA" --budgets "$T/fit" >"$T/fit.out" 2>&1 || fail "fit: exit $?: $(cat "$T/fit.out")"
grep -q '^pass .*BM_SumOfN_BigO .*fit:cpu_coefficient' "$T/fit.out" || fail "fit: no coefficient verdict"
grep -q '^pass .*BM_SumOfN_RMS .*fit:rms' "$T/fit.out" || fail "fit: no rms verdict"
"$PG" check --results "$T/steeper.json" --budgets "$T/fit" --json "$T/v.json" >"$T/steep.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "steeper fit: exit $rc, expected 1: $(cat "$T/steep.out")"
grep -q 'BM_SumOfN_BigO .*fit:cpu_coefficient' "$T/steep.out" || fail "steeper fit: row not named"
python3 - "$T/v.json" <<'PY' || fail "steeper fit: JSON verdicts wrong"
import json, sys
v = json.load(open(sys.argv[1]))
bad = [x["benchmark"] for x in v["verdicts"] if x["fails"]]
assert bad == ["BM_SumOfN_BigO"], bad
PY
"$PG" check --results "$DATA" --budgets "$T/wrong" >"$T/wrong.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a figure the row lacks: exit $rc, expected 1 (fails closed)"
grep -q 'missing .*BM_Sum_BigO .*a BigO row has no rms' "$T/wrong.out" || fail "wrong: $(cat "$T/wrong.out")"

# history add keeps the timings and skips the fit rows.
"$PG" history add "$DATA" --history "$T/h.sqlite" --budgets "$T/fit" >"$T/h.out" 2>&1 \
    || fail "history add: exit $?: $(cat "$T/h.out")"
grep -q 'recorded run 1: 7 benchmarks' "$T/h.out" || fail "history add: $(cat "$T/h.out")"

# A fit row without its coefficient: exit 2, file:line:column.
python3 - "$DATA" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    if b["name"] == "BM_Sum_BigO":
        del b["cpu_coefficient"]
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
"$PG" check --results "$T/bad.json" --budgets "$T/broad" >"$T/bad.out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "bad fit row: exit $rc, expected 2"
grep -q 'bad.json:[0-9]*:[0-9]*: .*cpu_coefficient' "$T/bad.out" || fail "bad fit row: $(cat "$T/bad.out")"

# A fresh run of the program: read and gated the same way.
"$CB" --benchmark_min_time=0.01 --benchmark_out="$T/fresh.json" --benchmark_out_format=json \
    >/dev/null 2>&1 || fail "complexity_bench failed"
cat >"$T/fit/b.json" <<'JSON'
{ "version": 1, "defaults": { "repetitions": 1 },
  "budgets": [ { "match": "BM_Sum_BigO", "counters": { "real_coefficient": { "max": 1e9 } } } ] }
JSON
"$PG" check --results "$T/fresh.json" --budgets "$T/fit" >"$T/fresh.out" 2>&1 \
    || fail "fresh run: exit $?: $(cat "$T/fresh.out")"
grep -q '^pass .*BM_Sum_BigO .*fit:real_coefficient' "$T/fresh.out" || fail "fresh: $(cat "$T/fresh.out")"
echo "complexity: compare, check (broad, fit, steeper, lacking, bad row), history add, fresh run: ok"
