import ExptrainNN
import ExptrainTensor

/// Behaviour cloning of the task's expert: `L = −mean(log π(a*|s))`, with `a*` the
/// action `Task.expertAction()` gave at each step. Diagnostic: `imitation_loss`.
public struct ImitationLoss: Loss {
    public init() {}

    public var needsExpertActions: Bool { true }

    public func callAsFunction(_ batch: Minibatch, _ output: ActorCriticOutput) -> LossTerm {
        let loss = -output.distribution.logProbability(of: batch.expertActions).mean()
        return LossTerm(loss: loss, diagnostics: [("imitation_loss", loss.scalar)])
    }

    public var description: String { "imitation" }
}

extension Loss where Self == ImitationLoss {
    /// Imitation of the task's expert.
    public static var imitation: ImitationLoss { ImitationLoss() }
}
