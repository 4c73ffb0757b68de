// foreign_bench.cc - a Google Benchmark program that knows nothing of
// perfgate, as any C++ project's would be.  The e2e tests gate its JSON
// output with a budget file.  FOREIGN_SLOW=<factor> in the environment
// makes BM_Accumulate do that many times the work: the "slowed build" the
// gate must catch.  Built a second time with FOREIGN_EXTRA_PERCENT=P
// (tests/foreign/CMakeLists.txt), BM_Accumulate sums P % more numbers in
// its one loop (a chain of dependent adds, in cache): P % more
// instructions and about P % more time: the calibrated slowdowns of the
// accuracy runs (2, 5) and the slowed build `perfgate ab` must catch in
// the e2e tests (400: five times the work).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#ifndef FOREIGN_EXTRA_PERCENT
#define FOREIGN_EXTRA_PERCENT 0
#endif

static int slow_factor()
{
    const char *s = std::getenv("FOREIGN_SLOW");
    int f = s ? std::atoi(s) : 1;
    return f > 0 ? f : 1;
}

static void BM_Accumulate(benchmark::State &state)
{
    // FOREIGN_EXTRA_PERCENT lengthens the one summing loop itself: the
    // same dependent chain of adds, so instructions and time grow alike.
    const size_t n = static_cast<size_t>(state.range(0));
    std::vector<std::uint64_t> v(n + n * FOREIGN_EXTRA_PERCENT / 100);
    std::iota(v.begin(), v.end(), 1);
    const int reps = slow_factor();
    for (auto _ : state) {
        std::uint64_t sum = 0;
        for (int r = 0; r < reps; r++) {
            benchmark::DoNotOptimize(v.data());
            sum += std::accumulate(v.begin(), v.end(), std::uint64_t{ 0 });
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Accumulate)->Arg(4096);

static void BM_Copy(benchmark::State &state)
{
    std::vector<char> a(static_cast<size_t>(state.range(0)), 'x'), b(a.size());
    for (auto _ : state) {
        std::copy(a.begin(), a.end(), b.begin());
        benchmark::DoNotOptimize(b.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Copy)->Arg(16384);

BENCHMARK_MAIN();
