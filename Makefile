# The two README commands.  Everything else is CMake.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test test-slow gate fuzz sanitize clean

all: build

deps:
	@./scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

# The tests labelled `slow` (instruction mode over the whole default suite:
# minutes of callgrind), which `make test` leaves out.
test-slow: build
	@cd $(BUILD) && ctest --output-on-failure -L slow

# Benchmarks the default suites, judges them against budgets/, records the
# run in perfgate-out/history.sqlite, writes perfgate-out/, exits with the verdict.
gate: build
	@BUILD=$(BUILD) ./scripts/gate.sh

# Each libFuzzer target for FUZZ_SECONDS (default 60), corpus in tests/fuzz/corpus/
# (new interesting inputs are kept in build-fuzz/corpus/, crashes land in
# tests/fuzz/corpus/<target>/crash-* and fail the run).
# FUZZ_RUNS=N runs each target until it has executed N inputs instead
# (the long run of docs/reliability.md); FUZZ_TARGETS="csv args" picks some.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 0
FUZZ_TARGETS ?=
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERFGATE_FUZZ=ON -DPERFGATE_CUDA=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) >/dev/null
	@./scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_RUNS) $(FUZZ_TARGETS)

# The whole test suite built with AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERFGATE_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS) >/dev/null
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)
