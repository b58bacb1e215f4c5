import ExptrainEnvironment
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
///     x  = activation(Linear(e))               (encoder, hiddenSize; on large batches an `EmbeddedLinear` lookup)
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
    /// The number of discrete actions.
    public let actionCount: Int
    public var distributionHead: any DistributionHead { CategoricalHead(actionCount: actionCount) }
    /// The width of the encoder, the GRU state and the heads' input.
    public let hiddenSize: Int
    public var recurrentStateSize: Int { gru == nil ? 0 : hiddenSize }

    /// How codes become vectors (the table's layout per channel), when observations are codes.
    public let observationEmbedding: ObservationEmbedding?
    /// The shared code table, when observations are codes.
    public let embedding: Embedding?
    /// The embedding and the encoder's linear map as one lookup of per-code projections.
    private let embeddedEncoder: EmbeddedLinear?
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
        observationEmbedding = options
        encoderActivation = activation.makeLayer()
        var generator = RandomGenerator(seed: seed)
        let observationSize = observationShape.reduce(1, *)
        let featureSize: Int
        if let options {
            precondition(observationShape.last == options.codeCounts.count, "the observation's last axis must have one channel per code table (\(options.codeCounts.count))")
            embeddedEncoder = EmbeddedLinear(
                cells: observationSize / options.codeCounts.count, codeCounts: options.codeCounts,
                dimension: options.dimension, outputSize: hiddenSize)
            embedding = Embedding(
                count: options.codeCounts.reduce(0, +), dimension: options.dimension,
                name: "embedding", parameters: parameters, generator: &generator
            )
            featureSize = observationSize * options.dimension
        } else {
            embeddedEncoder = nil
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

    public func forward(observations input: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        let observations = input.floats
        let batch = steps * environments
        let observationSize = observationShape.reduce(1, *)
        precondition(observations.shape == [batch, observationSize], "observations \(observations.shape) are not [\(steps)·\(environments), \(observationSize)]")
        let encoded = encoderActivation(encode(observations, batch: batch))
        var state = hidden
        var trunk = encoded
        if let gru {
            (trunk, state) = gru(sequence: encoded, masks: masks, hidden: hidden, steps: steps, environments: environments)
        }
        return ActorCriticOutput(distribution: Categorical(logits: actor(trunk)), values: critic(trunk).reshaped([batch]), hidden: state)
    }

    /// One step on raw buffers (the encoder as `forward` computes it, into the workspace,
    /// then one `BLAS.affine` per layer and the GRU's fused gate update in place): the
    /// numbers of `forward`, without allocating.
    public func act(
        observations rows: ObservationRows, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, distributionParameters logits: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        let observations = rows.floats
        let observationSize = observations.count / max(environments, 1)
        precondition(observationSize == observationShape.reduce(1, *) && observations.count == environments * observationSize,
                     "\(observations.count) observation values are not \(environments)·\(observationShape)")
        precondition(masks.count == environments && hidden.count == environments * recurrentStateSize, "act(…) masks or state do not fit \(environments) environments")
        precondition(logits.count == environments * actionCount && values.count == environments, "act(…) output buffers do not fit \(environments) environments")
        let encoded = workspace.buffer(Self.encodedSlot, count: environments * hiddenSize)
        if let embeddedEncoder, let embedding {
            let rows = workspace.buffer(Self.tableRowSlot, count: observations.count, of: Int32.self)
            embeddedEncoder.tableRows(of: observations.baseAddress!, count: observations.count, into: rows)
            let table = Self.values(of: embedding.weight)
            if embeddedEncoder.isCheaperThanEmbedding(batch: environments) {
                embeddedEncoder.apply(
                    rows: rows, batch: environments, table: table, weight: Self.values(of: encoder.weight),
                    bias: Self.values(of: encoder.bias), output: encoded,
                    rearrangedWeight: workspace.buffer(Self.rearrangedWeightSlot, count: embeddedEncoder.rearrangedWeightCount),
                    projections: workspace.buffer(Self.projectionSlot, count: embeddedEncoder.projectionCount))
            } else {
                let dimension = embedding.dimension
                let features = workspace.buffer(Self.featureSlot, count: observations.count * dimension)
                for index in 0..<observations.count {
                    (features + index * dimension).update(from: table + Int(rows[index]) * dimension, count: dimension)
                }
                encoder.apply(features, batch: environments, into: encoded)
            }
        } else {
            encoder.apply(observations.baseAddress!, batch: environments, into: encoded)
        }
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

    /// Where `act(…)` keeps the table rows of the codes, the embedded features or the
    /// lookup's scratch, the encoder's output and the GRU's gates.
    private static let tableRowSlot = 0
    private static let featureSlot = 1
    private static let rearrangedWeightSlot = 2
    private static let projectionSlot = 3
    private static let encodedSlot = 4
    private static let firstGRUSlot = 5

    private static func values(of parameter: Parameter) -> UnsafePointer<Float> {
        parameter.tensor.withUnsafeBufferPointer { $0.baseAddress! }
    }

    /// The encoder's pre-activation `[batch, hiddenSize]`: `Linear(Embedding(codes))`, through
    /// the lookup of per-code projections for batches where that is cheaper (training
    /// minibatches), else by embedding and multiplying (rollout steps); `Linear(observations)`
    /// without an embedding.
    private func encode(_ observations: Tensor, batch: Int) -> Tensor {
        guard let embeddedEncoder, let embedding else { return encoder(observations) }
        var rows = [Int32](repeating: 0, count: observations.count)
        observations.withUnsafeBufferPointer { codes in
            rows.withUnsafeMutableBufferPointer { embeddedEncoder.tableRows(of: codes.baseAddress!, count: codes.count, into: $0.baseAddress!) }
        }
        guard embeddedEncoder.isCheaperThanEmbedding(batch: batch) else {
            return encoder(embedding(rows.map { Int($0) }).reshaped([batch, -1]))
        }
        return embeddedEncoder(rows: rows, batch: batch, table: embedding.weight.tensor, weight: encoder.weight.tensor, bias: encoder.bias.tensor)
    }
}
