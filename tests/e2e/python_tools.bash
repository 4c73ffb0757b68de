# python_tools.bash - sourced by the e2e tests that run Python harnesses
# (gate_python.sh, ab_command.sh); not a test itself (not *.sh).
# Sets PY to the interpreter that has pytest-benchmark and pandas (Debian's
# /usr/bin/python3, not a pyenv shim) and checks hyperfine; both come from
# scripts/deps.sh.  price_csvs DIR writes DIR/small.csv (2000 prices) and
# DIR/large.csv (100000) for `perfgate compute`: fifty times the rows, so
# the work outweighs the process's start even under ASan, where starting
# costs several hundred milliseconds (a tenfold input read only 1.38x there).
PY=
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import pytest_benchmark, pandas, numpy' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || fail "no python3 with pytest-benchmark and pandas (scripts/deps.sh installs them)"
command -v hyperfine >/dev/null || fail "hyperfine not installed (scripts/deps.sh installs it)"
export PYTHONDONTWRITEBYTECODE=1

price_csvs() {
    "$PY" - "$1" <<'PY' || fail "csv"
import sys
import numpy as np
rng = np.random.default_rng(3)
for n, f in ((2000, "small.csv"), (100000, "large.csv")):
    p = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    with open(f"{sys.argv[1]}/{f}", "w") as out:
        out.write("close\n" + "\n".join("%.6f" % x for x in p) + "\n")
PY
}
