#ifndef EXPTRAIN_COPENBLAS_SHIM_H
#define EXPTRAIN_COPENBLAS_SHIM_H

#include <cblas.h>
#if defined(__x86_64__)
#include <pmmintrin.h>
#endif

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

/// Makes this thread's floating-point unit flush subnormal results to zero and read
/// subnormal inputs as zero (x86-64: MXCSR's FTZ and DAZ bits; arm64: FPCR's FZ bit).
static inline void exptrain_flush_subnormals(void) {
#if defined(__x86_64__)
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1UL << 24)));
#endif
}

/// 1 when this thread flushes subnormal results to zero, else 0.
static inline int exptrain_flushes_subnormals(void) {
#if defined(__x86_64__)
    return _MM_GET_FLUSH_ZERO_MODE() == _MM_FLUSH_ZERO_ON;
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return (fpcr >> 24) & 1;
#else
    return 0;
#endif
}

#endif
