#!/usr/bin/env bash
# Runs every libFuzzer target of a PERFGATE_FUZZ build for a set time each,
# or (RUNS given) until each has executed RUNS inputs, however long it takes.
#   scripts/fuzz.sh BUILD_DIR SECONDS [RUNS [TARGET...]]
# Seeds: tests/fuzz/corpus/<name>/ (read-only here); new inputs go to
# BUILD_DIR/corpus/<name>/; a crash is written to tests/fuzz/corpus/<name>/
# as crash-<sha1> (commit it: it becomes a regression input) and fails the run.
set -u
build=${1:?build dir}
secs=${2:-60}
runs=${3:-0}
shift $(( $# < 3 ? $# : 3 ))
only=" $* "
status=0
total=0
for t in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t"); name=${name#fuzz_}
  [ "$only" = "  " ] || [[ "$only" == *" $name "* ]] || continue
  seeds=tests/fuzz/corpus/$name
  work=$build/corpus/$name
  mkdir -p "$seeds" "$work"
  log=$build/fuzz_$name.log
  if [ "$runs" -gt 0 ]; then limit=(-runs="$runs"); else limit=(-max_total_time="$secs"); fi
  start=$(date +%s)
  "$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$seeds/" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  total=$((total + ${execs:-0}))
  if [ $rc -ne 0 ]; then
    echo "fuzz: $name FAILED (exit $rc), see $log:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2
    status=1
  else
    echo "fuzz: $name: ${execs:-?} executions in $(( $(date +%s) - start )) s, no crash"
  fi
done
echo "fuzz: $total executions in all"
exit $status
