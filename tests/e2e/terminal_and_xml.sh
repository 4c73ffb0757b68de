#!/usr/bin/env bash
# terminal_and_xml.sh - small things a results file or a history could do:
#   - names with U+FFFE / U+FFFF (not XML characters) still give JUnit XML
#     a parser accepts;
#   - ESC and BEL in a commit, a branch or a baseline reason never reach the
#     terminal raw from `history list`, `history show`, `baseline show` or
#     `baseline update` (they are shown as \x1b, \x07);
#   - `baseline update` is one transaction: when marking the baseline fails,
#     no run is recorded either, and the old baseline stays.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- U+FFFE / U+FFFF in JUnit ---------------------------------------------
python3 - <<'PY' || fail "inputs"
import json
names = ["odd/\ufffe/x", "odd/\uffff/y", "plain/z"]
rows = []
for n in names:
    for r in range(5):
        rows.append({"name": n, "run_name": n, "run_type": "iteration", "repetitions": 5,
                     "repetition_index": r, "threads": 1, "iterations": 10,
                     "real_time": 100.0 + r, "cpu_time": 100.0 + r, "time_unit": "ns"})
json.dump({"context": {}, "benchmarks": rows}, open("nc.json", "w"))
json.dump({"version": 1, "budgets": [{"match": "*", "absolute": {"median_real_time": "1us"}}]},
          open("b.json", "w"))
PY
"$PG" check --results nc.json --budgets b.json --junit j.xml >/dev/null 2>err || { cat err; fail "check"; }
python3 -c "
import xml.etree.ElementTree as ET
t = ET.parse('j.xml')
n = sum(1 for _ in t.iter('testcase'))
assert n == 3, n" || fail "JUnit with U+FFFE/U+FFFF does not parse"

# ---- control characters from the history ----------------------------------
python3 "$GEN" --benchmarks 3 --reps 5 --seed 1 --out r1.json || fail "gen"
python3 "$GEN" --benchmarks 3 --reps 5 --seed 2 --out r2.json || fail "gen"
ESC=$'\033'; BEL=$'\007'
"$PG" history add r1.json --history h.sqlite --commit "c1${ESC}]0;pwned${BEL}" \
  --branch "b${ESC}[2J${ESC}[31m" >/dev/null || fail "add"
"$PG" baseline update --from r2.json --history h.sqlite --who "w${ESC}[8m" \
  --reason "r${BEL}${ESC}[1A hidden" >update.out || fail "baseline update"
"$PG" history list --history h.sqlite >list.out || fail "list"
"$PG" history show 1 --history h.sqlite >show.out || fail "show"
"$PG" baseline show --history h.sqlite >bshow.out || fail "baseline show"
for f in update.out list.out show.out bshow.out; do
  if LC_ALL=C grep -q "[${ESC}${BEL}]" "$f"; then fail "$f holds a raw ESC or BEL"; fi
done
grep -qF 'c1\x1b]0;pwned\x07' show.out || fail "show does not show the commit escaped: $(cat show.out)"
grep -qF 'b\x1b[2J' list.out || fail "list does not show the branch escaped: $(cat list.out)"
grep -qF 'reason: r\x07\x1b[1A hidden' bshow.out || fail "baseline show: $(cat bshow.out)"

# ---- baseline update: one transaction ----------------------------------------
runs() { python3 -c "import sqlite3; print(sqlite3.connect('h.sqlite').execute('SELECT count(*) FROM runs').fetchone()[0])"; }
base() { python3 -c "import sqlite3; print(sqlite3.connect('h.sqlite').execute('SELECT run_id FROM baselines ORDER BY id DESC LIMIT 1').fetchone()[0])"; }
before_runs=$(runs); before_base=$(base)
python3 -c "
import sqlite3
c = sqlite3.connect('h.sqlite')
c.execute(\"CREATE TRIGGER no_baseline BEFORE INSERT ON baselines BEGIN SELECT RAISE(ABORT, 'refused by the test'); END\")
c.commit()" || fail "trigger"
"$PG" baseline update --from r1.json --history h.sqlite --reason "half" >o 2>e && fail "update passed"
[ "$(runs)" = "$before_runs" ] || fail "a failed baseline update left a run behind ($(runs) runs, was $before_runs)"
[ "$(base)" = "$before_base" ] || fail "the baseline changed"
echo "terminal_and_xml: JUnit parses with U+FFFE/U+FFFF; no raw ESC/BEL in 4 outputs; update atomic"
exit 0
