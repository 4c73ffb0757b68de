#!/usr/bin/env bash
# Errors suggest the nearest valid subcommand or option, and exit 2.
set -u
PG=$PG_BUILD_DIR/cli/perfgate
fail() { echo "FAIL: $*"; exit 1; }
expect() {  # expect "suggestion" args...
  want=$1; shift
  err=$("$PG" "$@" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "perfgate $* exited $rc, expected 2"
  printf '%s' "$err" | grep -qF "did you mean '$want'?" || fail "perfgate $*: no suggestion of $want in: $err"
}
expect check chekc
expect report reprot
expect history histroy
expect --history history list --histry x
expect --reason baseline update --reasn x
expect --out report --outt x
expect --top profile x --tpo 3
expect --results check --result x
expect --param compute sma --parm x
expect lint budgets lnt
echo "ok: suggestions"
