import ExptrainRandom
import ExptrainTensor

/// The layers of a convolutional encoder: convolutions, each followed by ReLU, then a
/// flatten and one `Linear` followed by ReLU.
///
/// ```swift
/// let small = ConvolutionalArchitecture(convolutions: [.init(outputChannels: 8, kernelSize: 3)], outputSize: 64)
/// ```
public struct ConvolutionalArchitecture: Sendable, Equatable {
    /// One convolution: square kernel, stride, zero padding.
    public struct Convolution: Sendable, Equatable {
        public var outputChannels: Int
        public var kernelSize: Int
        public var stride: Int
        public var padding: Int

        public init(outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) {
            self.outputChannels = outputChannels
            self.kernelSize = kernelSize
            self.stride = stride
            self.padding = padding
        }
    }

    /// The convolutions, first applied first.
    public var convolutions: [Convolution]
    /// The width of the `Linear` after the flatten, the encoder's output.
    public var outputSize: Int

    public init(convolutions: [Convolution], outputSize: Int) {
        precondition(!convolutions.isEmpty && outputSize > 0, "an encoder needs a convolution and an output")
        self.convolutions = convolutions
        self.outputSize = outputSize
    }

    /// The Nature-CNN (Mnih et al. 2015; CleanRL's `ppo_atari.py`): 32·8×8 stride 4,
    /// 64·4×4 stride 2, 64·3×3 stride 1, then 512 (`[84, 84, 4]` → 7×7×64 = 3136 → 512).
    public static let natureCNN = ConvolutionalArchitecture(
        convolutions: [
            .init(outputChannels: 32, kernelSize: 8, stride: 4), .init(outputChannels: 64, kernelSize: 4, stride: 2),
            .init(outputChannels: 64, kernelSize: 3, stride: 1),
        ],
        outputSize: 512)

    /// MinAtar's network (Young & Tian 2019, `examples/dqn.py`): 16·3×3 stride 1 without
    /// padding, then 128 (`[10, 10, C]` → 8×8×16 = 1024 → 128).
    public static let minAtar = ConvolutionalArchitecture(convolutions: [.init(outputChannels: 16, kernelSize: 3)], outputSize: 128)
}

/// An image encoder: the convolutions of a `ConvolutionalArchitecture` with ReLU after
/// each, flattened, then `Linear` and ReLU:
///
///     h₀ = x,  hₗ = relu(Conv2dₗ(hₗ₋₁)),  y = relu(Linear(flatten(h_L)))
///
/// `x` is `[batch, height, width, channels]` (channel last, as a UInt8 observation lies,
/// already scaled); the flatten keeps the `(y, x, channel)` order of the last feature map.
/// Parameters are named like CleanRL's `nn.Sequential`: convolutions `<name>.0`, `<name>.2`, …,
/// the linear layer `<name>.<2L + 1>` (`network.0`, `.2`, `.4`, `.7` for the Nature-CNN);
/// all orthogonal with gain √2, biases zero.
///
/// ```swift
/// let encoder = ConvolutionalEncoder(imageShape: [84, 84, 4], architecture: .natureCNN, name: "network",
///                                    parameters: store, generator: &generator)
/// let features = encoder(frames)     // [batch, 512]
/// ```
public final class ConvolutionalEncoder: Layer {
    /// `[height, width, channels]` of one image.
    public let imageShape: [Int]
    public let convolutions: [Conv2d]
    /// flatten(h_L) → outputSize.
    public let linear: Linear
    /// `[height, width]` after each convolution.
    public let featureMapSizes: [(height: Int, width: Int)]

    /// Registers every layer's parameters in `parameters`, drawn from `generator` in order.
    public init(
        imageShape: [Int], architecture: ConvolutionalArchitecture, name: String, parameters: ParameterStore,
        generator: inout RandomGenerator
    ) {
        precondition(imageShape.count == 3, "an image is [height, width, channels], not \(imageShape)")
        self.imageShape = imageShape
        var (height, width, channels) = (imageShape[0], imageShape[1], imageShape[2])
        var convolutions: [Conv2d] = []
        var sizes: [(Int, Int)] = []
        for (index, layer) in architecture.convolutions.enumerated() {
            let conv = Conv2d(
                inputChannels: channels, outputChannels: layer.outputChannels, kernelSize: layer.kernelSize, stride: layer.stride,
                padding: layer.padding, name: "\(name).\(2 * index)", parameters: parameters, generator: &generator)
            let geometry = conv.geometry(batch: 1, height: height, width: width)
            (height, width, channels) = (geometry.outputHeight, geometry.outputWidth, layer.outputChannels)
            convolutions.append(conv)
            sizes.append((height, width))
        }
        self.convolutions = convolutions
        featureMapSizes = sizes
        linear = Linear(
            inputSize: height * width * channels, outputSize: architecture.outputSize,
            name: "\(name).\(2 * architecture.convolutions.count + 1)", parameters: parameters,
            weightInitialization: .orthogonal(gain: Float(2).squareRoot()), generator: &generator)
    }

    /// The width of the encoding.
    public var outputSize: Int { linear.outputSize }

    public func callAsFunction(_ images: Tensor) -> Tensor {
        precondition(Array(images.shape.dropFirst()) == imageShape, "images \(images.shape) are not [batch] + \(imageShape)")
        let features = convolutions.reduce(images) { $1($0).relu() }
        return linear(features.reshaped([images.shape[0], -1])).relu()
    }

    /// Workspace slots `apply` uses, from its `firstSlot`: a patch matrix and a feature map per convolution.
    public var workspaceSlots: Int { 2 * convolutions.count }

    /// The encoder on raw buffers, without recording: `images` `[batch, height, width,
    /// channels]`, `output` `[batch, outputSize]`; scratch in `workspace` slots
    /// `firstSlot ..< firstSlot + workspaceSlots`. Same numbers as `callAsFunction`.
    public func apply(
        _ images: UnsafePointer<Float>, batch: Int, into output: UnsafeMutablePointer<Float>, workspace: InferenceWorkspace, firstSlot: Int
    ) {
        var current = images
        var (height, width) = (imageShape[0], imageShape[1])
        for (index, conv) in convolutions.enumerated() {
            let geometry = conv.geometry(batch: batch, height: height, width: width)
            let columns = workspace.buffer(firstSlot + 2 * index, count: geometry.blockColumnCount)
            let next = workspace.buffer(firstSlot + 2 * index + 1, count: geometry.outputCount)
            conv.apply(current, geometry: geometry, columns: columns, into: next)
            Activation.relu.apply(inPlace: next, count: geometry.outputCount)
            current = UnsafePointer(next)
            (height, width) = (geometry.outputHeight, geometry.outputWidth)
        }
        linear.apply(current, batch: batch, into: output)
        Activation.relu.apply(inPlace: output, count: batch * outputSize)
    }
}
