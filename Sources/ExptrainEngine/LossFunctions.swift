#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import ExptrainExperiment
import ExptrainNN
import ExptrainTensor

/// The scalar diagnostics each loss reports, accumulated per log interval.
enum LossDiagnostic: Int, CaseIterable {
    case totalLoss, policyLoss, valueLoss, entropy, approximateKL, clipFraction, imitationLoss, gradientNorm
    /// Steps collected ÷ steps asked for, over all ranks (below 1 when stragglers were cut short).
    case rolloutFraction

    /// The key in `metrics.jsonl` and TensorBoard.
    var key: String {
        switch self {
        case .totalLoss: "loss"
        case .policyLoss: "policy_loss"
        case .valueLoss: "value_loss"
        case .entropy: "entropy"
        case .approximateKL: "approx_kl"
        case .clipFraction: "clip_fraction"
        case .imitationLoss: "imitation_loss"
        case .gradientNorm: "grad_norm"
        case .rolloutFraction: "rollout_fraction"
        }
    }
}

/// A differentiable loss and the diagnostics it measured on the way.
struct LossTerm {
    var loss: Tensor
    var diagnostics: [(LossDiagnostic, Float)]
}

extension LossSpec {
    /// This loss on `batch`, given the model's output on it.
    func evaluate(on batch: Minibatch, output: ActorCriticOutput) -> LossTerm {
        let policy = Categorical(logits: output.logits)
        switch self {
        case .ppo(let settings): return ppoLoss(settings, batch, policy, output.values)
        case .a2c(let settings): return a2cLoss(settings, batch, policy, output.values)
        case .imitation: return imitationLoss(batch, policy)
        }
    }
}

/// PPO's clipped surrogate, clipped value loss and entropy bonus, as in CleanRL's `ppo.py`:
///
///     ρ = exp(log π(a|s) − log π_old(a|s))
///     L_π = mean(max(−Â·ρ, −Â·clip(ρ, 1−ε, 1+ε)))
///     L_V = ½·mean(max((V−R)², (V_old + clip(V−V_old, −ε, ε) − R)²))   (or ½·mean((V−R)²))
///     L = L_π + c_V·L_V − c_H·mean(H)
///
/// with Â normalised to zero mean and unit standard deviation over the minibatch when asked.
private func ppoLoss(_ settings: PPOSettings, _ batch: Minibatch, _ policy: Categorical, _ values: Tensor) -> LossTerm {
    let advantages = settings.normalizeAdvantage ? normalized(batch.advantages) : batch.advantages
    let logRatio = policy.logProbability(of: batch.actions) - batch.oldLogProbabilities
    let ratio = logRatio.exp()
    let epsilon = settings.clipParameter
    let policyLoss = maximum(-advantages * ratio, -advantages * ratio.clamped(to: 1 - epsilon, 1 + epsilon)).mean()
    let valueLoss: Tensor
    if settings.clipValueLoss {
        let unclipped = (values - batch.returns).squared()
        let clippedValues = batch.oldValues + (values - batch.oldValues).clamped(to: -epsilon, epsilon)
        valueLoss = 0.5 * maximum(unclipped, (clippedValues - batch.returns).squared()).mean()
    } else {
        valueLoss = 0.5 * (values - batch.returns).squared().mean()
    }
    let entropy = policy.entropy().mean()
    let loss = policyLoss + settings.valueCoefficient * valueLoss - settings.entropyCoefficient * entropy

    // CleanRL's diagnostics: approx KL = mean((ρ − 1) − log ρ); clip fraction = share of |ρ − 1| > ε.
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
        (.policyLoss, policyLoss.scalar), (.valueLoss, valueLoss.scalar), (.entropy, entropy.scalar),
        (.approximateKL, approximateKL / count), (.clipFraction, Float(clipped) / count),
    ])
}

/// Advantage actor-critic: `L = −mean(Â·log π(a|s)) + c_V·½·mean((V−R)²) − c_H·mean(H)`.
private func a2cLoss(_ settings: A2CSettings, _ batch: Minibatch, _ policy: Categorical, _ values: Tensor) -> LossTerm {
    let policyLoss = -(batch.advantages * policy.logProbability(of: batch.actions)).mean()
    let valueLoss = 0.5 * (values - batch.returns).squared().mean()
    let entropy = policy.entropy().mean()
    let loss = policyLoss + settings.valueCoefficient * valueLoss - settings.entropyCoefficient * entropy
    return LossTerm(loss: loss, diagnostics: [
        (.policyLoss, policyLoss.scalar), (.valueLoss, valueLoss.scalar), (.entropy, entropy.scalar),
    ])
}

/// Behaviour cloning of the expert: `L = −mean(log π(a*|s))`.
private func imitationLoss(_ batch: Minibatch, _ policy: Categorical) -> LossTerm {
    let loss = -policy.logProbability(of: batch.expertActions).mean()
    return LossTerm(loss: loss, diagnostics: [(.imitationLoss, loss.scalar)])
}

/// `(x − mean) / (std + 1e-8)` with the sample standard deviation, as CleanRL; constant
/// (advantages carry no gradient).
private func normalized(_ x: Tensor) -> Tensor {
    var values = x.scalars
    let count = Double(values.count)
    guard count > 1 else { return x }
    let mean = values.reduce(0.0) { $0 + Double($1) } / count
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / (count - 1)
    let scale = 1 / (variance.squareRoot() + 1e-8)
    for i in values.indices { values[i] = Float((Double(values[i]) - mean) * scale) }
    return Tensor(shape: x.shape, values: values)
}
