#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainNN
import ExptrainTensor

/// Proximal policy optimisation (Schulman et al. 2017), as CleanRL's `ppo.py` computes it:
///
///     ρ = exp(log π(a|s) − log π_old(a|s))
///     L_π = mean(max(−Â·ρ, −Â·clip(ρ, 1−ε, 1+ε)))
///     L_V = ½·mean(max((V−R)², (V_old + clip(V−V_old, −ε, ε) − R)²))   (or ½·mean((V−R)²))
///     L = L_π + c_V·L_V − c_H·mean(H)
///
/// with Â normalised to zero mean and unit standard deviation over the minibatch when
/// asked. Diagnostics: `policy_loss`, `value_loss`, `entropy`, `approx_kl`
/// (`mean((ρ − 1) − log ρ)`) and `clip_fraction` (share of `|ρ − 1| > ε`).
///
/// ```swift
/// TrainingPipeline(namedLosses: ["ppo": .ppo(valueCoefficient: 0.5)], …)
/// ```
public struct PPOLoss: Loss {
    public var clipParameter: Float
    public var valueCoefficient: Float
    public var entropyCoefficient: Float
    public var clipValueLoss: Bool
    public var normalizeAdvantage: Bool

    /// CleanRL's defaults.
    public init(
        clipParameter: Float = 0.2, valueCoefficient: Float = 0.5, entropyCoefficient: Float = 0.01,
        clipValueLoss: Bool = true, normalizeAdvantage: Bool = true
    ) {
        self.clipParameter = clipParameter
        self.valueCoefficient = valueCoefficient
        self.entropyCoefficient = entropyCoefficient
        self.clipValueLoss = clipValueLoss
        self.normalizeAdvantage = normalizeAdvantage
    }

    public func callAsFunction(_ batch: Minibatch, _ output: ActorCriticOutput) -> LossTerm {
        let policy = output.distribution
        let values = output.values
        let advantages = normalizeAdvantage ? normalizedAdvantages(batch.advantages) : batch.advantages
        let logRatio = policy.logProbability(of: batch.actions) - batch.oldLogProbabilities
        let ratio = logRatio.exp()
        let epsilon = clipParameter
        let policyLoss = maximum(-advantages * ratio, -advantages * ratio.clamped(to: 1 - epsilon, 1 + epsilon)).mean()
        let valueLoss: Tensor
        if clipValueLoss {
            let unclipped = (values - batch.returns).squared()
            let clippedValues = batch.oldValues + (values - batch.oldValues).clamped(to: -epsilon, epsilon)
            valueLoss = 0.5 * maximum(unclipped, (clippedValues - batch.returns).squared()).mean()
        } else {
            valueLoss = 0.5 * (values - batch.returns).squared().mean()
        }
        let entropy = policy.entropy().mean()
        let loss = policyLoss + valueCoefficient * valueLoss - entropyCoefficient * entropy

        var approximateKL: Float = 0
        var clipped = 0
        logRatio.withUnsafeBufferPointer { logRatios in
            for r in logRatios {
                approximateKL += (expf(r) - 1) - r
                if abs(expf(r) - 1) > epsilon { clipped += 1 }
            }
        }
        let count = Float(max(logRatio.count, 1))
        return LossTerm(loss: loss, diagnostics: [
            ("policy_loss", policyLoss.scalar), ("value_loss", valueLoss.scalar), ("entropy", entropy.scalar),
            ("approx_kl", approximateKL / count), ("clip_fraction", Float(clipped) / count),
        ])
    }

    public var description: String {
        "ppo(clip: \(clipParameter), valueCoefficient: \(valueCoefficient), entropyCoefficient: \(entropyCoefficient), clipValueLoss: \(clipValueLoss), normalizeAdvantage: \(normalizeAdvantage))"
    }
}

extension Loss where Self == PPOLoss {
    /// PPO with CleanRL's defaults unless given.
    public static func ppo(
        clipParameter: Float = 0.2, valueCoefficient: Float = 0.5, entropyCoefficient: Float = 0.01,
        clipValueLoss: Bool = true, normalizeAdvantage: Bool = true
    ) -> PPOLoss {
        PPOLoss(clipParameter: clipParameter, valueCoefficient: valueCoefficient, entropyCoefficient: entropyCoefficient,
                clipValueLoss: clipValueLoss, normalizeAdvantage: normalizeAdvantage)
    }
}

/// `(x − mean) / (std + 1e-8)` with the sample standard deviation, as CleanRL, computed in
/// Double; constant (advantages carry no gradient).
public func normalizedAdvantages(_ x: Tensor) -> Tensor {
    var values = x.scalars
    let count = Double(values.count)
    guard count > 1 else { return x }
    let mean = values.reduce(0.0) { $0 + Double($1) } / count
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / (count - 1)
    let scale = 1 / (variance.squareRoot() + 1e-8)
    for i in values.indices { values[i] = Float((Double(values[i]) - mean) * scale) }
    return Tensor(shape: x.shape, values: values)
}
