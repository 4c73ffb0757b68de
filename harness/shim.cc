// shim.cc - the one C++ file of perfgate: maps the C registry of pg_bench.h
// onto Google Benchmark.
//
// Every selected benchmark becomes one Google Benchmark registration, so all
// --benchmark_* flags work unchanged.  hot runs in Google Benchmark's own
// timed loop; cold and first use manual time (SetIterationTime) so that only
// the kernel is timed, never the refill, the eviction or the child process.
// Google Benchmark appends "/manual_time" (and "/min_time:...",
// "/iterations:1/repeats:N" for settings the harness makes) to such names;
// the reporters below drop them again so every result is named
// suite/kernel/profile/device/n.  --benchmark_filter still sees the suffixes:
// an anchored filter for a cold or first benchmark must allow them.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "internal.h"

namespace
{

// Cold benchmarks refill and evict before each timed call, so their wall
// time is several times their measured time.  Unless --benchmark_min_time is
// given, they aim at this much kernel time (Google Benchmark's default is
// 0.5 s) to keep a default tpbench run within its few minutes.
constexpr double kColdMinTime = 0.1;

// How a cold or first benchmark hands the CPU time of its timed part (seconds
// per iteration, a kAvgIterations counter) to the reporters, which make it
// the row's cpu_time and drop the counter.  Not a valid perfgate counter
// name (those are [a-z0-9_]), so no fixture's counter can collide with it.
constexpr char kTimedCpuKey[] = "perfgate.timed_cpu_s";
// Cold only: Google Benchmark's own CPU time of one whole iteration (reseed,
// eviction, the timed call, the harness's bookkeeping), kept as a counter.
constexpr char kLoopCpuKey[] = "cold_loop_cpu_ns";

using Run = benchmark::BenchmarkReporter::Run;

// The profile part of a perfgate name (suite/kernel/profile/device/n).
bool is_cold_name(const std::string &name)
{
    size_t a = name.find('/');
    size_t b = a == std::string::npos ? a : name.find('/', a + 1);
    return b != std::string::npos && name.compare(b + 1, 5, "cold/") == 0;
}

// Google Benchmark's cpu_time of a manual-time benchmark is its own clock
// over the whole loop (cold: reseed and eviction too; first: the parent's
// fork and wait), not the timed part.  Every row, aggregates included, gets
// the timed part's CPU time instead.  The counter went through the same
// statistics as the times (ComputeStats: one value per repetition; a time
// aggregate's cpu_accumulated_time is the statistic of the repetitions'
// per-iteration times times its `iterations`, a percentage one (cv) the
// plain statistic), so setting cpu_accumulated_time from it gives exactly
// what Google Benchmark would have computed from that clock.
void use_timed_cpu(Run &r)
{
    auto it = r.counters.find(kTimedCpuKey);
    if (it == r.counters.end())
        return;
    const bool percent =
        r.run_type == Run::RT_Aggregate && r.aggregate_unit == benchmark::kPercentage;
    const double iters = r.iterations > 0 ? static_cast<double>(r.iterations) : 1.0;
    if (is_cold_name(r.run_name.function_name)) {
        // The same value in ns per iteration (or the cv as it is).
        const double loop = percent ? r.cpu_accumulated_time : r.cpu_accumulated_time / iters * 1e9;
        r.counters[kLoopCpuKey] = benchmark::Counter(loop);
    }
    r.cpu_accumulated_time = percent ? it->second.value : it->second.value * iters;
    r.counters.erase(kTimedCpuKey);
}

template <class Base> class StripReporter : public Base
{
  public:
    using Base::Base;
    void ReportRuns(const std::vector<Run> &runs) override
    {
        std::vector<Run> copy(runs);
        for (auto &r : copy) {
            // Settings the harness chose, not part of the benchmark's identity.
            r.run_name.min_time.clear();
            r.run_name.min_warmup_time.clear();
            r.run_name.iterations.clear();
            r.run_name.repetitions.clear();
            r.run_name.time_type.clear();
            use_timed_cpu(r);
        }
        Base::ReportRuns(copy);
    }
};

void set_counters(benchmark::State &st, const harness_run_summary &s, const harness_counters *c,
                  unsigned profile)
{
    const double iters = static_cast<double>(st.iterations());
    if (s.items > 0)
        st.SetItemsProcessed(static_cast<int64_t>(iters * s.items));
    if (s.bytes > 0)
        st.SetBytesProcessed(static_cast<int64_t>(iters * s.bytes));
    for (size_t i = 0; i < s.ncounters; i++) {
        if (!s.counter_ok[i])
            continue; // reported as unavailable in the context block
        const std::string name = harness_counters_name(c, i);
        st.counters[name] =
            benchmark::Counter(s.counter_total[i], benchmark::Counter::kAvgIterations);
        if (s.items > 0)
            st.counters[name + "_per_item"] = benchmark::Counter(
                s.counter_total[i] / s.items, benchmark::Counter::kAvgIterations);
    }
    // first: the child's totals, sent back with its time.
    for (size_t i = 0; i < s.nuser; i++) {
        const std::string name = s.user_name[i];
        st.counters[name] = benchmark::Counter(s.user_total[i], benchmark::Counter::kAvgIterations);
        if (s.items > 0)
            st.counters[name + "_per_item"] =
                benchmark::Counter(s.user_total[i] / s.items, benchmark::Counter::kAvgIterations);
    }
    if (s.peak_rss_bytes >= 0)
        st.counters["peak_rss_bytes"] = s.peak_rss_bytes;
    if (profile == PG_PROFILE_FIRST)
        st.counters["page_faults"] = s.page_faults;
    if (profile != PG_PROFILE_HOT)
        st.counters[kTimedCpuKey] =
            benchmark::Counter(s.cpu_seconds, benchmark::Counter::kAvgIterations);
}

void fail(benchmark::State &st, pg_bench_registry *reg, size_t idx, const pg_error &err)
{
    harness_bench_entry *e = &reg->e[idx];
    std::snprintf(e->error, sizeof(e->error), "%s",
                  err.message[0] ? err.message : pg_strerror(err.code));
    st.SkipWithError(e->error);
}

void run_hot(benchmark::State &st, pg_bench_registry *reg, size_t idx)
{
    pg_error err;
    pg_error_clear(&err);
    harness_run *r = harness_run_begin(reg, idx, 1, &err);
    if (!r)
        return fail(st, reg, idx, err);
    int rc = harness_run_once(r); // warm-up: caches, branch predictors, lazy pages
    int (*fn)(void *) = nullptr;
    void *fx = nullptr;
    harness_run_loop_fn(r, &fn, &fx);
    harness_run_counters_start(r);
    if (rc == 0) {
        for (auto _ : st) {
            if (fn(fx) != 0) {
                rc = PG_EIO;
                break;
            }
        }
    }
    harness_run_counters_stop(r);
    harness_run_summary s;
    if (rc != 0) {
        harness_run_discard(r, &s);
        pg_error_set(&err, rc, nullptr, 0, 0, nullptr, "%s: run failed", reg->e[idx].name);
        return fail(st, reg, idx, err);
    }
    harness_run_end(r, &s);
    set_counters(st, s, reg->counters, PG_PROFILE_HOT);
}

void run_cold(benchmark::State &st, pg_bench_registry *reg, size_t idx)
{
    pg_error err;
    pg_error_clear(&err);
    harness_run *r = harness_run_begin(reg, idx, 1, &err);
    if (!r)
        return fail(st, reg, idx, err);
    int rc = 0;
    for (auto _ : st) {
        double seconds = 0;
        rc = harness_run_cold_iteration(r, &seconds);
        if (rc != 0)
            break;
        st.SetIterationTime(seconds);
    }
    harness_run_summary s;
    if (rc != 0) {
        harness_run_discard(r, &s);
        pg_error_set(&err, rc, nullptr, 0, 0, nullptr, "%s: cold iteration failed: %s",
                     reg->e[idx].name, pg_strerror(rc));
        return fail(st, reg, idx, err);
    }
    harness_run_end(r, &s);
    set_counters(st, s, reg->counters, PG_PROFILE_COLD);
}

void run_first(benchmark::State &st, pg_bench_registry *reg, size_t idx)
{
    pg_error err;
    pg_error_clear(&err);
    harness_run_summary s;
    std::memset(&s, 0, sizeof(s));
    int rc = 0;
    for (auto _ : st) {
        double seconds = 0;
        rc = harness_run_first_sample(reg, idx, &seconds, &s, &err);
        if (rc != 0)
            break;
        st.SetIterationTime(seconds);
    }
    if (rc != 0)
        return fail(st, reg, idx, err);
    set_counters(st, s, reg->counters, PG_PROFILE_FIRST);
}

// The same empty loop as harness/overhead through the C API, written
// directly against Google Benchmark: their difference is the API's cost.
void run_native(benchmark::State &st)
{
    for (auto _ : st) {
    }
    st.SetItemsProcessed(st.iterations());
}

// Records the native run in the registry (for the context block).
void mark_native(harness_bench_entry *e)
{
    e->ran = 1;
    e->items = 1;
    e->bytes = 0;
}

bool color_wanted(const pg_bench_options *o)
{
    if (o->color >= 0)
        return o->color != 0;
    const char *term = std::getenv("TERM");
    return isatty(STDOUT_FILENO) && term && std::strcmp(term, "dumb") != 0 &&
           !std::getenv("NO_COLOR");
}

benchmark::BenchmarkReporter *make_reporter(const std::string &format, bool color, bool tabular)
{
    if (format == "json")
        return new StripReporter<benchmark::JSONReporter>();
    if (format == "csv") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        return new StripReporter<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
    }
    if (format != "console")
        return nullptr;
    int oo = benchmark::ConsoleReporter::OO_None;
    if (color)
        oo |= benchmark::ConsoleReporter::OO_Color;
    if (tabular)
        oo |= benchmark::ConsoleReporter::OO_Tabular;
    return new StripReporter<benchmark::ConsoleReporter>(
        static_cast<benchmark::ConsoleReporter::OutputOptions>(oo));
}

} // namespace

extern "C" int harness_shim_run(pg_bench_registry *reg, const pg_bench_options *opts, int argc,
                                char **argv, pg_error *err)
{
    ssize_t len = readlink("/proc/self/exe", reg->self_exe, sizeof(reg->self_exe) - 1);
    if (len <= 0)
        std::snprintf(reg->self_exe, sizeof(reg->self_exe), "%s", argv[0]);
    else
        reg->self_exe[len] = '\0';

    // --out=FILE is shorthand for Google Benchmark's own pair of flags.
    std::vector<std::string> extra;
    bool has_out = false;
    for (int i = 1; i < argc; i++)
        if (std::strncmp(argv[i], "--benchmark_out=", 16) == 0)
            has_out = true;
    if (opts->out_path[0] && !has_out) {
        extra.push_back(std::string("--benchmark_out=") + opts->out_path);
        extra.push_back("--benchmark_out_format=json");
    }
    // Repetitions in random order across the suite unless the caller says
    // otherwise: a burst of load then hits a few repetitions of many
    // benchmarks, where the median discounts it, and each repetition gets
    // buffers of its own, so placement varies within the run as between
    // runs (docs/statistics.md, "A baseline from another run").  A baseline
    // measured one way and a run the other do not compare (an SMA of 4096
    // points read 1.3x apart), so tpbench, make gate and the workflows all
    // interleave, and the perfgate block says which.
    const char *const ri = "--benchmark_enable_random_interleaving";
    const size_t ri_len = std::strlen(ri);
    reg->interleaved = 1;
    bool ri_given = false;
    for (int i = 1; i < argc; i++)
        if (std::strncmp(argv[i], ri, ri_len) == 0 &&
            (argv[i][ri_len] == '=' || argv[i][ri_len] == '\0')) {
            const char *v = argv[i][ri_len] == '=' ? argv[i] + ri_len + 1 : "true";
            ri_given = true;
            reg->interleaved = std::strchr("tTyY1", v[0]) != nullptr ||
                               std::strncmp(v, "on", 2) == 0 || std::strncmp(v, "ON", 2) == 0;
        }
    if (!ri_given)
        extra.push_back(std::string(ri) + "=true");
    std::vector<char *> args(argv, argv + argc);
    for (auto &s : extra)
        args.push_back(&s[0]);
    args.push_back(nullptr);
    int gargc = static_cast<int>(args.size()) - 1;
    benchmark::Initialize(&gargc, args.data());
    if (gargc > 1) {
        return pg_error_set(err, PG_EINVAL, nullptr, 0, 0, nullptr,
                            "unknown Google Benchmark flag '%s': see --help", args[1]);
    }

    size_t registered = 0;
    for (size_t i = 0; i < reg->n; i++) {
        harness_bench_entry *e = &reg->e[i];
        if (!e->selected)
            continue;
        benchmark::internal::Benchmark *b = nullptr;
        if (e->native) {
            b = benchmark::RegisterBenchmark(e->name, [e](benchmark::State &st) {
                run_native(st);
                mark_native(e);
            });
        } else if (e->profile == PG_PROFILE_HOT) {
            b = benchmark::RegisterBenchmark(
                e->name, [reg, i](benchmark::State &st) { run_hot(st, reg, i); });
        } else if (e->profile == PG_PROFILE_COLD) {
            b = benchmark::RegisterBenchmark(
                e->name, [reg, i](benchmark::State &st) { run_cold(st, reg, i); });
            b->UseManualTime();
            if (opts->cold_min_time > 0)
                b->MinTime(opts->cold_min_time);
            else if (!opts->min_time_given)
                b->MinTime(kColdMinTime);
        } else {
            b = benchmark::RegisterBenchmark(
                e->name, [reg, i](benchmark::State &st) { run_first(st, reg, i); });
            b->UseManualTime()->Iterations(1)->Repetitions(static_cast<int>(opts->first_children));
        }
        registered++;
    }
    if (registered == 0)
        return pg_error_set(err, PG_EINVAL, nullptr, 0, 0, nullptr, "no benchmark selected");

    benchmark::BenchmarkReporter *display =
        make_reporter(opts->display_format, color_wanted(opts), opts->counters_tabular != 0);
    if (!display) {
        benchmark::ClearRegisteredBenchmarks();
        return pg_error_set(err, PG_EINVAL, nullptr, 0, 0, nullptr,
                            "bad --benchmark_format '%s': expected console, json or csv",
                            opts->display_format);
    }
    benchmark::BenchmarkReporter *file = nullptr;
    std::string out_format = "json";
    for (int i = 1; i < argc; i++)
        if (std::strncmp(argv[i], "--benchmark_out_format=", 23) == 0)
            out_format = argv[i] + 23;
    if (opts->out_path[0] || has_out) {
        file = make_reporter(out_format, false, false);
        if (!file) {
            delete display;
            benchmark::ClearRegisteredBenchmarks();
            return pg_error_set(err, PG_EINVAL, nullptr, 0, 0, nullptr,
                                "bad --benchmark_out_format '%s': expected console, json or csv",
                                out_format.c_str());
        }
    }
    benchmark::RunSpecifiedBenchmarks(display, file);
    harness_run_release(reg);
    benchmark::Shutdown();
    benchmark::ClearRegisteredBenchmarks();
    delete display;
    delete file;
    return PG_OK;
}
