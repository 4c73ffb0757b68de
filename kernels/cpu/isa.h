/*
 * isa.h - the instruction-set level the kernels run at, chosen once per
 * process, and the one macro that builds a function for each level
 * (kernels/cpu only; tests use the hook at the end).
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
#define PG_TARGET_V4                                                                               \
    __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt")))
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

/* 1 when this process runs under valgrind (RUNNING_ON_VALGRIND), decided
 * once with the level; 0 elsewhere and where valgrind's header was absent
 * at build time. */
extern _Atomic int pg_isa_valgrind;

/* Kernels with a build valgrind cannot run: valgrind 3.19 (Debian 12)
 * stops with SIGILL on an encoding GCC emits in it.  Under valgrind such a
 * kernel runs at most the level in pg_isa_vg_cap (isa.c), every other
 * kernel its normal build, so instruction counts describe the code that
 * normally runs wherever valgrind can run it; pg_kernels_isa_status says
 * which builds were lowered. */
enum { PG_VG_MACD_SCAN, PG_VG_COUNT };
extern const int pg_isa_vg_cap[PG_VG_COUNT];

/* The level kernel k (PG_VG_...) runs: pg_isa(), capped under valgrind. */
static inline int pg_isa_for(int k)
{
    int level = pg_isa();
    if (atomic_load_explicit(&pg_isa_valgrind, memory_order_relaxed) && level > pg_isa_vg_cap[k])
        level = pg_isa_vg_cap[k];
    return level;
}

/* The highest level the CPU has, whatever PERFGATE_ISA says. */
int pg_isa_cpu(void);

/* "portable", "avx2" or "avx512"; "?" for anything else. */
const char *pg_isa_name(int level);

/* ---------------------------------------------------------------------- */
/* One build of a function per level                                       */
/* ---------------------------------------------------------------------- */

/* PG_ISA_CLONES(top, ret, name, params, body, args) builds body once per
 * level up to top (AVX2 or AVX512): name_portable, name_avx2 and, for
 * AVX512, name_avx512, each with its level's target attribute, each
 * calling body(PG_ISA_<level>, args) with the level as a constant first
 * argument.  name becomes the table of the builds, indexed by level, so
 *
 *     name[pg_isa()](...)
 *
 * runs this process's build; levels above top run top's (the AVX-512 CPU
 * runs the AVX2 build of a body that has no use for AVX-512).  body is an
 * always-inline function, so in each build the level is a constant: a
 * branch on it folds away, and a body may call AVX-512 code (a function of
 * its own with PG_TARGET_V4, under #if PG_ISA_X86) when isa is
 * PG_ISA_AVX512.  body returns a value (kernels that write rows return how
 * many).  Off x86 there is one build, the portable one, in every slot.
 *
 *     PGF_INLINE size_t scan_body(int isa, const double *x, size_t n, double *out);
 *     PG_ISA_CLONES(AVX512, size_t, scan, (const double *x, size_t n, double *out),
 *                   scan_body, (x, n, out));
 */
#define PG_ISA_ARGS(...) __VA_ARGS__
#if PG_ISA_X86
#define PG_ISA_CLONES(top, ret, name, params, body, args)                                          \
    static ret name##_portable params                                                              \
    {                                                                                              \
        return body(PG_ISA_PORTABLE, PG_ISA_ARGS args);                                            \
    }                                                                                              \
    PG_TARGET_V3 static ret name##_avx2 params                                                     \
    {                                                                                              \
        return body(PG_ISA_AVX2, PG_ISA_ARGS args);                                                \
    }                                                                                              \
    PG_ISA_CLONES_TO_##top(ret, name, params, body, args)
#define PG_ISA_CLONES_TO_AVX2(ret, name, params, body, args)                                       \
    static ret(*const name[PG_ISA_COUNT]) params = { name##_portable, name##_avx2, name##_avx2 }
#define PG_ISA_CLONES_TO_AVX512(ret, name, params, body, args)                                     \
    PG_TARGET_V4 static ret name##_avx512 params                                                   \
    {                                                                                              \
        return body(PG_ISA_AVX512, PG_ISA_ARGS args);                                              \
    }                                                                                              \
    static ret(*const name[PG_ISA_COUNT]) params = { name##_portable, name##_avx2, name##_avx512 }
#else
#define PG_ISA_CLONES(top, ret, name, params, body, args)                                          \
    static ret name##_portable params                                                              \
    {                                                                                              \
        return body(PG_ISA_PORTABLE, PG_ISA_ARGS args);                                            \
    }                                                                                              \
    static ret(*const name[PG_ISA_COUNT])                                                          \
        params = { name##_portable, name##_portable, name##_portable }
#endif

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
