/*
 * arena.h - a bump allocator over caller-owned scratch: the kernels that
 * take a scratch buffer (pg_normalize, pg_strategy; sized by their
 * *_scratch_size functions) carve their arrays out of it with this,
 * aligned, and get NULL instead of an allocation when it is too small.
 * kernels/cpu only.
 */
#ifndef PG_ARENA_H
#define PG_ARENA_H

#include <stddef.h>
#include <stdint.h>

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

#endif
