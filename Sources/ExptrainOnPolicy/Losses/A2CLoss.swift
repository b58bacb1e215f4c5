import ExptrainNN
import ExptrainTensor

/// Advantage actor-critic: `L = −mean(Â·log π(a|s)) + c_V·½·mean((V−R)²) − c_H·mean(H)`,
/// with Â normalised over the batch when asked (Stable-Baselines3's `normalize_advantage`).
/// Diagnostics: `policy_loss`, `value_loss`, `entropy`.
public struct A2CLoss: Loss {
    public var valueCoefficient: Float
    public var entropyCoefficient: Float
    public var normalizeAdvantage: Bool

    public init(valueCoefficient: Float = 0.5, entropyCoefficient: Float = 0.01, normalizeAdvantage: Bool = false) {
        self.valueCoefficient = valueCoefficient
        self.entropyCoefficient = entropyCoefficient
        self.normalizeAdvantage = normalizeAdvantage
    }

    public func callAsFunction(_ batch: Minibatch, _ output: ActorCriticOutput) -> LossTerm {
        let policy = output.distribution
        let advantages = normalizeAdvantage ? normalizedAdvantages(batch.advantages) : batch.advantages
        let policyLoss = -(advantages * policy.logProbability(of: batch.actions)).mean()
        let valueLoss = 0.5 * (output.values - batch.returns).squared().mean()
        let entropy = policy.entropy().mean()
        let loss = policyLoss + valueCoefficient * valueLoss - entropyCoefficient * entropy
        return LossTerm(loss: loss, diagnostics: [
            ("policy_loss", policyLoss.scalar), ("value_loss", valueLoss.scalar), ("entropy", entropy.scalar),
        ])
    }

    public var description: String {
        "a2c(valueCoefficient: \(valueCoefficient), entropyCoefficient: \(entropyCoefficient), normalizeAdvantage: \(normalizeAdvantage))"
    }
}

extension Loss where Self == A2CLoss {
    /// A2C with the given coefficients.
    public static func a2c(valueCoefficient: Float = 0.5, entropyCoefficient: Float = 0.01, normalizeAdvantage: Bool = false) -> A2CLoss {
        A2CLoss(valueCoefficient: valueCoefficient, entropyCoefficient: entropyCoefficient, normalizeAdvantage: normalizeAdvantage)
    }
}
