#include "vector_kernels.h"

#include <stdlib.h>
#include <string.h>

// Separate multiplies and adds, never fused: the Swift loops these replace round after
// each operation, and the bits must be theirs.
#pragma clang fp contract(off)

#if defined(__x86_64__)
#define LANES 8
#define TARGET "avx2"
#define NAMED(name) avx2_##name
#include "wide_kernels.inc"
#undef LANES
#undef TARGET
#undef NAMED

#define LANES 16
#define TARGET "avx512f"
#define NAMED(name) avx512_##name
#include "wide_kernels.inc"
#undef LANES
#undef TARGET
#undef NAMED
#endif

/// The width's kernel, or an abort for a width this build has none of (a caller's bug).
#if defined(__x86_64__)
#define DISPATCH(lanes, kernel, ...)                      \
    do {                                                  \
        if ((lanes) == 16) return avx512_##kernel(__VA_ARGS__); \
        if ((lanes) == 8) return avx2_##kernel(__VA_ARGS__);    \
        abort();                                          \
    } while (0)
#else
#define DISPATCH(lanes, kernel, ...) abort()
#endif

void exptrain_tanh(int lanes, const float *input, float *output, long count) {
    DISPATCH(lanes, tanh, input, output, count);
}

void exptrain_tanh_pull_back(int lanes, const float *outputGradient, const float *output, float *inputGradient, long count, int accumulate) {
    DISPATCH(lanes, tanh_pull_back, outputGradient, output, inputGradient, count, accumulate);
}

void exptrain_adam_update(
    int lanes, float *values, float *firstMoments, float *secondMoments, const float *gradients, long count,
    float beta1, float beta2, float stepSize, float biasCorrection2SquareRoot, float epsilon) {
    DISPATCH(lanes, adam_update, values, firstMoments, secondMoments, gradients, count, beta1, beta2, stepSize,
             biasCorrection2SquareRoot, epsilon);
}

void exptrain_add_column_sums(int lanes, const float *rows, long rowCount, long columns, float *sums) {
    DISPATCH(lanes, add_column_sums, rows, rowCount, columns, sums);
}

double exptrain_sum_of_squares(int lanes, const float *values, long count) {
    DISPATCH(lanes, sum_of_squares, values, count);
}

void exptrain_scale(int lanes, float *values, long count, float factor) {
    DISPATCH(lanes, scale, values, count, factor);
}

void exptrain_fill_rows(int lanes, const float *row, long columns, long rowCount, float *rows) {
    DISPATCH(lanes, fill_rows, row, columns, rowCount, rows);
}

int exptrain_all_finite(int lanes, const float *values, long count) {
    DISPATCH(lanes, all_finite, values, count);
}

void exptrain_sum_projection_rows(
    int lanes, const float *projections, const int *rows, long batch, long cells, long channels, long outputs, const float *bias,
    float *output) {
    DISPATCH(lanes, sum_projection_rows, projections, rows, batch, cells, channels, outputs, bias, output);
}

void exptrain_scatter_projection_rows(
    int lanes, const float *gradient, const int *rows, long batch, long cells, long channels, long outputs, float *projectionGradient) {
    DISPATCH(lanes, scatter_projection_rows, gradient, rows, batch, cells, channels, outputs, projectionGradient);
}
