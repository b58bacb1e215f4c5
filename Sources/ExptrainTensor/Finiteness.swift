import CVectorKernels

/// Whether every value is finite (no ±∞, no NaN): the divergence guard's test of the
/// parameters after each optimiser step and of everything a checkpoint would hold.
///
/// `x − x` is 0 for a finite `x` and NaN otherwise, and a NaN survives a sum, so the test
/// is one pass of subtractions and adds, on the wide vector unit where there is one.
///
/// ```swift
/// parameters.withValues { allFinite(UnsafeBufferPointer($0)) }   // false once a NaN got in
/// ```
public func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
    guard let base = values.baseAddress else { return true }
    if VectorUnit.lanes > 0 { return exptrain_all_finite(VectorUnit.lanes, base, values.count) == 1 }
    var lanes = SIMD8<Float>()
    var index = 0
    let raw = UnsafeRawPointer(base)
    while index + 8 <= values.count {
        let chunk = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
        lanes += chunk - chunk
        index += 8
    }
    var sum = lanes.sum()
    while index < values.count {
        sum += values[index] - values[index]
        index += 1
    }
    return sum == 0
}
