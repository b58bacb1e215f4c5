import ExptrainEnvironment
import ExptrainRandom
import ExptrainTensor

/// Separate actor and critic MLPs, exactly like CleanRL's `ppo.py` agent (discrete and
/// multi-discrete actions) and `ppo_continuous_action.py` agent (a `Box`):
///
///     critic = Linear(obs, 64) → tanh → Linear(64, 64) → tanh → Linear(64, 1)
///     actor  = Linear(obs, 64) → tanh → Linear(64, 64) → tanh → Linear(64, P)
///
/// `P` is the number of actions (`Categorical`), their sum over components
/// (`MultiCategorical`), or the box's size: the Gaussian's mean, with a state-independent
/// log standard deviation `actor_logstd` `[1, D]` initialised to 0 (`DiagonalGaussian`).
/// Weights orthogonal with gain √2 on hidden layers, 0.01 on the actor's output and 1 on
/// the critic's; biases zero. Parameters are named like the PyTorch `nn.Sequential`s
/// (`critic.0.weight`, …, `actor.4.weight`, or `actor_mean.4.weight` and `actor_logstd`
/// for a Box), registered critic first as in CleanRL's `state_dict`. The same seed gives
/// bit-identical parameters.
///
/// ```swift
/// let cartPole = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
/// let cheetah = MLPActorCritic(observationSize: 17, actionSpace: .box(Box(shape: [6], low: -1, high: 1)), seed: 1)
/// ```
public final class MLPActorCritic: ActorCriticModel {
    public let parameters = ParameterStore()
    /// The length of each observation (its floats).
    public let observationSize: Int
    public let distributionHead: any DistributionHead
    public var recurrentStateSize: Int { 0 }
    /// observations → distribution parameters (logits, or the Gaussian's mean).
    public let actor: Sequential
    /// observations → values `[batch, 1]`.
    public let critic: Sequential
    /// The Gaussian's log standard deviation `[1, D]`, for a Box action space.
    public let logStandardDeviation: Parameter?
    /// The hidden layers' non-linearity.
    public let activation: Activation
    /// The `Linear` layers of `actor` and `critic`, in order, for `act(…)`.
    private let actorLayers: [Linear]
    private let criticLayers: [Linear]
    private let policy: PolicyOutputLayout

    /// A model for `actionSpace` whose initial parameters are fixed by `seed`; `hidden`
    /// lists the hidden layers' sizes.
    public init(
        observationSize: Int, actionSpace: ActionSpace, hidden: [Int] = [64, 64], activation: Activation = .tanh, seed: UInt64
    ) {
        self.observationSize = observationSize
        policy = PolicyOutputLayout(actionSpace)
        distributionHead = PolicyOutputLayout.head(for: actionSpace)
        let actorOutput = PolicyOutputLayout.actorOutputSize(for: actionSpace)
        var generator = RandomGenerator(seed: seed)
        critic = MLPActorCritic.network(
            "critic", sizes: [observationSize] + hidden + [1], outputGain: 1,
            activation: activation, parameters: parameters, generator: &generator
        )
        actor = MLPActorCritic.network(
            policy.actorName, sizes: [observationSize] + hidden + [actorOutput], outputGain: 0.01,
            activation: activation, parameters: parameters, generator: &generator
        )
        logStandardDeviation = policy.registerLogStandardDeviation(in: parameters)
        self.activation = activation
        actorLayers = actor.layers.compactMap { $0 as? Linear }
        criticLayers = critic.layers.compactMap { $0 as? Linear }
    }

    /// A model for `Discrete(actionCount)` (CleanRL's `ppo.py` agent).
    public convenience init(observationSize: Int, actionCount: Int, hidden: [Int] = [64, 64], activation: Activation = .tanh, seed: UInt64) {
        self.init(observationSize: observationSize, actionSpace: .discrete(count: actionCount), hidden: hidden, activation: activation, seed: seed)
    }

    public func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        let inputs = observations.floats
        precondition(inputs.shape == [steps * environments, observationSize], "observations \(inputs.shape) are not [\(steps)·\(environments), \(observationSize)]")
        return ActorCriticOutput(
            distribution: policy.distribution(actor(inputs), logStandardDeviation: logStandardDeviation),
            values: critic(inputs).reshaped([steps * environments]),
            hidden: hidden
        )
    }

    /// Both networks on raw buffers, each layer one `BLAS.affine` into the workspace and
    /// the activation in place: the numbers of `forward`, without allocating. The hidden
    /// layers multiply by their weight's transpose (`BLAS.affine`), copied into the workspace
    /// once per change of the parameters: a rollout's steps share one copy.
    public func act(
        observations: ObservationRows, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, distributionParameters: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        let inputs = observations.floats
        precondition(inputs.count == environments * observationSize, "\(inputs.count) observation values are not \(environments)·\(observationSize)")
        precondition(distributionParameters.count == environments * distributionHead.parameterCount && values.count == environments,
                     "act(…) output buffers do not fit \(environments) environments")
        prepareTransposedWeights(in: workspace)
        policy.writeHeadParameters(
            rows: environments, into: distributionParameters.baseAddress!, logStandardDeviation: logStandardDeviation,
            meanScratch: { workspace.buffer(Self.meanSlot, count: environments * distributionHead.parameterCount / 2) }
        ) { run(network: 0, on: inputs.baseAddress!, batch: environments, into: $0, workspace: workspace) }
        run(network: 1, on: inputs.baseAddress!, batch: environments, into: values.baseAddress!, workspace: workspace)
    }

    /// Where `act(…)` keeps a Gaussian's means (slots 0 and 1 hold the hidden rows); the
    /// transposed weights follow, actor's layers then critic's.
    private static let meanSlot = 2

    /// Workspace slot of the transposed weight of `layer` of the actor (`network` 0) or critic (1).
    private func transposedWeightSlot(network: Int, layer: Int) -> Int {
        Self.meanSlot + 1 + (network == 0 ? 0 : actorLayers.count) + layer
    }

    private func transposedWeight(of layer: Linear, network: Int, index: Int, in workspace: InferenceWorkspace) -> UnsafeMutablePointer<Float> {
        workspace.buffer(transposedWeightSlot(network: network, layer: index), count: layer.inputSize * layer.outputSize)
    }

    /// Copies the weights of the layers that use one (`Linear.usesTransposedWeight`) into the
    /// workspace as `Wᵀ`, unless it holds this version's.
    private func prepareTransposedWeights(in workspace: InferenceWorkspace) {
        guard workspace.parametersVersion != parameters.version else { return }
        for (index, layer) in actorLayers.enumerated() where layer.usesTransposedWeight {
            layer.writeTransposedWeight(into: transposedWeight(of: layer, network: 0, index: index, in: workspace))
        }
        for (index, layer) in criticLayers.enumerated() where layer.usesTransposedWeight {
            layer.writeTransposedWeight(into: transposedWeight(of: layer, network: 1, index: index, in: workspace))
        }
        workspace.parametersVersion = parameters.version
    }

    /// The actor's (`network` 0) or critic's (1) layers with `activation` between them, the
    /// hidden rows alternating between two workspace buffers.
    private func run(network: Int, on input: UnsafePointer<Float>, batch: Int, into output: UnsafeMutablePointer<Float>, workspace: InferenceWorkspace) {
        let layers = network == 0 ? actorLayers : criticLayers
        var current = input
        for (index, layer) in layers.enumerated() {
            let transposed = layer.usesTransposedWeight ? UnsafePointer(transposedWeight(of: layer, network: network, index: index, in: workspace)) : nil
            guard index < layers.count - 1 else {
                layer.apply(current, batch: batch, into: output, transposedWeight: transposed)
                return
            }
            let next = workspace.buffer(index % 2, count: batch * layer.outputSize)
            layer.apply(current, batch: batch, into: next, transposedWeight: transposed)
            activation.apply(inPlace: next, count: batch * layer.outputSize)
            current = UnsafePointer(next)
        }
    }

    /// Linear layers between consecutive `sizes`, with `activation` after all but the last,
    /// named `<name>.<index>` by their position in the sequence as PyTorch does.
    private static func network(
        _ name: String, sizes: [Int], outputGain: Float, activation: Activation,
        parameters: ParameterStore, generator: inout RandomGenerator
    ) -> Sequential {
        var layers: [Layer] = []
        for index in 0..<(sizes.count - 1) {
            let isOutput = index == sizes.count - 2
            layers.append(Linear(
                inputSize: sizes[index], outputSize: sizes[index + 1], name: "\(name).\(layers.count)",
                parameters: parameters, weightInitialization: .orthogonal(gain: isOutput ? outputGain : Float(2).squareRoot()),
                generator: &generator
            ))
            if !isOutput { layers.append(activation.makeLayer()) }
        }
        return Sequential(layers)
    }
}
