#!/usr/bin/env bash
# report_out_folder.sh - `perfgate report --out DIR` writes DIR as a whole:
#   - links planted in DIR (data file, chart, gnuplot script and log,
#     index.html, the charts folder) are never written through: their
#     targets are unchanged and DIR ends up holding real files;
#   - DIR itself a link, or a folder holding files that are not a report's,
#     is refused (exit 2) and left as it was;
#   - reports of two different histories run at the same time into one DIR
#     all succeed and leave one report whole: its table, summary, data files
#     and charts all from the same history.
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
GEN="$PG_SOURCE_DIR/tests/e2e/gen_results.py"
PAIRS=${PG_REPORT_PAIRS:-6}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$GEN" --benchmarks 3 --reps 5 --seed 1 --out a.json || fail "gen"
python3 "$GEN" --benchmarks 7 --reps 5 --seed 2 --out b.json || fail "gen"
# two runs each: a history of one run is drawn as a table, without charts
python3 "$GEN" --benchmarks 3 --reps 5 --seed 3 --out a2.json || fail "gen"
python3 "$GEN" --benchmarks 7 --reps 5 --seed 4 --out b2.json || fail "gen"
"$PG" history add a.json --history a.sqlite --commit a1 >/dev/null || fail "add a"
"$PG" history add a2.json --history a.sqlite --commit a2 >/dev/null || fail "add a2"
"$PG" history add b.json --history b.sqlite --commit b1 >/dev/null || fail "add b"
"$PG" history add b2.json --history b.sqlite --commit b2 >/dev/null || fail "add b2"

# ---- planted links --------------------------------------------------------
mkdir -p out/data outside
for v in v1 v2 v3 v4 v5; do echo "victim $v" >"$v"; done
echo "keep" >outside/b0000.svg
ln -s "$T/v1" out/data/b0000.dat
ln -s "$T/v2" out/index.html
ln -s "$T/v3" out/charts-png.gp
ln -s "$T/v4" out/gnuplot-svg.log
ln -s "$T/v5" out/summary.md
ln -s "$T/outside" out/charts
"$PG" report --history a.sqlite --out out >rep.out 2>rep.err || { cat rep.err; fail "report over links"; }
for v in v1 v2 v3 v4 v5; do
  [ "$(cat "$v")" = "victim $v" ] || fail "report wrote through a link into '$v'"
done
[ "$(ls outside)" = "b0000.svg" ] && [ "$(cat outside/b0000.svg)" = "keep" ] ||
  fail "report wrote through the charts link"
for f in out/data/b0000.dat out/index.html out/charts-png.gp out/summary.md out/charts; do
  [ -L "$f" ] && fail "'$f' is still a link"
done
[ -f out/charts/b0000.svg ] && [ -f out/index.html ] || fail "the report is not there"
ls -d out.tmp.* 2>/dev/null && fail "a temporary folder was left behind"

# ---- what is not a report's folder is not replaced ------------------------
ln -s "$T/outside" linked
for out in linked linked/; do
  "$PG" report --history a.sqlite --out "$out" >o 2>e && fail "--out $out as a link was accepted"
  grep -q "symbolic link" e || fail "a linked --out $out not said: $(cat e)"
done
mkdir mine && echo "thesis" >mine/thesis.tex
"$PG" report --history a.sqlite --out mine >o 2>e && fail "a folder of other files was replaced"
grep -q "thesis.tex" e || fail "the foreign file is not named: $(cat e)"
[ "$(cat mine/thesis.tex)" = "thesis" ] && [ "$(ls mine)" = "thesis.tex" ] || fail "mine changed"
[ "$(ls outside)" = "b0000.svg" ] || fail "outside changed"

# ---- concurrent reports into one folder ------------------------------------
# One history has 3 benchmarks, the other 7: a mixed folder shows as counts
# that disagree.
whole() { # dir: prints the benchmark count when the folder is one report's
  local d=$1 rows dats svgs md
  rows=$(grep -o '<td class="name"' "$d/index.html" | wc -l)
  dats=$(ls "$d"/data/b*.dat | wc -l)
  svgs=$(ls "$d"/charts/b*.svg | wc -l)
  md=$(grep '^| ' "$d/summary.md" | grep -vc '^| benchmark ')
  [ "$rows" = "$dats" ] && [ "$rows" = "$svgs" ] && [ "$rows" = "$md" ] ||
    { echo "mixed: $rows rows, $dats data files, $svgs charts, $md summary rows" >&2; return 1; }
  echo "$rows"
}
rm -rf shared
bad=0
for ((i = 0; i < PAIRS; i++)); do
  "$PG" report --history a.sqlite --out shared >/dev/null 2>ea & pa=$!
  "$PG" report --history b.sqlite --out shared >/dev/null 2>eb & pb=$!
  wait $pa || { cat ea; bad=$((bad + 1)); }
  wait $pb || { cat eb; bad=$((bad + 1)); }
  n=$(whole shared) || fail "pair $i left a mixed folder"
  [ "$n" = 3 ] || [ "$n" = 7 ] || fail "pair $i: $n benchmarks"
done
[ "$bad" -eq 0 ] || fail "$bad of $((2 * PAIRS)) concurrent reports failed"
ls -d shared.tmp.* 2>/dev/null && fail "a temporary folder was left behind"
echo "report_out_folder: 6 planted links not followed; $PAIRS concurrent pairs, each folder whole"
exit 0
