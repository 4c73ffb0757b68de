/*
 * pipeline_internal.h - helpers shared by normalize.c, strategy.c and
 * pipeline.c (the pipeline path, KERNELS.md sections 6-7).  Not part of the
 * public API; never included from outside kernels/cpu.
 */
#ifndef PG_PIPELINE_INTERNAL_H
#define PG_PIPELINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pg_kernels.h"

/* Alignment of every array carved out of a caller's scratch buffer. */
#define PG_SCRATCH_ALIGN 64

/* Rounds n up to a multiple of PG_SCRATCH_ALIGN. */
static inline size_t pg_align_up(size_t n)
{
    return (n + (PG_SCRATCH_ALIGN - 1)) & ~(size_t)(PG_SCRATCH_ALIGN - 1);
}

/* A bump allocator over caller-owned scratch: hands out aligned pieces and
 * reports exhaustion instead of allocating. */
typedef struct pg_arena {
    unsigned char *base;
    size_t size, used;
} pg_arena;

static inline void pg_arena_init(pg_arena *a, void *mem, size_t size)
{
    uintptr_t p = (uintptr_t)mem;
    uintptr_t q = (p + (PG_SCRATCH_ALIGN - 1)) & ~(uintptr_t)(PG_SCRATCH_ALIGN - 1);
    size_t skip = (size_t)(q - p);
    a->base = (unsigned char *)mem + (skip <= size ? skip : size);
    a->size = skip <= size ? size - skip : 0;
    a->used = 0;
}

/* NULL when the scratch is too small. */
static inline void *pg_arena_take(pg_arena *a, size_t bytes)
{
    size_t need = pg_align_up(bytes);
    if (need > a->size - a->used)
        return NULL;
    void *p = a->base + a->used;
    a->used += need;
    return p;
}

/* Index of the column called name in f, or -1 (name NULL gives -1). */
long pg_frame_find(const pg_frame *f, const char *name);

/* numpy's pairwise summation (np.add.reduce on a contiguous float64 array),
 * so means and stds round as TradePulse's numpy calls do. */
double pg_pairwise_sum(const double *a, size_t n);

/* The same tree over (a[i] - mean)^2, as np.std squares the deviations. */
double pg_pairwise_sumsq_dev(const double *a, size_t n, double mean);

#endif
