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
    }

    public func forward(observations: Tensor, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        precondition(observations.shape == [steps * environments, observationSize], "observations \(observations.shape) are not [\(steps)·\(environments), \(observationSize)]")
        return ActorCriticOutput(
            logits: actor(observations),
            values: critic(observations).reshaped([steps * environments]),
            hidden: hidden
        )
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
