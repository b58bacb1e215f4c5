#ifndef EXPTRAIN_COPENBLAS_SHIM_H
#define EXPTRAIN_COPENBLAS_SHIM_H

#include <cblas.h>

/// 1 when this x86-64 processor runs AVX2 and FMA instructions (what OpenBLAS's Haswell
/// kernels need), else 0; always 0 on other architectures.
static inline int exptrain_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/// 1 when this x86-64 processor (and its operating system) runs the AVX-512 instructions
/// OpenBLAS's SkylakeX kernels need (F, CD, BW, DQ and VL), else 0; always 0 on other
/// architectures.
static inline int exptrain_cpu_has_avx512_skylakex(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

#endif
