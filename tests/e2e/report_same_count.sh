#!/usr/bin/env bash
# report_same_count.sh - the gate, the history and the report say the same
# thing about the same data (issue #20 item 2):
#   - one median interval: `check --json`'s ci_low/ci_high, the history's
#     interval (`history show`) and the report's table are the same numbers
#     (n = 10: [x(2), x(9)], not the [x(1), x(9)] the report once drew);
#   - one way to count failures: a benchmark failing on two metrics, a
#     budget that matches nothing (missing) and a warn-severity breach give
#     the same "failing" count in `history add`, `history list` and the
#     report, and it is the number of failing benchmarks (check's verdicts
#     with fails=true, counted by benchmark).
# Skips (77) only when gnuplot is absent.
set -euo pipefail
PG_BUILD_DIR=${PG_BUILD_DIR:?PG_BUILD_DIR not set}
PERFGATE="$PG_BUILD_DIR/cli/perfgate"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "skipped: no gnuplot"; exit 77; }
work=$(mktemp -d /tmp/pg_same_count.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

python3 - <<'PY'
import json
rows = []
def bench(name, times):
    for i, t in enumerate(times):
        rows.append({"name": name, "run_name": name, "run_type": "iteration",
                     "repetitions": len(times), "repetition_index": i, "threads": 1,
                     "iterations": 100, "real_time": t, "cpu_time": t, "time_unit": "ns"})
# ten distinct samples, out of order: x(2) = 2000, x(9) = 9000
bench("s/two/hot/cpu/1", [7000, 2000, 9000, 1000, 5000, 10000, 3000, 8000, 4000, 6000])
bench("s/warned/hot/cpu/1", [3000] * 10)
bench("s/fine/hot/cpu/1", [100] * 10)
json.dump({"context": {}, "perfgate": {"git_commit": "abc"}, "benchmarks": rows},
          open("r.json", "w"))
json.dump({"version": 1, "defaults": {"repetitions": 10},
           "budgets": [{"match": "s/two/*", "owner": "o",
                        "absolute": {"median_real_time": "1us", "median_cpu_time": "1us"}},
                       {"match": "s/warned/*", "severity": "warn",
                        "absolute": {"median_real_time": "1us"}},
                       {"match": "s/fine/*", "absolute": {"median_real_time": "1us"}},
                       {"match": "s/gone/hot/cpu/1", "absolute": {"median_real_time": "1us"}}]},
          open("budgets.json", "w"))
PY

set +e
"$PERFGATE" check --results r.json --budgets budgets.json --json v.json >check.out 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat check.out; fail "check gave exit $rc, want 1"; }
read -r gate_failing lo hi < <(python3 - <<'PY'
import json
d = json.load(open("v.json"))
vs = d["verdicts"] if isinstance(d, dict) else d
failing = {v["benchmark"] for v in vs if v.get("fails")}
two = [v for v in vs if v["benchmark"] == "s/two/hot/cpu/1" and v["metric"] == "median_real_time"][0]
print(len(failing), "%g" % two["ci_low"], "%g" % two["ci_high"])
PY
)
[ "$gate_failing" -eq 2 ] || fail "the gate fails $gate_failing benchmarks, want 2 (s/two, s/gone)"
[ "$lo $hi" = "2000 9000" ] || fail "the gate's interval is [$lo, $hi], want [2000, 9000]"

"$PERFGATE" history add r.json --budgets budgets.json --history h.sqlite >add.out
grep -q ", 2 failing$" add.out || fail "history add: $(cat add.out)"
"$PERFGATE" history list --history h.sqlite | awk 'NR == 2 { exit !($6 == 2) }' \
  || fail "history list: $("$PERFGATE" history list --history h.sqlite)"
"$PERFGATE" history show --history h.sqlite | grep -Eq '^breach +5500 ns +2000 ns +9000 ns +10 +[^ ]+ +s/two/' \
  || fail "history show's interval: $("$PERFGATE" history show --history h.sqlite)"
"$PERFGATE" report --history h.sqlite --out out --no-png >report.out
grep -q ", 2 failing$" report.out || fail "report: $(cat report.out)"
grep -q 'FAIL: 2 of ' out/index.html || fail "the banner does not count 2"
grep -q '<td class="n" data-v="2000">2000 ns - 9000 ns</td>' out/index.html \
  || fail "the report's interval is not the gate's: $(grep -o 's/two.*' out/index.html | head -1)"
echo "ok: report_same_count (gate, history and report: 2 failing, [2000, 9000])"
