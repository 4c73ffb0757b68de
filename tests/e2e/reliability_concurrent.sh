#!/usr/bin/env bash
# reliability_concurrent.sh - many `perfgate history add` at once into one
# SQLite history: every add returns 0 and every run is there afterwards,
# each with all its benchmarks, and the file passes PRAGMA integrity_check.
#
# PG_PROCS x PG_ADDS adds (default 4 x 25, for ctest); the stress run of
# docs/reliability.md is PG_PROCS=8 PG_ADDS=200 (1,600 runs).
set -u
src=${PG_SOURCE_DIR:?}
bld=${PG_BUILD_DIR:?}
pg=$bld/cli/perfgate
procs=${PG_PROCS:-4}
adds=${PG_ADDS:-25}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$src/tests/e2e/gen_results.py" --benchmarks 8 --reps 5 --seed 3 --out r.json || fail "gen"
hist=$work/h.sqlite

writer() { # id: adds runs with commit w<id>-<k>; writes its failures to fail.<id>
  local id=$1 k bad=0
  for ((k = 0; k < adds; k++)); do
    if ! "$pg" history add r.json --history "$hist" --commit "w$id-$k" >/dev/null 2>>"err.$id"; then
      bad=$((bad + 1))
    fi
  done
  echo "$bad" > "fail.$id"
}

t0=$(date +%s)
for ((p = 0; p < procs; p++)); do writer "$p" & done
wait
t1=$(date +%s)

failed=0
for ((p = 0; p < procs; p++)); do failed=$((failed + $(cat "fail.$p"))); done
[ "$failed" -eq 0 ] || { cat err.* >&2; fail "$failed of $((procs * adds)) adds failed"; }

read -r ok runs distinct benches < <(python3 -c "
import sqlite3,sys
c=sqlite3.connect(sys.argv[1])
ok=c.execute('PRAGMA integrity_check').fetchone()[0]
runs=c.execute('SELECT count(*) FROM runs').fetchone()[0]
distinct=c.execute('SELECT count(DISTINCT commit_id) FROM runs').fetchone()[0]
benches=c.execute('SELECT count(*) FROM benchmarks').fetchone()[0]
print(ok, runs, distinct, benches)" "$hist") || fail "cannot read the history"
want=$((procs * adds))
echo "reliability_concurrent: $procs writers x $adds adds in $((t1 - t0)) s: $runs/$want runs," \
     "$distinct distinct commits, integrity_check $ok"
[ "$ok" = "ok" ] || fail "integrity_check: $ok"
[ "$runs" -eq "$want" ] || fail "$runs runs recorded, expected $want"
[ "$distinct" -eq "$want" ] || fail "$distinct distinct runs, expected $want"
[ "$benches" -eq $((want * 8)) ] || fail "$benches benchmark rows, expected $((want * 8))"
"$pg" history list --history "$hist" --limit 3 >/dev/null || fail "history list"
exit 0
