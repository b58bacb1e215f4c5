import ExptrainRandom
import ExptrainTensor

/// A fully connected layer: `y = x Wᵀ + b`, with `x` `[batch, inputSize]`, `W`
/// `[outputSize, inputSize]` and `b` `[outputSize]` (PyTorch's layout, so names and
/// shapes match a `torch.nn.Linear` checkpoint).
///
/// A batch costs one `cblas_sgemm` (`affine`). Initialisation: `W` by `weightInitialization`
/// (CleanRL: orthogonal with gain √2, 0.01 or 1), `b` by `biasInitialization` (zeros).
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let layer = Linear(inputSize: 4, outputSize: 64, name: "actor.0", parameters: store,
///                    weightInitialization: .orthogonal(gain: Float(2).squareRoot()), generator: &generator)
/// let y = layer(x)     // [batch, 64]
/// ```
public final class Linear: Layer {
    /// The length of each input row.
    public let inputSize: Int
    /// The length of each output row.
    public let outputSize: Int
    /// `W`, registered as `<name>.weight`.
    public let weight: Parameter
    /// `b`, registered as `<name>.bias`.
    public let bias: Parameter

    /// Registers `<name>.weight` and `<name>.bias` in `parameters`, drawn from `generator`.
    public init(
        inputSize: Int, outputSize: Int, name: String, parameters: ParameterStore,
        weightInitialization: Initialization, biasInitialization: Initialization = .zeros,
        generator: inout RandomGenerator
    ) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        let weightShape = [outputSize, inputSize]
        weight = parameters.register(
            "\(name).weight", shape: weightShape,
            initialValues: weightInitialization.values(shape: weightShape, using: &generator)
        )
        bias = parameters.register(
            "\(name).bias", shape: [outputSize],
            initialValues: biasInitialization.values(shape: [outputSize], using: &generator)
        )
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        affine(input, weight: weight.tensor, bias: bias.tensor)
    }

    /// `y = x Wᵀ + b` on raw rows, without recording (for inference into kept buffers):
    /// `input` `[batch, inputSize]`, `output` `[batch, outputSize]`. Same numbers as `callAsFunction`.
    /// `transposedWeight`: the weight as `writeTransposedWeight(into:)` wrote it, for
    /// `BLAS.affine`'s untransposed product.
    public func apply(
        _ input: UnsafePointer<Float>, batch: Int, into output: UnsafeMutablePointer<Float>,
        transposedWeight: UnsafePointer<Float>? = nil
    ) {
        BLAS.affine(
            batch: batch, inputSize: inputSize, outputSize: outputSize, input: input,
            weight: weight.tensor.withUnsafeBufferPointer { $0.baseAddress! },
            bias: bias.tensor.withUnsafeBufferPointer { $0.baseAddress! }, output: output, transposedWeight: transposedWeight)
    }

    /// Whether multiplying by a transposed copy of the weight (`apply(…, transposedWeight:)`)
    /// pays: from `transposedWeightMinimumOutputs` outputs. Below (a policy or value head)
    /// OpenBLAS's SkylakeX kernel for the untransposed product is slower and allocates a
    /// buffer at each call.
    public var usesTransposedWeight: Bool { outputSize >= Self.transposedWeightMinimumOutputs }

    /// The fewest outputs for which `usesTransposedWeight` holds.
    public static let transposedWeightMinimumOutputs = 16

    /// Writes `Wᵀ`, `[inputSize, outputSize]`, into `buffer` (room for `inputSize × outputSize` floats).
    public func writeTransposedWeight(into buffer: UnsafeMutablePointer<Float>) {
        weight.tensor.withUnsafeBufferPointer { BLAS.transpose($0.baseAddress!, rows: outputSize, columns: inputSize, into: buffer) }
    }
}
