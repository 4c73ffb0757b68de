#!/usr/bin/env bash
# format.sh - apply (default) or check (--check) the tree's style:
# .clang-format for C, C++ and CUDA through Debian's clang-format 14 (other
# versions format some constructs differently, so the version is pinned),
# and .editorconfig's rules for the other text files (no trailing
# whitespace, a final newline, no tabs outside Makefiles).  --check exits 1
# naming each file that differs; tests/e2e/ci_format.sh runs it in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=apply
[ "${1:-}" = --check ] && mode=check
CF=${CLANG_FORMAT:-clang-format-14}
command -v "$CF" >/dev/null 2>&1 ||
    { echo "format: $CF not found (scripts/deps.sh installs clang-format-14)" >&2; exit 2; }

# The files the project owns: git's list in a checkout, else a walk that
# leaves out build folders.  Data (golden files, fuzz corpora, bad-input
# cases) is kept byte for byte as it is.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    list() { git ls-files -- "$@"; }
else
    list() { find . -path './build*' -prune -o -path ./perfgate-out -prune -o -type f -print |
             sed 's|^\./||' | while read -r f; do
                 for p in "$@"; do case $f in $p) echo "$f"; break;; esac; done; done; }
fi
data='^(data/|tests/fuzz/corpus/|tests/e2e/gate_data/)'
code=$(list '*.c' '*.h' '*.cc' '*.cu' '*.cuh' | grep -Ev "$data" || true)
text=$(list '*.sh' '*.py' '*.cmake' '*.yml' '*.yaml' '*.md' 'CMakeLists.txt' '*/CMakeLists.txt' \
            'Makefile' '.clang-format' '.editorconfig' | grep -Ev "$data" || true)

bad=0
if [ $mode = apply ]; then
    # shellcheck disable=SC2086
    echo "$code" | xargs -r "$CF" -i --style=file
else
    while read -r f; do
        [ -n "$f" ] || continue
        if ! "$CF" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
            echo "format: $f differs from .clang-format (run scripts/format.sh)"; bad=1
        fi
    done <<<"$code"
fi
while read -r f; do
    [ -n "$f" ] || continue
    case $f in *.md) ;; *) if grep -qE '[[:space:]]+$' "$f"; then
        echo "format: $f has trailing whitespace"; bad=1; fi;; esac
    case $f in *Makefile) ;; *) if grep -qP '\t' "$f"; then
        echo "format: $f has a tab (.editorconfig: spaces)"; bad=1; fi;; esac
    if [ -s "$f" ] && [ -n "$(tail -c1 "$f")" ]; then echo "format: $f lacks a final newline"; bad=1; fi
done <<<"$text"
exit $bad
