/*
 * isa.h - the instruction-set level the kernels run at, chosen once per
 * process (kernels/cpu only; tests use the hook at the end).
 *
 * Levels: portable (baseline x86-64, or any other CPU), avx2 (x86-64-v3:
 * AVX2, FMA, BMI1/2, POPCNT) and avx512 (x86-64-v4: AVX-512 F, BW, DQ and
 * VL as well).  isa.c resolves the level once, before main (a constructor)
 * or at the first pg_isa() call if a kernel runs before that: the CPU's
 * level, lowered by PERFGATE_ISA when the environment sets it (read then,
 * and never again; docs/kernels.md).  A kernel reads it with pg_isa(), one
 * load: nothing is looked up or read from the environment in timed code.
 * The level is the one piece of process-wide state in the kernels besides
 * FFTW's wisdom (phase.c): it describes the CPU, not a computation.
 *
 * Every level gives the same bits: the builds run the same IEEE operations
 * in the same order (no FMA: -ffp-contract=off; hurst.c's sums of squares,
 * which are not bit-exact, are the exception), and the property tests run
 * each level on one machine through pg_kernels_force_isa.
 *
 * The target attributes are spelled as explicit feature lists rather than
 * "x86-64-v4" because clang 14 (the fuzz build) knows neither the arch=
 * level names in target attributes nor in __builtin_cpu_supports.
 */
#ifndef PG_ISA_H
#define PG_ISA_H

#include <stdatomic.h>

enum { PG_ISA_PORTABLE, PG_ISA_AVX2, PG_ISA_AVX512, PG_ISA_COUNT };

#if defined(__x86_64__)
#define PG_ISA_X86 1
/* x86-64-v4: AVX-512 (F, BW, DQ, VL) with AVX2 and FMA. */
#define PG_TARGET_V4 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt")))
/* x86-64-v3: AVX2 with FMA. */
#define PG_TARGET_V3 __attribute__((target("avx2,fma,bmi,bmi2,popcnt")))
/* _mm512_fpclass_pd_mask category: QNaN, SNaN, +inf, -inf. */
#define PG_FPCLASS_NONFINITE 0x99
#else
#define PG_ISA_X86 0
#define PG_TARGET_V4
#define PG_TARGET_V3
#endif

/* ---------------------------------------------------------------------- */
/* The level in force                                                      */
/* ---------------------------------------------------------------------- */

/* Set by isa.c; -1 until resolved.  Read it through pg_isa(). */
extern _Atomic int pg_isa_current;

/* Resolves the level (once) and returns it; what pg_isa() falls back on. */
int pg_isa_resolve(void);

/* The level this process runs: PG_ISA_PORTABLE, PG_ISA_AVX2 or
 * PG_ISA_AVX512. */
static inline int pg_isa(void)
{
    int level = atomic_load_explicit(&pg_isa_current, memory_order_relaxed);
    return level >= 0 ? level : pg_isa_resolve();
}

/* The highest level the CPU has, whatever PERFGATE_ISA says. */
int pg_isa_cpu(void);

/* "portable", "avx2" or "avx512"; "?" for anything else. */
const char *pg_isa_name(int level);

/* ---------------------------------------------------------------------- */
/* Test hook                                                               */
/* ---------------------------------------------------------------------- */

/* Makes every kernel run the build of `level` (PG_ISA_PORTABLE, ...), or of
 * the process's own level again when level is negative.  A level above
 * the CPU's is lowered to it: a build the CPU cannot run is never chosen.
 * Returns the level now in force.  For tests, which run every build on one
 * machine; not while kernels run on other threads. */
int pg_kernels_force_isa(int level);

#endif
