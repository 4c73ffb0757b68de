#!/usr/bin/env bash
# Runs every libFuzzer target of a PERFGATE_FUZZ build for a set time each.
#   scripts/fuzz.sh BUILD_DIR SECONDS
# Seeds: tests/fuzz/corpus/<name>/ (read-only here); new inputs go to
# BUILD_DIR/corpus/<name>/; a crash is written to tests/fuzz/corpus/<name>/
# as crash-<sha1> (commit it: it becomes a regression input) and fails the run.
set -u
build=${1:?build dir}
secs=${2:-60}
status=0
total=0
for t in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t"); name=${name#fuzz_}
  seeds=tests/fuzz/corpus/$name
  work=$build/corpus/$name
  mkdir -p "$seeds" "$work"
  log=$build/fuzz_$name.log
  "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$seeds/" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  total=$((total + ${execs:-0}))
  if [ $rc -ne 0 ]; then
    echo "fuzz: $name FAILED (exit $rc), see $log:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2
    status=1
  else
    echo "fuzz: $name: ${execs:-?} executions in ${secs} s, no crash"
  fi
done
echo "fuzz: $total executions in all"
exit $status
