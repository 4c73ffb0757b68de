#!/usr/bin/env bash
# report_browser.sh - end to end: results files -> perfgate history add (with
# budgets and a waiver) -> perfgate report -> the HTML page opened in headless
# Chromium.  Checks: no console errors, every chart present in the rendered
# DOM, the table sorter ran, hostile benchmark names inert everywhere (page,
# Markdown, gnuplot scripts, file names), and the PNGs are PNGs.
# The decision first (issue #20): on a history with a step regression and
# a relative-budget breach, the banner is red, the first row of the verdict
# table is the failing benchmark, its limit and owner are shown, its ratio
# chart has its ceiling line, and the page links the CI's commit, pull
# request and run; the first run alone gives a table and no trend charts.
# Skips (exit 0 with a message) only when chromium or gnuplot is absent.
set -euo pipefail

PG_BUILD_DIR=${PG_BUILD_DIR:?PG_BUILD_DIR not set}
PERFGATE="$PG_BUILD_DIR/cli/perfgate"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ ! -x "$CHROMIUM" ]; then echo "skipped: no chromium at $CHROMIUM"; exit 0; fi
if ! command -v gnuplot >/dev/null; then echo "skipped: no gnuplot"; exit 0; fi

work=$(mktemp -d /tmp/pg_report_e2e.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Results with hostile names, a step regression from run 6 of 8, a benchmark
# that appears at run 3 and one that vanishes after run 4.
python3 - <<'EOF'
import json, random
rng = random.Random(3)
HOSTILE = ['evil"quote\'\n<script>alert(1)</script>',
           "x'); system('touch /tmp/pg_e2e_pwned'); ('",
           "../../etc/passwd",
           "'; DROP TABLE runs; --"]
for run in range(1, 9):
    rows = []
    names = ["indicators/ema/hot/cpu/4096", "indicators/rsi/hot/cpu/4096",
             "calibration/fma_chain/hot/cpu/1048576"] + HOSTILE
    if run >= 3: names.append("pipeline/new/hot/cpu/1024")
    if run <= 4: names.append("pipeline/old/hot/cpu/1024")
    for name in names:
        base = 1000.0 * (1.4 if (name.startswith("indicators/ema") and run >= 6) else 1.0)
        if name.startswith("calibration/"): base = 500.0
        for i in range(12):
            t = base * (1 + 0.01 * rng.gauss(0, 1))
            rows.append({"name": name, "run_name": name, "run_type": "iteration",
                         "repetitions": 12, "repetition_index": i, "threads": 1,
                         "iterations": 1000, "real_time": t, "cpu_time": t, "time_unit": "ns"})
    doc = {"context": {"date": "2024-01-01", "host_name": "e2e <host>", "num_cpus": 2},
           "perfgate": {"git_commit": "c%02d" % run, "seed": 7, "host": {"cpu_model": "E2E \"CPU\""}},
           "benchmarks": rows}
    json.dump(doc, open("r%d.json" % run, "w"))
json.dump({"version": 1,
           "defaults": {"repetitions": 10},
           "budgets": [{"match": "indicators/*", "absolute": {"median_real_time": "1.2us"}},
                       {"match": "indicators/ema/*", "owner": "signals-team",
                        "relative": {"to": "calibration/fma_chain/hot/cpu/1048576",
                                     "max_ratio": 2.5}},
                       {"match": HOSTILE[1], "absolute": {"median_real_time": "2us"}}],
           "waivers": [{"match": "indicators/rsi/*", "reason": "flaky <b>host</b> | see ticket",
                        "ticket": "T-9", "expires": "2099-12-31"}]},
          open("budgets.json", "w"))
EOF

# Read-only commands refuse a history that does not exist, and create none.
set +e
"$PERFGATE" report --history nothing.sqlite --out none >/dev/null 2>none.err; rc_r=$?
"$PERFGATE" history list --history nothing.sqlite >/dev/null 2>>none.err; rc_l=$?
set -e
if [ "$rc_r" -ne 2 ] || [ "$rc_l" -ne 2 ]; then fail "a missing history gave exit $rc_r/$rc_l"; fi
[ ! -e nothing.sqlite ] || fail "a read-only command created an empty history"
grep -q "nothing.sqlite: cannot read history: No such file or directory (perfgate history add creates one)" none.err \
  || fail "unclear message: $(cat none.err)"

# The first run alone: a table, no trend charts.
"$PERFGATE" history add r1.json --budgets budgets.json --history first.sqlite >/dev/null \
  || fail "history add r1.json"
"$PERFGATE" report --history first.sqlite --out first >/dev/null 2>&1 || fail "first report"
grep -q 'id="verdicts"' first/index.html || fail "the first report has no table"
if grep -q '<section id="b' first/index.html; then fail "one-point trend charts on a first run"; fi
ls first/charts/b*.svg >/dev/null 2>&1 && fail "trend charts drawn for a single run"

# Every run after the first is judged against run 1 (the step from run 6 on
# is a regression) and the ema's relative budget breaks its ceiling.
for i in 1 2 3 4 5 6 7 8; do
  "$PERFGATE" history add "r$i.json" --budgets budgets.json --baseline r1.json \
    --history h.sqlite >add.out 2>add.err || { cat add.err; fail "history add r$i.json"; }
done
grep -q "recorded run 8: 8 benchmarks, 1 failing" add.out || fail "unexpected add output: $(cat add.out)"
"$PERFGATE" history list --history h.sqlite | grep -q "^8 .* 1$" \
  || fail "list does not count 1 failing: $("$PERFGATE" history list --history h.sqlite)"

GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=acme/tradepulse GITHUB_RUN_ID=4242 \
GITHUB_SHA=0123456789abcdef GITHUB_REF=refs/pull/17/merge \
  "$PERFGATE" report --history h.sqlite --out out >report.out 2>report.err \
  || { cat report.err; fail "report"; }
grep -q "9 benchmarks over 8 runs, 9 trend charts, 1 failing" report.out \
  || fail "unexpected report summary: $(cat report.out)"
grep -q 'href="https://github.com/acme/tradepulse/pull/17"' out/index.html || fail "no PR link"
grep -q 'href="https://github.com/acme/tradepulse/actions/runs/4242"' out/index.html \
  || fail "no CI run link"
grep -q 'href="https://github.com/acme/tradepulse/commit/0123456789abcdef"' out/index.html \
  || fail "no commit link"

# Files: charts by index only, PNG signatures.
for f in out/charts/*.png; do
  head -c 8 "$f" | od -An -c | grep -q 'P   N   G' || fail "$f is not a PNG"
done
n_png=$(ls out/charts/*.png | wc -l)
[ "$n_png" -eq 10 ] || fail "expected 10 PNGs (9 trends + overview), got $n_png"
if find out -name '*passwd*' -o -name '*script*' | grep -q .; then fail "a name became a path"; fi
if grep -q "system(\|passwd\|DROP" out/charts-*.gp; then fail "a name reached a gnuplot script"; fi
[ ! -e /tmp/pg_e2e_pwned ] || fail "gnuplot ran system()"

# Markdown: the failing benchmark first, with its limit and owner.
sed -n '/|---|/{n;p;q}' out/summary.md \
  | grep -q '^| indicators/ema/hot/cpu/4096 | \*\*breach\*\* | .* | ceiling 2.5x | 2.8.x (1.1..) | signals-team |$' \
  || fail "summary.md does not put the failing benchmark first: $(cat out/summary.md)"
if grep -q '<script>' out/summary.md; then fail "raw <script> in summary.md"; fi

# The browser: console errors go to stderr with --enable-logging.
profile=$(mktemp -d /tmp/pg_chromium.XXXXXX)
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --enable-logging=stderr --v=0 --virtual-time-budget=3000 \
  --dump-dom "file://$work/out/index.html" >dom.html 2>chrome.err || true
rm -rf "$profile"
[ -s dom.html ] || { cat chrome.err; fail "chromium produced no DOM"; }
if grep -i "CONSOLE" chrome.err | grep -qiv "deprecat"; then
  grep -i "CONSOLE" chrome.err; fail "console messages while loading the page"
fi
if grep -qi "Uncaught\|SyntaxError\|Refused to" chrome.err; then
  grep -i "Uncaught\|SyntaxError\|Refused to" chrome.err; fail "script errors"
fi
grep -q 'data-sortable="ready"' dom.html || fail "the table sorter did not run"
# The failing benchmark's chart is drawn into the page, the other trends
# and the overview are linked (a small page).
n_svg=$(grep -o '<svg' dom.html | wc -l)
[ "$n_svg" -eq 1 ] || fail "expected 1 inline SVG chart in the DOM, got $n_svg"
grep -q '<img alt="overview chart" loading="lazy" src="charts/overview.svg">' dom.html \
  || fail "no overview chart"
n_img=$(grep -o '<img alt="trend chart" loading="lazy"[^>]*src="charts/b[0-9]*.svg"' dom.html | wc -l)
[ "$n_img" -eq 8 ] || fail "expected 8 linked trend charts, got $n_img"
n_sections=$(grep -o '<section id="b[0-9]*">' dom.html | wc -l)
[ "$n_sections" -eq 9 ] || fail "expected 9 chart sections, got $n_sections"
python3 - dom.html <<'PY' || fail "the decision is not what the page leads with (above)"
import re, sys
dom = open(sys.argv[1]).read()
banner = re.search(r'<div id="banner" class="banner (\w+)">([^<]*)', dom)
assert banner and banner.group(1) == "fail", banner and banner.groups()
assert "FAIL: 1 of 9" in banner.group(2), banner.group(2)
# the failing table: the benchmark, the limit it broke, why, its owner
fail_rows = re.findall(r'<tr>(.*?)</tr>', re.search(r'<table id="failing">.*?<tbody>(.*?)</tbody>',
                       dom, re.S).group(1), re.S)
verdicts = sorted(re.search(r'class="v-fails">(\w+)', r).group(1) for r in fail_rows)
assert verdicts == ["breach", "breach", "regression"], verdicts
assert all("indicators/ema/hot/cpu/4096" in r and "signals-team" in r for r in fail_rows), fail_rows
assert all(re.search(r'</td><td>[^<]+</td><td class="owner">', r) for r in fail_rows), "a why is empty"
fail_row = [r for r in fail_rows if "ceiling 2.5x" in r][0]
assert '<td class="limit">ceiling 2.5x</td>' in fail_row, fail_row
assert "the calibration" in fail_row and "ceiling 2.5x" in fail_row, fail_row
assert '<td class="owner">signals-team</td>' in fail_row, fail_row
link = re.search(r'href="#(b\d+)"', fail_row).group(1)
# the verdict table: failing first, with its limit and owner
body = re.search(r'<table id="verdicts">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
rows = re.findall(r'<tr [^>]*>(.*?)</tr>', body, re.S)
assert "indicators/ema/hot/cpu/4096" in rows[0], rows[0]
assert 'class="v-fails"' in rows[0] and "ceiling 2.5x" in rows[0] and "signals-team" in rows[0], rows[0]
assert "x calibration" in rows[0], rows[0]
assert all('class="v-fails"' not in r for r in rows[1:]), "a failing row after a passing one"
# its chart (the link's target) is the ratio chart with its ceiling line
sec = re.search(r'<section id="%s">(.*?)</section>' % link, dom, re.S).group(1)
assert "<svg" in sec, "the failing benchmark's chart is not inline"
assert "ratio to the calibration" in sec, "not a ratio chart"
# gnuplot's SVG: each plot element is a <g id="..gnuplot_plot_N"> holding
# its key text and its path; the ceiling's is red, dashed, across the runs.
groups = re.split(r'<g id="[^"]*gnuplot_plot_\d+"', sec)
ceil = [g for g in groups if "<text>ceiling</text>" in g]
assert ceil, "no ceiling line in the ratio chart"
path = re.search(r"""<path stroke=['"]rgb\(214,\s*39,\s*40\)['"] stroke-dasharray=['"][^'"]*['"]\s*d=['"]([^'"]*)['"]""", ceil[0])
assert path, "the ceiling is not a red dashed line"
xs = [float(x) for x in re.findall(r"[ML]([\d.]+),", path.group(1))]
assert len(xs) >= 8 + 2 and max(xs) - min(xs) > 500, ("the ceiling does not span the runs", xs)
assert any("<text>fails the gate</text>" in g for g in groups), "no failure marker"
# dates on the axis: MM-DD before the commit
assert re.search(r">\d\d-\d\d c0\d<", sec), "no dated tick labels"
# change against the baseline
assert re.search(r'<th>change vs baseline</th>', dom)
assert "+4" in rows[0], "no change vs baseline for the step: " + rows[0]
print("decision: banner fail, first row ema, limit, owner, ceiling line ok")
PY
# The hostile names are text, not markup: the only script element is ours.
n_script=$(grep -o '<script' dom.html | wc -l)
[ "$n_script" -eq 1 ] || fail "expected 1 script element, got $n_script"
grep -q 'evil"quote' dom.html || grep -q 'evil&quot;quote' dom.html || fail "hostile name not shown"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' dom.html || fail "hostile name not escaped"
grep -q 'flaky &lt;b&gt;host&lt;/b&gt;' dom.html || fail "waiver not shown escaped"
grep -q 'E2E "CPU"\|E2E &quot;CPU&quot;' dom.html || fail "environment not shown"

# A screenshot of the page, compared with what the page must look like: the
# requested size, not blank, the failing verdict's red (#d62728) and the
# passing rows' green (#e5f5e0) present, chart strokes drawn.
profile=$(mktemp -d /tmp/pg_chromium.XXXXXX)
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --hide-scrollbars --window-size=1280,1800 --virtual-time-budget=3000 \
  --screenshot="$work/shot.png" "file://$work/out/index.html" >/dev/null 2>&1 || true
rm -rf "$profile"
[ -s shot.png ] || fail "chromium wrote no screenshot"
python3 - shot.png <<'PY' || fail "the screenshot is not the page expected (above)"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert (w, h) == (1280, 1800), (w, h)
bpp = 4 if ctype == 6 else 3
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, i = bytearray(stride), {}, 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        k = bytes(line[x:x + 3]); colours[k] = colours.get(k, 0) + 1
    prev = line
def near(rgb, tol=6):
    return sum(v for k, v in colours.items() if all(abs(k[j] - rgb[j]) <= tol for j in range(3)))
assert len(colours) > 50, "blank page: %d colours" % len(colours)
assert near((0xd6, 0x27, 0x28)) > 50, "no failing-verdict red on the page"
assert near((0xe5, 0xf5, 0xe0)) > 500, "no passing-row green on the page"
white = near((255, 255, 255), 0)
assert white < 0.97 * w * h, "the page is almost all white"
print("screenshot: %dx%d, %d colours, red %d px, green %d px" % (w, h, len(colours), near((0xd6, 0x27, 0x28)), near((0xe5, 0xf5, 0xe0))))
PY

# Baseline on purpose, and its export read back by the gate's loader.  r5
# is already run 5: it is marked, not recorded again (no duplicate in the
# trend).
"$PERFGATE" baseline update --from r5.json --reason "release 1.2 sign-off" --who ci \
  --history h.sqlite >bl.out || fail "baseline update"
grep -q "r5.json is run 5 of the history: marked, not recorded again" bl.out \
  || fail "baseline update: $(cat bl.out)"
[ "$("$PERFGATE" history list --history h.sqlite | wc -l)" -eq 9 ] \
  || fail "baseline update added a duplicate run: $("$PERFGATE" history list --history h.sqlite)"
"$PERFGATE" baseline show --history h.sqlite | grep -q "reason: release 1.2 sign-off" \
  || fail "baseline show"
"$PERFGATE" baseline export --out B.json --history h.sqlite >/dev/null || fail "baseline export"
"$PERFGATE" history add B.json --history h2.sqlite | grep -q "8 benchmarks" \
  || fail "the exported baseline does not load back"
"$PERFGATE" history add r6.json --history h.sqlite >/dev/null || fail "add after baseline"
# 9 runs; keep the newest one, and the baseline (run 5) stays too.
"$PERFGATE" history prune --keep 1 --history h.sqlite | grep -q "pruned 7 runs" \
  || fail "prune did not keep the baseline: $("$PERFGATE" history list --history h.sqlite)"

# Bad input: exit 2, a message, nothing recorded.
echo '{"benchmarks": [' >bad.json
set +e
"$PERFGATE" history add bad.json --history h.sqlite 2>bad.err
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad results gave exit $rc"
grep -q "bad.json" bad.err || fail "error does not name the file: $(cat bad.err)"
[ "$("$PERFGATE" history list --history h.sqlite | wc -l)" -eq 3 ] || fail "bad input changed the history"
echo "ok: report_browser"
