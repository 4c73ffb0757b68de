#!/usr/bin/env bash
# reliability_kill.sh - crash safety under SIGKILL at random moments.
#
# For each writer below, the destination holds an old file; the command that
# would write a new one is started and killed with SIGKILL (its whole process
# group: gnuplot too) after a random delay drawn over its measured run time.
# Afterwards the destination must be byte-for-byte the old file or the new
# one (sha256), never torn; the history must pass PRAGMA integrity_check and
# hold every run whose `history add` returned 0, plus at most the one killed.
#
#   writers: check --json/--junit/--markdown, baseline export, report
#            (index.html, summary.md), history add, tpbench --out
#
# PG_KILLS=N kills per writer (default 6: 30 in all, for ctest); the stress
# run of docs/reliability.md uses PG_KILLS=50 (250 kills).
set -u
src=${PG_SOURCE_DIR:?}
bld=${PG_BUILD_DIR:?}
pg=$bld/cli/perfgate
tpbench=$bld/bench/tpbench
kills=${PG_KILLS:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() { echo "FAIL: $*" >&2; exit 1; }
sum() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Runs "$@" in its own session, SIGKILLs the session after a random delay in
# [0, max_ms] ms; the exit status of the command (137 when killed) is in $rc.
kill_after_random() {
  local max_ms=$1; shift
  setsid "$@" >/dev/null 2>&1 &
  local pid=$!
  local delay=$(( (RANDOM * 32768 + RANDOM) % (max_ms + 1) ))
  sleep "$(printf '0.%03d' "$delay")" 2>/dev/null || sleep "$((delay / 1000))"
  kill -KILL -- "-$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
  rc=$?
  [ "$rc" -eq 137 ] && midrun=$((midrun + 1))
  # A child left behind (gnuplot) must not write into the next round.
  kill -KILL -- "-$pid" 2>/dev/null
  return 0
}

# Time of one full run of "$@", in ms (at least 20).
measure() {
  local t0 t1
  t0=$(now_ms)
  "$@" >/dev/null 2>&1
  t1=$(now_ms)
  local d=$(( t1 - t0 ))
  [ "$d" -lt 20 ] && d=20
  [ "$d" -gt 999 ] && d=999
  echo "$d"
}

python3 "$src/tests/e2e/gen_results.py" --benchmarks 400 --reps 10 --seed 1 --out old.json || fail "gen"
python3 "$src/tests/e2e/gen_results.py" --benchmarks 400 --reps 10 --seed 2 --out new.json || fail "gen"
budgets=$src/budgets/default.json

torn=0
total=0
midrun=0
check_dest() { # label dest old_sum new_sum
  local s
  s=$(sum "$2")
  total=$((total + 1))
  if [ "$s" != "$3" ] && [ "$s" != "$4" ]; then
    echo "TORN: $1: $2 is neither the old nor the new file (sha256 ${s:-missing})" >&2
    torn=$((torn + 1))
  fi
}
restore() { # old_copy dest
  cp "$1" "$2.restore" && mv -f "$2.restore" "$2"
}

# ---- check: three outputs at once --------------------------------------
"$pg" check --results old.json --budgets "$budgets" --json v.json --junit j.xml --markdown m.md >/dev/null
for f in v.json j.xml m.md; do cp "$f" "old.$f"; done
"$pg" check --results new.json --budgets "$budgets" --json nv.json --junit nj.xml --markdown nm.md >/dev/null
declare -A OLD NEW
OLD[v.json]=$(sum old.v.json); NEW[v.json]=$(sum nv.json)
OLD[j.xml]=$(sum old.j.xml);   NEW[j.xml]=$(sum nj.xml)
OLD[m.md]=$(sum old.m.md);     NEW[m.md]=$(sum nm.md)
[ "${OLD[v.json]}" != "${NEW[v.json]}" ] || fail "old and new verdicts should differ"
t=$(measure "$pg" check --results new.json --budgets "$budgets" --json x.json --junit x.xml --markdown x.md)
for ((i = 0; i < kills; i++)); do
  for f in v.json j.xml m.md; do restore "old.$f" "$f"; done
  kill_after_random "$t" "$pg" check --results new.json --budgets "$budgets" \
    --json v.json --junit j.xml --markdown m.md
  for f in v.json j.xml m.md; do check_dest check "$f" "${OLD[$f]}" "${NEW[$f]}"; done
done
ls ./*.tmp.* >/dev/null 2>&1 && echo "note: temporary files left by killed runs: $(ls ./*.tmp.* | wc -l)"
rm -f ./*.tmp.*

# ---- history add: integrity and run count ------------------------------
hist=$work/h.sqlite
runs() { python3 -c "
import sqlite3,sys
c=sqlite3.connect(sys.argv[1])
ok=c.execute('PRAGMA integrity_check').fetchone()[0]
n=c.execute('SELECT count(*) FROM runs').fetchone()[0]
print(ok, n)" "$hist"; }
"$pg" history add old.json --history "$hist" >/dev/null || fail "history add"
expected=1
t=$(measure "$pg" history add old.json --history "$work/probe.sqlite")
for ((i = 0; i < kills; i++)); do
  kill_after_random "$t" "$pg" history add new.json --history "$hist"
  [ "$rc" -eq 0 ] && expected=$((expected + 1))
  read -r ok n < <(runs)
  total=$((total + 1))
  if [ "$ok" != "ok" ]; then
    echo "TORN: history integrity_check says: $ok" >&2; torn=$((torn + 1))
  elif [ "$n" -ne "$expected" ] && [ "$n" -ne $((expected + 1)) ]; then
    echo "TORN: history holds $n runs, expected $expected (or one more)" >&2; torn=$((torn + 1))
  fi
  expected=$n
done
# Still a working history: one more add, list, show.
"$pg" history add new.json --history "$hist" >/dev/null || fail "history add after the kills"
"$pg" history list --history "$hist" >/dev/null || fail "history list after the kills"
"$pg" history show --history "$hist" >/dev/null || fail "history show after the kills"

# ---- baseline export -----------------------------------------------------
"$pg" baseline export --out old.b.json --history "$hist" --run 1 >/dev/null || fail "export 1"
last=$("$pg" history list --history "$hist" | awk 'NR==2 {print $1}')
"$pg" baseline export --out new.b.json --history "$hist" --run "$last" >/dev/null || fail "export"
ob=$(sum old.b.json); nb=$(sum new.b.json)
t=$(measure "$pg" baseline export --out x.b.json --history "$hist" --run "$last")
for ((i = 0; i < kills; i++)); do
  restore old.b.json b.json
  kill_after_random "$t" "$pg" baseline export --out b.json --history "$hist" --run "$last"
  check_dest export b.json "$ob" "$nb"
done

# ---- report: index.html and summary.md ---------------------------------
rh=$work/r.sqlite
for s in 1 2 3; do
  python3 "$src/tests/e2e/gen_results.py" --benchmarks 24 --reps 5 --seed $s --out r$s.json
  "$pg" history add r$s.json --history "$rh" --commit c$s >/dev/null || fail "report history"
done
"$pg" report --history "$rh" --out rep >/dev/null || fail "report"
cp rep/index.html old.index.html; cp rep/summary.md old.summary.md
"$pg" history add old.json --history "$rh" --commit c4 >/dev/null
"$pg" report --history "$rh" --out nrep >/dev/null || fail "report 2"
oi=$(sum old.index.html); ni=$(sum nrep/index.html)
os=$(sum old.summary.md); ns=$(sum nrep/summary.md)
t=$(measure "$pg" report --history "$rh" --out xrep)
for ((i = 0; i < kills; i++)); do
  restore old.index.html rep/index.html; restore old.summary.md rep/summary.md
  kill_after_random "$t" "$pg" report --history "$rh" --out rep
  check_dest report rep/index.html "$oi" "$ni"
  check_dest report rep/summary.md "$os" "$ns"
done

# ---- tpbench --out: timings differ run to run, so "new" means complete --
if [ -x "$tpbench" ]; then
  targs=(--suite=calibration --profile=hot --size=65536 --benchmark_min_time=0.01
         --benchmark_repetitions=2)
  "$tpbench" "${targs[@]}" --out old.r.json >/dev/null 2>&1 || fail "tpbench"
  ot=$(sum old.r.json)
  t=$(measure "$tpbench" "${targs[@]}" --out x.r.json)
  for ((i = 0; i < kills; i++)); do
    restore old.r.json r.json
    kill_after_random "$t" "$tpbench" "${targs[@]}" --out r.json
    total=$((total + 1))
    if [ "$(sum r.json)" != "$ot" ] && ! python3 -c "
import json,sys
d=json.load(open('r.json'))
sys.exit(0 if d.get('benchmarks') and 'perfgate' in d else 1)" 2>/dev/null; then
      echo "TORN: tpbench: r.json is neither the old results nor complete new ones" >&2
      torn=$((torn + 1))
    fi
  done
fi

echo "reliability_kill: $((kills * 5)) SIGKILLs ($midrun landed while the command ran), $total destinations checked, $torn torn"
[ "$torn" -eq 0 ] || exit 1
exit 0
