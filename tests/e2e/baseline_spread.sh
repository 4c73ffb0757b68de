#!/usr/bin/env bash
# baseline_spread.sh - a baseline is another run: `perfgate check
# --baseline` widens each ratio's interval by how far the benchmark moves
# between runs, read from the history (docs/statistics.md, "A baseline from
# another run").  Six hot benchmarks, ten tight repetitions a run; in the
# head, k/a and k/b are 7 % slower.
#  - no history: the assumed 5 % spread passes both 7 % shifts (noted as
#    assumed) and still calls a threefold k/c a regression;
#  - a history of six runs in which k/a moved 8 % from run to run and the
#    others 0.3 %: k/b (quiet) is a regression, k/a (noisy) passes, and the
#    JSON says the spread and the runs behind it;
#  - `history add --baseline --budgets` judges as check does;
#  - "run_spread": "0%" in the budget restores the within-run rule.
. "$(dirname "$0")/lib.bash"

gen() { # out seed shift_a shift_b shift_c jitter_a jitter_other
    python3 - "$@" <<'PY'
import json, random, sys
out, seed, sa, sb, sc, ja, jo = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
rng = random.Random(seed)
rows = []
for name, shift, jit in (("a", sa, ja), ("b", sb, jo), ("c", sc, jo), ("d", 1, jo), ("e", 1, jo), ("f", 1, jo)):
    level = 1000 * shift * (1 + rng.uniform(-jit, jit))
    for k in range(10):
        t = level * (1 + 0.0005 * rng.uniform(-1, 1))
        rows.append({"name": f"k/{name}/hot/cpu/4096", "run_name": f"k/{name}/hot/cpu/4096",
                     "run_type": "iteration", "repetitions": 10, "repetition_index": k,
                     "iterations": 1000, "real_time": t, "cpu_time": t, "time_unit": "ns"})
json.dump({"context": {"date": "2026-12-07T00:00:00+00:00"}, "benchmarks": rows}, open(out, "w"))
PY
}
cat >"$T/budgets.json" <<'JSON'
{ "version": 1, "defaults": { "repetitions": 10 },
  "budgets": [ { "match": "k/*", "regression": { "max": "5%" } } ] }
JSON
gen "$T/base.json" 1 1 1 1 0 0
gen "$T/head.json" 2 1.07 1.07 3 0 0

# No history: assumed.
expect 1 "$PG" check --results "$T/head.json" --baseline "$T/base.json" --budgets "$T/budgets.json" \
    --history "$T/none.sqlite" --json "$T/v0.json"
grep -q "^pass .*k/a/hot.*spread between runs (5.0%, assumed)" "$T/out" || fail "k/a not passed as assumed"
grep -q "^pass .*k/b/hot" "$T/out" || fail "k/b not passed without a history"
grep -q "^regression .*k/c/hot" "$T/out" || fail "threefold k/c not a regression"
[ ! -e "$T/none.sqlite" ] || fail "reading the spread created a history"

# A history of six runs: k/a noisy between runs, the others quiet.
H="$T/h.sqlite"
for s in 11 12 13 14 15 16; do
    gen "$T/r$s.json" "$s" 1 1 1 0.08 0.003
    expect 0 "$PG" history add "$T/r$s.json" --history "$H"
done
expect 1 "$PG" check --results "$T/head.json" --baseline "$T/base.json" --budgets "$T/budgets.json" \
    --history "$H" --json "$T/v1.json"
grep -q "spread between runs: 6 benchmarks measured" "$T/err" || fail "spread source not said: $(cat "$T/err")"
grep -q "^regression .*k/b/hot" "$T/out" || fail "k/b (quiet history) not a regression"
grep -q "^pass .*k/a/hot.*with the history's runs" "$T/out" || fail "k/a (noisy history) not passed"
python3 - "$T/v1.json" <<'PY' || fail "JSON spread"
import json, sys
v = {(r["benchmark"], r["metric"]): r for r in json.load(open(sys.argv[1]))["verdicts"]}
a, b = v[("k/a/hot/cpu/4096", "regression:real_time")], v[("k/b/hot/cpu/4096", "regression:real_time")]
assert a["run_spread_runs"] == 6 and b["run_spread_runs"] == 6, (a, b)
assert a["run_spread"] > 0.01 and b["run_spread"] < 0.005, (a["run_spread"], b["run_spread"])
assert a["ratio_low"] < 1.025 < b["ratio_low"], (a["ratio_low"], b["ratio_low"])
PY

# history add judges as check does.
expect 0 "$PG" history add "$T/head.json" --history "$H" --budgets "$T/budgets.json" \
    --baseline "$T/base.json" --commit head
expect 0 "$PG" history show latest --history "$H"
grep -q "^regression .*k/b/hot/cpu/4096" "$T/out" && grep -q "^pass .*k/a/hot/cpu/4096" "$T/out" \
    || fail "history add judged otherwise: $(cat "$T/out")"

# The budget's own spread: 0 % is the within-run rule.
sed 's/"max": "5%"/"max": "5%", "run_spread": "0%"/' "$T/budgets.json" >"$T/zero.json"
expect 1 "$PG" check --results "$T/head.json" --baseline "$T/base.json" --budgets "$T/zero.json" \
    --history "$T/none.sqlite"
grep -q "^regression .*k/a/hot" "$T/out" || fail "run_spread 0% did not restore the within-run rule"
echo ok
