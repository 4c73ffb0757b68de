#!/usr/bin/env bash
# report_changes.sh - perfgate report lists the change points and creep
# first and marks them on the charts (issue 22), from the same analysis as
# `perfgate history changes`.  A history of 60 synthetic runs: x/step 3 %
# slower from run 40, x/creep 0.4 % a run, two flat ones (the data of
# history_changes.sh, same seed), and a benchmark with a hostile name
# (quotes, a newline, HTML, Markdown and gnuplot metacharacters, a shell
# command) 6 % slower from run 20.  Checked: the list comes after the
# decision and before every per-benchmark table, newest first; the step
# is named within +-2 runs, the creep flagged, the flat ones absent; the
# gnuplot scripts draw a marker at the step and carry no name; the SVG
# shows the label; the hostile name reaches page, summary and chart only
# escaped, and nothing it holds is run; a flat history says "No change
# points in N runs of M benchmarks"; a bad --tolerance is exit 2.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1 # where a name's "touch pw" would land
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v gnuplot >/dev/null 2>&1 || { echo "no gnuplot: skipped"; exit 77; }
H="$T/h.sqlite"

# short enough for the chart's key (gnuplot drops a longer title)
python3 - "$T" <<'PY' || fail "writing the name"
import json, sys
json.dump('h"o\'st\n<script>alert(1)</script>|`*_[x] & system("touch pw") '
          "$(touch pw) '; set output 'pw'", open(sys.argv[1] + "/hostile.json", "w"))
PY
python3 "$PG_SOURCE_DIR/tests/e2e/gen_changes.py" "$T" --hostile "$T/hostile.json" \
    || fail "generating runs"
for i in $(seq -w 0 59); do
    "$PG" history add "$T/r$i.json" --commit "c$i" --history "$H" >/dev/null 2>"$T/err" \
        || { cat "$T/err" >&2; fail "history add r$i"; }
done

"$PG" report --history "$H" --out "$T/out" --markdown >"$T/md" 2>"$T/err" \
    || { cat "$T/err" >&2; fail "report: exit $?"; }
grep -q "change points, 1 creeping" "$T/err" || { cat "$T/err"; fail "summary line"; }
{ [ -e "$T/pw" ] || [ -e "$T/out/pw" ]; } && fail "a name was run"

python3 - "$T" <<'PY' || fail "report content"
import glob, html.parser, json, os, re, sys
T = sys.argv[1]
out = T + "/out"
hostile = json.load(open(T + "/hostile.json"))
page = open(out + "/index.html", encoding="utf-8").read()

# where the list sits: after the decision, before every per-benchmark table
pos = {k: page.find(k) for k in ('id="banner"', 'id="changes"', 'id="change-points"',
                                  'id="creep"', 'id="verdicts"', '<h2>Trends')}
assert all(v >= 0 for v in pos.values()), pos
assert pos['id="banner"'] < pos['id="changes"'] < pos['id="change-points"'] < pos['id="creep"']
assert pos['id="creep"'] < pos['id="verdicts"'] < pos['<h2>Trends'], pos
f = page.find('id="failing"')
assert f < 0 or pos['id="creep"'] < f, "failing table before the change points"

class Tables(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.cur, self.row, self.cell = {}, None, None, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.cur = a.get("id"); self.tables[self.cur] = []
        elif tag == "tr" and self.cur:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = ""
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append(self.cell); self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row: self.tables[self.cur].append(self.row)
            self.row = None
        elif tag == "table":
            self.cur = None
    def handle_data(self, d):
        if self.cell is not None: self.cell += d
p = Tables(); p.feed(page)
cps, creep = p.tables["change-points"], p.tables["creep"]
names = [r[0] for r in cps]
assert "x/flat" not in names and "y/flat" not in names, names
assert hostile in names, ("the hostile name does not round-trip", names)
step = [r for r in cps if r[0] == "x/step"]
assert len(step) == 1, cps
run, commit, where, shift, direction = int(step[0][1]), step[0][2], step[0][3], step[0][4], step[0][5]
assert abs(run - 41) <= 2, step           # run ids start at 1: run 40 is id 41
assert commit == "c%02d" % (run - 1) and direction == "regression", step
m = re.match(r"\+([0-9.]+) % \[([0-9.]+), ([0-9.]+)\]$", shift)
assert m and float(m.group(2)) < 3.0 < float(m.group(3)) + 0.5, shift
h = [r for r in cps if r[0] == hostile][0]
assert abs(int(h[1]) - 21) <= 2 and h[5] == "regression", h
# newest first: the step (run ~41) before the hostile one (run ~21)
assert names.index("x/step") < names.index(hostile), names
runs = [int(r[1]) for r in cps]
assert runs == sorted(runs, reverse=True), runs
assert [r[0] for r in creep] == ["x/creep"], creep
assert re.match(r"\+[0-9.]+ % \[", creep[0][1]), creep
# HTML: the name only escaped
assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page

# the charts: which file is whose, from the data files' header rows
def chart_of(name):
    want = '"' + name.replace('"', "'").replace("\n", " ") + '"'
    for d in glob.glob(out + "/data/b*.dat"):
        if open(d, encoding="utf-8").readline().split(" ", 1)[1].startswith(want):
            return os.path.basename(d)[:-4]
    raise AssertionError("no chart for %r" % name)
for fmt in ("svg", "png"):
    gp = open(out + "/charts-%s.gp" % fmt, encoding="utf-8").read()
    blocks = {b.split("'", 1)[0].split(".")[0]: b for b in gp.split("set output 'charts/")[1:]}
    sb = blocks[chart_of("x/step")]
    a = re.search(r"set arrow 1 from ([0-9.]+), graph 0", sb)
    assert a and abs(float(a.group(1)) - 40.5) <= 2, sb
    o = re.search(r"set object 1 rect from ([0-9.]+), graph 0 to ([0-9.]+), graph 1", sb)
    assert not o or float(o.group(1)) <= float(a.group(1)) <= float(o.group(2)), sb
    assert re.search(r"set label 1 '\+[0-9.]+ % \[[0-9.]+, [0-9.]+\]", sb), sb
    assert "unset arrow" in sb and sb.index("set arrow") < sb.index("plot ") < sb.index("unset arrow")
    assert re.search(r"set label [0-9]+ 'creep \+[0-9.]+ % \[", blocks[chart_of("x/creep")])
    for flat in ("x/flat", "y/flat"):
        assert "set arrow" not in blocks[chart_of(flat)] and "set label" not in blocks[chart_of(flat)]
    assert "set arrow 1" in blocks[chart_of(hostile)]
    # no name in any command: only numbers and fixed words
    for bad in ("script", "alert", "touch", "'pw'", "x/step"):
        assert bad not in gp, (fmt, bad)
svg = open(out + "/charts/%s.svg" % chart_of("x/step"), encoding="utf-8").read()
assert re.search(r"\+[0-9.]+ % \[[0-9.]+, [0-9.]+\]", svg), "no marker label in the SVG"
hsvg = open(out + "/charts/%s.svg" % chart_of(hostile), encoding="utf-8").read()
# the key's title: the data file's name (" as '), as gnuplot escapes text
assert "<script" not in hsvg and "system('touch pw')" in hsvg, "hostile name in the SVG"
assert "h'o'st &lt;script>alert(1)&lt;/script>|" in hsvg, "hostile name in the SVG"
for flat in ("x/flat", "y/flat"):
    assert " % [" not in open(out + "/charts/%s.svg" % chart_of(flat), encoding="utf-8").read()

# the Markdown summary: the same list, first, names escaped
for md in (open(out + "/summary.md", encoding="utf-8").read(), open(T + "/md").read()):
    i, j = md.find("**Change points**"), md.find("| benchmark | verdict")
    assert 0 <= i < md.find("**Creep**") < j, md
    rows = [l for l in md[i:j].splitlines() if l.startswith("| ") and "---" not in l][1:]
    srow = [l for l in rows if l.startswith("| x/step | ")]
    assert len(srow) == 1 and srow[0].startswith("| x/step | %d | c" % run), rows
    assert "| regression |" in srow[0], rows
    # newest first, as on the page
    assert [int(l.split(" | ")[1]) for l in rows if not l.startswith("| h")] == \
        sorted((int(r[1]) for r in cps if r[0] != hostile), reverse=True), rows
    assert not any("flat" in l for l in rows), rows
    assert any("&lt;script&gt;" in l for l in rows), rows
    assert "<script>" not in md and "\n<" not in md
    assert "- x/creep: +" in md, md
PY

# nothing to report: flat benchmarks only
H2="$T/flat.sqlite"
python3 "$PG_SOURCE_DIR/tests/e2e/gen_changes.py" "$T" --flat --runs 20 --prefix f --seed 7 \
    || fail "generating flat runs"
for i in $(seq -w 0 19); do
    "$PG" history add "$T/f$i.json" --history "$H2" >/dev/null 2>&1 || fail "history add f$i"
done
"$PG" report --history "$H2" --out "$T/flat" --no-png >"$T/out2" 2>&1 || { cat "$T/out2"; fail "flat report"; }
grep -q '<p id="no-changes">No change points in 20 runs of 2 benchmarks.</p>' "$T/flat/index.html" \
    || fail "flat page does not say there are no change points"
grep -q '^No change points in 20 runs of 2 benchmarks.$' "$T/flat/summary.md" || fail "flat summary"
grep -q "set arrow" "$T/flat/charts-svg.gp" && fail "a marker on a flat chart"
grep -q "0 change points, 0 creeping" "$T/out2" || fail "flat summary line"

# bad usage
"$PG" report --history "$H2" --out "$T/bad" --tolerance 5 >/dev/null 2>"$T/err"
[ $? -eq 2 ] || fail "--tolerance 5 accepted"
grep -q "takes a percentage" "$T/err" || fail "--tolerance message"
echo "report_changes: ok"
