import ExptrainRandom

/// How a layer's initial parameter values are drawn. Every draw comes from the
/// `RandomGenerator` passed in, so a seed fixes every initial value bit for bit.
public enum Initialization: Sendable {
    /// All zeros (CleanRL's biases).
    case zeros
    /// A (semi-)orthogonal matrix times `gain`, as `torch.nn.init.orthogonal_`: the Q of
    /// the QR decomposition of a standard normal matrix, with R's diagonal made positive.
    /// CleanRL's PPO uses gain √2 on hidden layers, 0.01 on the policy output, 1 on the value output.
    case orthogonal(gain: Float)
    /// Uniform on `[-bound, bound]` (PyTorch's default for GRU weights: `bound = 1/√hidden`).
    case uniform(bound: Float)
    /// Normal with mean 0 and standard deviation `standardDeviation` (PyTorch's `nn.Embedding`: 1).
    case normal(standardDeviation: Float)

    /// Values for a parameter of `shape`; matrices are `[rows, columns]` = `[out, in]`.
    public func values(shape: [Int], using generator: inout RandomGenerator) -> [Float] {
        let count = shape.reduce(1, *)
        switch self {
        case .zeros:
            return [Float](repeating: 0, count: count)
        case .uniform(let bound):
            return (0..<count).map { _ in generator.nextUniform(-bound, bound) }
        case .normal(let standardDeviation):
            return (0..<count).map { _ in generator.nextNormal() * standardDeviation }
        case .orthogonal(let gain):
            precondition(shape.count >= 2, "orthogonal initialisation needs a matrix, not shape \(shape)")
            let rows = shape[0]
            return orthogonalMatrix(rows: rows, columns: count / rows, gain: gain, using: &generator)
        }
    }
}

/// A `rows × columns` matrix with orthonormal rows or columns (whichever are fewer), times
/// `gain`. Gram–Schmidt in Double over the longer side's vectors, applied twice so the
/// result is orthogonal to Float precision; Gram–Schmidt yields R with a positive
/// diagonal, the same Q that PyTorch obtains after its sign correction.
private func orthogonalMatrix(rows: Int, columns: Int, gain: Float, using generator: inout RandomGenerator) -> [Float] {
    // Orthonormalise `vectorCount` vectors of length `length`: the columns of a tall
    // matrix or, for a wide one, its rows (PyTorch transposes wide matrices the same way).
    let tall = rows >= columns
    let (length, vectorCount) = tall ? (rows, columns) : (columns, rows)
    let normal = (0..<rows * columns).map { _ in Double(generator.nextNormal()) }
    // Vector v is row v of `vectors` ([vectorCount, length]), whichever way it lies in `normal`.
    var vectors = [Double](repeating: 0, count: rows * columns)
    for v in 0..<vectorCount {
        for i in 0..<length { vectors[v * length + i] = tall ? normal[i * columns + v] : normal[v * columns + i] }
    }
    vectors.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        for v in 0..<vectorCount {
            let vector = base + v * length
            for _ in 0..<2 {
                for u in 0..<v {
                    let previous = base + u * length
                    var projection = 0.0
                    for i in 0..<length { projection += previous[i] * vector[i] }
                    for i in 0..<length { vector[i] -= projection * previous[i] }
                }
            }
            var norm = 0.0
            for i in 0..<length { norm += vector[i] * vector[i] }
            let scale = 1 / norm.squareRoot()
            for i in 0..<length { vector[i] *= scale }
        }
    }
    var matrix = [Float](repeating: 0, count: rows * columns)
    for v in 0..<vectorCount {
        for i in 0..<length {
            matrix[tall ? i * columns + v : v * columns + i] = Float(vectors[v * length + i]) * gain
        }
    }
    return matrix
}
