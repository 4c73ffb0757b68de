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
 * The workspace owns two FFTW plans (r2c and c2r, FFTW_ESTIMATE: planning
 * must be cheap and deterministic, never MEASURE) and their aligned
 * buffers, for one length and dtype.  The r2c runs in place in the
 * spectrum buffer and the c2r out of place into re: at 2^20 points that is
 * the pair of plans ESTIMATE makes fastest (r2c in place about 1.8x faster
 * than out of place here, c2r out of place 1.2x faster than in place).  Creating it is the cold-start cost;
 * pg_phase then allocates nothing.  FFTW's planner is not thread-safe:
 * create and destroy workspaces from one thread (executing distinct
 * workspaces concurrently is fine).  The c2r transform destroys its input,
 * which is harmless here because the spectrum is rebuilt on every call.
 */
#include <complex.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include <fftw3.h>

#include "features_internal.h"
#include "pg_kernels.h"

struct pg_phase_ws {
    size_t n;
    pg_dtype dtype;
    void *re;   /* n reals in D: h*n */
    void *spec; /* n/2+1 complex in D; first the cleaned input, in place */
    union {
        fftw_plan d;
        fftwf_plan f;
    } fwd, inv;
};

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
        if (!ws->re || !ws->spec)
            goto fail;
        ws->fwd.d = fftw_plan_dft_r2c_1d((int)n, ws->spec, ws->spec, FFTW_ESTIMATE);
        ws->inv.d = fftw_plan_dft_c2r_1d((int)n, ws->spec, ws->re, FFTW_ESTIMATE);
        if (!ws->fwd.d || !ws->inv.d)
            goto fail;
    } else {
        ws->re = fftwf_malloc(n * sizeof(float));
        ws->spec = fftwf_malloc(nc * sizeof(fftwf_complex));
        if (!ws->re || !ws->spec)
            goto fail;
        ws->fwd.f = fftwf_plan_dft_r2c_1d((int)n, ws->spec, ws->spec, FFTW_ESTIMATE);
        ws->inv.f = fftwf_plan_dft_c2r_1d((int)n, ws->spec, ws->re, FFTW_ESTIMATE);
        if (!ws->fwd.f || !ws->inv.f)
            goto fail;
    }
    return ws;

fail:
    pg_phase_ws_destroy(ws);
    return NULL;
}

void pg_phase_ws_destroy(pg_phase_ws *ws)
{
    if (!ws)
        return;
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
