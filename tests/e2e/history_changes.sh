#!/usr/bin/env bash
# history_changes.sh - perfgate history changes on a recorded history of 60
# synthetic runs (issue 22): a benchmark stepping 3 % slower at run 40, one
# creeping 0.4 % a run, two flat ones.  The step is named within +-2 runs
# with its ratio interval, the creep flagged as creep, the flat ones have no
# change point; --benchmark filters, --json is written, the exit status says
# whether the newest run brought something new; bad usage is exit 2.
# Every sample comes from a seeded generator: same bytes every time.
. "$(dirname "$0")/lib.bash"
H="$T/h.sqlite"

python3 "$PG_SOURCE_DIR/tests/e2e/gen_changes.py" "$T" || fail "generating runs"
for i in $(seq -w 0 59); do
    "$PG" history add "$T/r$i.json" --commit "c$i" --history "$H" >/dev/null 2>"$T/err" \
        || { cat "$T/err" >&2; fail "history add r$i"; }
done

# everything: the step and the creep are new relative to run 59?  The step
# at 40 is old news by run 60; the analysis is stated, whatever is new.
"$PG" history changes --history "$H" --json "$T/c.json" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -le 1 ] || { cat "$T/out" "$T/err" >&2; fail "history changes: exit $rc"; }
grep -q "creep (drifted beyond 5%" "$T/out" || { cat "$T/out"; fail "no creep section"; }
python3 - "$T/c.json" <<'PY' || { cat "$T/out"; fail "changes content"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["tool"] == "perfgate history changes" and d["runs"] == 60, d
b = {x["benchmark"]: x for x in d["benchmarks"]}
assert set(b) == {"x/step", "x/creep", "x/flat", "y/flat"}, b.keys()
step = b["x/step"]
assert len(step["changes"]) == 1, step
c = step["changes"][0]
assert abs(c["run"] - 41) <= 2, c            # run ids start at 1: run 40 is id 41
assert c["direction"] == "slower" and c["ratio_lo"] < 1.03 < c["ratio_hi"] * 1.005, c
assert c["commit"].startswith("c"), c
assert not step["creep"], step
assert b["x/creep"]["creep"] and b["x/creep"]["drift_lo"] > 1.05, b["x/creep"]
for f in ("x/flat", "y/flat"):
    assert b[f]["changes"] == [] and not b[f]["creep"], b[f]
PY
grep -q "x/step" "$T/out" || fail "table lacks the step"

# a filter; no match is an error
expect 0 "$PG" history changes --history "$H" --benchmark '*/flat'
grep -q "no change points" "$T/out" || fail "flat ones reported changes"
expect 2 "$PG" history changes --history "$H" --benchmark 'nothing*'
grep -q "no benchmark matches 'nothing\*'" "$T/err" || fail "no-match message"

# creep since a later run: the last 15 runs drift 0.4 %/run * 10 = 4 %: none
expect 0 "$PG" history changes --history "$H" --benchmark 'x/creep' --since 46
grep -q "creep (" "$T/out" && fail "creep since run 46 flagged"

# new: a history that ends at the step's detection point says so with exit 1
H2="$T/h2.sqlite"
for i in $(seq -w 0 43); do
    "$PG" history add "$T/r$i.json" --commit "c$i" --history "$H2" >/dev/null 2>&1 || fail "add"
done
n=44
while :; do
    "$PG" history changes --history "$H2" --benchmark x/step >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 1 ] && break
    [ $rc -eq 0 ] || fail "exit $rc"
    [ $n -lt 60 ] || fail "the step was never new"
    "$PG" history add "$T/r$n.json" --commit "c$n" --history "$H2" >/dev/null 2>&1 || fail "add"
    n=$((n + 1))
done
grep -q "^new " "$T/out" || { cat "$T/out"; fail "new change not marked"; }
# the nightly's hand-over to its bisect job (scripts/new_change.py): the range
"$PG" history changes --history "$H2" --json "$T/new.json" >/dev/null 2>&1
python3 "$PG_SOURCE_DIR/scripts/new_change.py" "$T/new.json" >"$T/range" || fail "new_change.py"
python3 - "$T/range" <<'PY' || { cat "$T/range"; fail "bisect range"; }
import sys
kv = dict(line.rstrip("\n").split("=", 1) for line in open(sys.argv[1]))
assert kv["bench"] == "x/step", kv
good, bad = int(kv["good"][1:]), int(kv["bad"][1:])
assert good < 40 <= bad and bad - good <= 6, kv
PY
# and the run after it, nothing new
"$PG" history add "$T/r$n.json" --commit "c$n" --history "$H2" >/dev/null 2>&1 || fail "add"
expect 0 "$PG" history changes --history "$H2" --benchmark x/step

# bad usage
expect 2 "$PG" history changes --history "$H" --tolerance 5
expect 2 "$PG" history changes --history "$H" --since 9999
grep -q "no run 9999" "$T/err" || fail "--since message"
expect 2 "$PG" history changes --history "$H" --since abc
expect 2 "$PG" history chnages --history "$H"
grep -q "did you mean 'changes'" "$T/err" || fail "did you mean"
echo "history_changes: ok"
