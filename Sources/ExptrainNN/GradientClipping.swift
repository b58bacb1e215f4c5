/// Scales `gradients` so that their global L2 norm is at most `maxNorm`, as PyTorch's
/// `clip_grad_norm_`: with `‖g‖ = √Σ gᵢ²` (summed in Double), every gradient is multiplied
/// by `maxNorm / (‖g‖ + 1e-6)` when that is below 1. Returns the norm before clipping.
///
/// Under MPI, call it after the gradient all-reduce so every rank clips by the same norm.
/// The sum runs in eight independent Double lanes: one dependent chain of adds would
/// take several cycles per parameter.
@discardableResult
public func clipGlobalNorm(_ gradients: UnsafeMutableBufferPointer<Float>, maxNorm: Float) -> Float {
    var lanes = SIMD8<Double>()
    var index = 0
    if let base = gradients.baseAddress {
        let raw = UnsafeRawPointer(base)
        while index + 8 <= gradients.count {
            let chunk = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self))
            lanes += chunk * chunk
            index += 8
        }
    }
    var sumOfSquares = lanes.sum()
    while index < gradients.count {
        sumOfSquares += Double(gradients[index]) * Double(gradients[index])
        index += 1
    }
    let norm = Float(sumOfSquares.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for i in gradients.indices { gradients[i] *= scale }
    }
    return norm
}

/// Clips all of `parameters`' gradients to global norm `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGlobalNorm(_ parameters: ParameterStore, maxNorm: Float) -> Float {
    parameters.withGradients { clipGlobalNorm($0, maxNorm: maxNorm) }
}
