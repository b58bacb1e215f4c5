import ExptrainNN
import ExptrainTensor

/// A differentiable objective over a minibatch (TorchRL's loss modules, AllenAct's
/// `AbstractActorCriticLoss`): PPO, A2C and imitation are built in; a user's package adds
/// one by conforming a type of its own. A pipeline names its losses and stages refer to
/// them by name.
///
/// ```swift
/// struct ActionMagnitudePenalty: Loss {
///     var coefficient: Float = 0.01
///     func callAsFunction(_ batch: Minibatch, _ output: ActorCriticOutput) -> LossTerm {
///         let penalty = (output.distribution.mode.squared()).mean()   // any differentiable Tensor
///         return LossTerm(loss: coefficient * penalty, diagnostics: [("action_penalty", penalty.scalar)])
///     }
/// }
/// ```
///
/// Diagnostics are averaged over the minibatches of a log interval and over ranks, and
/// written to `metrics.jsonl` and TensorBoard under their keys.
public protocol Loss: Sendable, Encodable, CustomStringConvertible {
    /// Whether the loss reads `Minibatch.expertActions` (the rollout then records the
    /// task's expert action at every step).
    var needsExpertActions: Bool { get }
    /// The loss on `batch`, given the model's output on it (mean over the batch's samples).
    func callAsFunction(_ batch: Minibatch, _ output: ActorCriticOutput) -> LossTerm
}

extension Loss {
    public var needsExpertActions: Bool { false }
    public var description: String { "\(Self.self)" }
}

/// A loss's value and the scalar diagnostics it measured on the way.
public struct LossTerm {
    public var loss: Tensor
    /// `(key, value)` pairs, written under `key` to the run's logs.
    public var diagnostics: [(key: String, value: Float)]

    public init(loss: Tensor, diagnostics: [(key: String, value: Float)] = []) {
        self.loss = loss
        self.diagnostics = diagnostics
    }
}
