#!/usr/bin/env bash
# oom_failmalloc.sh - out-of-memory handling, proved the way SQLite proves
# its own (src/test_malloc.c): `perfgate check` (baseline, relative and
# absolute limits, an active and an expired waiver, every output) and
# `perfgate history add` (budgets, baseline, into a history holding an
# earlier run) run once to count their allocations, then once for every k
# with the k-th allocation failing, and for every 10th k with the k-th and
# all later ones failing.  Each run must give the clean run's verdicts or
# exit 2 with an out-of-memory message, leaving every existing output file
# and the history whole (tests/e2e/oom_runs.py says what is checked).  The
# allocations fail through an LD_PRELOAD shim, libpgfailmalloc.so
# (tests/support/failmalloc.c).  Skipped in the sanitized and fuzz builds:
# ASan owns malloc there and does not share it with an interposer.
set -u
src=${PG_SOURCE_DIR:?}
bld=${PG_BUILD_DIR:?}
pg=$bld/cli/perfgate
shim=$bld/tests/libpgfailmalloc.so
if [ "${PG_SANITIZE:-}" = ON ] ||
   grep -q 'PERFGATE_SANITIZE:BOOL=ON\|PERFGATE_FUZZ:BOOL=ON' "$bld/CMakeCache.txt" 2>/dev/null; then
  echo "oom_failmalloc: sanitized build, skipped (ASan owns malloc; an LD_PRELOAD malloc shim cannot sit beside it)"
  exit 77
fi
[ -f "$shim" ] || { echo "FAIL: $shim not built" >&2; exit 1; }
# On tmpfs where there is one: the runs fsync (outputs, the history's WAL),
# which proves nothing here and would be most of the test's time.
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Small inputs: a few hundred allocations for check, a few thousand for
# history add (most of them SQLite's), so that a run for every k stays short.
gen=$src/tests/e2e/gen_results.py
python3 "$gen" --benchmarks 4 --reps 5 --seed 1 --out "$work/base.json" || fail gen
python3 "$gen" --benchmarks 4 --reps 5 --seed 2 --slow 'indicators/ema*=1.5' \
  --out "$work/head.json" || fail gen
# A folder of budget files, so the folder reading is tried too.
mkdir "$work/budgets"
cat >"$work/budgets/limits.json" <<'JSON'
{ "version": 1,
  "defaults": { "repetitions": 5 },
  "budgets": [
    { "match": "indicators/*", "regression": { "max": "5%" }, "owner": "signals" },
    { "match": "indicators/sma*",
      "relative": { "to": "indicators/ema0/hot/cpu/1024", "max_ratio": 2 } },
    { "match": "indicators/rsi*", "absolute": { "median_real_time": "1ns" } },
    { "match": "indicators/macd*", "absolute": { "median_real_time": "1s" } } ] }
JSON
cat >"$work/budgets/waivers.json" <<'JSON'
{ "version": 1,
  "waivers": [
    { "match": "indicators/rsi*", "reason": "new kernel", "ticket": "T-1", "expires": "2999-01-01" },
    { "match": "indicators/old*", "reason": "gone", "ticket": "T-0", "expires": "2020-01-01" } ] }
JSON
"$pg" history add "$work/base.json" --history "$work/h0.sqlite" --commit c0 --branch main \
  >/dev/null || fail "history add (the earlier run)"

# Persistent failures for every 10th k keep the test near half a minute on
# two idle cores (most of it is starting 3,000 perfgate processes);
# PG_OOM_PERSISTENT_EVERY=1 runs them for every k.
every=${PG_OOM_PERSISTENT_EVERY:-10}
status=0
for what in check history; do
  python3 "$src/tests/e2e/oom_runs.py" "$what" "$pg" "$shim" "$work" --persistent-every "$every" ||
    status=1
done
exit $status
