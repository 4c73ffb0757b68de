#!/usr/bin/env bash
# gate_runs.sh - the whole gate's false-alarm rate, as a new user meets it:
# `make gate` on fresh clones of a repository, with the other core busy.
#
#   bench/accuracy/gate_runs.sh [REPO]        # REPO: a path or URL, default this checkout
#
# Each trial clones REPO into a new folder, runs `make gate` there (the
# README's command: install, configure, build, benchmark, judge) and keeps
# its exit code, wall time, load and verdicts.  Slowed trials then run the
# same clone's gate with the test-only tpbench_slowed (SMA 5x slower:
# tests/e2e/slowed_sma.c), which must be red every time.  While the trials
# run, a parallel compile keeps the other core busy: the project's own C
# sources compiled at -O2 in a loop (`LOAD=none` turns it off).  The clones
# build through ccache when it is installed (only the build gets faster; the
# benchmarks are what the trials measure), so that 20 trials take about 30
# minutes instead of 90.  bench/accuracy/gate_runs.py prints the table.
#
# Environment: TRIALS (20), SLOWED (10), OUT (gate-runs/, one folder a
# trial, plus trials.jsonl), LOAD (compile|none), KEEP=1 keeps the clones.
set -uo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
repo=${1:-$here}
trials=${TRIALS:-20}
slowed=${SLOWED:-10}
out=$(mkdir -p "${OUT:-gate-runs}" && cd "${OUT:-gate-runs}" && pwd)
work=$(mktemp -d /tmp/pg-gate-runs.XXXXXX)
jsonl="$out/trials.jsonl"

load_pid=
start_load() {
  [ "${LOAD:-compile}" = none ] && return
  # A compile the size of a CI job's: every C file of the project at -O2,
  # one at a time, over and over (the other core; tpbench takes this one).
  (
    cd "$here" || exit 0
    mapfile -t srcs < <(git ls-files '*.c' | grep -v '^tests/fuzz/')
    inc=()
    for d in common kernels kernels/cpu harness gate reports cli bench tests/support; do
      inc+=(-I"$here/$d")
    done
    while :; do
      for f in "${srcs[@]}"; do
        gcc -std=c11 -O2 -w -D_GNU_SOURCE "${inc[@]}" -c "$f" -o /dev/null 2>/dev/null
      done
    done
  ) &
  load_pid=$!
}
stop_load() {
  [ -n "$load_pid" ] && kill -- "$load_pid" 2>/dev/null
  pkill -P "$load_pid" 2>/dev/null
  wait 2>/dev/null
}
trap 'stop_load; [ "${KEEP:-0}" = 1 ] || rm -rf "$work"' EXIT

launcher=()
if command -v ccache >/dev/null; then
  # Every trial's clone is at the same path, and paths under $work are
  # hashed relative to it, so the second clone's objects come from the cache.
  export CCACHE_BASEDIR="$work"
  launcher=(CMAKE_FLAGS="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
fi

# One trial: KIND (normal|slowed), I, the clone folder.
trial() {
  local kind=$1 i=$2 dir=$3 t0 t1 rc load gate_s
  local tdir="$out/$kind-$i"
  mkdir -p "$tdir"
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  if [ "$kind" = slowed ]; then
    (cd "$dir" && env "${launcher[@]}" TPBENCH=build/tests/tpbench_slowed make gate) >"$tdir/gate.log" 2>&1
  else
    (cd "$dir" && env "${launcher[@]}" make gate) >"$tdir/gate.log" 2>&1
  fi
  rc=$?
  t1=$(date +%s.%N)
  # make says 2 whenever a recipe fails; the gate's own code is in its log.
  if grep -q '^gate: PASSED' "$tdir/gate.log"; then rc=0
  elif grep -q '^gate: FAILED' "$tdir/gate.log"; then rc=1
  else rc=2; fi
  cp "$dir"/perfgate-out/results.json "$dir"/perfgate-out/verdict.json "$tdir"/ 2>/dev/null
  gate_s=$(sed -n 's/.* in \([0-9]*\) s (benchmarks.*/\1/p' "$tdir/gate.log" | tail -1)
  printf '{"kind":"%s","trial":%d,"exit":%d,"wall_s":%.1f,"gate_s":%s,"load1":%s,"dir":"%s"}\n' \
    "$kind" "$i" "$rc" "$(echo "$t1 - $t0" | bc)" "${gate_s:-null}" "$load" "$tdir" >>"$jsonl"
  echo "gate_runs: $kind $i: exit $rc, gate ${gate_s:-?} s, load $load" >&2
}

start_load
for i in $(seq 1 "$trials"); do
  dir="$work/clone"
  git clone -q "$repo" "$dir" || { echo "gate_runs: clone of $repo failed" >&2; exit 2; }
  trial normal "$i" "$dir"
  if [ "$i" -le "$slowed" ]; then
    trial slowed "$i" "$dir"
  fi
  [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
done
stop_load
python3 "$here/bench/accuracy/gate_runs.py" "$jsonl"
