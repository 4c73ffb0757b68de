#!/usr/bin/env bash
# ci_man_pages.sh - every subcommand `perfgate --help` lists has a working
# --help (stdout, exit 0, "usage: perfgate <name>") and a man page
# docs/man/perfgate-<name>.1 that groff formats without warnings and whose
# synopsis still matches --help (regenerate with docs/man/gen.py); every
# page has NAME, SYNOPSIS, DESCRIPTION, OPTIONS (where the command has
# options), EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES, and is what
# gen.py writes today; every --help states its exit status; `perfgate help
# CMD` is `perfgate CMD --help`; unknown options exit 2; misspelt
# subcommands and options get "did you mean".
set -u
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
PG="$PG_BUILD_DIR/cli/perfgate"
MAN="$PG_SOURCE_DIR/docs/man"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PG" --help >"$T/top" || fail "perfgate --help"
cmds=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' "$T/top")
[ "$(echo "$cmds" | wc -l)" -ge 10 ] || fail "perfgate --help lists too few commands: $cmds"
for need in check compare merge evidence; do
    echo "$cmds" | grep -qx "$need" || fail "perfgate --help does not list '$need'"
done

check_page() { # page
    [ -f "$1" ] || fail "no man page $1 (python3 docs/man/gen.py BUILD_DIR)"
    groff -man -ww -z "$1" 2>"$T/groff" || fail "groff fails on $1"
    [ -s "$T/groff" ] && { cat "$T/groff" >&2; fail "groff warns on $1"; }
    for sec in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
        grep -q "^\.SH $sec\$" "$1" || fail "$1 lacks the $sec section"
    done
    # an example is a command line, not an empty section
    sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$1" | grep -q '^\.nf' || fail "$1 has no example"
}
check_page "$MAN/perfgate.1"
check_page "$MAN/tpbench.1"
for c in $cmds; do
    page="$MAN/perfgate-$c.1"
    check_page "$page"
    [ "$c" = version ] && continue
    "$PG" "$c" --help >"$T/help" 2>"$T/err"; rc=$?
    [ $rc -eq 0 ] || fail "perfgate $c --help exits $rc"
    [ -s "$T/err" ] && fail "perfgate $c --help writes to stderr"
    head -1 "$T/help" | grep -q "^usage: perfgate $c" || fail "perfgate $c --help: no usage line"
    grep -q '^exit status: ' "$T/help" || fail "perfgate $c --help does not state its exit status"
    grep -q '^  --' "$T/help" && { grep -q '^\.SH OPTIONS$' "$page" || fail "$page lacks OPTIONS"; }
    "$PG" help "$c" >"$T/help2" || fail "perfgate help $c exits $?"
    cmp -s "$T/help" "$T/help2" || fail "perfgate help $c is not perfgate $c --help"
    # the page's first synopsis line is --help's usage line (roff-escaped)
    want=$(head -1 "$T/help" | sed 's/^usage: //; s/[[:space:]]*$//; s/\\/\\e/g; s/-/\\-/g')
    got=$(sed -n '/^\.SH SYNOPSIS/{n;n;p;q}' "$page")
    [ "$got" = "$want" ] || fail "$page synopsis is stale: '$got' vs '$want' (run docs/man/gen.py)"
    # an unknown option is bad usage
    "$PG" "$c" --no-such-option-xyz >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "perfgate $c --no-such-option-xyz exits $rc, want 2"
done
# the pages are what gen.py writes from today's --help
mkdir "$T/man"
cp "$MAN/gen.py" "$T/man/gen.py"
python3 "$T/man/gen.py" "$PG_BUILD_DIR" || fail "docs/man/gen.py fails"
for f in "$T"/man/*.1; do
    cmp -s "$f" "$MAN/$(basename "$f")" \
        || fail "docs/man/$(basename "$f") is stale: run python3 docs/man/gen.py $PG_BUILD_DIR"
done
"$PG" help chek >/dev/null 2>"$T/err"; [ $? -eq 2 ] || fail "perfgate help chek: exit"
grep -q "did you mean 'check'" "$T/err" || fail "perfgate help chek: no suggestion"
# suggestions: subcommands, and options of the commands in this issue and the gate
"$PG" chek >/dev/null 2>"$T/err"; [ $? -eq 2 ] || fail "misspelt command exit"
grep -q "did you mean 'check'" "$T/err" || fail "no command suggestion"
"$PG" evidense >/dev/null 2>"$T/err"
grep -q "did you mean 'evidence'" "$T/err" || fail "no suggestion for evidence"
for c in check merge evidence compare compute; do
    "$PG" "$c" --hepl >/dev/null 2>"$T/err"
    grep -q "did you mean '--help'" "$T/err" || fail "perfgate $c --hepl: no suggestion"
done
echo "ci_man_pages: ok"
