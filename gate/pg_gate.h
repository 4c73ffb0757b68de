/*
 * pg_gate.h - perfgate's gate: results, budgets, statistics, verdicts.
 *
 * The gate reads a Google Benchmark JSON results file (any program's, with
 * or without repetitions; perfgate's own carry a top-level "perfgate"
 * object), the budget files under budgets/, and optionally a baseline run,
 * and decides per benchmark and metric: pass, regression, budget breach,
 * improved, waived, missing, unbudgeted, unavailable or insufficient.
 *
 * Conventions (STYLE.md): handles are opaque with create/destroy pairs and
 * destroy takes NULL; functions return 0 or a negative PG_E... code;
 * constructors return NULL and fill the caller's pg_error.  Times are in
 * nanoseconds everywhere inside the gate; results are converted on load.
 * The method is described in docs/statistics.md, the budget format in
 * docs/budgets.md.
 */
#ifndef PG_GATE_H
#define PG_GATE_H

#include <stddef.h>
#include <stdio.h>

#include "pg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- units ------------------------------------------------------------ */

/* "250us" -> 250000 ns.  Units: ns, us, ms, s; a number, then the unit, no
 * blanks.  Returns 0, or PG_EPARSE when s is not such a time. */
int pg_parse_time(const char *s, double *ns);
/* "5%" -> 0.05 (a fraction).  Returns 0 or PG_EPARSE. */
int pg_parse_percent(const char *s, double *fraction);
/* "64MiB" -> 67108864.  Units: B, KiB, MiB, GiB, kB, MB, GB.  0 or PG_EPARSE. */
int pg_parse_bytes(const char *s, double *bytes);
/* "2026-12-31" -> 20261231, a real calendar date.  0 or PG_EPARSE. */
int pg_parse_date(const char *s, int *yyyymmdd);
/* Google Benchmark's time_unit ("ns", "us", "ms", "s") in ns; 0 if unknown. */
double pg_time_unit_ns(const char *unit);

/* ---- statistics (gate/stats.c, docs/statistics.md) --------------------- */

enum { PG_ALT_TWO_SIDED = 0, PG_ALT_GREATER = 1, PG_ALT_LESS = 2 };

/* Standard normal distribution function and its inverse (p in (0,1)). */
double pg_stats_normal_cdf(double z);
double pg_stats_normal_quantile(double p);
/* P(B <= k) for B ~ Binomial(n, 1/2). */
double pg_stats_binom_half_cdf(size_t k, size_t n);

/* Median of n sorted values (mean of the middle two when n is even); NaN
 * when n == 0. */
double pg_stats_median(const double *sorted, size_t n);

/* The spread of one value of a series from its first differences: the MAD
 * of the differences / 0.6745 / sqrt 2 (a difference of two independent
 * values has sigma * sqrt 2; MAD / 0.6745 is sigma for normal data).  A
 * level shift moves one difference and a steady creep moves all of them
 * alike, so neither inflates it.  NaN when n < 3.  scratch holds n - 1. */
double pg_stats_diff_sigma(const double *y, size_t n, double *scratch);

/* Distribution-free confidence interval for the median from order
 * statistics: [x(k), x(n+1-k)] with the largest k such that
 * P(Binomial(n, 1/2) < k) <= (1-conf)/2.  *achieved gets the interval's
 * exact coverage (>= conf).  When n is too small for conf (n < 6 at 95 %),
 * the interval is [x(1), x(n)] and *achieved says how much it covers.
 * sorted must be ascending; returns PG_EINVAL when n == 0. */
/* The level of every median interval perfgate shows or judges on (check,
 * compare, the history and its report). */
#define PG_MEDIAN_CONF 0.95
int pg_stats_median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi,
                       double *achieved);

/* Sign test of H0 "median == c" against alt (PG_ALT_GREATER: median > c).
 * Values equal to c are dropped.  Exact binomial p-value; 1 when nothing
 * is left. */
double pg_stats_sign_test(const double *x, size_t n, double c, int alt);

/* Mann-Whitney U (Wilcoxon rank-sum) test of x against y.  alt
 * PG_ALT_GREATER: x tends to be larger than y.  *u (may be NULL) gets
 * U = #{(i,j): x_i > y_j} + #{x_i == y_j}/2.  The p-value is exact (from
 * the distribution of U, a Gaussian binomial coefficient) when there are no
 * ties and m, n <= PG_MW_EXACT_MAX; otherwise it uses the normal
 * approximation with tie correction and continuity correction.  *exact (may
 * be NULL) says which.  Returns the p-value, NaN when m or n is 0. */
#define PG_MW_EXACT_MAX 30
double pg_stats_mann_whitney(const double *x, size_t m, const double *y, size_t n, int alt,
                             double *u, int *exact);

/* Hodges-Lehmann estimate of the shift x - y (the median of the m*n
 * pairwise differences) with Moses' distribution-free confidence interval
 * at level conf.  scratch must hold m*n doubles.  Returns 0, or PG_EINVAL
 * when m or n is 0. */
int pg_stats_hodges_lehmann(const double *x, size_t m, const double *y, size_t n, double conf,
                            double *scratch, double *shift, double *lo, double *hi);

/* Paired statistics: one sample of differences d_i (`perfgate ab` uses
 * d_i = log(head_i / base_i) of round i).  Wilcoxon's signed-rank test
 * (exact for n <= PG_SR_EXACT_MAX without ties, normal with tie correction
 * otherwise) and the Hodges-Lehmann estimate (median of the Walsh
 * averages) with Tukey's distribution-free interval.  Hollander & Wolfe,
 * "Nonparametric Statistical Methods" (3rd ed.), chapter 3. */
#define PG_SR_EXACT_MAX 60

/* Wilcoxon signed-rank test of H0 "d is symmetric about 0".  Zeros are
 * dropped.  alt PG_ALT_GREATER: d tends to be positive.  *exact (may be
 * NULL) says whether the p-value is exact.  Returns 1 when nothing is left,
 * NaN when n == 0. */
double pg_stats_signed_rank(const double *d, size_t n, int alt, int *exact);

/* Hodges-Lehmann one-sample estimate (median of the n(n+1)/2 Walsh
 * averages) with Tukey's interval at level conf.  scratch holds
 * n(n+1)/2 doubles.  With n too small for conf the interval is the range of
 * the Walsh averages.  Returns 0, or PG_EINVAL when n == 0. */
int pg_stats_walsh(const double *d, size_t n, double conf, double *scratch, double *est, double *lo,
                   double *hi);

/* ---- results (gate/results.c) ------------------------------------------ */

typedef struct pg_counter {
    const char *name; /* Google Benchmark counter name */
    double *values;   /* one per sample, NaN where a row lacked it */
} pg_counter;

typedef struct pg_result {
    const char *name;          /* run_name, less a trailing "/repeats:N" */
    size_t n;                  /* samples (repetitions) */
    double *real_ns;           /* n real times per iteration, ns, in file order */
    double *cpu_ns;            /* n CPU times per iteration, ns */
    double elements;           /* elements per iteration; 0 when unknown */
    const char *elements_from; /* "perfgate", "items_per_second", "name" or NULL */
    int from_aggregate;        /* 1: no per-repetition rows, only an aggregate */
    const char *error;         /* error_message when the benchmark failed, else NULL */
    size_t ncounters;
    pg_counter *counters;
    int line, column; /* where its first row starts */
    /* From the results' "perfgate" block (docs/harness.md), NULL / NaN when
     * absent: */
    const char *input_digest; /* "fnv1a64:..."; runs with different digests are incomparable */
    const char *profile;      /* "hot", "cold", "first" */
    double peak_rss_bytes;    /* the benchmark's RSS high-water mark */
    /* A ->Complexity() fit row (aggregate_name "BigO" or "RMS"), named as
     * Google Benchmark names it ("BM_Sum_BigO", "BM_Sum_RMS"): no samples
     * (n == 0), only the fit.  check judges it only where a budget's
     * "counters" name one of its figures (docs/budgets.md). */
    int complexity;                           /* PG_CX_NONE, PG_CX_BIGO or PG_CX_RMS */
    const char *big_o;                        /* BigO: "N", "NlgN", "N^2", "f(N)", ... or NULL */
    double real_coefficient, cpu_coefficient; /* BigO: ns per unit of big_o */
    double rms;                               /* RMS: the fit's normalised root-mean-square error */
    /* Results of other harnesses (pytest-benchmark, hyperfine, asv;
     * docs/budgets.md "Other harnesses"): */
    const char *source; /* what the samples are, e.g. "pytest-benchmark stats.data
                            * (4083 rounds)"; NULL for Google Benchmark rows */
    size_t summary_n;   /* from_aggregate: rounds the stored summary covers, 0 unknown */
    double summary_q1, summary_q3, summary_min; /* ns, of those rounds; NaN unless stored */
    const char *cpu_missing; /* why cpu_ns is NaN (the format has no per-sample CPU time) */
} pg_result;

enum { PG_CX_NONE = 0, PG_CX_BIGO = 1, PG_CX_RMS = 2 };
/* A complexity row's figure by its budget name ("real_coefficient",
 * "cpu_coefficient" or "rms"): 1 and *value when the row has it, else 0. */
int pg_result_complexity_figure(const pg_result *b, const char *name, double *value);

typedef struct pg_results pg_results;

/* Result formats (docs/budgets.md "Other harnesses").  AUTO detects the
 * format from the top-level members: "machine_info"/"commit_info" is
 * pytest-benchmark --benchmark-json, "result_columns"/"commit_hash" an asv
 * (0.5/0.6, results version 2) results file, a lone "results" array
 * hyperfine --export-json, anything else Google Benchmark JSON. */
enum { PG_FORMAT_AUTO, PG_FORMAT_GBENCH, PG_FORMAT_PYTEST, PG_FORMAT_HYPERFINE, PG_FORMAT_ASV };
/* "auto", "gbench", "pytest-benchmark", "hyperfine", "asv" -> PG_FORMAT_*, -1 if unknown. */
int pg_results_format_parse(const char *name);
const char *pg_results_format_name(int format);
/* The format a buffer's content says it is (never AUTO). */
int pg_results_format_detect(const char *text, size_t len);
/* The same for a file (mapped, not parsed); -1 with err set when unreadable. */
int pg_results_format_detect_path(const char *path, pg_error *err);
/* Loads path in format (PG_FORMAT_AUTO: detected); as pg_results_load. */
pg_results *pg_results_load_as(const char *path, int format, pg_error *err);
pg_results *pg_results_load_buffer_as(const char *text, size_t len, const char *name, int format,
                                      pg_error *err);
int pg_results_format(const pg_results *run); /* the format it was read as */

/* Loads a Google Benchmark JSON file.  Per-repetition rows are grouped by
 * run_name; aggregate rows are ignored when per-repetition rows exist and
 * used (median, else mean) when alone.  Times are converted to ns.  NULL
 * with err filled (file:line:column, pointer, expectation) on bad input. */
pg_results *pg_results_load(const char *path, pg_error *err);
/* The same from memory; name is used in messages. */
pg_results *pg_results_load_buffer(const char *text, size_t len, const char *name, pg_error *err);
void pg_results_destroy(pg_results *run); /* NULL is a no-op */
size_t pg_results_count(const pg_results *run);
const pg_result *pg_results_get(const pg_results *run, size_t i);
const pg_result *pg_results_find(const pg_results *run, const char *name); /* NULL if absent */
/* 1 when some benchmark's name matches glob (fnmatch; an exact name is
 * looked up), else 0. */
int pg_results_has_match(const pg_results *run, const char *glob);
const char *pg_results_path(const pg_results *run);
/* A string from the results' "context" (or perfgate.context); NULL if none. */
const char *pg_results_context(const pg_results *run, const char *key);
/* A string of the results' perfgate.host (e.g. "cpu_model"); NULL if none
 * (Google Benchmark's own JSON has no such block). */
const char *pg_results_host(const pg_results *run, const char *key);
/* The run's environment: every scalar of the results' "context" and
 * "perfgate" objects, as fn(key, value, arg) with dotted keys
 * ("perfgate.host.cpu_model") and values as text (numbers as jansson
 * prints them: integers as such, others %.17g), at most max_depth deep
 * ("context" is depth 1).  Lists, nulls and the per-benchmark parts
 * ("benchmarks", "benches", "caches") are left out.  Stops at fn's first
 * non-zero answer and returns it; PG_ENOMEM when memory ran out. */
typedef int (*pg_results_env_fn)(const char *key, const char *value, void *arg);
int pg_results_environment(const pg_results *run, int max_depth, pg_results_env_fn fn, void *arg);
/* 1 when the run's repetitions ran in random order across the suite
 * (perfgate.interleaved), 0 when back to back (also a perfgate block from
 * a tpbench that did not say: it did not interleave), -1 when unknown
 * (no perfgate block: another program's Google Benchmark JSON). */
int pg_results_interleaved(const pg_results *run);
/* Why a counter is unavailable, from perfgate.counters; NULL if not said. */
const char *pg_results_unavailable_reason(const pg_results *run, const char *counter);
/* A benchmark name as perfgate's harness writes it,
 * "suite/kernel/profile/device/n" (docs/harness.md): the one parser of
 * that shape.  Returns 1 and fills out when name has it (five non-empty
 * parts, profile one of hot, cold, first; n a positive integer), else 0. */
typedef struct pg_name {
    char suite[64], kernel[64], profile[8], device[16];
    unsigned long long n;
} pg_name;
int pg_name_parse(const char *name, pg_name *out);
/* A benchmark's profile: profile (the results' perfgate block's) when
 * not NULL, else the name's (a "hot", "cold" or "first" part of a name of
 * any shape, so "cold/x" and "x/cold" count); NULL when neither says. */
const char *pg_name_profile(const char *name, const char *profile);
const char *pg_result_profile(const pg_result *b); /* of b->name, b->profile */

/* The counter's values for bench, NULL if absent. */
const double *pg_result_counter(const pg_result *b, const char *name);

/* ---- budgets (gate/budget.c, docs/budgets.md) -------------------------- */

enum { PG_METRIC_REAL = 0, PG_METRIC_CPU = 1 };
enum { PG_SEV_FAIL = 0, PG_SEV_WARN = 1 };

/* Absolute ceilings a budget can set; index into pg_policy.absolute. */
enum {
    PG_ABS_MEDIAN_REAL,
    PG_ABS_MEDIAN_CPU,
    PG_ABS_REAL_PER_ELEM,
    PG_ABS_CPU_PER_ELEM,
    PG_ABS_PEAK_RSS,
    PG_ABS_GPU_KERNEL,
    PG_ABS_GPU_TRANSFER,
    PG_ABS_COUNT
};
/* The budget key of an absolute ceiling ("median_real_time", ...). */
const char *pg_abs_name(int which);

#define PG_MAX_COUNTER_LIMITS 16
/* Ceilings relative to other benchmarks of the same run one budget may set
 * ("relative" as an array: a kernel against a floor and against itself at
 * another size). */
#define PG_MAX_RELATIVE_LIMITS 4

typedef struct pg_relative_limit {
    const char *to;   /* the benchmark divided by: an exact name of the same run */
    double max_ratio; /* ceiling on the ratio of the medians */
    int per_element;  /* 1: both sides per element first */
    int metric;       /* PG_METRIC_... */
} pg_relative_limit;

typedef struct pg_counter_limit {
    const char *name; /* counter name */
    double max;       /* ceiling */
    int per_element;  /* 1: the ceiling is per element */
} pg_counter_limit;

/* What the budgets say about one benchmark, field by field from the most
 * specific budget that sets it (docs/budgets.md "Which budget wins"). */
typedef struct pg_policy {
    int repetitions;               /* repetitions required */
    double alpha;                  /* significance level */
    double min_effect;             /* smallest change that counts, a fraction */
    int severity;                  /* PG_SEV_FAIL or PG_SEV_WARN */
    const char *owner;             /* or NULL */
    int has_regression;            /* a regression tolerance was set */
    double regression_max;         /* tolerance, a fraction */
    int regression_metric;         /* PG_METRIC_... */
    double regression_spread;      /* "run_spread": the spread between runs assumed before the
                                      history shows it, a fraction; NaN: the profile's default */
    double absolute[PG_ABS_COUNT]; /* ceilings in ns or bytes; NaN when unset */
    size_t nrelative;              /* ceilings relative to the same run; 0 when unset */
    pg_relative_limit relative[PG_MAX_RELATIVE_LIMITS];
    size_t ncounters;
    pg_counter_limit counters[PG_MAX_COUNTER_LIMITS];
    const char *file;  /* the most specific matching budget's file */
    int line;          /* and line */
    const char *match; /* and pattern */
} pg_policy;

typedef struct pg_waiver {
    const char *match; /* benchmark name or glob */
    const char *reason, *ticket;
    const char *expires; /* "YYYY-MM-DD" as written */
    int expires_ymd;     /* 20261231; active through that day (UTC) */
    const char *file;
    int line;
} pg_waiver;

typedef struct pg_budget_set pg_budget_set;

pg_budget_set *pg_budget_set_create(void);
void pg_budget_set_destroy(pg_budget_set *set); /* NULL is a no-op */
/* Adds a budget file, or every *.json in a directory except schema.json
 * (sorted by name).  Problems are collected as diagnostics (all of them,
 * not only the first); returns 0, or the first problem's PG_E... code. */
int pg_budget_set_add_path(pg_budget_set *set, const char *path);
/* Checks meaning across files: overlapping budgets of equal specificity
 * that set one limit to different values, waivers past expiry (today:
 * "YYYY-MM-DD" or NULL for the current UTC date).  Adds diagnostics;
 * returns 0 or PG_EINVAL. */
int pg_budget_set_lint(pg_budget_set *set, const char *today);
size_t pg_budget_set_ndiag(const pg_budget_set *set);
const pg_error *pg_budget_set_diag(const pg_budget_set *set, size_t i);
size_t pg_budget_set_nbudgets(const pg_budget_set *set);
size_t pg_budget_set_nfiles(const pg_budget_set *set);
/* Resolves the policy for a benchmark name.  Returns 1 when some budget
 * matches, 0 when none does (out then holds the defaults), PG_ENOMEM when
 * the budgets could not be ordered (never "none matches"). */
int pg_budget_set_resolve(const pg_budget_set *set, const char *name, pg_policy *out);
/* The same, and sets hits[i] = 1 for every budget i (reading order, as in
 * pg_budget_set_budget) that matches name; hits holds nbudgets bytes, or is
 * NULL. */
int pg_budget_set_resolve_hits(const pg_budget_set *set, const char *name, pg_policy *out,
                               unsigned char *hits);

/* One budget as read, for reports about the budgets themselves. */
typedef struct pg_budget_info {
    const char *match;            /* its pattern */
    const char *file;             /* the file it was read from */
    int line, column;             /* where the budget object starts */
    int match_line, match_column; /* where its "match" is */
    const char *pointer;          /* "/budgets/N" */
    int literal;                  /* 1: an exact name, no wildcard */
    int optional;                 /* "optional": true: matching nothing is no problem */
    int applies;                  /* its file applies to the machine (pg_budget_set_machine) */
    int severity;                 /* its own, else its file's default: PG_SEV_... */
    const char *owner;            /* its own, else its file's default; NULL if none */
} pg_budget_info;
/* Budget i (0 <= i < nbudgets, reading order) into *out; 0 or PG_EINVAL. */
int pg_budget_set_budget(const pg_budget_set *set, size_t i, pg_budget_info *out);
/* The name in run closest to pattern (a glob or an exact name) by edit
 * distance, what wildcards match costing nothing; NULL when none is a near
 * miss (a third of the pattern's literal characters, at least 1).  For
 * "did you mean" after a budget matched nothing. */
const char *pg_glob_nearest(const char *pattern, const pg_results *run);
size_t pg_budget_set_nwaivers(const pg_budget_set *set);
const pg_waiver *pg_budget_set_waiver(const pg_budget_set *set, size_t i);
/* Exact-name budgets (no wildcard), to find budgeted benchmarks that did
 * not run. */
size_t pg_budget_set_nexact(const pg_budget_set *set);
/* The machine the results were measured on.  From then on a file with
 * "machine" takes part only when the run matches all it names
 * (docs/budgets.md): "cpu_model" (a glob on perfgate.host.cpu_model),
 * "cpu_flags" (each a word of perfgate.host.cpu_flags) and "calibration"
 * (the run's median ns per element of each named benchmark within its
 * range; absent from the run: no match).  A host that records none of it
 * (a foreign Google Benchmark program) matches no "machine".  Files without
 * "machine" always take part; before this is called every file does.
 * pg_gate_check calls it with its results.  Returns 0, PG_EINVAL or
 * PG_ENOMEM. */
int pg_budget_set_machine(pg_budget_set *set, const pg_results *run);
/* File i's path and "machine" cpu_model glob (NULL = any model) into *path,
 * *cpu_glob (either may be NULL); returns 1 when its budgets apply to the
 * machine set, 0 when not, -1 for a bad index. */
int pg_budget_set_file_machine(const pg_budget_set *set, size_t i, const char **path,
                               const char **cpu_glob);
/* Why file i does not apply to the machine set ("is for machines whose
 * cpu_model matches 'AMD EPYC*'; these results' is 'Intel ...'"), or NULL
 * when it applies. */
const char *pg_budget_set_file_skipped(const pg_budget_set *set, size_t i);
const char *pg_budget_set_exact(const pg_budget_set *set, size_t i);
/* Today's UTC date as YYYYMMDD. */
int pg_today_ymd(void);

/* ---- verdicts (gate/check.c) ------------------------------------------- */

typedef enum pg_verdict_kind {
    PG_V_PASS,
    PG_V_IMPROVED,
    PG_V_REGRESSION,
    PG_V_BREACH,
    PG_V_WAIVED,
    PG_V_MISSING,
    PG_V_UNBUDGETED,
    PG_V_UNAVAILABLE,
    PG_V_INSUFFICIENT,
    PG_V_EXPIRED,
    PG_V_COUNT
} pg_verdict_kind;

/* "pass", "improved", "regression", "breach", "waived", "missing",
 * "unbudgeted", "unavailable", "insufficient", "expired-waiver". */
const char *pg_verdict_name(pg_verdict_kind k);

typedef struct pg_verdict {
    const char *bench; /* benchmark name; the waiver's pattern for PG_V_EXPIRED */
    char metric[80];   /* "median_real_time", "regression:real_time", "counter:instructions", ... */
    pg_verdict_kind kind;
    pg_verdict_kind waived_kind;      /* PG_V_WAIVED: what the waiver covers */
    int warn;                         /* severity warn: shown, never fails the gate */
    int fails;                        /* 1 when this verdict fails the gate */
    size_t n, n_base, n_required;     /* samples in the run, in the baseline, required */
    double value, lo, hi;             /* measured median and its interval, in unit; NaN if none */
    double limit;                     /* ceiling (unit), tolerance (fraction) or max ratio */
    double base;                      /* baseline median (unit), NaN if none */
    double ratio, ratio_lo, ratio_hi; /* head/baseline or bench/calibration; NaN if none */
    double run_spread;                /* regression: the log spread between runs its interval
                                         was widened by; NaN if none */
    size_t run_spread_runs;           /* the history's runs behind it; 0: the default alone */
    double p;                         /* p-value of the test behind the verdict; NaN if none */
    const char *unit;                 /* "ns", "ns/elem", "bytes", "count", "count/elem", "" */
    const char *owner;                /* or NULL */
    const char *budget_file;          /* the budget that set the limit, or NULL */
    int budget_line;
    const pg_waiver *waiver; /* PG_V_WAIVED / PG_V_EXPIRED: the waiver */
    char note[200];          /* a plain sentence for people, or "" */
} pg_verdict;

/* How much one benchmark's median moves from run to run: the standard
 * deviation of the log of its run medians (pg_stats_diff_sigma over the
 * history's runs, oldest first).  A baseline is another run, so a ratio to
 * it carries that spread twice on top of the run's own (docs/statistics.md,
 * "A baseline from another run"); pg_history_run_spreads (reports/)
 * reads them from a history. */
typedef struct pg_run_spread {
    const char *bench;
    double log_sd[2]; /* by PG_METRIC_REAL / PG_METRIC_CPU; NaN: not known */
    size_t runs[2];   /* the runs each rests on */
} pg_run_spread;

typedef struct pg_gate_options {
    const char *today;            /* "YYYY-MM-DD" for waiver expiry; NULL: the current UTC date */
    int with_unbudgeted;          /* 1: one PG_V_UNBUDGETED verdict per unbudgeted benchmark */
    const pg_run_spread *spreads; /* sorted by bench (strcmp), or NULL: the defaults alone */
    size_t n_spreads;
} pg_gate_options;

typedef struct pg_verdicts pg_verdicts;

/* Judges head against budgets and, when base is not NULL, against the
 * baseline.  budgets is not const: it is fixed to head's machine first
 * (pg_budget_set_machine).  The report borrows head, base and budgets: keep them alive
 * while it is used.  NULL with err filled on trouble; when an allocation
 * fails anywhere in the judging, NULL with PG_ENOMEM, never a report with a
 * verdict missing or judged on a statistic that could not be computed. */
pg_verdicts *pg_gate_check(const pg_results *head, const pg_results *base, pg_budget_set *budgets,
                           const pg_gate_options *opt, pg_error *err);
void pg_verdicts_destroy(pg_verdicts *r); /* NULL is a no-op */
/* 1 for a failing verdict that measuring again may overturn: a regression
 * or a breach (not a missing benchmark, an expired waiver, too few
 * samples). */
int pg_verdict_confirmable(const pg_verdict *v);
/* Confirmation (docs/statistics.md, "Measured again"): `again` judges a
 * second measurement of the benchmarks whose verdicts in r are
 * confirmable, with the same budgets and baseline.  A confirmable verdict
 * of r that `again` judged on the same benchmark and metric and passed is
 * replaced by that pass, its note giving the first figures; one that failed
 * again, or could not be judged again, stands, noted; one `again` lacks
 * stands.  Returns the number replaced.  again's benchmark names are not
 * kept. */
size_t pg_verdicts_confirm(pg_verdicts *r, const pg_verdicts *again);
size_t pg_verdicts_count(const pg_verdicts *r);
const pg_verdict *pg_verdicts_get(const pg_verdicts *r, size_t i);
/* 1 when the gate failed (some verdict has fails set). */
int pg_verdicts_failed(const pg_verdicts *r);
/* counts[k]: how many verdicts of each kind. */
void pg_verdicts_counts(const pg_verdicts *r, size_t counts[PG_V_COUNT]);
/* Waivers active on the day of the check (every output lists them). */
size_t pg_verdicts_nactive_waivers(const pg_verdicts *r);
const pg_waiver *pg_verdicts_active_waiver(const pg_verdicts *r, size_t i);

/* Writers.  Benchmark names are escaped for each format (terminal control
 * characters, XML, Markdown, JSON).  Return 0 or PG_EIO. */
enum { PG_TABLE_ALL = 0, PG_TABLE_INTERESTING = 1 };
int pg_verdicts_write_table(const pg_verdicts *r, FILE *f, int colour, int which);
int pg_verdicts_write_junit(const pg_verdicts *r, FILE *f);
int pg_verdicts_write_markdown(const pg_verdicts *r, FILE *f);
int pg_verdicts_write_json(const pg_verdicts *r, FILE *f);

/* ---- comparison (gate/compare.c) --------------------------------------- */

typedef struct pg_comparison {
    const char *name;
    size_t na, nb;            /* samples in A and B (0 when absent there) */
    double med_a, lo_a, hi_a; /* medians and 95 % intervals, ns */
    double med_b, lo_b, hi_b;
    double ratio, ratio_lo, ratio_hi; /* B/A: Hodges-Lehmann on logs, Moses interval */
    double p;                         /* two-sided Mann-Whitney p-value */
    int significant;                  /* p < alpha */
    /* ->Complexity() fit rows (pg_result.complexity): the rows themselves,
     * NULL where absent or not a fit; ratio is B/A of the metric's
     * coefficient (BigO) or of the RMS, without an interval or p. */
    const pg_result *fit_a, *fit_b;
    int metric; /* PG_METRIC_REAL or PG_METRIC_CPU */
} pg_comparison;

/* Compares two runs benchmark by benchmark (A's order, then B's extras).
 * *out is malloc'd (free() it). */
int pg_compare_runs(const pg_results *a, const pg_results *b, int metric, double alpha,
                    pg_comparison **out, size_t *n, pg_error *err);
int pg_compare_write_table(const pg_comparison *c, size_t n, double alpha, FILE *f, int colour);

#ifdef __cplusplus
}
#endif
#endif
