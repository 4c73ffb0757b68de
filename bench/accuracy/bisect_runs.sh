#!/usr/bin/env bash
# bisect_runs.sh - how often `perfgate bisect` names the right commit
# (issue 22, docs/accuracy.md "Bisection").  Each run makes a fresh git
# repository of COMMITS commits of tests/e2e/bisect_data/bench.c, one of
# which (a different one each run, seeded) slows BM_sum/4096 by SLOW % of
# its work, and bisects it in time mode and in instructions mode.  Prints
# one line per bisection and a summary: named right, wrong, no answer;
# steps and wall seconds (medians).
#
#   bench/accuracy/bisect_runs.sh BUILD_DIR [RUNS] [COMMITS] [SLOW] [BUSY]
#
# BUSY=1 keeps the other CPU busy with a spinning shell loop for the whole
# campaign (the gate's "other core busy" condition); its figures are
# only meaningful next to the load average the script prints.
# METRIC (environment, default cpu) is what time mode judges: passed to
# perfgate ab as --metric.  The program's benchmarks carry no profile, so
# ab would judge real time, which a loaded machine scatters by tens of
# percent; CPU time of a single-threaded kernel barely moves.
set -u
B=${1:?usage: bisect_runs.sh BUILD_DIR [RUNS] [COMMITS] [SLOW] [BUSY]}
RUNS=${2:-10}
COMMITS=${3:-32}
SLOW=${4:-5}
BUSY=${5:-0}
METRIC=${METRIC:-cpu}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PG=$(cd "$B" && pwd)/cli/perfgate
T=$(mktemp -d)
spin=
cleanup() { [ -n "$spin" ] && kill "$spin" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
if [ "$BUSY" = 1 ]; then
    ( while :; do :; done ) &
    spin=$!
fi
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
       GIT_COMMITTER_EMAIL=t@example.com GIT_CONFIG_NOSYSTEM=1

make_repo() { # dir first_bad
    mkdir -p "$1" && cd "$1" || exit 2
    git init -q -b main .
    cp "$SRC/tests/e2e/bisect_data/bench.c" .
    echo '#define WORK 100' >work.h
    echo 0 >notes.txt
    git add . && git commit -qm c0
    for i in $(seq 1 $((COMMITS - 1))); do
        echo "$i" >notes.txt
        [ "$i" -eq "$2" ] && echo "#define WORK $((100 + SLOW))" >work.h
        git commit -qam "c$i"
    done
    git log --format=%H --grep="^c$2\$"
    cd - >/dev/null || exit 2
}

echo "bisect_runs: $RUNS runs, $COMMITS commits, BM_sum slowed by $SLOW % of its work," \
     "busy=$BUSY, metric $METRIC, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
declare -A right wrong none steps walls
for r in $(seq 1 "$RUNS"); do
    k=$(( (r * 13 + 5) % (COMMITS - 1) + 1 ))
    for mode in time instructions; do   # interleaved: a stopped campaign has both
        repo="$T/$mode-$r"
        want=$(make_repo "$repo" "$k")
        t0=$(date +%s.%N)
        "$PG" bisect --repo "$repo" --good main~$((COMMITS - 1)) --bad main \
            --build 'cc -O2 -o {out}/bench {src}/bench.c' --program '{out}/bench' \
            --cache "$repo.cache" --bench BM_sum/4096 --mode "$mode" \
            --ab-arg=--metric="$METRIC" \
            --json "$repo.json" >"$repo.out" 2>"$repo.err"
        rc=$?
        t1=$(date +%s.%N)
        got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["first_bad"] or "-", len(d["steps"]))' "$repo.json" 2>/dev/null || echo "- 0")
        set -- $got
        wall=$(python3 -c "print('%.1f' % ($t1 - $t0))")
        if [ "$1" = "$want" ]; then right[$mode]=$(( ${right[$mode]:-0} + 1 )); verdict=right
        elif [ "$1" = "-" ]; then none[$mode]=$(( ${none[$mode]:-0} + 1 )); verdict="no answer (exit $rc)"
        else wrong[$mode]=$(( ${wrong[$mode]:-0} + 1 )); verdict=WRONG; fi
        echo "  $mode run $r: first bad c$k, $verdict, $2 steps, ${wall} s," \
             "load $(cut -d' ' -f1 /proc/loadavg)"
        steps[$mode]="${steps[$mode]:-} $2"
        walls[$mode]="${walls[$mode]:-} $wall"
    done
done
med() { python3 -c 'import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }
for mode in time instructions; do
    echo "$mode: right ${right[$mode]:-0}/$RUNS, wrong ${wrong[$mode]:-0}," \
         "no answer ${none[$mode]:-0}; median $(med ${steps[$mode]}) steps, $(med ${walls[$mode]}) s"
done
