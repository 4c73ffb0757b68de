#!/usr/bin/env bash
# Installs the Debian packages perfgate needs, only those that are missing.
# Quiet when everything is already there; idempotent; safe to run on every
# `make test` / `make gate`.  Needs root (or sudo) only when something is
# missing.
set -euo pipefail

packages=(
  cmake make gcc g++ pkg-config clang libclang-rt-14-dev
  libbenchmark-dev libbenchmark-tools python3 python3-scipy
  libpapi-dev papi-tools
  libjansson-dev
  gnuplot-nox
  libsqlite3-dev sqlite3
  libpq-dev postgresql
  openssh-client
  libfftw3-dev
  libcmocka-dev
  valgrind
  python3-yaml
  chromium
)

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
