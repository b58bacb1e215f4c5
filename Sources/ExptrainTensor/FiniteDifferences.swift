/// Central finite differences, for checking gradients in tests.
///
/// For each value `xᵢ` at `values`, evaluates `objective` at `xᵢ ± step` (the other values
/// unchanged) and returns `(f(xᵢ + h) − f(xᵢ − h)) / (2h)` in Double, where `2h` is the
/// actual distance between the two Float arguments, so rounding of `xᵢ ± step` costs nothing.
/// Each value is restored afterwards.
///
/// ```swift
/// let numeric = x.withUnsafeMutableBufferPointer { values in
///     centralDifferences(of: { Double(f(x).scalar) }, at: values.baseAddress!, count: values.count)
/// }
/// ```
public func centralDifferences(
    of objective: () -> Double, at values: UnsafeMutablePointer<Float>, count: Int, step: Float = 1e-2
) -> [Double] {
    (0..<count).map { index in
        let original = values[index]
        let above = original + step
        let below = original - step
        values[index] = above
        let upper = objective()
        values[index] = below
        let lower = objective()
        values[index] = original
        return (upper - lower) / (Double(above) - Double(below))
    }
}

/// `Σᵢ xᵢ·wᵢ` in Double: turns a tensor-valued function into a scalar for gradient checks,
/// with random weights `w` so that every output value matters differently.
public func weightedSum(_ tensor: Tensor, weights: [Float]) -> Double {
    precondition(weights.count == tensor.count, "\(weights.count) weights for \(tensor.count) values")
    return tensor.withUnsafeBufferPointer { values in
        zip(values, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
}
