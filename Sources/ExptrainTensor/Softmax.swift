#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// The rows of the last axis, and their length.
    var lastAxisRows: (rows: Int, length: Int) {
        precondition(!shape.isEmpty, "a scalar has no last axis")
        let length = shape[shape.count - 1]
        return (length == 0 ? 0 : count / length, length)
    }

    /// `log softmax` over the last axis: `yᵢ = xᵢ − max − log Σⱼ e^(xⱼ − max)`, stable for
    /// large logits. The pullback is `dxᵢ = dyᵢ − softmaxᵢ · Σⱼ dyⱼ`.
    public func logSoftmax() -> Tensor {
        let (rows, length) = lastAxisRows
        let result = Tensor(uninitializedShape: shape)
        for row in 0..<rows {
            ExptrainTensor.logSoftmax(pointer + row * length, count: length, into: result.pointer + row * length)
        }
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] result, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                for row in 0..<rows {
                    let upstream = gradient + row * length
                    let output = result.pointer + row * length
                    let target = inputGradient + row * length
                    var upstreamTotal: Float = 0
                    for j in 0..<length { upstreamTotal += upstream[j] }
                    for j in 0..<length { target[j] += upstream[j] - expf(output[j]) * upstreamTotal }
                }
            }
        }
        return result
    }

    /// One value per row of the last axis: `y[r] = x[r, indices[r]]`, shape `shape.dropLast()`.
    /// With log-probabilities `[batch, actions]` and the actions taken, this is the
    /// log-probability of each action.
    public func gather(lastAxis indices: [Int]) -> Tensor {
        let (rows, length) = lastAxisRows
        precondition(indices.count == rows, "\(indices.count) indices for \(rows) rows")
        precondition(indices.allSatisfy { $0 >= 0 && $0 < length }, "an index is outside 0..<\(length)")
        let result = Tensor(uninitializedShape: Array(shape.dropLast()))
        for row in 0..<rows { result.pointer[row] = pointer[row * length + indices[row]] }
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] _, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                for row in 0..<rows { inputGradient[row * length + indices[row]] += gradient[row] }
            }
        }
        return result
    }
}

/// `log softmax` of the `count` values at `input`, written to `output` (which may be
/// `input`): `yᵢ = (xᵢ − max) − log Σⱼ e^(xⱼ − max)`. The arithmetic of `Tensor.logSoftmax()`
/// on one row, for callers that keep their own buffers (a rollout's logits).
public func logSoftmax(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>) {
    var largest = -Float.infinity
    for j in 0..<count { largest = Swift.max(largest, input[j]) }
    var total: Float = 0
    for j in 0..<count { total += expf(input[j] - largest) }
    // (x − max) − log Σ rather than x − (max + log Σ): no rounding at the scale of max.
    let logTotal = logf(total)
    for j in 0..<count { output[j] = (input[j] - largest) - logTotal }
}
