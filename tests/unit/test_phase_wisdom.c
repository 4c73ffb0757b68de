/*
 * test_phase_wisdom.c - the FFTW wisdom of the phase kernel (phase.c):
 * what a workspace plans with under each PERFGATE_FFTW_WISDOM setting, and
 * that the output does not depend on it beyond the golden phase rule.
 *
 * phase.c reads the wisdom once per process (the first pg_phase_ws_create),
 * so every case runs in a forked child with its own environment; the parent
 * never makes a phase workspace.  Children report through shared memory and
 * their exit status (a cmocka failure inside a child would unwind into the
 * child's copy of the runner), so they check with CHILD_CHECK.
 *
 * The cases: wisdom off (PERFGATE_FFTW_WISDOM=none); a small wisdom file
 * made here with FFTW_PATIENT for n = 256 (both plans come from it, the
 * output matches the ESTIMATE output within the golden rule, other sizes
 * plan with ESTIMATE); files that must be refused with a reason and give
 * the ESTIMATE output bit for bit (missing, empty, binary, no header,
 * another magic, another fftw_version, unknown SIMD, malformed FFTW body);
 * the shipped data/fftw/phase.wisdom when it applies to this machine; and
 * workspaces made from several threads at once.  No timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_kernels.h"
#include "pg_test.h"

#define N_WISE 256   /* the size the test's own wisdom covers */
#define N_OTHER 1000 /* a size it does not */
#define K_F64 1e-12  /* data/golden/README.md, phase */
#define K_F32 1e-5

/* What a child hands back. */
typedef struct child_out {
    char status[800];
    int from_wisdom[2][2]; /* [dtype f64, f32][N_WISE, N_OTHER] */
    double out[2][2][N_OTHER];
    char error[512];
} child_out;

static child_out *shared; /* MAP_SHARED, written by the children */
static char tmpdir[256];
static char wise_path[300]; /* the test's valid wisdom file */

#define CHILD_CHECK(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(shared->error, sizeof shared->error, __VA_ARGS__);                            \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

static void make_input(double *x, size_t n, uint64_t seed)
{
    pgt_rng r;
    pgt_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = pgt_rng_normal(&r);
    x[n / 3] = NAN; /* cleaned to 0 by the kernel */
    x[n / 2] = INFINITY;
}

/* In a child: PERFGATE_FFTW_WISDOM as given (NULL: unset), then the phase
 * of the test input at both sizes and dtypes into shared. */
static void child_run_phase(const char *env)
{
    if (env)
        setenv("PERFGATE_FFTW_WISDOM", env, 1);
    else
        unsetenv("PERFGATE_FFTW_WISDOM");
    const size_t sizes[2] = { N_WISE, N_OTHER };
    double x[N_OTHER];
    for (int d = 0; d < 2; d++) {
        for (int s = 0; s < 2; s++) {
            size_t n = sizes[s];
            make_input(x, n, 11 + (uint64_t)s);
            pg_phase_ws *ws = pg_phase_ws_create(n, d ? PG_FLOAT32 : PG_FLOAT64);
            CHILD_CHECK(ws, "pg_phase_ws_create(%zu) failed", n);
            CHILD_CHECK(pg_phase(ws, x, n, shared->out[d][s]) == PG_OK, "pg_phase failed");
            shared->from_wisdom[d][s] = pg_phase_ws_from_wisdom(ws);
            pg_phase_ws_destroy(ws);
        }
    }
    snprintf(shared->status, sizeof shared->status, "%s", pg_phase_wisdom_status());
}

/* Runs fn(arg) in a child; fails the test if the child fails. */
static void in_child(void (*fn)(const char *), const char *arg)
{
    memset(shared, 0, sizeof *shared);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("child (%s) failed: %s", arg ? arg : "unset",
                 shared->error[0] ? shared->error : "crashed");
}

/* |analytic signal| of the cleaned input in dtype precision's input, in
 * double: the amplitude the golden phase rule divides by. */
static void amplitude(const double *x, size_t n, int f32, double *amp, double *S)
{
    fftw_complex *a = fftw_malloc(n * sizeof *a), *b = fftw_malloc(n * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    fftw_plan fwd = fftw_plan_dft_1d((int)n, a, b, FFTW_FORWARD, FFTW_ESTIMATE);
    fftw_plan inv = fftw_plan_dft_1d((int)n, b, a, FFTW_BACKWARD, FFTW_ESTIMATE);
    *S = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = f32 ? (double)(float)x[i] : x[i];
        v = isfinite(v) ? v : 0.0;
        a[i] = v;
        *S = fmax(*S, fabs(v));
    }
    fftw_execute(fwd);
    /* scipy.signal.hilbert: keep DC (and Nyquist), double the positive half. */
    for (size_t k = 1; k < n; k++)
        b[k] *= k < (n + 1) / 2 ? 2.0 : (2 * k == n ? 1.0 : 0.0);
    fftw_execute(inv);
    for (size_t i = 0; i < n; i++)
        amp[i] = cabs(a[i]) / (double)n;
    fftw_destroy_plan(fwd);
    fftw_destroy_plan(inv);
    fftw_free(a);
    fftw_free(b);
}

/* got vs ref within the golden phase rule (wrapped angle <= k S / amp). */
static void assert_phase_close(const double *got, const double *ref, size_t n, int f32,
                               uint64_t seed)
{
    double x[N_OTHER], amp[N_OTHER], S;
    make_input(x, n, seed);
    amplitude(x, n, f32, amp, &S);
    double k = f32 ? K_F32 : K_F64;
    for (size_t i = 0; i < n; i++) {
        if (amp[i] == 0.0)
            continue;
        double a = fabs(got[i] - ref[i]);
        double d = a < 2 * M_PI - a ? a : 2 * M_PI - a;
        if (!(d <= k * S / amp[i]))
            fail_msg("%s n=%zu [%zu]: %.17g vs %.17g (%.3g > %.3g)", f32 ? "f32" : "f64", n, i,
                     got[i], ref[i], d, k * S / amp[i]);
    }
}

/* The ESTIMATE output (wisdom off), kept for the other cases. */
static child_out estimate;

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* In a child (so the parent's FFTW keeps no wisdom): PATIENT plans for
 * N_WISE with the kernel's shapes, exported under a perfgate header. */
static void child_make_wisdom(const char *path)
{
    double *re = fftw_malloc(N_WISE * sizeof *re);
    fftw_complex *sp = fftw_malloc((N_WISE / 2 + 1) * sizeof *sp);
    float *ref = fftwf_malloc(N_WISE * sizeof *ref);
    fftwf_complex *spf = fftwf_malloc((N_WISE / 2 + 1) * sizeof *spf);
    CHILD_CHECK(re && sp && ref && spf, "out of memory");
    fftw_plan p[2] = { fftw_plan_dft_r2c_1d(N_WISE, (double *)sp, sp, FFTW_PATIENT),
                       fftw_plan_dft_c2r_1d(N_WISE, sp, re, FFTW_PATIENT) };
    fftwf_plan q[2] = { fftwf_plan_dft_r2c_1d(N_WISE, (float *)spf, spf, FFTW_PATIENT),
                        fftwf_plan_dft_c2r_1d(N_WISE, spf, ref, FFTW_PATIENT) };
    CHILD_CHECK(p[0] && p[1] && q[0] && q[1], "PATIENT planning failed");
    char *wd = fftw_export_wisdom_to_string(), *wf = fftwf_export_wisdom_to_string();
    CHILD_CHECK(wd && wf, "export failed");
    FILE *f = fopen(path, "wb");
    CHILD_CHECK(f, "cannot write %s", path);
    fprintf(f,
            "perfgate fftw wisdom 1\nfftw_version: %s\nfftwf_version: %s\nsimd: none\n"
            "sizes: %d\nmade: test_phase_wisdom.c\n%s%s",
            fftw_version, fftwf_version, N_WISE, wd, wf);
    CHILD_CHECK(fclose(f) == 0, "cannot write %s", path);
    /* Leaked on purpose: the child exits now (free() of FFTW's strings is
     * fine too, but nothing reads them). */
    free(wd);
    free(wf);
}

static int setup(void **state)
{
    (void)state;
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pg_phase_wisdom.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(wise_path, sizeof wise_path, "%s/valid.wisdom", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    (void)pgt_run(cmd, NULL, NULL);
    munmap(shared, sizeof *shared);
    return 0;
}

static void test_status_before_any_workspace(void **state)
{
    (void)state;
    /* The parent has made no workspace: nothing is loaded. */
    assert_non_null(strstr(pg_phase_wisdom_status(), "none: not loaded yet"));
}

static void test_none_plans_with_estimate(void **state)
{
    (void)state;
    in_child(child_run_phase, "none");
    assert_string_equal(shared->status, "none: PERFGATE_FFTW_WISDOM=none");
    for (int d = 0; d < 2; d++)
        for (int s = 0; s < 2; s++)
            assert_int_equal(shared->from_wisdom[d][s], 0);
    estimate = *shared;
}

static void test_patient_wisdom_is_used(void **state)
{
    (void)state;
    in_child(child_make_wisdom, wise_path);
    in_child(child_run_phase, wise_path);
    assert_string_equal(shared->status, wise_path);
    for (int d = 0; d < 2; d++) {
        assert_int_equal(shared->from_wisdom[d][0], 2); /* N_WISE: both plans */
        assert_int_equal(shared->from_wisdom[d][1], 0); /* N_OTHER: ESTIMATE */
        assert_phase_close(shared->out[d][0], estimate.out[d][0], N_WISE, d, 11);
        assert_memory_equal(shared->out[d][1], estimate.out[d][1], N_OTHER * sizeof(double));
    }
}

/* A file that must not be used: the reason names it, the output is the
 * ESTIMATE output bit for bit. */
static void expect_refused(const char *path, const char *reason)
{
    in_child(child_run_phase, path);
    if (strncmp(shared->status, "none: ", 6) != 0 || !strstr(shared->status, reason))
        fail_msg("'%s': status '%s', expected 'none: ...%s...'", path, shared->status, reason);
    for (int d = 0; d < 2; d++)
        for (int s = 0; s < 2; s++) {
            assert_int_equal(shared->from_wisdom[d][s], 0);
            assert_memory_equal(shared->out[d][s], estimate.out[d][s],
                                (s ? N_OTHER : N_WISE) * sizeof(double));
        }
}

static char *slurp_valid(size_t *len)
{
    FILE *f = fopen(wise_path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    assert_true(*len > 0);
    return buf;
}

/* The valid file with `from` replaced by `to`: its first occurrence, or
 * every one. */
static void write_edited_n(const char *path, const char *from, const char *to, int all)
{
    size_t len;
    char *buf = slurp_valid(&len);
    size_t fl = strlen(from), tl = strlen(to), used = 0;
    char *out = malloc(len * (tl + 1) + 1);
    assert_non_null(out);
    const char *p = buf, *at;
    int hits = 0;
    while ((hits == 0 || all) && (at = strstr(p, from)) != NULL) {
        memcpy(out + used, p, (size_t)(at - p));
        used += (size_t)(at - p);
        memcpy(out + used, to, tl);
        used += tl;
        p = at + fl;
        hits++;
    }
    assert_true(hits > 0);
    size_t rest = len - (size_t)(p - buf);
    memcpy(out + used, p, rest);
    write_file(path, out, used + rest);
    free(out);
    free(buf);
}

static void write_edited(const char *path, const char *from, const char *to)
{
    write_edited_n(path, from, to, 0);
}

static void test_bad_files_fall_back(void **state)
{
    (void)state;
    char p[400];

    snprintf(p, sizeof p, "%s/missing.wisdom", tmpdir);
    expect_refused(p, "cannot read");

    snprintf(p, sizeof p, "%s/empty.wisdom", tmpdir);
    write_file(p, "", 0);
    expect_refused(p, "not a perfgate wisdom file");

    snprintf(p, sizeof p, "%s/binary.wisdom", tmpdir);
    static const char junk[] = "\x7f"
                               "ELF\0\0\n(\xff\xfe\n(((";
    write_file(p, junk, sizeof junk - 1);
    expect_refused(p, "not a perfgate wisdom file");

    snprintf(p, sizeof p, "%s/header_only.wisdom", tmpdir);
    write_file(p, "perfgate fftw wisdom 1\nsimd: none\n", 34);
    expect_refused(p, "no FFTW wisdom after the header");

    /* FFTW's own wisdom without the perfgate header. */
    snprintf(p, sizeof p, "%s/bare.wisdom", tmpdir);
    write_edited(p, "perfgate fftw wisdom 1\n", "");
    expect_refused(p, "not a perfgate wisdom file");

    snprintf(p, sizeof p, "%s/magic2.wisdom", tmpdir);
    write_edited(p, "perfgate fftw wisdom 1", "perfgate fftw wisdom 2");
    expect_refused(p, "not a perfgate wisdom file");

    char line[300], other[300];
    snprintf(p, sizeof p, "%s/version.wisdom", tmpdir);
    snprintf(line, sizeof line, "fftw_version: %s\n", fftw_version);
    snprintf(other, sizeof other, "fftw_version: %s-other\n", fftw_version);
    write_edited(p, line, other);
    expect_refused(p, "made with");

    snprintf(p, sizeof p, "%s/fversion.wisdom", tmpdir);
    snprintf(line, sizeof line, "fftwf_version: %s\n", fftwf_version);
    write_edited(p, line, "");
    expect_refused(p, "no 'fftwf_version:' line");

    snprintf(p, sizeof p, "%s/simd.wisdom", tmpdir);
    write_edited(p, "simd: none", "simd: sse2 nosuchsimd");
    expect_refused(p, "needs nosuchsimd codelets");

    snprintf(p, sizeof p, "%s/nosimd.wisdom", tmpdir);
    write_edited(p, "simd: none\n", "");
    expect_refused(p, "no 'simd:' line");

    /* Header fine, FFTW's part names solvers this FFTW does not have:
     * FFTW refuses each block whole. */
    snprintf(p, sizeof p, "%s/body.wisdom", tmpdir);
    write_edited_n(p, "_codelet_", "_nosuch_", 1);
    expect_refused(p, "FFTW refused");

    /* Only the float64 part refused (another FFTW version in its
     * preamble): float32 still imported. */
    snprintf(p, sizeof p, "%s/half.wisdom", tmpdir);
    write_edited(p, "(fftw-3", "(fftw-2");
    in_child(child_run_phase, p);
    if (!strstr(shared->status, "(float32 only: FFTW refused the float64 wisdom)"))
        fail_msg("half-malformed file: status '%s'", shared->status);
    assert_int_equal(shared->from_wisdom[0][0], 0);
    assert_int_equal(shared->from_wisdom[1][0], 2);
    assert_memory_equal(shared->out[0][0], estimate.out[0][0], N_WISE * sizeof(double));

    snprintf(p, sizeof p, "%s/truncated.wisdom", tmpdir);
    size_t len;
    char *buf = slurp_valid(&len);
    char *cut = strstr(buf, "\n(");
    assert_non_null(cut);
    write_file(p, buf, (size_t)(cut - buf) + 40);
    free(buf);
    expect_refused(p, "FFTW refused");

    /* A directory is not a file. */
    expect_refused(tmpdir, "cannot read");
}

/* The wisdom shipped in the repository, found without the variable.  It
 * applies only to the FFTW build and CPU it was made for; elsewhere the
 * reason must say why and the output is ESTIMATE's. */
static void test_shipped_wisdom(void **state)
{
    (void)state;
    in_child(child_run_phase, NULL);
    /* the build folder's copy of data/fftw/phase.wisdom (kernels/CMakeLists.txt) */
    const char *shipped = PG_BINARY_DIR "/share/perfgate/fftw/phase.wisdom";
    if (strncmp(shared->status, "none: ", 6) == 0) {
        print_message("shipped wisdom not used here: %s\n", shared->status);
        for (int d = 0; d < 2; d++)
            assert_memory_equal(shared->out[d][0], estimate.out[d][0], N_WISE * sizeof(double));
        return;
    }
    assert_string_equal(shared->status, shipped);
    for (int d = 0; d < 2; d++)
        for (int s = 0; s < 2; s++)
            assert_phase_close(shared->out[d][s], estimate.out[d][s], s ? N_OTHER : N_WISE, d,
                               11 + (uint64_t)s);
}

/* The sizes the suites use are covered, both plans, both dtypes. */
static void child_shipped_sizes(const char *unused)
{
    (void)unused;
    unsetenv("PERFGATE_FFTW_WISDOM");
    static const size_t sizes[] = { 4096, 16384, 65536, 1048576 };
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            pg_phase_ws *ws = pg_phase_ws_create(sizes[i], d ? PG_FLOAT32 : PG_FLOAT64);
            CHILD_CHECK(ws, "create %zu", sizes[i]);
            shared->from_wisdom[0][0] += pg_phase_ws_from_wisdom(ws) == 2;
            pg_phase_ws_destroy(ws);
        }
    snprintf(shared->status, sizeof shared->status, "%s", pg_phase_wisdom_status());
}

static void test_shipped_wisdom_covers_suite_sizes(void **state)
{
    (void)state;
    in_child(child_shipped_sizes, NULL);
    if (strncmp(shared->status, "none: ", 6) == 0) {
        print_message("shipped wisdom not used here: %s\n", shared->status);
        return;
    }
    assert_int_equal(shared->from_wisdom[0][0], 8);
}

/* Workspaces made and destroyed from four threads at once, the first of
 * them importing the wisdom. */
static void *thread_body(void *arg)
{
    size_t n = (size_t)(uintptr_t)arg;
    double x[N_OTHER], out[N_OTHER];
    make_input(x, n, 11);
    for (int rep = 0; rep < 20; rep++) {
        pg_phase_ws *ws = pg_phase_ws_create(n, rep & 1 ? PG_FLOAT32 : PG_FLOAT64);
        if (!ws || pg_phase(ws, x, n, out) != PG_OK) {
            pg_phase_ws_destroy(ws);
            return (void *)1;
        }
        pg_phase_ws_destroy(ws);
    }
    return NULL;
}

static void child_threads(const char *env)
{
    setenv("PERFGATE_FFTW_WISDOM", env, 1);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHILD_CHECK(pthread_create(&t[i], NULL, thread_body,
                                   (void *)(uintptr_t)(i & 1 ? N_WISE : N_OTHER - 2 * (size_t)i)) ==
                        0,
                    "pthread_create");
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        CHILD_CHECK(pthread_join(t[i], &r) == 0 && r == NULL, "thread %d failed", i);
    }
    snprintf(shared->status, sizeof shared->status, "%s", pg_phase_wisdom_status());
}

static void test_threads(void **state)
{
    (void)state;
    in_child(child_threads, wise_path);
    assert_string_equal(shared->status, wise_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_before_any_workspace),
        cmocka_unit_test(test_none_plans_with_estimate),
        cmocka_unit_test(test_patient_wisdom_is_used),
        cmocka_unit_test(test_bad_files_fall_back),
        cmocka_unit_test(test_shipped_wisdom),
        cmocka_unit_test(test_shipped_wisdom_covers_suite_sizes),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
