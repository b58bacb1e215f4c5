import ExptrainRandom
import ExptrainTensor

/// How a grid observation's integer codes become vectors: one table shared by all
/// channels, with each channel's codes at their own offset (so object 2 and colour 2 get
/// different rows), as AllenAct's MiniGrid models embed objects, colours and states.
public struct ObservationEmbedding: Sendable, Equatable {
    /// How many codes each channel (the observation's last axis) can hold.
    public var codeCounts: [Int]
    /// The length of each code's vector.
    public var dimension: Int

    /// One table row per code of every channel, each `dimension` long.
    public init(codeCounts: [Int], dimension: Int) {
        self.codeCounts = codeCounts
        self.dimension = dimension
    }

    /// MiniGrid's encoding: 11 object types, 6 colours, 3 door states per cell.
    public static func miniGrid(dimension: Int = 8) -> ObservationEmbedding {
        ObservationEmbedding(codeCounts: [11, 6, 3], dimension: dimension)
    }
}

/// An actor-critic for grid worlds such as MiniGrid, optionally recurrent:
///
///     e  = Embedding(codes)                    (flattened: cells · channels · dimension)
///     x  = activation(Linear(e))               (encoder, hiddenSize)
///     h' = GRU(x, h ⊙ mask)                    (when recurrent; else h' = x)
///     logits = Linear(h'),  value = Linear(h')
///
/// Observations are flat Floats holding small non-negative integer codes, channel-last
/// (`[7, 7, 3]` for MiniGrid: object, colour, state per cell). Without an
/// `ObservationEmbedding` they are used as features directly. Names: `embedding.weight`,
/// `encoder.weight`/`.bias`, `gru.weight_ih`/`weight_hh`/`bias_ih`/`bias_hh`,
/// `actor.weight`/`.bias`, `critic.weight`/`.bias`. Initialisation as CleanRL's heads:
/// orthogonal √2 (encoder), 0.01 (actor), 1 (critic), zero biases; the GRU as PyTorch.
///
/// ```swift
/// let model = RecurrentActorCritic(observationShape: [7, 7, 3], actionCount: 7, hiddenSize: 128, seed: 1)
/// let feedForward = RecurrentActorCritic(observationShape: [7, 7, 3], actionCount: 3, recurrent: false, seed: 1)
/// ```
public final class RecurrentActorCritic: ActorCriticModel {
    public let parameters = ParameterStore()
    /// The shape of one observation, channel last (`[7, 7, 3]`).
    public let observationShape: [Int]
    public let actionCount: Int
    /// The width of the encoder, the GRU state and the heads' input.
    public let hiddenSize: Int
    public var recurrentStateSize: Int { gru == nil ? 0 : hiddenSize }

    /// The shared code table, when observations are codes.
    public let embedding: Embedding?
    private let embeddingOptions: ObservationEmbedding?
    /// Where each channel's codes start in the shared table.
    private let channelOffsets: [Int]
    /// features → hiddenSize, followed by `activation`.
    public let encoder: Linear
    /// The encoder's non-linearity.
    public let activation: Activation
    private let encoderActivation: Layer
    /// The recurrent core; `nil` for the feed-forward variant.
    public let gru: GRU?
    /// state → logits.
    public let actor: Linear
    /// state → value.
    public let critic: Linear

    /// A model whose initial parameters are fixed by `seed`. `embedding: nil` feeds observations
    /// to the encoder as they are; `recurrent: false` leaves out the GRU.
    public init(
        observationShape: [Int], actionCount: Int, embedding options: ObservationEmbedding? = .miniGrid(),
        hiddenSize: Int = 128, activation: Activation = .relu, recurrent: Bool = true, seed: UInt64
    ) {
        self.observationShape = observationShape
        self.actionCount = actionCount
        self.hiddenSize = hiddenSize
        self.activation = activation
        encoderActivation = activation.makeLayer()
        embeddingOptions = options
        var generator = RandomGenerator(seed: seed)
        let observationSize = observationShape.reduce(1, *)
        let featureSize: Int
        if let options {
            precondition(observationShape.last == options.codeCounts.count, "the observation's last axis must have one channel per code table (\(options.codeCounts.count))")
            channelOffsets = Array(options.codeCounts.reduce(into: [0]) { $0.append($0.last! + $1) }.dropLast())
            embedding = Embedding(
                count: options.codeCounts.reduce(0, +), dimension: options.dimension,
                name: "embedding", parameters: parameters, generator: &generator
            )
            featureSize = observationSize * options.dimension
        } else {
            channelOffsets = []
            embedding = nil
            featureSize = observationSize
        }
        encoder = Linear(
            inputSize: featureSize, outputSize: hiddenSize, name: "encoder", parameters: parameters,
            weightInitialization: .orthogonal(gain: Float(2).squareRoot()), generator: &generator
        )
        gru = recurrent ? GRU(inputSize: hiddenSize, hiddenSize: hiddenSize, name: "gru", parameters: parameters, generator: &generator) : nil
        actor = Linear(
            inputSize: hiddenSize, outputSize: actionCount, name: "actor", parameters: parameters,
            weightInitialization: .orthogonal(gain: 0.01), generator: &generator
        )
        critic = Linear(
            inputSize: hiddenSize, outputSize: 1, name: "critic", parameters: parameters,
            weightInitialization: .orthogonal(gain: 1), generator: &generator
        )
    }

    public func forward(observations: Tensor, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        let batch = steps * environments
        let observationSize = observationShape.reduce(1, *)
        precondition(observations.shape == [batch, observationSize], "observations \(observations.shape) are not [\(steps)·\(environments), \(observationSize)]")
        let features = embedding.map { $0(tableRows(of: observations)).reshaped([batch, -1]) } ?? observations
        let encoded = encoderActivation(encoder(features))
        var state = hidden
        var trunk = encoded
        if let gru {
            (trunk, state) = gru(sequence: encoded, masks: masks, hidden: hidden, steps: steps, environments: environments)
        }
        return ActorCriticOutput(logits: actor(trunk), values: critic(trunk).reshaped([batch]), hidden: state)
    }

    /// One step on raw buffers (embedding rows copied into the workspace, then one
    /// `BLAS.affine` per layer and the GRU's fused gate update in place): the numbers of
    /// `forward`, without allocating.
    public func act(
        observations: UnsafeBufferPointer<Float>, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, logits: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        let observationSize = observations.count / max(environments, 1)
        precondition(observationSize == observationShape.reduce(1, *) && observations.count == environments * observationSize,
                     "\(observations.count) observation values are not \(environments)·\(observationShape)")
        precondition(masks.count == environments && hidden.count == environments * recurrentStateSize, "act(…) masks or state do not fit \(environments) environments")
        precondition(logits.count == environments * actionCount && values.count == environments, "act(…) output buffers do not fit \(environments) environments")
        var features = observations.baseAddress!
        if let embedding {
            let dimension = embedding.dimension
            let embedded = workspace.buffer(Self.featureSlot, count: observations.count * dimension)
            let table = embedding.weight.tensor.withUnsafeBufferPointer { $0.baseAddress! }
            for index in 0..<observations.count {
                (embedded + index * dimension).update(from: table + tableRow(of: observations[index], at: index) * dimension, count: dimension)
            }
            features = UnsafePointer(embedded)
        }
        let encoded = workspace.buffer(Self.encodedSlot, count: environments * hiddenSize)
        encoder.apply(features, batch: environments, into: encoded)
        activation.apply(inPlace: encoded, count: environments * hiddenSize)
        var trunk = UnsafePointer(encoded)
        if let gru {
            gru.step(input: encoded, masks: masks.baseAddress!, hidden: hidden.baseAddress!, environments: environments,
                     workspace: workspace, firstSlot: Self.firstGRUSlot)
            trunk = UnsafePointer(hidden.baseAddress!)
        }
        actor.apply(trunk, batch: environments, into: logits.baseAddress!)
        critic.apply(trunk, batch: environments, into: values.baseAddress!)
    }

    /// Where `act(…)` keeps the embedded observations, the encoder's output and the GRU's gates.
    private static let featureSlot = 0
    private static let encodedSlot = 1
    private static let firstGRUSlot = 2

    /// The embedding row of code `code` found at flat position `index` of an observation
    /// batch: code `c` of channel `k` is row `offset[k] + c`.
    @inline(__always)
    private func tableRow(of code: Float, at index: Int) -> Int {
        let codeCounts = embeddingOptions!.codeCounts
        let channel = index % codeCounts.count
        let row = Int(code)
        precondition(row >= 0 && row < codeCounts[channel], "code \(code) is outside channel \(channel)'s 0..<\(codeCounts[channel])")
        return channelOffsets[channel] + row
    }

    /// The embedding row of every code: code `c` of channel `k` is row `offset[k] + c`.
    private func tableRows(of observations: Tensor) -> [Int] {
        let codeCounts = embeddingOptions!.codeCounts
        let channels = codeCounts.count
        return observations.withUnsafeBufferPointer { codes in
            (0..<codes.count).map { index in
                let channel = index % channels
                let code = Int(codes[index])
                precondition(code >= 0 && code < codeCounts[channel], "code \(codes[index]) is outside channel \(channel)'s 0..<\(codeCounts[channel])")
                return channelOffsets[channel] + code
            }
        }
    }
}
