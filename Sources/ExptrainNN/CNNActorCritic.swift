import ExptrainEnvironment
import ExptrainRandom
import ExptrainTensor

/// An actor-critic for pixel observations, optionally with vector parts beside the image
/// (AllenAct's sensors) and optionally recurrent:
///
///     x  = image bytes / high                 ([batch, H, W, C] in [0, 1], scaled inside the model: /255, or /1 for 0/1 states)
///     f  = ConvolutionalEncoder(x)              (Nature-CNN, MinAtar's, or another architecture)
///     u  = [f, v]                               (v: the observation's Float32 parts, in storage order)
///     h' = GRU(u, h ⊙ mask)                     (when recurrent; else h' = u)
///     π  = head(Linear(h')),  value = Linear(h')
///
/// CleanRL's `ppo_atari.py` agent is the feed-forward form with `.natureCNN` and no vector
/// parts. The image is the observation's UInt8 part named `imagePart` (`[H, W, C]`,
/// channel last): rollout storage keeps it as bytes, and the model reads them. The policy
/// head follows the action space as `MLPActorCritic`'s does (`Categorical`,
/// `MultiCategorical`, `DiagonalGaussian` with `actor_logstd`). A part laid out
/// `[C, H, W]` (Gymnasium's `FrameStackObservation` stacks frames first, as PyTorch
/// reads them) is read with `imageLayout: .channelsFirst`: the model puts the channels
/// last as it scales the bytes. Names: `network.*` (the
/// encoder), `gru.*`, `actor.weight`/`.bias` (`actor_mean.*` for a Box), `critic.*`.
/// Initialisation as CleanRL: encoder orthogonal √2, actor 0.01, critic 1, biases zero,
/// the GRU as PyTorch.
///
/// ```swift
/// let space = ObservationSpace.dictionary([
///     ObservationPart("rgb", Box(shape: [84, 84, 4], low: 0, high: 255, elementType: .uint8)),
///     ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
/// ])
/// let model = try CNNActorCritic(observationSpace: space, imagePart: "rgb", actionSpace: .discrete(count: 6),
///                                architecture: .natureCNN, recurrentSize: 256, seed: 1)
/// ```
public final class CNNActorCritic: ActorCriticModel {
    public let parameters = ParameterStore()
    public let distributionHead: any DistributionHead
    /// The observations the model reads.
    public let observationSpace: ObservationSpace
    /// `[H, W, C]` of the image, as the encoder reads it.
    public let imageShape: [Int]
    /// The order of the image part's dimensions in the observation.
    public let imageLayout: ImageLayout
    /// What each byte is multiplied by: `1 / high` of the image part's box, so an image in
    /// 0…255 reaches the encoder in [0, 1] (1/255) and a 0/1 state (MinAtar's) stays 0/1.
    public let pixelScale: Float
    /// Where the image starts in each observation's bytes.
    public let imageByteOffset: Int
    /// Floats per observation (all Float32 parts), concatenated after the encoding.
    public let vectorSize: Int
    /// Bytes per observation (all UInt8 parts), kept so `act` computes nothing from the space.
    private let byteCount: Int
    public let encoder: ConvolutionalEncoder
    /// The recurrent core; `nil` for the feed-forward model.
    public let gru: GRU?
    /// trunk → distribution parameters (logits, or the Gaussian's mean).
    public let actor: Linear
    /// trunk → value.
    public let critic: Linear
    /// The Gaussian's log standard deviation `[1, D]`, for a Box action space.
    public let logStandardDeviation: Parameter?
    private let policy: PolicyOutputLayout

    public var recurrentStateSize: Int { gru?.hiddenSize ?? 0 }
    /// The width of `u = [f, v]`.
    public var trunkInputSize: Int { encoder.outputSize + vectorSize }

    /// How an image part's three dimensions are ordered.
    public enum ImageLayout: Sendable {
        /// `[H, W, C]`: Gymnasium's images, MinAtar's state.
        case channelsLast
        /// `[C, H, W]`: stacked frames, PyTorch's order.
        case channelsFirst
    }

    /// A model whose initial parameters are fixed by `seed`. `imagePart` names a UInt8
    /// part of `observationSpace` with three dimensions in `imageLayout`'s order (`nil`:
    /// the only UInt8 part); `recurrentSize` adds a GRU of that size.
    ///
    /// - Throws: `SpaceError` when there is no such image part.
    public init(
        observationSpace: ObservationSpace, imagePart: String? = nil, imageLayout: ImageLayout = .channelsLast, actionSpace: ActionSpace,
        architecture: ConvolutionalArchitecture = .natureCNN, recurrentSize: Int? = nil, seed: UInt64
    ) throws(SpaceError) {
        let images = observationSpace.parts.filter { $0.box.elementType == .uint8 && (imagePart == nil || $0.name == imagePart) }
        guard images.count == 1, let image = images.first, image.box.shape.count == 3 else {
            let wanted = imagePart.map { "a UInt8 part named \($0)" } ?? "exactly one UInt8 part"
            let shape = imageLayout == .channelsLast ? "[height, width, channels]" : "[channels, height, width]"
            throw SpaceError("a CNN actor-critic needs \(wanted) of shape \(shape) in \(observationSpace)")
        }
        self.observationSpace = observationSpace
        self.imageLayout = imageLayout
        let high = image.box.high.max() ?? 0
        pixelScale = high.isFinite && high > 0 ? 1 / high : 1 / 255
        let shape = image.box.shape
        imageShape = imageLayout == .channelsLast ? shape : [shape[1], shape[2], shape[0]]
        imageByteOffset = observationSpace.byteOffset(of: image.name)!
        vectorSize = observationSpace.floatCount
        byteCount = observationSpace.byteCount
        let policy = PolicyOutputLayout(actionSpace)
        self.policy = policy
        distributionHead = PolicyOutputLayout.head(for: actionSpace)
        var generator = RandomGenerator(seed: seed)
        encoder = ConvolutionalEncoder(
            imageShape: imageShape, architecture: architecture, name: "network", parameters: parameters, generator: &generator)
        let trunkInput = encoder.outputSize + vectorSize
        if let recurrentSize {
            gru = GRU(inputSize: trunkInput, hiddenSize: recurrentSize, name: "gru", parameters: parameters, generator: &generator)
        } else {
            gru = nil
        }
        let trunk = recurrentSize ?? trunkInput
        actor = Linear(
            inputSize: trunk, outputSize: PolicyOutputLayout.actorOutputSize(for: actionSpace),
            name: policy.actorName, parameters: parameters,
            weightInitialization: .orthogonal(gain: 0.01), generator: &generator)
        critic = Linear(
            inputSize: trunk, outputSize: 1, name: "critic", parameters: parameters, weightInitialization: .orthogonal(gain: 1),
            generator: &generator)
        logStandardDeviation = policy.registerLogStandardDeviation(in: parameters)
    }

    public func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        let batch = steps * environments
        precondition(observations.rows == batch && observations.floats.shape == [batch, vectorSize] && observations.byteCount == byteCount,
                     "observations of \(observations.rows) rows do not fit \(steps)·\(environments) observations of \(observationSpace)")
        let imageSize = imageShape.reduce(1, *)
        let images = Tensor.uninitialized([batch, imageSize])
        images.withUnsafeMutableBufferPointer { values in
            observations.bytes.withUnsafeBufferPointer { bytes in
                for row in 0..<batch {
                    scaleImage(bytes.baseAddress! + row * byteCount + imageByteOffset, into: values.baseAddress! + row * imageSize)
                }
            }
        }
        let features = encoder(images.reshaped([batch] + imageShape))
        var trunk = vectorSize == 0 ? features : Tensor.concatenateColumns([features, observations.floats])
        var state = hidden
        if let gru {
            (trunk, state) = gru(sequence: trunk, masks: masks, hidden: hidden, steps: steps, environments: environments)
        }
        return ActorCriticOutput(
            distribution: policy.distribution(actor(trunk), logStandardDeviation: logStandardDeviation),
            values: critic(trunk).reshaped([batch]), hidden: state)
    }

    /// One step on raw buffers: the image's bytes scaled into the workspace, the encoder's
    /// `apply`, the vector parts copied beside its output, the GRU's fused step, one
    /// `BLAS.affine` per head. The numbers of `forward`, without allocating.
    public func act(
        observations rows: ObservationRows, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, distributionParameters: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        precondition(rows.rows == environments && rows.floats.count == environments * vectorSize && rows.bytes.count == environments * byteCount,
                     "act(…) observations do not fit \(environments) observations of \(observationSpace)")
        precondition(masks.count == environments && hidden.count == environments * recurrentStateSize, "act(…) masks or state do not fit \(environments) environments")
        precondition(distributionParameters.count == environments * distributionHead.parameterCount && values.count == environments,
                     "act(…) output buffers do not fit \(environments) environments")
        let imageSize = imageShape.reduce(1, *)
        let images = workspace.buffer(Self.imageSlot, count: environments * imageSize)
        for row in 0..<environments {
            scaleImage(rows.bytes.baseAddress! + row * byteCount + imageByteOffset, into: images + row * imageSize)
        }
        let trunkWidth = trunkInputSize
        let features = workspace.buffer(Self.featureSlot, count: environments * encoder.outputSize)
        encoder.apply(images, batch: environments, into: features, workspace: workspace, firstSlot: Self.firstEncoderSlot)
        var trunk = UnsafePointer(features)
        if vectorSize > 0 {
            let joined = workspace.buffer(Self.trunkInputSlot, count: environments * trunkWidth)
            for row in 0..<environments {
                (joined + row * trunkWidth).update(from: features + row * encoder.outputSize, count: encoder.outputSize)
                (joined + row * trunkWidth + encoder.outputSize).update(from: rows.floats.baseAddress! + row * vectorSize, count: vectorSize)
            }
            trunk = UnsafePointer(joined)
        }
        if let gru {
            gru.step(input: trunk, masks: masks.baseAddress!, hidden: hidden.baseAddress!, environments: environments,
                     workspace: workspace, firstSlot: Self.firstEncoderSlot + encoder.workspaceSlots)
            trunk = UnsafePointer(hidden.baseAddress!)
        }
        policy.writeHeadParameters(
            rows: environments, into: distributionParameters.baseAddress!, logStandardDeviation: logStandardDeviation,
            meanScratch: { workspace.buffer(Self.meanSlot, count: environments * actor.outputSize) }
        ) { actor.apply(trunk, batch: environments, into: $0) }
        critic.apply(trunk, batch: environments, into: values.baseAddress!)
    }

    /// One observation's image bytes to [0, 1], channels last: `x[(y·W + x)·C + c]`.
    private func scaleImage(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<Float>) {
        switch imageLayout {
        case .channelsLast:
            for i in 0..<imageShape.reduce(1, *) { target[i] = Float(source[i]) * pixelScale }
        case .channelsFirst:
            let (height, width, channels) = (imageShape[0], imageShape[1], imageShape[2])
            for channel in 0..<channels {
                let plane = source + channel * height * width
                for pixel in 0..<(height * width) { target[pixel * channels + channel] = Float(plane[pixel]) * pixelScale }
            }
        }
    }

    /// Where `act(…)` keeps the scaled image, the encoding, `[f, v]`, a Gaussian's means,
    /// then the encoder's scratch and the GRU's gates.
    private static let imageSlot = 0
    private static let featureSlot = 1
    private static let trunkInputSlot = 2
    private static let meanSlot = 3
    private static let firstEncoderSlot = 4
}
