extension Tensor {
    /// The sum of all values, as a scalar (shape `[]`). Accumulated in Double.
    public func sum() -> Tensor {
        scaledSum(scale: 1)
    }

    /// The mean of all values, as a scalar (shape `[]`).
    public func mean() -> Tensor {
        precondition(count > 0, "mean of an empty tensor")
        return scaledSum(scale: 1 / Float(count))
    }

    /// Sums over `axis`, which disappears from the shape (`[b, a].sum(axis: 1)` is `[b]`).
    public func sum(axis: Int) -> Tensor {
        scaledSum(axis: axis, scale: 1)
    }

    /// Averages over `axis`, which disappears from the shape.
    public func mean(axis: Int) -> Tensor {
        precondition(shape[axis] > 0, "mean over an empty axis")
        return scaledSum(axis: axis, scale: 1 / Float(shape[axis]))
    }

    private func scaledSum(scale: Float) -> Tensor {
        var total = 0.0
        for i in 0..<count { total += Double(pointer[i]) }
        let result = Tensor(Float(total) * scale)
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] _, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                let share = gradient[0] * scale
                for i in 0..<count { inputGradient[i] += share }
            }
        }
        return result
    }

    /// Viewing the values as `[outer, shape[axis], inner]`, sums the middle axis.
    private func scaledSum(axis: Int, scale: Float) -> Tensor {
        precondition(axis >= 0 && axis < shape.count, "axis \(axis) out of shape \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var resultShape = shape
        resultShape.remove(at: axis)
        let result = Tensor(shape: resultShape, repeating: 0)
        let (input, output) = (pointer, result.pointer)
        for o in 0..<outer {
            for a in 0..<length {
                let row = input + (o * length + a) * inner
                let target = output + o * inner
                for i in 0..<inner { target[i] += row[i] }
            }
            for i in 0..<inner { output[o * inner + i] *= scale }
        }
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] _, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                for o in 0..<outer {
                    let source = gradient + o * inner
                    for a in 0..<length {
                        let target = inputGradient + (o * length + a) * inner
                        for i in 0..<inner { target[i] += source[i] * scale }
                    }
                }
            }
        }
        return result
    }
}
