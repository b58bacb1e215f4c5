import ExptrainRandom
import ExptrainTensor

/// A lookup table: `y[i] = E[indices[i]]`, with `E` `[count, dimension]` registered as
/// `<name>.weight` and initialised standard normal (PyTorch's `nn.Embedding`). The
/// gradient of each looked-up row is added back to its row of `E`.
///
/// ```swift
/// let embedding = Embedding(count: 20, dimension: 8, name: "embedding", parameters: store, generator: &generator)
/// let vectors = embedding([3, 0, 3])   // [3, 8]
/// ```
public final class Embedding {
    /// The number of rows (distinct indices).
    public let count: Int
    /// The length of each row.
    public let dimension: Int
    /// The table `E`, `[count, dimension]`.
    public let weight: Parameter

    /// Registers `<name>.weight` in `parameters`, drawn from `generator`.
    public init(count: Int, dimension: Int, name: String, parameters: ParameterStore, generator: inout RandomGenerator) {
        self.count = count
        self.dimension = dimension
        weight = parameters.register(
            "\(name).weight", shape: [count, dimension],
            initialValues: Initialization.normal(standardDeviation: 1).values(shape: [count, dimension], using: &generator)
        )
    }

    /// The rows of the table at `indices`, shape `[indices.count, dimension]`.
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        weight.tensor.rows(at: indices)
    }
}
