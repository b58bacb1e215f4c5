import CVectorKernels
import ExptrainTensor

/// Scales `gradients` so that their global L2 norm is at most `maxNorm`, as PyTorch's
/// `clip_grad_norm_`: with `‖g‖ = √Σ gᵢ²` (summed in Double), every gradient is multiplied
/// by `maxNorm / (‖g‖ + 1e-6)` when that is below 1. Returns the norm before clipping.
///
/// Under MPI, call it after the gradient all-reduce so every rank clips by the same norm.
/// The sum runs in eight independent Double lanes: one dependent chain of adds would
/// take several cycles per parameter.
@discardableResult
public func clipGlobalNorm(_ gradients: UnsafeMutableBufferPointer<Float>, maxNorm: Float) -> Float {
    guard let base = gradients.baseAddress else { return 0 }
    let norm = Float(sumOfSquares(base, count: gradients.count).squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        if VectorUnit.lanes > 0 {
            exptrain_scale(VectorUnit.lanes, base, gradients.count, scale)
        } else {
            for i in gradients.indices { gradients[i] *= scale }
        }
    }
    return norm
}

/// `Σ gᵢ²` in Double: eight lanes, each summing every eighth square, then the lanes in
/// order, then the last `count % 8`; on the wide vector unit the same operations in C.
private func sumOfSquares(_ values: UnsafeMutablePointer<Float>, count: Int) -> Double {
    if VectorUnit.lanes > 0 { return exptrain_sum_of_squares(VectorUnit.lanes, values, count) }
    var lanes = SIMD8<Double>()
    var index = 0
    let raw = UnsafeRawPointer(values)
    while index + 8 <= count {
        let chunk = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self))
        lanes += chunk * chunk
        index += 8
    }
    var sum = lanes.sum()
    while index < count {
        sum += Double(values[index]) * Double(values[index])
        index += 1
    }
    return sum
}

/// Clips all of `parameters`' gradients to global norm `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGlobalNorm(_ parameters: ParameterStore, maxNorm: Float) -> Float {
    parameters.withGradients { clipGlobalNorm($0, maxNorm: maxNorm) }
}
