extension Tensor {
    /// The rows and columns of a matrix, as stored.
    fileprivate var matrixSize: (rows: Int, columns: Int) {
        precondition(shape.count == 2, "a matrix operand must have two axes, not shape \(shape)")
        return (shape[0], shape[1])
    }
}

/// `op(a) · op(b)`, where `op` transposes when asked: one `cblas_sgemm` with the
/// transpose flags, never a copy. The pullback is two more sgemm calls that accumulate
/// straight into the inputs' gradients (for `C = A·B`: `dA += dC·Bᵀ`, `dB += Aᵀ·dC`).
///
/// ```swift
/// let scores = matmul(queries, keys, transposeB: true)   // [n, d]·[m, d]ᵀ = [n, m]
/// ```
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    let (aRows, aColumns) = a.matrixSize
    let (bRows, bColumns) = b.matrixSize
    let (m, k) = transposeA ? (aColumns, aRows) : (aRows, aColumns)
    let (bInner, n) = transposeB ? (bColumns, bRows) : (bRows, bColumns)
    precondition(k == bInner, "matmul of \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : ""): inner sizes differ")
    let result = Tensor(uninitializedShape: [m, n])
    if k == 0 {
        result.pointer.update(repeating: 0, count: m * n)
    } else {
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a.pointer, b: b.pointer, beta: 0, c: result.pointer)
    }
    if Tensor.shouldRecord(a, b) {
        result.recordGradient(inputs: [a, b]) { _, gradient in
            if let aGradient = a.gradientAccumulator() {
                // dA (stored like A) = dC·op(B)ᵀ, or its transpose when A is used transposed.
                if transposeA {
                    BLAS.gemm(transposeA: transposeB, transposeB: true, m: k, n: m, k: n, a: b.pointer, b: gradient, beta: 1, c: aGradient)
                } else {
                    BLAS.gemm(transposeA: false, transposeB: !transposeB, m: m, n: k, k: n, a: gradient, b: b.pointer, beta: 1, c: aGradient)
                }
            }
            if let bGradient = b.gradientAccumulator() {
                // dB (stored like B) = op(A)ᵀ·dC, or its transpose when B is used transposed.
                if transposeB {
                    BLAS.gemm(transposeA: true, transposeB: transposeA, m: n, n: k, k: m, a: gradient, b: a.pointer, beta: 1, c: bGradient)
                } else {
                    BLAS.gemm(transposeA: !transposeA, transposeB: false, m: k, n: n, k: m, a: a.pointer, b: gradient, beta: 1, c: bGradient)
                }
            }
        }
    }
    return result
}

/// An affine map of a batch, `y = x·Wᵀ + b`, with `x` `[batch, in]`, `weight` `[out, in]`
/// and `bias` `[out]`: the bias is copied into each output row and one sgemm adds `x·Wᵀ`
/// to it, so a linear layer costs one BLAS call and one allocation. The pullback is
/// `dx += dy·W`, `dW += dyᵀ·x`, `db += Σ_rows dy`.
public func affine(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    let (batch, inputSize) = input.matrixSize
    let (outputSize, weightInputSize) = weight.matrixSize
    precondition(inputSize == weightInputSize, "input \(input.shape) does not match weight \(weight.shape)")
    precondition(bias.map { $0.count == outputSize } ?? true, "bias must have \(outputSize) values")
    let result = Tensor(uninitializedShape: [batch, outputSize])
    BLAS.affine(
        batch: batch, inputSize: inputSize, outputSize: outputSize, input: input.pointer, weight: weight.pointer,
        bias: bias?.pointer, output: result.pointer)
    let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
    if Tensor.shouldRecord(inputs) {
        result.recordGradient(inputs: inputs) { _, gradient in
            if let inputGradient = input.gradientAccumulator() {
                BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: inputSize, k: outputSize, a: gradient, b: weight.pointer, beta: 1, c: inputGradient)
            }
            if let weightGradient = weight.gradientAccumulator() {
                BLAS.gemm(transposeA: true, transposeB: false, m: outputSize, n: inputSize, k: batch, a: gradient, b: input.pointer, beta: 1, c: weightGradient)
            }
            if let biasGradient = bias?.gradientAccumulator() {
                BLAS.addColumnSums(gradient, rowCount: batch, columns: outputSize, into: biasGradient)
            }
        }
    }
    return result
}
