#!/usr/bin/env bash
# hostile_names.sh - benchmark names and budget fields an attacker (or an
# unlucky suite) could write, through every output perfgate has.
#
# Names: quotes, a newline, a tab, 10 kB, system("touch /tmp/pwned"),
# gnuplot back-quotes and a quote that would close a gnuplot string, shell
# $(...), <script>, ../../x, '; DROP TABLE runs; --, backslashes, Unicode.
# They must come out as text everywhere: check (table, --json, --junit,
# --markdown: JSON and XML parse back, names round-trip), history add/list/
# show, baseline export, report (HTML shows them escaped, gnuplot executes
# nothing: /tmp/pwned is never created), compare.  Then values: NUL in a name
# or a budget field, NaN, +-Infinity, negative and absurd times are refused
# with exit 2 and a file:line:column position.
set -u
src=${PG_SOURCE_DIR:?}
bld=${PG_BUILD_DIR:?}
pg=$bld/cli/perfgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
pwned=/tmp/pwned
rm -f "$pwned" 2>/dev/null
[ -e "$pwned" ] && fail "$pwned exists before the test and cannot be removed"

python3 - <<'EOF' || fail "cannot write the inputs"
import json
names = [
    'q"uote\'s', 'new\nline', 'tab\there', 'x' * 10240,
    'system("touch /tmp/pwned")', "x' . system('touch /tmp/pwned') . '",
    '`touch /tmp/pwned`', '$(touch /tmp/pwned)', '<script>alert(1)</script>',
    '../../x', "'; DROP TABLE runs; --", 'back\\slash\\', 'unicode/é/日本/\U0001F600',
    '-- --help', '%s%n%x', '&amp;<!-- -->]]>',
]
json.dump(names, open('names.json', 'w'))
def results(scale):
    rows = []
    for n in names:
        for r in range(5):
            t = (100.0 + r) * scale
            rows.append({"name": n, "run_name": n, "run_type": "iteration", "repetitions": 5,
                         "repetition_index": r, "threads": 1, "iterations": 10,
                         "real_time": t, "cpu_time": t, "time_unit": "ns"})
    return {"context": {"date": "2026-01-01", "host_name": "h'; DROP TABLE runs; --",
                        "executable": "<script>alert(2)</script>", "num_cpus": 2},
            "benchmarks": rows, "perfgate": {"git_commit": "'; DROP TABLE runs; --"}}
json.dump(results(1.0), open('a.json', 'w'))
json.dump(results(1.5), open('b.json', 'w'))
# A budget's match is a glob: control characters, more than 255 bytes and a
# trailing backslash are refused there (checked below); the rest is budgeted.
def pattern_ok(n):
    return len(n.encode()) <= 255 and '\\' not in n and all(ord(c) >= 32 for c in n)
budgets = {"version": 1, "budgets": [], "waivers": []}
for i, n in enumerate(names):
    if not pattern_ok(n):
        continue
    budgets["budgets"].append({"match": n, "owner": names[(i + 3) % len(names)],
                               "description": names[(i + 5) % len(names)],
                               "absolute": {"median_real_time": "120ns"}})
budgets["waivers"].append({"match": names[4], "reason": "<script>alert(3)</script>'; DROP",
                           "ticket": 'T"1\n$(touch /tmp/pwned)', "expires": "2999-12-31"})
json.dump(budgets, open('budgets.json', 'w'))
bad = dict(budgets, budgets=[{"match": n, "absolute": {"median_real_time": "1us"}}
                             for n in names if not pattern_ok(n)], waivers=[])
json.dump(bad, open('badpatterns.json', 'w'))
EOF

"$pg" budgets lint budgets.json >lint.out 2>&1 || { cat lint.out; fail "budgets lint refused the hostile budgets"; }
"$pg" budgets lint badpatterns.json >/dev/null 2>lint.err
[ $? -eq 2 ] || fail "budgets lint took patterns with control characters / 10 kB / a trailing backslash"
[ "$(grep -Ec '^perfgate: badpatterns.json:[0-9]+:[0-9]+: ' lint.err)" -eq 4 ] ||
  fail "every refused pattern needs its position: $(cat lint.err)"

# ---- check: every output well-formed, names round-trip ------------------
"$pg" check --results b.json --budgets budgets.json --json v.json --junit j.xml \
  --markdown m.md >table.txt 2>err.txt
rc=$?
[ "$rc" -eq 1 ] || { cat err.txt; fail "check: exit $rc, expected 1 (1.5x over the ceilings)"; }
python3 - <<'EOF' || fail "check outputs are not well-formed or lost names"
import json, xml.etree.ElementTree as ET
names = json.load(open('names.json'))
v = json.load(open('v.json'))
got = {x['benchmark'] for x in v['verdicts']}
missing = [n for n in names if n not in got]
assert not missing, 'JSON lost %r' % [m[:40] for m in missing]
tree = ET.parse('j.xml')
cases = [c.get('name') for c in tree.iter('testcase')]
text = ''.join(ET.tostring(tree.getroot(), encoding='unicode'))
classes = {c.get('classname') for c in tree.iter('testcase')}
for n in names:
    assert n in classes, 'JUnit changed %r' % n[:40]
md = open('m.md', encoding='utf-8').read()
assert '<script>' not in md, 'raw <script> in the Markdown'
for line in md.splitlines():
    if line.startswith('|') and 'DROP TABLE' in line:
        assert line.count('|') - line.count('\\|') >= 10, 'a name broke a Markdown row'
EOF
grep -q "tab" table.txt || fail "table lost a name"
[ "$(grep -c 'x\{200\}' table.txt)" -ge 1 ] || fail "table lost the 10 kB name"
if grep -q "$(printf '\t')here" table.txt; then fail "raw tab in the table"; fi

# ---- history: add, list, show, export -----------------------------------
hist=$work/h.sqlite
"$pg" history add a.json --history "$hist" --budgets budgets.json >/dev/null || fail "history add a"
"$pg" history add b.json --history "$hist" --budgets budgets.json \
  --commit "'; DROP TABLE runs; --" --branch '<b>$(touch /tmp/pwned)' >/dev/null ||
  fail "history add b"
"$pg" history list --history "$hist" >list.txt || fail "history list"
[ "$(grep -c 'DROP' list.txt)" -ge 2 ] || fail "history list lost the commits"
"$pg" history show --history "$hist" >show.txt || fail "history show"
python3 - <<'EOF' || fail "history lost a run or a name"
import sqlite3, json
names = json.load(open('names.json'))
c = sqlite3.connect('h.sqlite')
assert c.execute('SELECT count(*) FROM runs').fetchone()[0] == 2
got = {r[0] for r in c.execute('SELECT DISTINCT name FROM benchmarks')}
assert set(names) <= got, 'names changed on the way in: %r' % (set(names) - got)
EOF
"$pg" baseline export --out base.json --history "$hist" --run 1 >/dev/null || fail "export"
python3 -c "
import json
names=json.load(open('names.json'))
got={b['name'] for b in json.load(open('base.json'))['benchmarks']}
assert set(names) <= got" || fail "export lost names"
"$pg" check --results b.json --budgets budgets.json --baseline base.json --json vb.json \
  >/dev/null 2>&1
[ $? -le 1 ] || fail "check against the exported baseline"

# ---- report: names as text, gnuplot runs nothing ------------------------
"$pg" report --history "$hist" --out rep >report.out 2>&1 || { cat report.out; fail "report"; }
python3 - <<'EOF' || fail "report HTML lets a name through unescaped"
import re, json, html
names = json.load(open('names.json'))
page = open('rep/index.html', encoding='utf-8').read()
assert '<script>alert' not in page
scripts = re.findall(r'<script[^>]*>', page)
assert len(scripts) <= 1, 'extra script elements: %r' % scripts
assert '&lt;script&gt;alert(1)&lt;/script&gt;' in page
assert html.escape("'; DROP TABLE runs; --", quote=False) in page
EOF
grep -rl 'pwned' rep/*.gp >/dev/null 2>&1 && fail "a name reached a gnuplot script"
[ -e "$pwned" ] && fail "$pwned was created: something executed a name"

# ---- compare ------------------------------------------------------------
"$pg" compare a.json b.json >cmp.txt 2>&1 || [ $? -eq 1 ] || fail "compare"
grep -q "DROP TABLE" cmp.txt || fail "compare lost a name"

# ---- values refused with a position --------------------------------------
refuse() { # label file: exit 2 and file:line:column in the message
  "$pg" check --results "$2" --budgets budgets.json >/dev/null 2>err.txt
  local rc=$?
  [ "$rc" -eq 2 ] || fail "$1: exit $rc, expected 2"
  grep -Eq "$2:[0-9]+:[0-9]+: " err.txt || fail "$1: no position in: $(cat err.txt)"
}
row() { # value of real_time in the second row, raw JSON text
  printf '{"benchmarks":[{"name":"a","run_type":"iteration","iterations":1,"real_time":1,"cpu_time":1,"time_unit":"ns"},{"name":"a","run_type":"iteration","iterations":1,"real_time":%s,"cpu_time":1,"time_unit":"ns"}]}' "$1"
}
printf '{"benchmarks":[{"name":"nul\\u0000byte","run_type":"iteration","iterations":1,"real_time":1,"cpu_time":1,"time_unit":"ns"}]}' >nul.json
refuse "NUL in a name" nul.json
i=0
for v in NaN Infinity -Infinity -1 -1e-9 1e19 1e309 '"100"' null; do
  row "$v" >"bad$i.json"
  refuse "real_time $v" "bad$i.json"
  i=$((i + 1))
done
printf '{"benchmarks":[{"name":"a","run_type":"iteration","iterations":1,"real_time":1e300,"cpu_time":1,"time_unit":"s"}]}' >unit.json
refuse "1e300 s" unit.json
printf '{"benchmarks":[{"name":"bad\xff\xfe","run_type":"iteration","iterations":1,"real_time":1,"cpu_time":1,"time_unit":"ns"}]}' >utf8.json
refuse "invalid UTF-8 in a name" utf8.json
printf '{"version":1,"budgets":[{"match":"a","owner":"x\\u0000y","absolute":{"median_real_time":"1us"}}]}' >nulb.json
"$pg" budgets lint nulb.json >/dev/null 2>err.txt
[ $? -eq 2 ] && grep -Eq "nulb.json:[0-9]+:[0-9]+: " err.txt || fail "NUL in a budget field: $(cat err.txt)"
printf '{"version":1,"budgets":[{"match":"a","absolute":{"median_real_time":"1e300s"}}]}' >hugeb.json
"$pg" budgets lint hugeb.json >/dev/null 2>err.txt
[ $? -eq 2 ] && grep -Eq "hugeb.json:[0-9]+:[0-9]+: " err.txt || fail "1e300s budget: $(cat err.txt)"

# ---- destinations that are not regular files ----------------------------
# Renaming a temporary file over /dev/null would replace the device; a FIFO
# shows the same thing safely: it must still be a FIFO, and have been written.
mkfifo out.fifo || fail "mkfifo"
cat out.fifo >fifo.json &
reader=$!
"$pg" check --results a.json --budgets budgets.json --json out.fifo >/dev/null 2>&1
wait "$reader"
[ -p out.fifo ] || fail "check --json replaced a FIFO with a file"
python3 -c "import json; json.load(open('fifo.json'))" || fail "nothing valid came through the FIFO"
if [ -x "$bld/bench/tpbench" ]; then
  cat out.fifo >fifo2.json &
  reader=$!
  "$bld/bench/tpbench" --suite=calibration --profile=hot --size=65536 \
    --benchmark_min_time=0.01 --out=out.fifo >/dev/null 2>&1
  wait "$reader"
  [ -p out.fifo ] || fail "tpbench --out replaced a FIFO with a file"
  python3 -c "import json; d=json.load(open('fifo2.json')); assert 'perfgate' in d" ||
    fail "tpbench wrote nothing valid through the FIFO"
fi

[ -e "$pwned" ] && fail "$pwned was created"
echo "hostile_names: ok: names round-trip through check/history/export/report/compare; bad values refused"
exit 0
