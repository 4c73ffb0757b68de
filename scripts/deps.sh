#!/usr/bin/env bash
# Installs the Debian packages perfgate needs, only those that are missing.
# Quiet when everything is already there; idempotent; safe to run on every
# `make test` / `make gate`.  Needs root (or sudo) only when something is
# missing.
#
#   scripts/deps.sh        everything: build, gate, tests, fuzzing, sanitizers
#   scripts/deps.sh gate   only what building perfgate and running the gate
#                          need (CI jobs that gate or record, not test: no
#                          browser, database server, valgrind or clang)
set -euo pipefail

# Building perfgate and running `make gate`, `perfgate ab` (time mode),
# history (SQLite; PostgreSQL through libpq) and reports (gnuplot).
gate_packages=(
  cmake make gcc g++ pkg-config
  libbenchmark-dev python3
  libpapi-dev
  libjansson-dev
  gnuplot-nox
  libsqlite3-dev
  libpq-dev
  libfftw3-dev
  openssh-client
  libcmocka-dev
)
# The tests and the tools around them: fuzzing (clang), the PostgreSQL
# tests (a server), the report tests (a browser), instruction counts
# (valgrind), workflow checks (yaml), style (clang-format 14), statistics
# cross-checks (scipy), Google Benchmark's compare.py, PAPI's tools.
test_packages=(
  clang libclang-rt-14-dev clang-format-14
  libbenchmark-tools python3-scipy
  papi-tools
  sqlite3
  postgresql
  valgrind
  python3-yaml
  chromium
  python3-pytest python3-pytest-benchmark python3-pandas hyperfine
)
case "${1:-all}" in
  all) packages=("${gate_packages[@]}" "${test_packages[@]}") ;;
  gate) packages=("${gate_packages[@]}") ;;
  *) echo "usage: scripts/deps.sh [all|gate]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "deps: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
    exit 2
  fi
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# Try without refreshing the package lists first (fast, works offline with a
# warm cache); refresh and retry once when that fails.
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  $SUDO apt-get update -q >>"$log" 2>&1 || true
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "deps: apt-get install failed (full log: $log)" >&2
    exit 2
  fi
fi
rm -f "$log"
