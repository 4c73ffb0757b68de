#!/usr/bin/env bash
# ci_format.sh - the tree follows .clang-format and .editorconfig
# (scripts/format.sh --check), and the check itself can fail: a file with a
# misplaced brace and trailing whitespace is caught.
set -u
: "${PG_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PG_SOURCE_DIR/scripts/format.sh" --check >"$T/out" 2>&1 ||
    { cat "$T/out" >&2; fail "the tree is not formatted: run scripts/format.sh"; }

# The check catches what it should: a copy of the config, a bad file.
mkdir -p "$T/tree/scripts" "$T/tree/common"
cp "$PG_SOURCE_DIR/.clang-format" "$PG_SOURCE_DIR/.editorconfig" "$T/tree/"
cp "$PG_SOURCE_DIR/scripts/format.sh" "$T/tree/scripts/"
printf 'int f(void) {\n  return 0;\n}\n' >"$T/tree/common/bad.c"
printf 'x=1 \n' >"$T/tree/scripts/bad.sh"
printf 'int g(void)\n{\n    return 0;\n}\n' >"$T/tree/common/good.c"
"$T/tree/scripts/format.sh" --check >"$T/out2" 2>&1 && fail "a misformatted tree passed the check"
grep -q "common/bad.c differs" "$T/out2" || { cat "$T/out2"; fail "bad.c not named"; }
grep -q "scripts/bad.sh has trailing whitespace" "$T/out2" || { cat "$T/out2"; fail "bad.sh not named"; }
grep -q "good.c" "$T/out2" && fail "good.c named"
echo ok
