#!/usr/bin/env bash
# The `make gate` run: benchmark, judge, record, report, exit with the verdict.
#
#   1. tpbench runs the default suites with repetitions -> perfgate-out/results.json
#   2. perfgate budgets lint budgets/
#   3. perfgate check against budgets/ (and the baseline: perfgate-out/baseline.json
#      when present, else the baseline recorded in the history, if any); when a
#      regression or breach fails, the suite runs again, and only what fails twice fails
#      -> perfgate-out/verdict.json, perfgate-out/summary.md, perfgate-out/junit.xml + the table
#   4. (check --record) the run and those verdicts -> perfgate-out/history.sqlite
#   5. perfgate report -> perfgate-out/out/index.html, summary.md, charts/
#   6. exit 0 (pass), 1 (the gate failed) or 2 (bad input / trouble)
#
# Knobs (environment): BUILD (build dir), GATE_OUT (outputs, default perfgate-out), GATE_REPETITIONS (default 10),
# GATE_MIN_TIME (seconds per repetition, default 0.005), GATE_COLD_MIN_TIME
# (kernel seconds per cold repetition, default 0.001), GATE_ARGS (more tpbench
# flags, e.g. --suite=indicators), PERFGATE_HISTORY (history file or URI),
# GATE_BUDGETS (default budgets), GATE_BASELINE (a baseline results file),
# TPBENCH (another tpbench binary, e.g. build/tests/tpbench_slowed),
# GATE_INTERLEAVE (1, the default: repetitions in random order; 0: one
# benchmark's repetitions back to back), GATE_CONFIRM (1, the default: when a
# regression or breach fails, run the suite again; 0: the first run decides).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

BUILD=${BUILD:-build}
REPS=${GATE_REPETITIONS:-10}
MIN_TIME=${GATE_MIN_TIME:-0.005}
BUDGETS=${GATE_BUDGETS:-budgets}
OUT=${GATE_OUT:-perfgate-out}
tpbench=${TPBENCH:-$BUILD/bench/tpbench}
perfgate="$BUILD/cli/perfgate"
mkdir -p "$OUT"
# The history lives with the other outputs unless the caller names one.
export PERFGATE_HISTORY=${PERFGATE_HISTORY:-$OUT/history.sqlite}

for bin in "$tpbench" "$perfgate"; do
  [ -x "$bin" ] || { echo "gate: $bin is missing: run 'make build' first" >&2; exit 2; }
done

start=$(date +%s)
# One line per stage (what CI logs show); on a terminal, the benchmarks'
# progress is redrawn in place: done of total, the newest, the time left.
stage() { echo "gate: [$1/4] $2 ($(( $(date +%s) - start )) s)" >&2; }

# Benchmarks done so far: distinct names in tpbench's log that are in the
# list (Google Benchmark prints repetitions and _mean/_median/... rows).
bench_progress() { # pid total names-file
  local done=0 newest="" now left
  while kill -0 "$1" 2>/dev/null; do
    sleep 2
    done=$(awk '{print $1}' "$OUT/tpbench.log" 2>/dev/null | sed -E 's/_(mean|median|stddev|cv)$//' \
           | sort -u | grep -cxFf "$3")
    newest=$(awk '{print $1}' "$OUT/tpbench.log" 2>/dev/null | grep -xFf "$3" | tail -n 1)
    now=$(( $(date +%s) - start ))
    left="?"
    [ "$done" -gt 0 ] && left=$(( now * ($2 - done) / done ))
    printf '\r\033[Kgate: benchmarks %d/%d, %s s left  %.60s' "$done" "$2" "$left" "$newest" >&2
  done
  printf '\r\033[K' >&2
}

# Repetitions in random order across the suite (Google Benchmark's random
# interleaving): a burst of load on a shared machine then lands on a few
# repetitions of many benchmarks, where the median discounts it, instead of
# on every repetition of a few; and each repetition sets up its own buffers,
# so their placement in memory varies within the run as it does between
# runs.  Measured: the median benchmark's spread between runs fell from
# 7-10 % to 1-3 % (docs/accuracy.md), which is what a baseline compares.
interleave=(--benchmark_enable_random_interleaving=true) # tpbench's default too
[ "${GATE_INTERLEAVE:-1}" != 0 ] || interleave=(--benchmark_enable_random_interleaving=false)
stage 1 "running the default suites ($REPS repetitions; log: $OUT/tpbench.log)"
# shellcheck disable=SC2086
"$tpbench" --benchmark_repetitions="$REPS" --benchmark_min_time="$MIN_TIME" "${interleave[@]}" \
     --cold-min-time="${GATE_COLD_MIN_TIME:-0.001}" --first-children=5 ${GATE_ARGS:-} \
     --out="$OUT/results.json.tmp" >"$OUT/tpbench.log" 2>&1 &
tp_pid=$!
# shellcheck disable=SC2086
if [ -t 2 ] && "$tpbench" --list ${GATE_ARGS:-} >"$OUT/benchmarks.list" 2>/dev/null; then
  bench_progress "$tp_pid" "$(wc -l <"$OUT/benchmarks.list")" "$OUT/benchmarks.list"
fi
if ! wait "$tp_pid"; then
  tail -n 20 "$OUT/tpbench.log" >&2
  echo "gate: tpbench failed (log: $OUT/tpbench.log)" >&2
  rm -f "$OUT/results.json.tmp"
  exit 2
fi
mv -f "$OUT/results.json.tmp" "$OUT/results.json"
bench_done=$(date +%s)

stage 2 "linting the budgets in $BUDGETS"
"$perfgate" budgets lint "$BUDGETS" || exit 2

baseline=()
if [ -n "${GATE_BASELINE:-}" ]; then
  baseline=(--baseline "$GATE_BASELINE")
elif [ -f "$OUT/baseline.json" ]; then
  baseline=(--baseline "$OUT/baseline.json")
elif "$perfgate" baseline export --out "$OUT/baseline.recorded.json" >/dev/null 2>&1; then
  baseline=(--baseline "$OUT/baseline.recorded.json")
fi
[ ${#baseline[@]} -gt 0 ] && echo "gate: comparing with the baseline ${baseline[1]}" >&2

stage 3 "judging the run and recording it (perfgate check --record)"
# A regression or breach must be measured twice: when one fails, the suite
# runs again in a fresh process, and a failure the second measurement
# passes was the machine, not the code (docs/statistics.md, "Measured
# again"; GATE_CONFIRM=0: no second measurement).  Both judgements are
# quick; only the second is shown and recorded.
confirm=()
rm -f "$OUT/recheck.txt" "$OUT/confirm.json"
"$perfgate" check --results "$OUT/results.json" --budgets "$BUDGETS" "${baseline[@]}" \
  --recheck "$OUT/recheck.txt" --color never >"$OUT/check-first.txt" 2>&1
first=$?
if [ "$first" -ge 2 ]; then
  cat "$OUT/check-first.txt" >&2
  echo "gate: perfgate check could not judge the run (exit $first)" >&2
  exit 2
fi
if [ "$first" -eq 1 ] && [ "${GATE_CONFIRM:-1}" != 0 ] && [ -s "$OUT/recheck.txt" ]; then
  # The whole suite again, as the first time: a benchmark's time depends on
  # its neighbours (an SMA of 4096 points read 1.2-1.35x slower interleaved
  # with the stream calibrations than with the FMA chain alone), so only the
  # same run measures the same thing.  It costs a second run on a red gate.
  echo "gate: measuring again: $(wc -l <"$OUT/recheck.txt") benchmarks failed (log: $OUT/tpbench-confirm.log)" >&2
  # shellcheck disable=SC2086
  if "$tpbench" --benchmark_repetitions="$REPS" --benchmark_min_time="$MIN_TIME" "${interleave[@]}" \
       --cold-min-time="${GATE_COLD_MIN_TIME:-0.001}" --first-children=5 ${GATE_ARGS:-} \
       --out="$OUT/confirm.json" >"$OUT/tpbench-confirm.log" 2>&1; then
    confirm=(--confirm "$OUT/confirm.json")
  else
    echo "gate: warning: measuring again failed (log: $OUT/tpbench-confirm.log); the first verdicts stand" >&2
  fi
fi
# --record: the history keeps exactly the verdicts printed here (not a
# second judgement); a failure to record is a warning, not the verdict.
"$perfgate" check --results "$OUT/results.json" --budgets "$BUDGETS" "${baseline[@]}" "${confirm[@]}" \
  --json "$OUT/verdict.json" --markdown "$OUT/summary.md" --junit "$OUT/junit.xml" --record
verdict=$?
if [ "$verdict" -ge 2 ]; then
  echo "gate: perfgate check could not judge the run (exit $verdict)" >&2
  exit 2
fi

# Report; trouble here is reported but does not hide the verdict.
stage 4 "writing the report to $OUT/out/index.html"
if ! "$perfgate" report --out "$OUT/out" --runs 100 >/dev/null; then
  echo "gate: warning: the report was not written" >&2
fi

end=$(date +%s)
echo "gate: $([ $verdict -eq 0 ] && echo PASSED || echo FAILED) in $((end - start)) s" \
     "(benchmarks $((bench_done - start)) s); results, verdicts and report under $OUT/" >&2
exit "$verdict"
