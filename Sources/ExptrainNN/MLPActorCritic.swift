import ExptrainRandom
import ExptrainTensor

/// Separate actor and critic MLPs, exactly like CleanRL's `ppo.py` agent:
///
///     critic = Linear(obs, 64) → tanh → Linear(64, 64) → tanh → Linear(64, 1)
///     actor  = Linear(obs, 64) → tanh → Linear(64, 64) → tanh → Linear(64, actions)
///
/// Weights orthogonal with gain √2 on hidden layers, 0.01 on the actor's output and 1 on
/// the critic's; biases zero. Parameters are named like the PyTorch `nn.Sequential`s
/// (`critic.0.weight`, `critic.2.bias`, …, `actor.4.weight`), registered critic first as
/// in CleanRL's `state_dict`. The same seed gives bit-identical parameters.
///
/// ```swift
/// let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
/// ```
public final class MLPActorCritic: ActorCriticModel {
    public let parameters = ParameterStore()
    /// The length of each observation.
    public let observationSize: Int
    public let actionCount: Int
    public var recurrentStateSize: Int { 0 }
    /// observations → logits.
    public let actor: Sequential
    /// observations → values `[batch, 1]`.
    public let critic: Sequential
    /// The hidden layers' non-linearity.
    public let activation: Activation
    /// The `Linear` layers of `actor` and `critic`, in order, for `act(…)`.
    private let actorLayers: [Linear]
    private let criticLayers: [Linear]

    /// A model whose initial parameters are fixed by `seed`; `hidden` lists the hidden layers' sizes.
    public init(observationSize: Int, actionCount: Int, hidden: [Int] = [64, 64], activation: Activation = .tanh, seed: UInt64) {
        self.observationSize = observationSize
        self.actionCount = actionCount
        var generator = RandomGenerator(seed: seed)
        critic = MLPActorCritic.network(
            "critic", sizes: [observationSize] + hidden + [1], outputGain: 1,
            activation: activation, parameters: parameters, generator: &generator
        )
        actor = MLPActorCritic.network(
            "actor", sizes: [observationSize] + hidden + [actionCount], outputGain: 0.01,
            activation: activation, parameters: parameters, generator: &generator
        )
        self.activation = activation
        actorLayers = actor.layers.compactMap { $0 as? Linear }
        criticLayers = critic.layers.compactMap { $0 as? Linear }
    }

    public func forward(observations: Tensor, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        precondition(observations.shape == [steps * environments, observationSize], "observations \(observations.shape) are not [\(steps)·\(environments), \(observationSize)]")
        return ActorCriticOutput(
            logits: actor(observations),
            values: critic(observations).reshaped([steps * environments]),
            hidden: hidden
        )
    }

    /// Both networks on raw buffers, each layer one `BLAS.affine` into the workspace and
    /// the activation in place: the numbers of `forward`, without allocating.
    public func act(
        observations: UnsafeBufferPointer<Float>, masks: UnsafeBufferPointer<Float>, hidden: UnsafeMutableBufferPointer<Float>,
        environments: Int, logits: UnsafeMutableBufferPointer<Float>, values: UnsafeMutableBufferPointer<Float>,
        workspace: InferenceWorkspace
    ) {
        precondition(observations.count == environments * observationSize, "\(observations.count) observation values are not \(environments)·\(observationSize)")
        precondition(logits.count == environments * actionCount && values.count == environments, "act(…) output buffers do not fit \(environments) environments")
        run(actorLayers, on: observations.baseAddress!, batch: environments, into: logits.baseAddress!, workspace: workspace)
        run(criticLayers, on: observations.baseAddress!, batch: environments, into: values.baseAddress!, workspace: workspace)
    }

    /// `layers` with `activation` between them, the hidden rows alternating between two workspace buffers.
    private func run(_ layers: [Linear], on input: UnsafePointer<Float>, batch: Int, into output: UnsafeMutablePointer<Float>, workspace: InferenceWorkspace) {
        var current = input
        for (index, layer) in layers.enumerated() {
            guard index < layers.count - 1 else {
                layer.apply(current, batch: batch, into: output)
                return
            }
            let next = workspace.buffer(index % 2, count: batch * layer.outputSize)
            layer.apply(current, batch: batch, into: next)
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
