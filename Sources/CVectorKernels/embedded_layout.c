#include "vector_kernels.h"

// Both walk W cell by cell: W[o, cell, ·, ·] is `channels · dimension` contiguous floats per
// output, and the rearranged rows (c, k) of one cell stay in the first-level cache while
// every output writes its column of them.

void exptrain_rearrange_weight(const float *weight, long outputs, long cells, long channels, long dimension, float *rearranged) {
    const long perCell = channels * dimension, inputSize = cells * perCell, rowStride = cells * outputs;
    for (long cell = 0; cell < cells; cell++) {
        for (long out = 0; out < outputs; out++) {
            const float *source = weight + out * inputSize + cell * perCell;
            float *target = rearranged + cell * outputs + out;
            for (long ck = 0; ck < perCell; ck++) target[ck * rowStride] = source[ck];
        }
    }
}

void exptrain_add_rearranged_weight(const float *rearranged, long outputs, long cells, long channels, long dimension, float *weight) {
    const long perCell = channels * dimension, inputSize = cells * perCell, rowStride = cells * outputs;
    for (long cell = 0; cell < cells; cell++) {
        for (long out = 0; out < outputs; out++) {
            float *target = weight + out * inputSize + cell * perCell;
            const float *source = rearranged + cell * outputs + out;
            for (long ck = 0; ck < perCell; ck++) target[ck] += source[ck * rowStride];
        }
    }
}

long exptrain_table_rows(const float *codes, long count, long channels, const long *codeCounts, const long *rowOffsets, int *rows) {
    for (long cell = 0; cell + channels <= count; cell += channels) {
        for (long channel = 0; channel < channels; channel++) {
            float code = codes[cell + channel];
            // Codes in (−1, count) truncate to 0 … count − 1, as Int(code) does; NaN fails too.
            if (!(code > -1.0f && code < (float)codeCounts[channel])) return cell + channel;
            rows[cell + channel] = (int)(rowOffsets[channel] + (long)code);
        }
    }
    return -1;
}
