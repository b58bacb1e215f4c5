#ifndef EXPTRAIN_VECTOR_KERNELS_H
#define EXPTRAIN_VECTOR_KERNELS_H

/// What the processor runs, how it rounds, and the element-wise kernels of training
/// compiled for its widest vector unit.
///
/// Swift compiles for the x86-64 baseline (SSE2, four floats per instruction). These
/// kernels are compiled for AVX2 (8 floats) and AVX-512 (16) and chosen at run time by
/// the caller, with `lanes` from `exptrain_widest_vector_lanes()`. Each does the IEEE
/// operations of the Swift loop it replaces in the same order, lane by lane and without
/// fused multiply-adds, so every width gives the same bits.

/// 1 when this x86-64 processor runs AVX2 and FMA instructions (what OpenBLAS's Haswell
/// kernels need), else 0; always 0 on other architectures.
int exptrain_cpu_has_avx2_fma(void);

/// 1 when this x86-64 processor (and its operating system) runs the AVX-512 instructions
/// OpenBLAS's SkylakeX kernels need (F, CD, BW, DQ and VL), else 0; always 0 on other
/// architectures.
int exptrain_cpu_has_avx512_skylakex(void);

/// Makes this thread's floating-point unit flush subnormal results to zero and read
/// subnormal inputs as zero (x86-64: MXCSR's FTZ and DAZ bits; arm64: FPCR's FZ bit).
void exptrain_flush_subnormals(void);

/// 1 when this thread flushes subnormal results to zero, else 0.
int exptrain_flushes_subnormals(void);

/// 16 where the processor runs AVX-512F, 8 where it runs AVX2, else 0 (no wide kernels:
/// callers keep their portable loops).
int exptrain_widest_vector_lanes(void);

/// `output[i] = tanh(input[i])` as `ScalarMath.tanh`: Eigen's degree-13/6 rational fit
/// after clamping to ±7.90531110763549805, `x` itself below 4e-4 in magnitude and for NaN.
/// `output` may be `input`. `lanes` is 8 or 16 and the processor must run it.
void exptrain_tanh(int lanes, const float *input, float *output, long count);

/// `inputGradient[i] += outputGradient[i] * (1 - output[i] * output[i])`: tanh's pullback
/// from its output; with `accumulate` 0, `inputGradient[i] = 0 + …` (its old values are
/// not read: the sum into a zeroed buffer). `lanes` as for `exptrain_tanh`.
void exptrain_tanh_pull_back(int lanes, const float *outputGradient, const float *output, float *inputGradient, long count, int accumulate);

/// One step of Adam's rule (`Adam.step`) on `count` parameters:
///
///     m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + ((1 − β₂)·g)·g
///     x ← x − (stepSize·m) / (√v / biasCorrection2SquareRoot + ε)
///
/// `lanes` as for `exptrain_tanh`.
void exptrain_adam_update(
    int lanes, float *values, float *firstMoments, float *secondMoments, const float *gradients, long count,
    float beta1, float beta2, float stepSize, float biasCorrection2SquareRoot, float epsilon);

/// `sums[j] += rows[r * columns + j]` for every row `r` in order: a bias's gradient from
/// the rows of its layer's output gradient. `lanes` as for `exptrain_tanh`.
void exptrain_add_column_sums(int lanes, const float *rows, long rowCount, long columns, float *sums);

/// `Σ values[i]²` in Double as `clipGlobalNorm`: eight Double lanes, each adding every
/// eighth square in order, then the lanes in order from −0, then the last `count % 8`
/// squares. `lanes` as for `exptrain_tanh`.
double exptrain_sum_of_squares(int lanes, const float *values, long count);

/// `values[i] *= factor`. `lanes` as for `exptrain_tanh`.
void exptrain_scale(int lanes, float *values, long count, float factor);

/// `rows[r * columns + j] = row[j]` for `rowCount` rows: a bias copied into each output
/// row before the sgemm adds to it. `lanes` as for `exptrain_tanh`.
void exptrain_fill_rows(int lanes, const float *row, long columns, long rowCount, float *rows);

/// `transposed[j, i] = matrix[i, j]` for the row-major `[rows, columns]` `matrix` (a
/// copy, no arithmetic): 8 × 8 blocks in AVX2 registers where `lanes` is 8 or more, else
/// element by element.
void exptrain_transpose(int lanes, const float *matrix, long rows, long columns, float *transposed);

/// 1 when every value is finite (no ±∞, no NaN), else 0. `lanes` as for `exptrain_tanh`.
int exptrain_all_finite(int lanes, const float *values, long count);

/// `EmbeddedLinear`'s forward sums: for each sample, `output = bias + Σ_{cell, c} P[r(cell, c), cell]`
/// with the sample's table rows `rows` (`cells · channels` per sample, channel last) and
/// projection rows `outputs` long at `(r · cells + cell) · outputs`, added in cell then channel
/// order. `lanes` as for `exptrain_tanh`.
void exptrain_sum_projection_rows(
    int lanes, const float *projections, const int *rows, long batch, long cells, long channels, long outputs, const float *bias,
    float *output);

/// Their pullback: `dP[r(cell, c), cell] += dy[sample]` for every sample, cell and channel in
/// that order. `lanes` as for `exptrain_tanh`.
void exptrain_scatter_projection_rows(
    int lanes, const float *gradient, const int *rows, long batch, long cells, long channels, long outputs, float *projectionGradient);

/// `W` `[outputs, cells, channels, dimension]` rearranged as `[channels, dimension, cells, outputs]`.
void exptrain_rearrange_weight(const float *weight, long outputs, long cells, long channels, long dimension, float *rearranged);

/// The inverse of `exptrain_rearrange_weight`, added: `weight[o, cell, c, k] += rearranged[c, k, cell, o]`.
void exptrain_add_rearranged_weight(const float *rearranged, long outputs, long cells, long channels, long dimension, float *weight);

/// `EmbeddedLinear`'s table rows: `rows[i] = rowOffsets[c] + (long)codes[i]` for each code of
/// channel `c = i % channels`. Returns −1, or the index of the first code outside its
/// channel's `0 ..< codeCounts[c]` (its rows are then not all written).
long exptrain_table_rows(const float *codes, long count, long channels, const long *codeCounts, const long *rowOffsets, int *rows);

#endif
