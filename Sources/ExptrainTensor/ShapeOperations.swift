extension Tensor {
    /// The size of one entry of the first (batch) axis.
    var rowSize: Int {
        precondition(!shape.isEmpty, "a scalar has no batch axis")
        return shape.dropFirst().reduce(1, *)
    }

    /// The same values with another shape of the same count. No copy: the result shares
    /// the values (`-1` stands for the one axis inferred from the others).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            resolved[inferred] = 1
            let known = resolved.reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return view(shape: resolved, offset: 0)
    }

    /// Rows `range` of the batch axis. No copy: the result shares the values.
    public func slice(rows range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) outside 0..<\(shape[0])")
        var resultShape = shape
        resultShape[0] = range.count
        return view(shape: resultShape, offset: range.lowerBound * rowSize)
    }

    /// A differentiable view of `count` values starting `offset` values in.
    private func view(shape resultShape: [Int], offset: Int) -> Tensor {
        let result = Tensor(shape: resultShape, storage: storage, offset: (pointer - storage.base) + offset)
        if Tensor.shouldRecord(self) {
            let viewCount = result.count
            result.recordGradient(inputs: [self]) { [self] _, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                let target = inputGradient + offset
                for i in 0..<viewCount { target[i] += gradient[i] }
            }
        }
        return result
    }

    /// The rows at `indices` of the batch axis, in that order (repeats allowed): an
    /// embedding lookup when `self` is the table `[vocabulary, dimension]`, or a minibatch.
    /// The pullback adds each row's gradient back to the row it came from.
    public func rows(at indices: [Int]) -> Tensor {
        let rowSize = rowSize
        precondition(indices.allSatisfy { $0 >= 0 && $0 < shape[0] }, "a row index is outside 0..<\(shape[0])")
        var resultShape = shape
        resultShape[0] = indices.count
        let result = Tensor(uninitializedShape: resultShape)
        for (position, index) in indices.enumerated() {
            (result.pointer + position * rowSize).update(from: pointer + index * rowSize, count: rowSize)
        }
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] _, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                for (position, index) in indices.enumerated() {
                    let source = gradient + position * rowSize
                    let target = inputGradient + index * rowSize
                    for i in 0..<rowSize { target[i] += source[i] }
                }
            }
        }
        return result
    }

    /// The tensors one after another along the batch axis; all other axes must agree.
    public static func concatenate(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let tail = Array(parts[0].shape.dropFirst())
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == tail }, "concatenated tensors differ beyond the batch axis")
        let result = Tensor(uninitializedShape: [parts.reduce(0) { $0 + $1.shape[0] }] + tail)
        var offset = 0
        for part in parts {
            (result.pointer + offset).update(from: part.pointer, count: part.count)
            offset += part.count
        }
        if shouldRecord(parts) {
            result.recordGradient(inputs: parts) { _, gradient in
                var offset = 0
                for part in parts {
                    if let partGradient = part.gradientAccumulator() {
                        for i in 0..<part.count { partGradient[i] += gradient[offset + i] }
                    }
                    offset += part.count
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// Columns `range` of a matrix `[rows, columns]`, copied: `y[r, j] = x[r, range.lowerBound + j]`.
    /// The pullback adds each column's gradient back where it came from.
    public func columns(_ range: Range<Int>) -> Tensor {
        precondition(shape.count == 2, "columns(_:) needs a matrix, not \(shape)")
        let (rows, width) = (shape[0], shape[1])
        precondition(range.lowerBound >= 0 && range.upperBound <= width, "columns \(range) outside 0..<\(width)")
        let result = Tensor(uninitializedShape: [rows, range.count])
        for row in 0..<rows {
            (result.pointer + row * range.count).update(from: pointer + row * width + range.lowerBound, count: range.count)
        }
        if Tensor.shouldRecord(self) {
            result.recordGradient(inputs: [self]) { [self] _, gradient in
                guard let inputGradient = gradientAccumulator() else { return }
                for row in 0..<rows {
                    let source = gradient + row * range.count
                    let target = inputGradient + row * width + range.lowerBound
                    for j in 0..<range.count { target[j] += source[j] }
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// Matrices `[rows, columnsᵢ]` side by side, `[rows, Σ columnsᵢ]`: each row of the
    /// result is the rows of the parts one after another (an encoder's features next to
    /// a vector observation). The pullback hands each part its columns of the gradient.
    public static func concatenateColumns(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.shape.count == 2 && $0.shape[0] == parts[0].shape[0] },
                     "concatenateColumns needs matrices with the same number of rows")
        let rows = parts[0].shape[0]
        let width = parts.reduce(0) { $0 + $1.shape[1] }
        let result = Tensor(uninitializedShape: [rows, width])
        var offset = 0
        for part in parts {
            let columns = part.shape[1]
            for row in 0..<rows { (result.pointer + row * width + offset).update(from: part.pointer + row * columns, count: columns) }
            offset += columns
        }
        if shouldRecord(parts) {
            result.recordGradient(inputs: parts) { _, gradient in
                var offset = 0
                for part in parts {
                    let columns = part.shape[1]
                    if let partGradient = part.gradientAccumulator() {
                        for row in 0..<rows {
                            let source = gradient + row * width + offset
                            let target = partGradient + row * columns
                            for j in 0..<columns { target[j] += source[j] }
                        }
                    }
                    offset += columns
                }
            }
        }
        return result
    }
}
