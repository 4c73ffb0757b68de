/*
 * phase.c - compute_phase: the instantaneous phase of a real series via the
 * Hilbert transform (KERNELS.md section 4, TradePulse core/indicators/
 * kuramoto.py), through FFTW.
 *
 *   x: NaN and +-inf replaced by 0 (after conversion to the dtype D);
 *   X = rfft(x) in D; X <- -i X; X[0] = 0 and X[n/2] = 0 for even n;
 *   h = irfft(X) with the 1/n factor; theta_t = atan2(h_t, x_t) in D.
 * That is the imaginary part of scipy.signal.hilbert: no detrending, so a
 * price near 100 has phases near 0, and n = 1 gives 0 (x >= 0) or pi.
 *
 * The workspace owns two FFTW plans (r2c and c2r) and their aligned
 * buffers, for one length and dtype.  The r2c runs in place in the
 * spectrum buffer and the c2r out of place into re: at 2^20 points that is
 * the pair of plans ESTIMATE makes fastest (r2c in place about 1.8x faster
 * than out of place here, c2r out of place 1.2x faster than in place).
 * Creating it is the cold-start cost; pg_phase then allocates nothing.
 * The c2r transform destroys its input, which is harmless here because the
 * spectrum is rebuilt on every call.
 *
 * Plans: never planned by measuring (FFTW_MEASURE takes seconds, PATIENT a
 * minute, at 2^20; a benchmark or a gate must not).  A workspace takes the
 * plan from FFTW wisdom when wisdom made with FFTW_PATIENT or better holds
 * one (FFTW_WISDOM_ONLY, which never measures), else plans with
 * FFTW_ESTIMATE.  The wisdom comes from a file, data/fftw/phase.wisdom
 * (scripts/fftw_wisdom.sh makes it), imported once per process by the
 * first workspace: PATIENT plans for the sizes the suites use take about
 * 3 ns/elem off the two transforms at 2^20.  Wisdom is only valid for the
 * FFTW build that made it and a CPU with the SIMD its codelets use, so the
 * file starts with a few header lines recording both, and a file that does
 * not apply is not imported (pg_phase_wisdom_status says why).  The file is
 *   $PERFGATE_FFTW_WISDOM when set ("none" turns wisdom off), else
 *   share/perfgate/fftw/phase.wisdom in a folder above the program (bin/..
 *   when installed; the build folder, where CMake copies the source tree's
 *   file), else the installed one (the path compiled in by CMake).  No
 *   source-tree path is compiled in: an installed program carries none.
 * FFTW checks what it imports itself (its version and planner signature;
 * a malformed file is refused as a whole, and wisdom naming a codelet this
 * CPU cannot run makes FFTW forget it and plan afresh), so a file that
 * slips past the header checks still gives correct plans.
 *
 * Threads: FFTW's planner (planning, wisdom, destroying plans) is not
 * thread-safe, so this file does all of it under one lock and imports the
 * wisdom under pthread_once: workspaces may be created and destroyed from
 * several threads.  Other FFTW users in the process (suite_calibration.c)
 * do not take this lock.  The wisdom, once imported, is FFTW's
 * process-wide wisdom: other plans of the same transforms made later in
 * the process can use it too.
 */
#include <complex.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fftw3.h>

#include "features_internal.h"
#include "pg_kernels.h"

#ifndef PG_FFTW_WISDOM_INSTALLED
#define PG_FFTW_WISDOM_INSTALLED ""
#endif

/* Larger than any wisdom file for a handful of sizes (tens of KiB). */
#define WISDOM_MAX_BYTES (4u << 20)
#define WISDOM_MAGIC "perfgate fftw wisdom 1"

struct pg_phase_ws {
    size_t n;
    pg_dtype dtype;
    int from_wisdom; /* how many of the two plans came from PATIENT wisdom */
    void *re;        /* n reals in D: h*n */
    void *spec;      /* n/2+1 complex in D; first the cleaned input, in place */
    union {
        fftw_plan d;
        fftwf_plan f;
    } fwd, inv;
};

/*
 * FFTW's planner is process-wide state, so what guards it is too: the
 * lock, and the one-time wisdom import with what it found.  status points
 * at a string literal or at status_buf once status_buf is final; it is
 * read and written under planner_lock.
 */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t wisdom_once = PTHREAD_ONCE_INIT;
static char status_buf[768];
static const char *status = "none: not loaded yet (no phase workspace made)";

__attribute__((format(printf, 1, 2))) static void set_status(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(status_buf, sizeof status_buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&planner_lock);
    status = status_buf;
    pthread_mutex_unlock(&planner_lock);
}

/* Whether this CPU runs FFTW codelets of the SIMD set named as in their
 * suffix (fftw_codelet_t2fv_32_avx: "avx").  Sets this file does not know
 * count as unsupported. */
static int simd_supported(const char *name)
{
    if (strcmp(name, "none") == 0)
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (strcmp(name, "sse2") == 0)
        return __builtin_cpu_supports("sse2");
    if (strcmp(name, "avx") == 0)
        return __builtin_cpu_supports("avx");
    if (strcmp(name, "avx2") == 0 || strcmp(name, "avx2_128") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (strcmp(name, "avx_128_fma") == 0)
        return __builtin_cpu_supports("avx") && __builtin_cpu_supports("fma4");
    if (strcmp(name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f");
#endif
    return 0;
}

/* The value of the header line "key: value" in hdr[0..len), copied into
 * out; -1 when there is none or it does not fit. */
static int header_value(const char *hdr, size_t len, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = hdr, *end = hdr + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        size_t l = (size_t)(eol - p);
        if (l > 0 && p[l - 1] == '\r')
            l--;
        if (l >= klen + 2 && memcmp(p, key, klen) == 0 && p[klen] == ':' && p[klen + 1] == ' ') {
            size_t v = l - klen - 2;
            if (v >= cap)
                return -1;
            memcpy(out, p + klen + 2, v);
            out[v] = '\0';
            return 0;
        }
        p = eol + 1;
    }
    return -1;
}

/* The first line of body that starts with '(' and holds marker: where
 * FFTW's wisdom for one precision begins ("(fftw-3.3.10 fftw_wisdom #x..."). */
static const char *wisdom_block(const char *body, const char *marker)
{
    for (const char *p = body; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (*p != '(')
            continue;
        const char *eol = strchr(p, '\n');
        const char *m = strstr(p, marker);
        if (m && (!eol || m < eol))
            return p;
    }
    return NULL;
}

/* The whole file, NUL-terminated, or NULL with *why set. */
static char *read_wisdom_file(const char *path, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = strerror(errno);
        return NULL;
    }
    char *buf = malloc(WISDOM_MAX_BYTES + 1);
    size_t got = buf ? fread(buf, 1, WISDOM_MAX_BYTES + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad || got > WISDOM_MAX_BYTES) {
        *why = !buf ? "out of memory" : bad ? "read error" : "larger than 4 MiB";
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    return buf;
}

/* Whether the header (the lines after the magic line and before the first
 * '(' line) says this wisdom was made with this process's FFTW and for SIMD
 * this CPU has; else why not, in why[cap]. */
static int header_applies(const char *buf, size_t hdr_len, char *why, size_t cap)
{
    char v[256];
    static const char *const keys[] = { "fftw_version", "fftwf_version" };
    const char *const have[] = { fftw_version, fftwf_version };
    for (int i = 0; i < 2; i++) {
        if (header_value(buf, hdr_len, keys[i], v, sizeof v) != 0) {
            snprintf(why, cap, "no '%s:' line", keys[i]);
            return 0;
        }
        if (strcmp(v, have[i]) != 0) {
            snprintf(why, cap, "made with %s, this is %s", v, have[i]);
            return 0;
        }
    }
    if (header_value(buf, hdr_len, "simd", v, sizeof v) != 0 || !v[0]) {
        snprintf(why, cap, "no 'simd:' line");
        return 0;
    }
    char *save = NULL;
    for (char *t = strtok_r(v, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (!simd_supported(t)) {
            snprintf(why, cap, "needs %s codelets, which this CPU or build cannot run", t);
            return 0;
        }
    }
    return 1;
}

/* share/perfgate/fftw/phase.wisdom in one of the three folders above the
 * running program; 0 and the path in buf, or -1. */
static int wisdom_beside_program(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash || slash == exe)
            return -1;
        *slash = '\0';
        if (snprintf(buf, len, "%s/share/perfgate/fftw/phase.wisdom", exe) < (int)len &&
            access(buf, R_OK) == 0)
            return 0;
    }
    return -1;
}

/* pthread_once: find the wisdom file, check it applies here, import it. */
static void wisdom_load(void)
{
    const char *env = getenv("PERFGATE_FFTW_WISDOM");
    const char *path = NULL;
    if (env && *env) {
        if (strcmp(env, "none") == 0) {
            set_status("none: PERFGATE_FFTW_WISDOM=none");
            return;
        }
        path = env;
    } else {
        static char beside[PATH_MAX + 64];
        if (wisdom_beside_program(beside, sizeof beside) == 0)
            path = beside;
        else if (PG_FFTW_WISDOM_INSTALLED[0] && access(PG_FFTW_WISDOM_INSTALLED, R_OK) == 0)
            path = PG_FFTW_WISDOM_INSTALLED;
        if (!path) {
            set_status("none: no wisdom file (not in share/perfgate/fftw above the program "
                       "nor at '%s')",
                       PG_FFTW_WISDOM_INSTALLED);
            return;
        }
    }

    const char *why = NULL;
    char *buf = read_wisdom_file(path, &why);
    if (!buf) {
        set_status("none: cannot read '%s': %s", path, why);
        return;
    }
    char reason[384];
    size_t mlen = strlen(WISDOM_MAGIC);
    if (strncmp(buf, WISDOM_MAGIC, mlen) != 0 || (buf[mlen] != '\n' && buf[mlen] != '\r')) {
        set_status("none: '%s': not a perfgate wisdom file (no '%s' line)", path, WISDOM_MAGIC);
        goto done;
    }
    const char *body = strstr(buf, "\n(");
    if (!body) {
        set_status("none: '%s': no FFTW wisdom after the header", path);
        goto done;
    }
    body++;
    if (!header_applies(buf, (size_t)(body - buf), reason, sizeof reason)) {
        set_status("none: '%s': %s", path, reason);
        goto done;
    }

    /* FFTW refuses a malformed block as a whole (its import is all or
     * nothing); each block ends at its closing parenthesis. */
    const char *d = wisdom_block(body, " fftw_wisdom ");
    const char *f = wisdom_block(body, " fftwf_wisdom ");
    pthread_mutex_lock(&planner_lock);
    int ok_d = d && fftw_import_wisdom_from_string(d);
    int ok_f = f && fftwf_import_wisdom_from_string(f);
    pthread_mutex_unlock(&planner_lock);
    if (ok_d && ok_f)
        set_status("%s", path);
    else if (ok_d || ok_f)
        set_status("%s (%s only: FFTW refused the %s wisdom)", path, ok_d ? "float64" : "float32",
                   ok_d ? "float32" : "float64");
    else
        set_status("none: '%s': FFTW refused its wisdom (malformed, or another FFTW)", path);
done:
    free(buf);
}

const char *pg_phase_wisdom_status(void)
{
    pthread_mutex_lock(&planner_lock);
    const char *s = status;
    pthread_mutex_unlock(&planner_lock);
    return s;
}

int pg_phase_ws_from_wisdom(const pg_phase_ws *ws)
{
    return ws ? ws->from_wisdom : 0;
}

/* The workspace's two plans: from PATIENT wisdom when FFTW has it for this
 * exact transform (FFTW_WISDOM_ONLY never plans), else FFTW_ESTIMATE. */
static int make_plans(pg_phase_ws *ws)
{
    int n = (int)ws->n, from = 0, ok;
    const unsigned wise = FFTW_WISDOM_ONLY | FFTW_PATIENT;
    pthread_once(&wisdom_once, wisdom_load);
    pthread_mutex_lock(&planner_lock);
    if (ws->dtype == PG_FLOAT64) {
        ws->fwd.d = fftw_plan_dft_r2c_1d(n, ws->spec, ws->spec, wise);
        from += ws->fwd.d != NULL;
        if (!ws->fwd.d)
            ws->fwd.d = fftw_plan_dft_r2c_1d(n, ws->spec, ws->spec, FFTW_ESTIMATE);
        ws->inv.d = fftw_plan_dft_c2r_1d(n, ws->spec, ws->re, wise);
        from += ws->inv.d != NULL;
        if (!ws->inv.d)
            ws->inv.d = fftw_plan_dft_c2r_1d(n, ws->spec, ws->re, FFTW_ESTIMATE);
        ok = ws->fwd.d && ws->inv.d;
    } else {
        ws->fwd.f = fftwf_plan_dft_r2c_1d(n, ws->spec, ws->spec, wise);
        from += ws->fwd.f != NULL;
        if (!ws->fwd.f)
            ws->fwd.f = fftwf_plan_dft_r2c_1d(n, ws->spec, ws->spec, FFTW_ESTIMATE);
        ws->inv.f = fftwf_plan_dft_c2r_1d(n, ws->spec, ws->re, wise);
        from += ws->inv.f != NULL;
        if (!ws->inv.f)
            ws->inv.f = fftwf_plan_dft_c2r_1d(n, ws->spec, ws->re, FFTW_ESTIMATE);
        ok = ws->fwd.f && ws->inv.f;
    }
    pthread_mutex_unlock(&planner_lock);
    ws->from_wisdom = from;
    return ok ? 0 : -1;
}

pg_phase_ws *pg_phase_ws_create(size_t n, pg_dtype dtype)
{
    if ((dtype != PG_FLOAT64 && dtype != PG_FLOAT32) || n > (size_t)INT_MAX)
        return NULL;
    pg_phase_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->n = n;
    ws->dtype = dtype;
    if (n == 0)
        return ws;

    size_t nc = n / 2 + 1;
    if (dtype == PG_FLOAT64) {
        ws->re = fftw_malloc(n * sizeof(double));
        ws->spec = fftw_malloc(nc * sizeof(fftw_complex));
    } else {
        ws->re = fftwf_malloc(n * sizeof(float));
        ws->spec = fftwf_malloc(nc * sizeof(fftwf_complex));
    }
    if (!ws->re || !ws->spec || make_plans(ws) != 0)
        goto fail;
    return ws;

fail:
    pg_phase_ws_destroy(ws);
    return NULL;
}

void pg_phase_ws_destroy(pg_phase_ws *ws)
{
    if (!ws)
        return;
    pthread_mutex_lock(&planner_lock);
    if (ws->dtype == PG_FLOAT64) {
        if (ws->fwd.d)
            fftw_destroy_plan(ws->fwd.d);
        if (ws->inv.d)
            fftw_destroy_plan(ws->inv.d);
        fftw_free(ws->re);
        fftw_free(ws->spec);
    } else {
        if (ws->fwd.f)
            fftwf_destroy_plan(ws->fwd.f);
        if (ws->inv.f)
            fftwf_destroy_plan(ws->inv.f);
        fftwf_free(ws->re);
        fftwf_free(ws->spec);
    }
    pthread_mutex_unlock(&planner_lock);
    free(ws);
}

size_t pg_phase_ws_length(const pg_phase_ws *ws)
{
    return ws ? ws->n : 0;
}

/* The input with non-finite values as 0, in D. */
static inline double clean_f64(double v)
{
    return isfinite(v) ? v : 0.0;
}

static inline float clean_f32(double v)
{
    float f = (float)v;
    return isfinite(f) ? f : 0.0f;
}

static void phase_f64(pg_phase_ws *ws, const double *x, size_t n, double *out)
{
    double *re = ws->re;
    fftw_complex *X = ws->spec;
    double *in = ws->spec;
    size_t nc = n / 2 + 1;
    for (size_t t = 0; t < n; t++)
        in[t] = clean_f64(x[t]);
    fftw_execute(ws->fwd.d);
    /* -i (a + ib) = b - ia */
    for (size_t k = 0; k < nc; k++) {
        /* C11 6.2.5p13: a complex is an array of two reals.  (Not CMPLX:
         * glibc hides it from clang.) */
        double *z = (double *)&X[k];
        double a = z[0], b = z[1];
        z[0] = b;
        z[1] = -a;
    }
    X[0] = 0.0;
    if (n % 2 == 0)
        X[n / 2] = 0.0;
    fftw_execute(ws->inv.d);
    /* atan2(h/n, x') vectorised (atan2_simd.c; glibc's atan2 was most of
     * the time). */
    pgf_phase_atan2_f64(re, 1.0 / (double)n, x, n, out);
}

static void phase_f32(pg_phase_ws *ws, const double *x, size_t n, double *out)
{
    float *re = ws->re;
    fftwf_complex *X = ws->spec;
    float *in = ws->spec;
    size_t nc = n / 2 + 1;
    for (size_t t = 0; t < n; t++)
        in[t] = clean_f32(x[t]);
    fftwf_execute(ws->fwd.f);
    for (size_t k = 0; k < nc; k++) {
        float *z = (float *)&X[k];
        float a = z[0], b = z[1];
        z[0] = b;
        z[1] = -a;
    }
    X[0] = 0.0f;
    if (n % 2 == 0)
        X[n / 2] = 0.0f;
    fftwf_execute(ws->inv.f);
    pgf_phase_atan2_f32(re, (float)(1.0 / (double)n), x, n, out);
}

int pg_phase(pg_phase_ws *ws, const double *x, size_t n, double *out)
{
    if (!ws || n != ws->n || (n > 0 && (!x || !out)))
        return PG_EINVAL;
    if (n == 0)
        return PG_OK;
    if (ws->dtype == PG_FLOAT64)
        phase_f64(ws, x, n, out);
    else
        phase_f32(ws, x, n, out);
    return PG_OK;
}
