#include "vector_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// The 8 × 8 block at `source` (rows `sourceStride` floats apart) transposed to
/// `destination` (rows `destinationStride` apart): pairs interleaved, then quadruples, then
/// the 128-bit halves exchanged.
__attribute__((target("avx2"))) static void transpose_block8(
    const float *source, long sourceStride, float *destination, long destinationStride) {
    __m256 r[8], t[8], s[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(source + i * sourceStride);
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int half = 0; half < 2; half++) {
        const __m256 *u = t + 4 * half;
        s[4 * half + 0] = _mm256_shuffle_ps(u[0], u[2], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * half + 1] = _mm256_shuffle_ps(u[0], u[2], _MM_SHUFFLE(3, 2, 3, 2));
        s[4 * half + 2] = _mm256_shuffle_ps(u[1], u[3], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * half + 3] = _mm256_shuffle_ps(u[1], u[3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(destination + i * destinationStride, _mm256_permute2f128_ps(s[i], s[i + 4], 0x20));
        _mm256_storeu_ps(destination + (i + 4) * destinationStride, _mm256_permute2f128_ps(s[i], s[i + 4], 0x31));
    }
}

__attribute__((target("avx2"))) static void transpose_avx2(const float *matrix, long rows, long columns, float *transposed) {
    long blockRows = rows - rows % 8, blockColumns = columns - columns % 8;
    for (long i = 0; i < blockRows; i += 8)
        for (long j = 0; j < blockColumns; j += 8)
            transpose_block8(matrix + i * columns + j, columns, transposed + j * rows + i, rows);
    for (long i = 0; i < rows; i++)
        for (long j = i < blockRows ? blockColumns : 0; j < columns; j++) transposed[j * rows + i] = matrix[i * columns + j];
}
#endif

void exptrain_transpose(int lanes, const float *matrix, long rows, long columns, float *transposed) {
#if defined(__x86_64__)
    if (lanes >= 8) {
        transpose_avx2(matrix, rows, columns, transposed);
        return;
    }
#endif
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < columns; j++) transposed[j * rows + i] = matrix[i * columns + j];
}
