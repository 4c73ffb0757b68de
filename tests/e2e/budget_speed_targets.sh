#!/usr/bin/env bash
# budget_speed_targets.sh - budgets/targets/speed.json (issue 21's targets)
# lints clean and judges runs as it says: crafted results, nothing timed.
#
#   - a run meeting every target (ratios at 0.8x their ceilings): exit 0,
#     one pass verdict per ceiling (9);
#   - a run at the issue's measured figures (first call 4.9x hot per row at
#     1M, 3.6 ms at 10,000 rows, features 30x the FMA chain and 1.5x from
#     4096 to 1M, rolling std 1.9x, Hurst 2.3x, Hasbrouck 3.2x, Kyle 2.2x):
#     exit 1, every one of the 9 ceilings a breach;
#   - a run without the 4096-point features benchmark: that ceiling is
#     missing, which fails (a reference that is not there never passes);
#   - budgets/ itself does not read it (a target file, not `make gate`).
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
SPEED="$PG_SOURCE_DIR/budgets/targets/speed.json"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

"$PG" budgets lint "$SPEED" >"$T/lint" 2>&1 || fail "lint: $(cat "$T/lint")"
grep -q '1 budget file, 8 budgets, 0 waivers: ok' "$T/lint" || fail "lint said: $(cat "$T/lint")"

# Writes a Google Benchmark results file: NAME=NS_PER_ELEMENT pairs, five
# repetitions each (+-0.2 %), CPU time = real time, elements from the name.
craft() {
    out=$1
    shift
    python3 - "$out" "$@" <<'EOF'
import json, sys
rows = []
for arg in sys.argv[2:]:
    name, per = arg.split("=")
    n = int(name.rsplit("/", 1)[1])
    for k in range(5):
        t = float(per) * n * (1 + 0.001 * (k - 2))
        rows.append({"name": name, "run_name": name, "run_type": "iteration",
                     "repetitions": 5, "repetition_index": k, "iterations": 1,
                     "real_time": t, "cpu_time": t, "time_unit": "ns"})
json.dump({"context": {"num_cpus": 2}, "benchmarks": rows}, open(sys.argv[1], "w"))
EOF
}

fma=1.0
# ns per element: hot pipeline 33 at both sizes; first at 1M 0.8 * 3 * 33;
# first at 10,000 rows 0.8 ms in all = 80 ns a row.
good=(
    "calibration/fma_chain/hot/cpu/1048576=$fma"
    "pipeline/path/hot/cpu/10000=33" "pipeline/path/hot/cpu/1000000=33"
    "pipeline/path/first/cpu/1000000=79.2" "pipeline/path/first/cpu/10000=80"
    "indicators/features/hot/cpu/4096=10" "indicators/features/hot/cpu/1048576=10.5"
    "indicators/rolling_std/hot/cpu/1048576=1.04" "indicators/hurst/hot/cpu/1048576=1.2"
    "indicators/hasbrouck/hot/cpu/1048576=1.2" "indicators/kyles_lambda/hot/cpu/1048576=1.2"
)
craft "$T/good.json" "${good[@]}"
"$PG" check --results "$T/good.json" --budgets "$SPEED" --json "$T/good.v" --today 2026-12-07 \
    >"$T/out" 2>&1 || fail "a run meeting the targets failed: $(cat "$T/out")"

bad=(
    "calibration/fma_chain/hot/cpu/1048576=$fma"
    "pipeline/path/hot/cpu/10000=33" "pipeline/path/hot/cpu/1000000=49.5"
    "pipeline/path/first/cpu/1000000=242" "pipeline/path/first/cpu/10000=358"
    "indicators/features/hot/cpu/4096=20" "indicators/features/hot/cpu/1048576=30"
    "indicators/rolling_std/hot/cpu/1048576=1.9" "indicators/hurst/hot/cpu/1048576=2.3"
    "indicators/hasbrouck/hot/cpu/1048576=3.2" "indicators/kyles_lambda/hot/cpu/1048576=2.2"
)
craft "$T/bad.json" "${bad[@]}"
"$PG" check --results "$T/bad.json" --budgets "$SPEED" --json "$T/bad.v" --today 2026-12-07 \
    >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "the issue's figures: exit $rc, want 1: $(cat "$T/out")"

# without the 4096 features benchmark: its ceiling is missing (fails)
partial=()
for b in "${good[@]}"; do
    case $b in indicators/features/hot/cpu/4096=*) ;; *) partial+=("$b") ;; esac
done
craft "$T/partial.json" "${partial[@]}"
"$PG" check --results "$T/partial.json" --budgets "$SPEED" --json "$T/partial.v" \
    --today 2026-12-07 >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "a missing reference: exit $rc, want 1: $(cat "$T/out")"

python3 - "$T" <<'EOF' || exit 1
import json, sys
t = sys.argv[1]
want = {
    ("pipeline/path/first/cpu/1000000", "relative:cpu_time/elem"),
    ("pipeline/path/first/cpu/10000", "median_cpu_time"),
    ("pipeline/path/hot/cpu/1000000", "relative:cpu_time/elem"),
    ("indicators/features/hot/cpu/1048576",
     "relative:cpu_time/elem@calibration/fma_chain/hot/cpu/1048576"),
    ("indicators/features/hot/cpu/1048576", "relative:cpu_time/elem@indicators/features/hot/cpu/4096"),
    ("indicators/rolling_std/hot/cpu/1048576", "relative:cpu_time/elem"),
    ("indicators/hurst/hot/cpu/1048576", "relative:cpu_time/elem"),
    ("indicators/hasbrouck/hot/cpu/1048576", "relative:cpu_time/elem"),
    ("indicators/kyles_lambda/hot/cpu/1048576", "relative:cpu_time/elem"),
}

def verdicts(name):
    doc = json.load(open(f"{t}/{name}.v"))
    return {(v["benchmark"], v["metric"]): v["verdict"] for v in doc["verdicts"]
            if (v["benchmark"], v["metric"]) in want}

bad = 0
for name, kind in (("good", "pass"), ("bad", "breach")):
    got = verdicts(name)
    if set(got) != want:
        print(f"FAIL {name}: verdicts for {sorted(want - set(got))} missing", file=sys.stderr)
        bad = 1
    for key, v in sorted(got.items()):
        if v != kind:
            print(f"FAIL {name}: {key} is {v}, want {kind}", file=sys.stderr)
            bad = 1
got = verdicts("partial")
key = ("indicators/features/hot/cpu/1048576", "relative:cpu_time/elem@indicators/features/hot/cpu/4096")
if got.get(key) != "missing":
    print(f"FAIL partial: {key} is {got.get(key)}, want missing", file=sys.stderr)
    bad = 1
sys.exit(bad)
EOF

# not part of the default gate: budgets/ is read without its subfolders
"$PG" budgets lint "$PG_SOURCE_DIR/budgets" >"$T/lint" 2>&1 || fail "budgets/: $(cat "$T/lint")"
grep -q '^1 budget file,' "$T/lint" || fail "budgets/ reads more than default.json: $(cat "$T/lint")"
echo "ok"
