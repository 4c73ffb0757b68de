/*
 * strategy.c - TradePulse's mean-reversion strategy,
 * Strategy.simulate_performance (KERNELS.md section 7,
 * core/agent/strategy.py), with its per-row diagnostics.
 *
 * The rolling mean mirrors pandas' own streaming kernel (roll_mean in
 * pandas/_libs/window/aggregations.pyx) while the window fills: Kahan-
 * compensated sums and the rules that make a window of equal values give
 * exactly that value (bit-identical there).  Once the window is full the
 * sum slides with one plain add a row and is rebuilt from its window every
 * ROLL_REBUILD rows: the Kahan chain (12 cycles a row) was a third of the
 * strategy's time, and the plain sum stays within about 1e-16 relative of
 * pandas (golden tolerance 1e-12; the same-value and sign rules are kept).  The rolling std follows pandas' roll_var (Welford
 * with Kahan compensation) while the window fills, then slides with the
 * fixed-window Welford update (see rolling_pass), keeping the same-value
 * rule that gives a constant window a std of exactly 0.  mean(pnl) and
 * std(pnl) use numpy's pairwise summation.  All of it is O(n), in a few
 * passes over caller-owned memory; nothing is allocated.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "pairwise.h"
#include "pg_kernels.h"

/* The full-window rolling sum is rebuilt from its window this often. */
#define ROLL_REBUILD 256

void pg_strategy_params_default(pg_strategy_params *p)
{
    if (p == NULL)
        return;
    p->lookback = 60.0;
    p->threshold = 0.8;
    p->risk_budget = 1.5;
}

/* ---- pandas roll_mean (fixed window, min_periods = window) ---------------- */

typedef struct roll_mean {
    double sum, comp_add, comp_remove, prev;
    size_t nobs, neg;
    size_t same; /* consecutive values equal to prev */
} roll_mean;

static void mean_add(roll_mean *s, double v)
{
    s->nobs++;
    double y = v - s->comp_add;
    double t = s->sum + y;
    s->comp_add = t - s->sum - y;
    s->sum = t;
    if (signbit(v))
        s->neg++;
    s->same = v == s->prev ? s->same + 1 : 1;
    s->prev = v;
}

static double mean_value(const roll_mean *s, size_t minp)
{
    if (s->nobs < minp || s->nobs == 0)
        return NAN;
    double r = s->sum / (double)s->nobs;
    if (s->same >= s->nobs)
        r = s->prev;
    else if (s->neg == 0 && r < 0)
        r = 0.0;
    else if (s->neg == s->nobs && r > 0)
        r = 0.0;
    return r;
}

/* ---- pandas roll_var (min_periods = 1, ddof = 0) while the window fills --- */

typedef struct roll_var {
    double nobs, mean, ssqdm, comp_add, prev;
    size_t same;
} roll_var;

static void var_add(roll_var *s, double v)
{
    s->nobs += 1.0;
    s->same = v == s->prev ? s->same + 1 : 1;
    s->prev = v;
    double prev_mean = s->mean - s->comp_add;
    double y = v - s->comp_add;
    double t = y - s->mean;
    s->comp_add = t + s->mean - y;
    s->mean = s->mean + t / s->nobs;
    s->ssqdm = s->ssqdm + (v - prev_mean) * (v - s->mean);
}

/* Population std; pandas' zsqrt clamps a negative variance to 0. */
static double std_value(const roll_var *s)
{
    double var;
    if (s->nobs == 1.0 || (double)s->same >= s->nobs)
        var = 0.0;
    else
        var = s->ssqdm / s->nobs;
    return var < 0 ? 0.0 : sqrt(var);
}

/* ---- the strategy ---------------------------------------------------------- */

size_t pg_strategy_scratch_size(size_t n)
{
    size_t m = n ? n : 1;
    return PG_SCRATCH_ALIGN + 5 * pg_align_up(m * sizeof(double)) + pg_align_up(m * sizeof(size_t));
}

/* validate_params: int() truncation for the lookback (NaN or inf make
 * Python raise), then Python's max(lo, min(x, hi)), under which a NaN
 * threshold or risk budget becomes the lower bound. */
static int clamp_params(const pg_strategy_params *p, pg_strategy_result *r)
{
    if (!isfinite(p->lookback))
        return PG_EINVAL;
    double lb = trunc(p->lookback);
    r->lookback = lb < 5.0 ? 5.0 : lb > 500.0 ? 500.0 : lb;
    double t = p->threshold;
    t = 5.0 < t ? 5.0 : t;
    r->threshold = t > 0.0 ? t : 0.0;
    double k = p->risk_budget;
    k = 10.0 < k ? 10.0 : k;
    r->risk_budget = k > 0.01 ? k : 0.01;
    return PG_OK;
}

static void empty_result(pg_strategy_result *r)
{
    r->score = 0.0;
    r->max_drawdown = 0.0;
    r->trades = 0;
    r->n_equity = 0;
    r->effective_lookback = 0;
    r->sharpe = NAN;
    r->terminal = NAN;
    r->raw_score = NAN;
    r->min_threshold_margin = NAN;
}

/* Steps 1-2: +-inf to NaN, ffill then bfill, pct_change, keep the finite
 * returns.  Returns m, the number kept. */
static size_t returns_pass(const double *price, size_t n, size_t first, double *p, double *ret,
                           size_t *row)
{
    double fill = price[first];
    for (size_t i = 0; i <= first; i++)
        p[i] = fill;
    size_t m = 0;
    for (size_t i = first + 1; i < n; i++) {
        double v = price[i];
        if (isfinite(v))
            fill = v;
        p[i] = fill;
        double r = p[i] / p[i - 1] - 1.0;
        if (isfinite(r)) {
            ret[m] = r;
            row[m] = i;
            m++;
        }
    }
    return m;
}

/* sigma's fills: 0 (or NaN) takes the last usable value; rows before the
 * first usable one are back-filled at the end. */
typedef struct vol_fill {
    double last;    /* last usable sigma */
    size_t leading; /* rows before the first usable sigma */
} vol_fill;

static double fill_sigma(vol_fill *f, size_t i, double sigma)
{
    if (sigma == 0.0 || isnan(sigma)) {
        if (isnan(f->last))
            f->leading = i + 1;
        return f->last;
    }
    f->last = sigma;
    return sigma;
}

/* Step 3: mu = rolling mean over L (min_periods L, NaN -> 0) and sigma =
 * rolling population std (min_periods 1), 0 -> NaN, ffill, bfill, NaN ->
 * 1e-6.  L == 1 is pandas' reset-every-row path: mean x, std 0.
 *
 * The mean is pandas' roll_mean, step for step, while the window fills,
 * then a plain sliding sum rebuilt every ROLL_REBUILD rows (see the top).
 * The variance is pandas' roll_var while the window fills; once it is full
 * it slides with the fixed-size Welford update
 *     mean' = mean + (new - old)/L,
 *     ssqdm' = ssqdm + (new - old)*((new - mean') + (old - mean)),
 * which is as stable but has no division on its dependency chain:
 * pandas' remove-then-add chain holds two dependent divisions a row and
 * made this pass three times slower.  It stays within about 1e-13
 * relative of pandas (golden tolerance 1e-9); the same-value rule (a
 * window of equal values has std exactly 0) is kept. */
static void rolling_pass(const double *ret, size_t m, size_t L, double *mu, double *sd)
{
    vol_fill f = { NAN, 0 };
    if (L == 1) {
        for (size_t i = 0; i < m; i++) {
            mu[i] = ret[i];
            sd[i] = fill_sigma(&f, i, 0.0);
        }
    } else {
        roll_mean ms = { 0.0, 0.0, 0.0, ret[0], 0, 0, 0 };
        roll_var vs = { 0.0, 0.0, 0.0, 0.0, ret[0], 0 };
        size_t warm = L < m ? L : m;
        for (size_t i = 0; i < warm; i++) {
            mean_add(&ms, ret[i]);
            var_add(&vs, ret[i]);
            double mean = mean_value(&ms, L);
            mu[i] = isnan(mean) ? 0.0 : mean;
            sd[i] = fill_sigma(&f, i, std_value(&vs));
        }
        /* The full windows: the sum slides with one add a row and is
         * rebuilt from the window every ROLL_REBUILD rows (bounded drift,
         * no compensation chain); 1/L is a multiply. */
        double wmean = vs.mean, ssqdm = vs.ssqdm, invL = 1.0 / (double)L;
        double sum = ms.sum - ms.comp_add - ms.comp_remove;
        size_t same = ms.same, neg = ms.neg;
        double prev = ms.prev;
        double last = f.last;
        size_t since = 0;
        for (size_t i = warm; i < m; i++) {
            double old = ret[i - L], v = ret[i];
            if (++since == ROLL_REBUILD) {
                since = 0;
                double t = 0.0;
                for (size_t j = i + 1 - L; j <= i; j++)
                    t += ret[j];
                sum = t;
            } else {
                sum += v - old;
            }
            same = v == prev ? same + 1 : 1;
            prev = v;
            neg += (size_t)(signbit(v) != 0) - (size_t)(signbit(old) != 0);
            double r = sum * invL;
            r = (neg == 0 && r < 0.0) || (neg == L && r > 0.0) ? 0.0 : r;
            mu[i] = same >= L ? v : r; /* the window is full: never NaN */
            double d = v - old;
            double next = wmean + d * invL;
            ssqdm += d * ((v - next) + (old - wmean));
            wmean = next;
            double var = same >= L ? 0.0 : ssqdm * invL;
            /* 0 takes the last usable sigma (fill_sigma) */
            double sg = var > 0.0 ? sqrt(var) : last;
            if (var > 0.0)
                last = sg;
            else if (isnan(last))
                f.leading = i + 1;
            sd[i] = sg;
        }
        f.last = last;
    }
    /* back-fill the leading rows with the first usable sigma, else 1e-6 */
    double first = f.leading < m ? sd[f.leading] : 1e-6;
    for (size_t i = 0; i < f.leading; i++)
        sd[i] = first;
}

int pg_strategy(const double *price, size_t n, const pg_strategy_params *params, void *scratch,
                size_t scratch_size, pg_strategy_rows *rows, pg_strategy_result *result)
{
    if (result == NULL || (price == NULL && n > 0))
        return PG_EINVAL;
    pg_strategy_params def;
    if (params == NULL) {
        pg_strategy_params_default(&def);
        params = &def;
    }
    pg_strategy_result r;
    memset(&r, 0, sizeof r);
    int rc = clamp_params(params, &r);
    if (rc != PG_OK)
        return rc;
    if (scratch_size < pg_strategy_scratch_size(n) || (scratch == NULL && n > 0))
        return PG_EINVAL;
    empty_result(&r);

    size_t first = 0;
    while (first < n && !isfinite(price[first]))
        first++;
    if (first == n) {
        *result = r; /* all NaN (or empty): score 0, empty equity */
        return PG_OK;
    }

    pg_arena ar;
    pg_arena_init(&ar, scratch, scratch_size);
    double *p = pg_arena_take(&ar, n * sizeof *p);
    double *s_ret = pg_arena_take(&ar, n * sizeof *s_ret);
    double *s_mu = pg_arena_take(&ar, n * sizeof *s_mu);
    double *s_sd = pg_arena_take(&ar, n * sizeof *s_sd);
    double *s_pnl = pg_arena_take(&ar, n * sizeof *s_pnl);
    size_t *s_row = pg_arena_take(&ar, n * sizeof *s_row);
    if (s_row == NULL)
        return PG_EINVAL;

    pg_strategy_rows none;
    memset(&none, 0, sizeof none);
    const pg_strategy_rows *out = rows != NULL ? rows : &none;
    /* write straight into the caller's arrays where there are some */
    double *ret = out->ret ? out->ret : s_ret;
    double *mu = out->rolling_mean ? out->rolling_mean : s_mu;
    double *sd = out->rolling_vol ? out->rolling_vol : s_sd;
    double *pnl = out->pnl ? out->pnl : s_pnl;
    size_t *row = out->row ? out->row : s_row;

    size_t m = returns_pass(price, n, first, p, ret, row);
    if (m == 0) {
        *result = r;
        return PG_OK;
    }
    size_t L = (size_t)r.lookback < m ? (size_t)r.lookback : m;
    if (L < 1)
        L = 1;
    rolling_pass(ret, m, L, mu, sd);

    /* Steps 4-7 in one pass: z, signal, position, pnl, equity, drawdown. */
    double thr = r.threshold, risk = r.risk_budget;
    double equity = 0.0, peak = 0.0, max_dd = INFINITY, margin = INFINITY;
    double prev_signal = 0.0, prev_pos = 0.0;
    size_t trades = 0;
    for (size_t k = 0; k < m; k++) {
        double z = mu[k] / sd[k];
        if (!isfinite(z))
            z = 0.0;
        double signal = z > thr ? -1.0 : (z < -thr ? 1.0 : 0.0);
        double pos = k == 0 ? 0.0 : prev_signal * risk;
        double pl = pos * ret[k];
        equity += pl;
        /* np.maximum.accumulate over [0, equity...]: NaN sticks */
        if (equity > peak || isnan(equity))
            peak = isnan(peak) ? peak : equity;
        double dd = equity - peak;
        if (dd < max_dd || isnan(dd))
            max_dd = isnan(max_dd) ? max_dd : dd;
        double mg = fabs(fabs(z) - thr);
        if (mg < margin)
            margin = mg;
        if (k > 0 && pos != prev_pos)
            trades++;
        pnl[k] = pl;
        if (out->price)
            out->price[k] = p[row[k]];
        if (out->zscore)
            out->zscore[k] = z;
        if (out->signal)
            out->signal[k] = signal;
        if (out->position)
            out->position[k] = pos;
        if (out->equity)
            out->equity[k] = equity;
        if (out->drawdown)
            out->drawdown[k] = dd;
        prev_signal = signal;
        prev_pos = pos;
    }

    double mean = pg_pairwise_sum(pnl, m) / (double)m;
    double sdev = sqrt(pg_pairwise_sumsq_dev(pnl, m, mean) / (double)m);
    r.sharpe = mean / (sdev + 1e-9);
    r.terminal = equity;
    r.raw_score = r.terminal + 0.5 * r.sharpe;
    r.score = r.raw_score < -1.0 ? -1.0 : (r.raw_score > 2.0 ? 2.0 : r.raw_score);
    r.max_drawdown = max_dd;
    r.trades = trades;
    r.n_equity = m;
    r.effective_lookback = L;
    r.min_threshold_margin = margin;
    *result = r;
    return PG_OK;
}
