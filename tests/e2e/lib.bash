# lib.bash - what every e2e script starts with; source it:
#   . "$(dirname "$0")/lib.bash"
# Sets PG (the perfgate binary) and T (a scratch folder removed on exit),
# and gives fail MESSAGE and expect WANT_RC CMD... (CMD's stdout and stderr
# land in $T/out and $T/err; a different exit status prints both and fails).
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # want_rc cmd...
    local want=$1; shift
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    [ $rc -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "'$*': exit $rc, want $want"; }
}
