#!/usr/bin/env bash
# install_package.sh - the package other C projects use: `cmake --install`
# into a temporary prefix puts the programs, libraries, headers, man pages,
# the CMake config package and perfgate.pc in place; the out-of-tree example
# (examples/bench-suite) configures with find_package(perfgate) against that
# prefix, builds, runs with a tiny --benchmark_min_time, and the installed
# perfgate gates its JSON with the example's budget file.  The same sources
# also build through pkg-config alone.  A C-only project that asks for the
# gate component alone configures with CUDA and Google Benchmark switched
# off (they are never looked for), and the installed programs carry no
# path of the source tree.
set -u
if [ "${PG_SANITIZE:-OFF}" = ON ]; then
    echo "skipped in the sanitizer build: the installed static libraries carry ASan/UBSan, which the example project does not link (make test runs it)"
    exit 77
fi
: "${PG_BUILD_DIR:?}" "${PG_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
P="$T/prefix"
EX="$PG_SOURCE_DIR/examples/bench-suite"

cmake --install "$PG_BUILD_DIR" --prefix "$P" >"$T/install.log" 2>&1 \
    || { cat "$T/install.log" >&2; fail "cmake --install"; }
for f in bin/perfgate bin/tpbench lib/libpg_harness.a lib/libpg_common.a lib/libpg_kernels.a \
         lib/libpg_gate.a include/perfgate/pg_bench.h include/perfgate/pg_data.h \
         include/perfgate/pg_error.h include/perfgate/pg_version.h include/perfgate/pg_kernels.h include/perfgate/pg_gate.h \
         lib/cmake/perfgate/perfgateConfig.cmake lib/cmake/perfgate/perfgateConfigVersion.cmake \
         lib/cmake/perfgate/perfgateTargets.cmake lib/pkgconfig/perfgate.pc \
         share/man/man1/perfgate.1 share/man/man1/tpbench.1 share/perfgate/budgets/schema.json share/perfgate/fftw/phase.wisdom; do
    [ -e "$P/$f" ] || fail "$f not installed"
done
"$P/bin/perfgate" --version | grep -q "^perfgate " || fail "installed perfgate does not run"
# every installed header compiles on its own, as C11, in a C file
for h in "$P"/include/perfgate/*.h; do
    printf '#include <%s>\nint main(void) { return 0; }\n' "$(basename "$h")" >"$T/h.c"
    cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$P/include/perfgate" "$T/h.c" \
        || fail "$(basename "$h") does not compile alone"
done

# find_package(perfgate) from an out-of-tree project
cmake -S "$EX" -B "$T/build" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release \
    >"$T/configure.log" 2>&1 || { cat "$T/configure.log" >&2; fail "example configure"; }
cmake --build "$T/build" -j2 >"$T/build.log" 2>&1 || { cat "$T/build.log" >&2; fail "example build"; }
grep -q "warning:" "$T/build.log" && { cat "$T/build.log" >&2; fail "example builds with warnings"; }
"$T/build/mybench" --list >"$T/list" || fail "mybench --list"
[ "$(cat "$T/list")" = "example/dot/hot/cpu/1024
example/dot/cold/cpu/1024
example/dot/hot/cpu/65536
example/dot/cold/cpu/65536" ] || { cat "$T/list" >&2; fail "mybench --list names"; }
"$T/build/mybench" --benchmark_min_time=0.001 --benchmark_repetitions=5 --out="$T/r.json" \
    >"$T/run.log" 2>&1 || { cat "$T/run.log" >&2; fail "mybench run"; }
python3 - "$T/r.json" <<'PY' || fail "mybench results"
import json, sys
d = json.load(open(sys.argv[1]))
pg = d["perfgate"]
assert set(pg["benchmarks"]) == {"example/dot/%s/cpu/%d" % (p, n)
                                 for p in ("hot", "cold") for n in (1024, 65536)}, pg["benchmarks"]
assert pg["seed"] == 7
assert pg["benchmarks"]["example/dot/hot/cpu/1024"]["input_digest"].startswith("fnv1a64:")
PY
"$P/bin/perfgate" check --results "$T/r.json" --budgets "$EX/budgets" --color never \
    --json "$T/v.json" >"$T/check.out" 2>&1 || { cat "$T/check.out" >&2; fail "example gate"; }
grep -q "gate passed: 4 verdicts, 4 pass" "$T/check.out" || { cat "$T/check.out" >&2; fail "verdicts"; }
# the same gate goes red on a budget the example cannot meet
sed 's/"1ms"/"1ns"/' "$EX/budgets/example.json" >"$T/tight.json"
"$P/bin/perfgate" check --results "$T/r.json" --budgets "$T/tight.json" --color never >/dev/null 2>&1
[ $? -eq 1 ] || fail "the example's gate does not fail on a 1 ns budget"

# the installed programs carry no path of the source tree (nor the build's)
for b in perfgate tpbench; do
    if strings "$P/bin/$b" | grep -F -e "$PG_SOURCE_DIR" -e "$PG_BUILD_DIR" >"$T/paths"; then
        cat "$T/paths" >&2; fail "bin/$b embeds the source or build tree's path"
    fi
done

# COMPONENTS gate: a C-only consumer, with CUDA and Google Benchmark made
# unfindable, configures, builds and reads the example's results
mkdir "$T/gateonly"
cat >"$T/gateonly/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(gateonly LANGUAGES C)
find_package(perfgate 0.1 REQUIRED COMPONENTS gate)
add_executable(count count.c)
target_link_libraries(count PRIVATE perfgate::gate)
CM
cat >"$T/gateonly/count.c" <<'C'
#include <stdio.h>
#include <pg_gate.h>
int main(int argc, char **argv)
{
    pg_error err = { 0 };
    pg_results *r = argc > 1 ? pg_results_load(argv[1], &err) : NULL;
    if (!r)
        return 2;
    printf("%zu benchmarks\n", pg_results_count(r));
    pg_results_destroy(r);
    return 0;
}
C
cmake -S "$T/gateonly" -B "$T/gateonly/build" -DCMAKE_PREFIX_PATH="$P" \
    -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON \
    >"$T/gateonly.log" 2>&1 || { cat "$T/gateonly.log" >&2; fail "COMPONENTS gate configure"; }
cmake --build "$T/gateonly/build" >>"$T/gateonly.log" 2>&1 \
    || { cat "$T/gateonly.log" >&2; fail "COMPONENTS gate build"; }
[ "$("$T/gateonly/build/count" "$T/r.json")" = "4 benchmarks" ] || fail "COMPONENTS gate run"
# an unknown component is refused
mkdir "$T/badcomp"
sed 's/COMPONENTS gate/COMPONENTS gaet/' "$T/gateonly/CMakeLists.txt" >"$T/badcomp/CMakeLists.txt"
cp "$T/gateonly/count.c" "$T/badcomp/"
if cmake -S "$T/badcomp" -B "$T/badcomp/build" -DCMAKE_PREFIX_PATH="$P" >"$T/badcomp.log" 2>&1; then
    fail "an unknown component was accepted"
fi

# pkg-config alone (no CMake): relocatable .pc, one link line
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
pkg-config --exists perfgate || fail "pkg-config does not find perfgate"
[ "$(pkg-config --modversion perfgate)" = "$("$P/bin/perfgate" --version | cut -d' ' -f2)" ] \
    || fail "perfgate.pc version differs from perfgate --version"
for c in main suite_dot; do
    cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags perfgate) -c "$EX/$c.c" -o "$T/$c.o" \
        || fail "pkg-config compile of $c.c"
done
c++ "$T/main.o" "$T/suite_dot.o" $(pkg-config --libs perfgate) -o "$T/mybench-pc" \
    || fail "pkg-config link"
"$T/mybench-pc" --list | grep -q "^example/dot/cold/cpu/65536$" || fail "pkg-config build runs"
echo "install_package: ok"
