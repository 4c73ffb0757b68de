// complexity_bench.cc - a plain Google Benchmark program whose benchmarks
// use ->Complexity(), so its JSON has the BigO and RMS fit rows
// ("BM_Sum_BigO", "BM_Sum_RMS") next to the timings.  tests/e2e/
// complexity.sh gates its output; tests/e2e/gate_data/complexity.json is
// one run of it (Debian's libbenchmark 1.7.1).
#include <benchmark/benchmark.h>

#include <vector>

static void BM_Sum(benchmark::State &state)
{
    std::vector<int> v(static_cast<size_t>(state.range(0)), 1);
    for (auto _ : state) {
        long s = 0;
        for (int x : v)
            s += x;
        benchmark::DoNotOptimize(s);
    }
    state.SetComplexityN(state.range(0));
}
// The fitted curve chosen by Google Benchmark, and one given (O(N)).
BENCHMARK(BM_Sum)->RangeMultiplier(4)->Range(1 << 8, 1 << 14)->Complexity();
BENCHMARK(BM_Sum)
    ->Name("BM_SumOfN")
    ->RangeMultiplier(4)
    ->Range(1 << 8, 1 << 12)
    ->Complexity(benchmark::oN);

BENCHMARK_MAIN();
