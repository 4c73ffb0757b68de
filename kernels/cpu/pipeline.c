/*
 * pipeline.c - the pipeline path as bench/bench_pipeline.py runs it:
 * normalize_df(raw) -> SignalFeaturePipeline.transform(normalized) ->
 * Strategy.simulate_performance(normalized close) (KERNELS.md sections 1,
 * 6 and 7).
 *
 * Everything a run needs is allocated when the workspace is made, as one
 * block: the normalized columns, the feature matrix, the strategy's per-row
 * arrays and one scratch buffer that normalize and then the strategy use in
 * turn.  So a run allocates nothing.  The block is not touched at creation:
 * its pages are mapped when the first run writes them (huge pages where the
 * block is large enough), so the cold start (`first`: create + first run)
 * pays only for the pages that run writes, the cheapest way the kernel
 * offers, and later runs take no page faults.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"
#include "frame.h"
#include "pg_kernels.h"

/* TradePulse's timestamp_col default. */
#define TS_COL "ts"

struct pg_pipeline_ws {
    size_t max_rows, ncols, max_features;
    pg_features_config fcfg;
    pg_strategy_params sp;
    void *block;         /* every array below, one allocation */
    size_t block_mapped; /* its mmap length; 0: malloc'd */
    void *block_raw;     /* where that mapping starts (block is aligned in it) */
    double *norm;        /* ncols x max_rows, column-major */
    double *features;    /* max_features x max_rows, column-major */
    double *row_data;    /* the strategy's 10 double arrays, max_rows each */
    size_t *row_index;   /* the strategy's row array */
    void *scratch;       /* shared by normalize and the strategy */
    size_t scratch_size;
    size_t bytes;
    pg_ohlcv ohlcv;        /* last run's frame, for the feature names */
    pg_strategy_rows rows; /* views into row_data / row_index */
    double **norm_view;    /* the last run's normalized columns (ncols) */
    double *norm_cols[];   /* ncols pointers into norm, then norm_view's */
};

/* Transparent huge pages: the size of one, and the least a workspace must
 * span before it is mapped on its own, 2 MiB aligned, and advised to use
 * them.  A fresh 4 KiB page costs a fault (about 2 us here, under a
 * hypervisor: docs/performance.md); a 2 MiB one costs one fault and the
 * zeroing, about 0.4 us per 4 KiB.  Below PG_HUGE, malloc. */
#define PG_HUGE ((size_t)2 << 20)
/* A tail past the last whole huge page that is longer than this is mapped
 * as one more huge page (zeroing 2 MiB costs about as much as faulting in
 * 100 small pages). */
#define PG_HUGE_TAIL ((size_t)512 << 10)

/* The workspace's one block of memory: nothing is touched here.  Pages are
 * mapped when a run first writes them, so a run over fewer rows than the
 * workspace holds, or one that never needs normalize's sort (the usual
 * sorted feed), faults in only what it writes. */
static void *block_alloc(size_t bytes, size_t touched, size_t *mapped, void **raw_base)
{
    *mapped = 0;
    *raw_base = NULL;
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (touched >= PG_HUGE) {
        size_t len = (bytes + 4095) & ~(size_t)4095;
        size_t tail = touched % PG_HUGE;
        if (tail > PG_HUGE_TAIL && touched - tail + PG_HUGE > len)
            len = touched - tail + PG_HUGE;
        unsigned char *raw =
            mmap(NULL, len + PG_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw != MAP_FAILED) {
            /* The slack before and after the aligned block stays mapped
             * and untouched (it costs address space only): two munmap
             * calls fewer in the cold start, which a first call pays. */
            uintptr_t a = ((uintptr_t)raw + PG_HUGE - 1) & ~(uintptr_t)(PG_HUGE - 1);
            unsigned char *p = (unsigned char *)a;
            /* advice only: without huge pages the block still works */
            (void)madvise(p, len, MADV_HUGEPAGE);
            *mapped = len + PG_HUGE;
            *raw_base = raw;
            return p;
        }
    }
#else
    (void)touched;
#endif
    return malloc(bytes ? bytes : 1);
}

static void block_free(void *p, size_t mapped, void *raw_base)
{
    if (p == NULL)
        return;
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (mapped > 0) {
        munmap(raw_base, mapped);
        return;
    }
#else
    (void)mapped;
    (void)raw_base;
#endif
    free(p);
}

static int mul_overflows(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b;
}

pg_pipeline_ws *pg_pipeline_ws_create(size_t max_rows, size_t ncols, const pg_features_config *fcfg,
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
    pg_ohlcv full = { 1, &dummy, &dummy, &dummy, &dummy, &dummy, &dummy, &dummy, &dummy, &dummy };
    size_t max_features = pg_features_ncols(&cfg, &full);
    size_t rows = max_rows ? max_rows : 1;
    /* the columns, the strategy's 11 arrays and at most 16 words of scratch
     * a row (normalize's keys, indices and hash table) */
    if (ncols > SIZE_MAX / 64 || mul_overflows(rows, ncols + max_features + 27) ||
        mul_overflows(rows * (ncols + max_features + 27), sizeof(double))) {
        pg_error_set(err, PG_ELIMIT, NULL, 0, 0, NULL,
                     "a workspace of %zu rows x %zu columns is too large", max_rows, ncols);
        return NULL;
    }

    pg_pipeline_ws *ws = calloc(1, sizeof *ws + 2 * ncols * sizeof(double *));
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

    /* One block, what every run writes first: features, strategy rows, the
     * scratch (of which a run on sorted input uses only the strategy's
     * filled price, its first array), then the normalized columns, which
     * a sorted frame without NaN never writes (pg_normalize_view). */
    size_t off_feat = 0;
    size_t off_rows = off_feat + pg_align_up(rows * max_features * sizeof(double));
    size_t off_index = off_rows + pg_align_up(rows * 10 * sizeof(double));
    size_t off_scratch = off_index + pg_align_up(rows * sizeof(size_t));
    size_t off_norm = off_scratch + pg_align_up(ws->scratch_size);
    size_t total = off_norm + rows * ncols * sizeof(double);
    size_t touched = off_scratch + PG_SCRATCH_ALIGN + rows * sizeof(double);
    unsigned char *blk =
        block_alloc(total + PG_SCRATCH_ALIGN, touched, &ws->block_mapped, &ws->block_raw);
    if (blk == NULL)
        goto nomem;
    ws->block = blk;
    ws->bytes = sizeof *ws + 2 * ncols * sizeof(double *) + total + PG_SCRATCH_ALIGN;
    /* malloc's blocks are 16-byte aligned, mmap's page aligned */
    unsigned char *base = (unsigned char *)(((uintptr_t)blk + PG_SCRATCH_ALIGN - 1) &
                                            ~(uintptr_t)(PG_SCRATCH_ALIGN - 1));
    ws->norm = (double *)(base + off_norm);
    ws->features = (double *)(base + off_feat);
    ws->row_data = (double *)(base + off_rows);
    ws->row_index = (size_t *)(base + off_index);
    ws->scratch = base + off_scratch;

    ws->norm_view = ws->norm_cols + ncols;
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
    block_free(ws->block, ws->block_mapped, ws->block_raw);
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

int pg_pipeline_run(pg_pipeline_ws *ws, const pg_frame *raw, pg_pipeline_out *out, pg_error *err)
{
    if (ws == NULL || raw == NULL || out == NULL)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "pipeline run needs a workspace, a frame and an output");
    if (raw->ncols != ws->ncols)
        return pg_error_set(err, PG_EINVAL, NULL, 0, 0, NULL,
                            "frame has %zu columns, the workspace was made for %zu", raw->ncols,
                            ws->ncols);
    if (raw->nrows > ws->max_rows)
        return pg_error_set(err, PG_ELIMIT, NULL, 0, 0, NULL,
                            "frame has %zu rows, the workspace holds at most %zu", raw->nrows,
                            ws->max_rows);
    memset(out, 0, sizeof *out);

    /* the columns normalize changes land in the workspace; the others are
     * the raw frame's own arrays */
    memcpy(ws->norm_view, ws->norm_cols, ws->ncols * sizeof *ws->norm_view);
    pg_frame norm = { 0, ws->ncols, raw->names, ws->norm_view };
    int rc = pg_normalize_view(raw, TS_COL, &norm, ws->scratch, ws->scratch_size);
    if (rc != PG_OK)
        return pg_error_set(err, rc, NULL, 0, 0, NULL,
                            "normalize failed: a column is missing or misshapen");

    const double *close = column(&norm, "close");
    if (close == NULL)
        return pg_error_set(err, PG_EMISSING, NULL, 0, 0, NULL, "missing required column 'close'");
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
    rc = pg_strategy(close, norm.nrows, &ws->sp, ws->scratch, ws->scratch_size, &ws->rows, &res);
    if (rc != PG_OK)
        return pg_error_set(err, rc, NULL, 0, 0, NULL, "strategy failed: lookback %g is not finite",
                            ws->sp.lookback);

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
