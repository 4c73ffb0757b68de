#!/usr/bin/env bash
# gate_confirm.sh - scripts/gate.sh (what `make gate` runs) measures the
# benchmarks that failed a second time, and only what fails twice fails
# (docs/statistics.md, "Measured again").  A short suite (SMA hot 4096 and
# the calibrations) against a baseline of the unchanged build:
#  - a slowdown that lasts (tpbench_slowed both times) fails, its verdict
#    noted "confirmed";
#  - a slowdown that does not (the slowed build first, the unchanged one
#    when measured again, as a burst of load on a shared machine would look)
#    passes, noted "not confirmed", and the history records the pass;
#  - GATE_CONFIRM=0: the first measurement decides.
. "$(dirname "$0")/lib.bash"
if [ "${PG_SANITIZE:-OFF}" = ON ]; then
    echo "skipped in the sanitizer build: kernel timings are not those of a sanitized build (make test runs it)"
    exit 77
fi
B=$PG_BUILD_DIR
filter='^indicators/sma/hot/cpu/4096$|^calibration/fma_chain'
mkdir -p "$T/budgets"
python3 - "$PG_SOURCE_DIR/budgets/default.json" "$T/budgets/default.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["budgets"]:
    b["optional"] = True  # the short suite leaves most of them unmatched
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
# the baseline as the gate measures: interleaved (an SMA of 4096 points
# reads about 1.3x slower interleaved, each repetition with buffers of its
# own, than back to back on one lucky placement)
"$B/bench/tpbench" --benchmark_filter="$filter" --benchmark_repetitions=10 \
    --benchmark_enable_random_interleaving=true --benchmark_min_time=0.005 \
    --out="$T/base.json" >/dev/null 2>&1 || fail "baseline run"

# TPBENCH for the gate: the slowed build on its first call, then $second.
cat >"$T/tpbench" <<EOF
#!/usr/bin/env bash
n=\$(cat "$T/calls" 2>/dev/null || echo 0); echo \$((n + 1)) >"$T/calls"
if [ "\$n" -eq 0 ]; then exec "$B/tests/tpbench_slowed" "\$@"; fi
exec "\$SECOND" "\$@"
EOF
chmod +x "$T/tpbench"
gate() { # out second [env...]
    local out=$1 second=$2; shift 2
    rm -f "$T/calls"
    env BUILD="$B" GATE_OUT="$T/$out" PERFGATE_HISTORY="$T/$out/h.sqlite" GATE_BUDGETS="$T/budgets" \
        GATE_BASELINE="$T/base.json" GATE_ARGS="--benchmark_filter=$filter" TPBENCH="$T/tpbench" \
        SECOND="$second" "$@" bash "$PG_SOURCE_DIR/scripts/gate.sh" >"$T/out" 2>"$T/err"
}
verdict() { # out -> the SMA regression verdict's kind and note
    python3 - "$T/$1/verdict.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["verdicts"]:
    if r["benchmark"] == "indicators/sma/hot/cpu/4096" and r["metric"].startswith("regression"):
        print(r["verdict"], r["note"])
PY
}

gate lasting "$B/tests/tpbench_slowed"
[ $? -eq 1 ] || { cat "$T/out" "$T/err"; fail "a lasting slowdown passed"; }
grep -q "measuring again: 1 benchmarks failed" "$T/err" || fail "not measured again: $(cat "$T/err")"
[ "$(cat "$T/calls")" = 2 ] || fail "tpbench ran $(cat "$T/calls") times"
verdict lasting | grep -q "^regression .*; confirmed: measured again, " || fail "lasting: $(verdict lasting)"

gate transient "$B/bench/tpbench"
[ $? -eq 0 ] || { cat "$T/out" "$T/err"; fail "a slowdown gone when measured again failed"; }
verdict transient | grep -Eq "^(pass|improved) a regression at first \(.*not confirmed" || fail "transient: $(verdict transient)"
expect 0 "$PG" history show latest --history "$T/transient/h.sqlite"
grep -Eq "^(pass|improved) .*indicators/sma/hot/cpu/4096" "$T/out" || fail "history: $(cat "$T/out")"

gate first "$B/bench/tpbench" GATE_CONFIRM=0
[ $? -eq 1 ] || fail "GATE_CONFIRM=0 measured again"
[ "$(cat "$T/calls")" = 1 ] || fail "GATE_CONFIRM=0: tpbench ran $(cat "$T/calls") times"
echo ok
