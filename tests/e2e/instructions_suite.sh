#!/usr/bin/env bash
# instructions_suite.sh - instruction mode over the whole default suite:
# every default benchmark of tpbench (all kernels, the pipeline, every
# profile and size `make gate` runs) under Debian's valgrind, which cannot
# decode every AVX2 encoding (kernels/cpu/isa.c lowers those kernels under
# valgrind, and the results say so).  The same build against itself
# passes, every ratio exactly 1 but phase's (FFTW's plans vary by a few
# instructions in a million); against tpbench_slowed (pg_sma does
# five times the work) it fails naming indicators/sma/... and nothing else.
#
# Slow (four callgrind runs of the whole suite: 8.1 CPU minutes in all,
# 32 minutes of wall time on a 2-core VM at load average 10-16): it
# carries the ctest label `slow`, which `make test` leaves out; run it with
# `make test-slow` or `ctest -L slow`.
set -u
if [ "${PG_SANITIZE:-OFF}" = ON ]; then
  echo "skipped in the sanitizer build: valgrind cannot run an ASan binary"; exit 77
fi
command -v valgrind >/dev/null 2>&1 || { echo "skipped: no valgrind"; exit 77; }
B=${PG_BUILD_DIR:?}
PG=$B/cli/perfgate
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; tail -n 40 "$T/out" >&2 2>/dev/null; exit 1; }

"$B/bench/tpbench" --list >"$T/list" || fail "tpbench --list"
"$PG" ab --mode instructions --base "$B/bench/tpbench" --head "$B/bench/tpbench" --color never \
  --json "$T/aa.json" --out "$T/head.json" --base-out "$T/base.json" >"$T/out" 2>&1
[ $? -eq 0 ] || fail "A/A over the whole suite: want exit 0"
python3 - "$T/list" "$T/aa.json" "$T/head.json" <<'PY' || fail "A/A verdicts or coverage"
import json, sys
names = [l.strip() for l in open(sys.argv[1]) if l.strip()]
v = json.load(open(sys.argv[2]))
r = json.load(open(sys.argv[3]))
counted = {b["name"] for b in r["benchmarks"]}
missing = set(names) - counted
# first-call benchmarks run in child processes valgrind does not follow,
# the harness's native overhead has no kernel: listed, not counted
assert missing == set(r["perfgate"]["instructions_unavailable"]), missing
assert all("/first/" in m or m.startswith("harness/") for m in missing), missing
kernels = {n.split("/")[1] for n in names if n.startswith("indicators/")}
assert kernels == {n.split("/")[1] for n in counted if n.startswith("indicators/")}, kernels
assert any(n.startswith("pipeline/") and "/hot/" in n for n in counted), counted
assert len(counted) >= 0.9 * len(names), (len(counted), len(names))
assert all(b["instructions"] > 0 for b in r["benchmarks"])
isa = r["perfgate"]["isa"]
assert "under valgrind" in isa, isa
rows = v["benchmarks"]
assert len(rows) == len(counted), (len(rows), len(counted))
bad = [b for b in rows if b["final"]["verdict"] != "pass" or abs(b["final"]["ratio"] - 1) > 1e-3]
assert not bad, bad[:3]
# counts are exact run to run, but for FFTW's plans (phase): a few
# instructions in a million, seen at 16384 (+32 of 1368059)
inexact = [b["benchmark"] for b in rows if b["final"]["ratio"] != 1.0]
assert all("/phase/" in n for n in inexact), inexact
print("counted %d of %d benchmarks; not exactly 1: %s; isa: %s"
      % (len(counted), len(names), inexact, isa))
PY

"$PG" ab --mode instructions --base "$B/bench/tpbench" --head "$B/tests/tpbench_slowed" \
  --color never --json "$T/ab.json" >"$T/out" 2>&1
[ $? -eq 1 ] || fail "slowed build over the whole suite: want exit 1"
python3 - "$T/ab.json" <<'PY' || fail "slowed verdicts"
import json, sys
v = json.load(open(sys.argv[1]))
bad = [b["benchmark"] for b in v["benchmarks"] if b["fails"]]
assert bad and all(n.startswith("indicators/sma/") for n in bad), bad
sma = [b for b in v["benchmarks"] if b["benchmark"].startswith("indicators/sma/")]
assert all(b["final"]["verdict"] == "regression" for b in sma), sma
others = [b for b in v["benchmarks"] if not b["benchmark"].startswith("indicators/sma/")
          and b["final"]["verdict"] != "pass"]
print("regressions: %d, all indicators/sma/...; other verdicts not pass: %s"
      % (len(bad), [b["benchmark"] for b in others]))
PY
echo "ok"
