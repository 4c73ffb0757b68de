/*
 * pipeline.c - the pipeline path as bench/bench_pipeline.py runs it:
 * normalize_df(raw) -> SignalFeaturePipeline.transform(normalized) ->
 * Strategy.simulate_performance(normalized close) (KERNELS.md sections 1,
 * 6 and 7).
 *
 * Everything a run needs is allocated, and touched, when the workspace is
 * made: the normalized columns, the feature matrix, the strategy's per-row
 * arrays and one scratch buffer that normalize and then the strategy use in
 * turn.  So a run allocates nothing and takes no page faults, and the
 * workspace's creation is exactly the cold-start cost the `first` profile
 * measures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "pg_kernels.h"

/* TradePulse's timestamp_col default. */
#define TS_COL "ts"

struct pg_pipeline_ws {
    size_t max_rows, ncols, max_features;
    pg_features_config fcfg;
    pg_strategy_params sp;
    double *norm;       /* ncols x max_rows, column-major */
    double **norm_cols; /* ncols pointers into norm */
    double *features;   /* max_features x max_rows, column-major */
    double *row_data;   /* the strategy's 10 double arrays, max_rows each */
    size_t *row_index;  /* the strategy's row array */
    void *scratch;      /* shared by normalize and the strategy */
    size_t scratch_size;
    size_t bytes;
    pg_ohlcv ohlcv;           /* last run's frame, for the feature names */
    pg_strategy_rows rows;    /* views into row_data / row_index */
};

/* Fresh pages are mapped on first write: touch every page now so the run's
 * timing holds no page faults.  (A plain memset(0) after malloc is turned
 * into calloc by the compiler, which touches nothing; the volatile stores
 * are not.) */
static void *alloc_touched(size_t bytes, size_t *total)
{
    if (bytes == 0)
        bytes = 1;
    unsigned char *p = malloc(bytes);
    if (p != NULL) {
        volatile unsigned char *v = p;
        for (size_t i = 0; i < bytes; i += 4096)
            v[i] = 0;
        v[bytes - 1] = 0;
        *total += bytes;
    }
    return p;
}

static int mul_overflows(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b;
}

pg_pipeline_ws *pg_pipeline_ws_create(size_t max_rows, size_t ncols,
                                      const pg_features_config *fcfg,
                                      const pg_strategy_params *sp, pg_error *err)
{
    pg_features_config cfg;
    if (fcfg != NULL)
        cfg = *fcfg;
    else
        pg_features_config_default(&cfg);
    if (pg_features_config_check(&cfg, err) != PG_OK)
        return NULL;
    if (ncols == 0) {
        pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL, "a frame needs at least one column");
        return NULL;
    }
    /* the widest feature matrix: every optional column present */
    double dummy = 0.0;
    pg_ohlcv full = {1, &dummy, &dummy, &dummy, &dummy, &dummy,
                     &dummy, &dummy, &dummy, &dummy};
    size_t max_features = pg_features_ncols(&cfg, &full);
    size_t rows = max_rows ? max_rows : 1;
    if (mul_overflows(rows, ncols + max_features + 11) ||
        mul_overflows(rows * (ncols + max_features + 11), sizeof(double))) {
        pg_error_set(err, PG_ELIMIT, NULL, 0, 0, NULL,
                     "a workspace of %zu rows x %zu columns is too large", max_rows, ncols);
        return NULL;
    }

    pg_pipeline_ws *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        goto nomem;
    ws->max_rows = max_rows;
    ws->ncols = ncols;
    ws->max_features = max_features;
    ws->fcfg = cfg;
    if (sp != NULL)
        ws->sp = *sp;
    else
        pg_strategy_params_default(&ws->sp);

    size_t nscratch = pg_normalize_scratch_size(rows, ncols);
    size_t sscratch = pg_strategy_scratch_size(rows);
    ws->scratch_size = nscratch > sscratch ? nscratch : sscratch;

    ws->bytes = sizeof *ws;
    ws->norm = alloc_touched(rows * ncols * sizeof(double), &ws->bytes);
    ws->norm_cols = alloc_touched(ncols * sizeof(double *), &ws->bytes);
    ws->features = alloc_touched(rows * max_features * sizeof(double), &ws->bytes);
    ws->row_data = alloc_touched(rows * 10 * sizeof(double), &ws->bytes);
    ws->row_index = alloc_touched(rows * sizeof(size_t), &ws->bytes);
    ws->scratch = alloc_touched(ws->scratch_size, &ws->bytes);
    if (ws->norm == NULL || ws->norm_cols == NULL || ws->features == NULL ||
        ws->row_data == NULL || ws->row_index == NULL || ws->scratch == NULL)
        goto nomem;

    for (size_t c = 0; c < ncols; c++)
        ws->norm_cols[c] = ws->norm + c * rows;
    double *d = ws->row_data;
    ws->rows.row = ws->row_index;
    ws->rows.price = d + 0 * rows;
    ws->rows.ret = d + 1 * rows;
    ws->rows.rolling_mean = d + 2 * rows;
    ws->rows.rolling_vol = d + 3 * rows;
    ws->rows.zscore = d + 4 * rows;
    ws->rows.signal = d + 5 * rows;
    ws->rows.position = d + 6 * rows;
    ws->rows.pnl = d + 7 * rows;
    ws->rows.equity = d + 8 * rows;
    ws->rows.drawdown = d + 9 * rows;
    return ws;

nomem:
    pg_pipeline_ws_destroy(ws);
    pg_error_set(err, PG_ENOMEM, NULL, 0, 0, NULL,
                 "out of memory for a pipeline workspace of %zu rows", max_rows);
    return NULL;
}

void pg_pipeline_ws_destroy(pg_pipeline_ws *ws)
{
    if (ws == NULL)
        return;
    free(ws->norm);
    free(ws->norm_cols);
    free(ws->features);
    free(ws->row_data);
    free(ws->row_index);
    free(ws->scratch);
    free(ws);
}

size_t pg_pipeline_ws_bytes(const pg_pipeline_ws *ws)
{
    return ws != NULL ? ws->bytes : 0;
}

static const double *column(const pg_frame *f, const char *name)
{
    long c = pg_frame_find(f, name);
    return c >= 0 ? f->cols[c] : NULL;
}

int pg_pipeline_run(pg_pipeline_ws *ws, const pg_frame *raw, pg_pipeline_out *out,
                    pg_error *err)
{
    if (ws == NULL || raw == NULL || out == NULL)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "pipeline run needs a workspace, a frame and an output");
    if (raw->ncols != ws->ncols)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "frame has %zu columns, the workspace was made for %zu",
                            raw->ncols, ws->ncols);
    if (raw->nrows > ws->max_rows)
        return pg_error_set(err, PG_ELIMIT, NULL, 0, 0, NULL,
                            "frame has %zu rows, the workspace holds at most %zu",
                            raw->nrows, ws->max_rows);
    memset(out, 0, sizeof *out);

    pg_frame norm = {0, ws->ncols, raw->names, ws->norm_cols};
    int rc = pg_normalize(raw, TS_COL, &norm, ws->scratch, ws->scratch_size);
    if (rc != PG_OK)
        return pg_error_set(err, rc, NULL, 0, 0, NULL,
                            "normalize failed: a column is missing or misshapen");

    const double *close = column(&norm, "close");
    if (close == NULL)
        return pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL,
                            "missing required column 'close'");
    pg_ohlcv in = {
        .n = norm.nrows,
        .ts = column(&norm, TS_COL),
        .open = column(&norm, "open"),
        .high = column(&norm, "high"),
        .low = column(&norm, "low"),
        .close = close,
        .volume = column(&norm, "volume"),
        .bid_volume = column(&norm, "bid_volume"),
        .ask_volume = column(&norm, "ask_volume"),
        .signed_volume = column(&norm, "signed_volume"),
    };
    ws->ohlcv = in;
    size_t nfeat = pg_features_ncols(&ws->fcfg, &in);
    rc = pg_features(&ws->fcfg, &in, ws->features, err);
    if (rc != PG_OK)
        return pg_error_set(err, rc, NULL, 0, 0, NULL, "features failed");

    pg_strategy_result res;
    rc = pg_strategy(close, norm.nrows, &ws->sp, ws->scratch, ws->scratch_size, &ws->rows,
                     &res);
    if (rc != PG_OK)
        return pg_error_set(err, rc, NULL, 0, 0, NULL,
                            "strategy failed: lookback %g is not finite", ws->sp.lookback);

    out->normalized = norm;
    out->features = ws->features;
    out->n_features = nfeat;
    out->rows = ws->rows;
    out->strategy = res;
    return PG_OK;
}

int pg_pipeline_feature_name(const pg_pipeline_ws *ws, size_t col, char *buf, size_t len)
{
    if (ws == NULL)
        return PG_EINVAL;
    return pg_features_column_name(&ws->fcfg, &ws->ohlcv, col, buf, len);
}
