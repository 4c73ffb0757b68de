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
 *
 * Under valgrind (RUNNING_ON_VALGRIND, asked once with the level) the
 * level is the same (valgrind's CPUID has no AVX-512, so at most avx2),
 * but the kernels in pg_isa_vg_cap run a lower build: valgrind 3.19 cannot
 * decode the one GCC emits for them.  `perfgate ab --mode instructions`
 * and `perfgate profile` count the other kernels' normal builds that way,
 * and the results say which were lowered (pg_kernels_isa_status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"
#include "pg_kernels.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define PG_HAVE_VALGRIND_H 1
#endif
#endif

_Atomic int pg_isa_current = -1;
_Atomic int pg_isa_valgrind = 0;

/* Under valgrind: macd_scan's AVX2 build holds `vmovq %xmm12,%xmm1`
 * encoded c5 79 d6 e1 (VMOVQ's store form between registers), which
 * valgrind 3.19 stops on with SIGILL; its portable build is the same
 * source without the target attribute (the same bits, isa.h). */
const int pg_isa_vg_cap[PG_VG_COUNT] = {
    [PG_VG_MACD_SCAN] = PG_ISA_PORTABLE,
};
static const char *const vg_kernel[PG_VG_COUNT] = {
    [PG_VG_MACD_SCAN] = "macd_scan",
};

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

/* The CPU's level, capped by PERFGATE_ISA; notes valgrind first (a kernel
 * that reads the level reads pg_isa_valgrind after it). */
static int choose(void)
{
#ifdef PG_HAVE_VALGRIND_H
    if (RUNNING_ON_VALGRIND)
        atomic_store(&pg_isa_valgrind, 1);
#endif
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

const char *pg_kernels_isa_status(void)
{
    static char buf[256];
    static _Atomic int made = 0;
    if (atomic_load(&made))
        return buf;
    /* Two threads may both write the same text: harmless, the same bytes. */
    int level = pg_isa_resolve();
    size_t k = (size_t)snprintf(buf, sizeof buf, "%s", pg_isa_name(level));
    if (atomic_load(&pg_isa_valgrind)) {
        k += (size_t)snprintf(buf + k, sizeof buf - k, " under valgrind");
        int any = 0;
        for (int i = 0; i < PG_VG_COUNT && k < sizeof buf; i++) {
            if (pg_isa_vg_cap[i] >= level)
                continue;
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s: %s", any ? ", " : " (",
                                  vg_kernel[i], pg_isa_name(pg_isa_vg_cap[i]));
            any = 1;
        }
        if (any && k < sizeof buf)
            snprintf(buf + k, sizeof buf - k, ", a build valgrind cannot decode)");
    }
    atomic_store(&made, 1);
    return buf;
}
