/*
 * cpu_features.h - run-time ISA dispatch shared by the kernels (kernels/cpu only).
 *
 * Spelled as explicit feature lists rather than "x86-64-v4" because clang 14
 * (the fuzz build) knows neither the arch= level names in target attributes
 * nor in __builtin_cpu_supports.
 */
#ifndef PG_CPU_FEATURES_H
#define PG_CPU_FEATURES_H

/* AVX-512 (F, BW, DQ, VL) with AVX2 and FMA: x86-64-v4. */
#define PG_TARGET_V4 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt")))
/* AVX2 with FMA: x86-64-v3. */
#define PG_TARGET_V3 __attribute__((target("avx2,fma,bmi,bmi2,popcnt")))

static inline int pg_cpu_has_v4(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static inline int pg_cpu_has_v3(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

#endif
