/*
 * isa.c - resolves the instruction-set level of the kernels once per
 * process (isa.h): the CPU's, lowered by PERFGATE_ISA.
 *
 * PERFGATE_ISA=portable|avx2|avx512 caps the level, for benchmarking one
 * build against another and for tools that cannot run the higher ones
 * (valgrind has no AVX-512: tests/e2e/valgrind_cli.sh sets portable).  It
 * never raises the level above the CPU's; an unknown value is ignored.
 * The environment is read once, when the level is resolved: before main,
 * by the constructor below, or at the first pg_isa() of a kernel that
 * runs even earlier (another constructor).
 */
#include <stdlib.h>
#include <string.h>

#include "isa.h"

_Atomic int pg_isa_current = -1;

/* The level resolved from the CPU and the environment, -1 until then:
 * what pg_kernels_force_isa(-1) goes back to. */
static _Atomic int isa_default = -1;

int pg_isa_cpu(void)
{
#if PG_ISA_X86
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
          __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
          __builtin_cpu_supports("popcnt")))
        return PG_ISA_PORTABLE;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return PG_ISA_AVX512;
    return PG_ISA_AVX2;
#else
    return PG_ISA_PORTABLE;
#endif
}

const char *pg_isa_name(int level)
{
    static const char *const names[PG_ISA_COUNT] = { "portable", "avx2", "avx512" };
    return level >= 0 && level < PG_ISA_COUNT ? names[level] : "?";
}

/* The CPU's level, capped by PERFGATE_ISA. */
static int choose(void)
{
    int level = pg_isa_cpu();
    const char *env = getenv("PERFGATE_ISA");
    for (int l = 0; env != NULL && l < PG_ISA_COUNT; l++)
        if (strcmp(env, pg_isa_name(l)) == 0 && l < level)
            level = l;
    return level;
}

static int default_level(void)
{
    int d = atomic_load(&isa_default);
    if (d < 0) {
        int expected = -1;
        d = choose();
        /* Two threads may both choose (the same answer): the first stores. */
        if (!atomic_compare_exchange_strong(&isa_default, &expected, d))
            d = expected;
    }
    return d;
}

int pg_isa_resolve(void)
{
    int expected = -1;
    /* Only while unresolved: a level a test forced stays. */
    atomic_compare_exchange_strong(&pg_isa_current, &expected, default_level());
    return atomic_load(&pg_isa_current);
}

__attribute__((constructor)) static void resolve_at_start(void)
{
    pg_isa_resolve();
}

int pg_kernels_force_isa(int level)
{
    int cpu = pg_isa_cpu();
    int l = level < 0 ? default_level() : level < cpu ? level : cpu;
    atomic_store(&pg_isa_current, l);
    return l;
}
