import ExptrainRandom
import ExptrainTensor

/// A 2-D convolution layer over channel-last images (`conv2d`):
///
///     y[n, i, j, o] = b[o] + Σ_{u, v, c} x[n, i·s + u − p, j·s + v − p, c] · W[o, u, v, c]
///
/// with `x` `[batch, height, width, inputChannels]`, `W` `[outputChannels, kernelSize,
/// kernelSize, inputChannels]` (PyTorch's `[out, in, kh, kw]` with the input channel
/// last, see `ConvolutionGeometry`), `b` `[outputChannels]`, stride `s` and zero padding `p`.
///
/// Initialisation as CleanRL's `layer_init`: `W` orthogonal over its flattened rows
/// `[out, kh·kw·in]` with `gain` (√2 by default), `b` zeros.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let conv = Conv2d(inputChannels: 4, outputChannels: 32, kernelSize: 8, stride: 4, name: "network.0",
///                   parameters: store, generator: &generator)
/// let y = conv(frames)       // [batch, 84, 84, 4] → [batch, 20, 20, 32]
/// ```
public final class Conv2d: Layer {
    public let inputChannels: Int
    public let outputChannels: Int
    /// The side of the square kernel.
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// `W`, registered as `<name>.weight`.
    public let weight: Parameter
    /// `b`, registered as `<name>.bias`.
    public let bias: Parameter

    /// Registers `<name>.weight` and `<name>.bias` in `parameters`, drawn from `generator`.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, name: String,
        parameters: ParameterStore, gain: Float = Float(2).squareRoot(), generator: inout RandomGenerator
    ) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let weightShape = [outputChannels, kernelSize, kernelSize, inputChannels]
        weight = parameters.register(
            "\(name).weight", shape: weightShape,
            initialValues: Initialization.orthogonal(gain: gain).values(shape: weightShape, using: &generator))
        bias = parameters.register("\(name).bias", shape: [outputChannels], initialValues: [Float](repeating: 0, count: outputChannels))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        conv2d(input, weight: weight.tensor, bias: bias.tensor, stride: stride, padding: padding)
    }

    /// The sizes of this layer applied to `batch` images of `height × width`.
    public func geometry(batch: Int, height: Int, width: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(
            batch: batch, height: height, width: width, inputChannels: inputChannels, outputChannels: outputChannels,
            kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
    }

    /// The layer on raw buffers, without recording (for inference into kept buffers):
    /// `columns` holds `geometry.blockColumnCount` floats of scratch. Same numbers as `callAsFunction`.
    public func apply(
        _ input: UnsafePointer<Float>, geometry: ConvolutionGeometry, columns: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        Convolution.forward(
            input, weight: weight.tensor.withUnsafeBufferPointer { $0.baseAddress! },
            bias: bias.tensor.withUnsafeBufferPointer { $0.baseAddress! }, geometry: geometry, columns: columns, output: output)
    }
}
