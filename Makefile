# The two README commands.  Everything else is CMake.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test gate fuzz clean

all: build

deps:
	@./scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Benchmarks the default suites, judges them against budgets/, records the
# run in reports/history.sqlite, writes reports/, exits with the verdict.
gate: build
	@BUILD=$(BUILD) ./scripts/gate.sh

# Each libFuzzer target for FUZZ_SECONDS (default 60), corpus in tests/fuzz/corpus/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERFGATE_FUZZ=ON -DPERFGATE_CUDA=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@for t in build-fuzz/tests/fuzz/fuzz_*; do \
	  name=$$(basename $$t); corpus=tests/fuzz/corpus/$${name#fuzz_}; mkdir -p $$corpus; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$$corpus/crash- $$corpus -print_final_stats=1 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|crash' || exit 1; \
	done

clean:
	rm -rf $(BUILD)
