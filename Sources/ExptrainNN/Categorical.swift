#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainRandom
import ExptrainTensor

/// A batch of categorical distributions over `A` actions, from unnormalised logits
/// `[B, A]`: `log pᵢ = logitsᵢ − log Σⱼ exp(logitsⱼ)`.
///
/// `logProbability(of:)` and `entropy()` are differentiable (through the logits);
/// sampling and the mode are not.
///
/// ```swift
/// let policy = Categorical(logits: output.logits)
/// let actions = policy.sample(using: &generator)          // rollout
/// let logProbabilities = policy.logProbability(of: actions)    // [B], PPO's new log π(a|s)
/// let entropyBonus = policy.entropy().mean()
/// ```
public struct Categorical {
    /// `log p`, `[B, A]`.
    public let logProbabilities: Tensor

    /// The distributions whose unnormalised log-probabilities are `logits` `[B, A]`.
    public init(logits: Tensor) {
        precondition(logits.shape.count == 2, "Categorical needs logits [batch, actions], not \(logits.shape)")
        logProbabilities = logits.logSoftmax()
    }

    /// `B`, the number of distributions.
    public var batchSize: Int { logProbabilities.shape[0] }
    /// `A`, the number of actions.
    public var actionCount: Int { logProbabilities.shape[1] }

    /// One action per row, drawn by inverting the cumulative distribution with one uniform
    /// draw per row from `generator`.
    public func sample(using generator: inout RandomGenerator) -> [Int] {
        var actions = [Int](repeating: 0, count: batchSize)
        sample(into: &actions, using: &generator)
        return actions
    }

    /// Like `sample(using:)`, writing into `actions` (of `batchSize` elements) to spare an allocation.
    public func sample(into actions: inout [Int], using generator: inout RandomGenerator) {
        precondition(actions.count == batchSize, "\(actions.count) slots for \(batchSize) actions")
        let actionCount = actionCount
        logProbabilities.withUnsafeBufferPointer { logP in
            for row in 0..<batchSize {
                let threshold = generator.nextUniform()
                var cumulative: Float = 0
                var chosen = actionCount - 1  // if rounding leaves the total below the draw
                for action in 0..<actionCount {
                    cumulative += expf(logP[row * actionCount + action])
                    if threshold < cumulative {
                        chosen = action
                        break
                    }
                }
                actions[row] = chosen
            }
        }
    }

    /// `log p(actions[b])` per row, `[B]`.
    public func logProbability(of actions: [Int]) -> Tensor {
        logProbabilities.gather(lastAxis: actions)
    }

    /// `H = −Σᵢ pᵢ log pᵢ` per row, `[B]`.
    public func entropy() -> Tensor {
        -(logProbabilities.exp() * logProbabilities).sum(axis: 1)
    }

    /// The most probable action per row (the first on ties), for deterministic evaluation.
    public var mode: [Int] {
        let actionCount = actionCount
        return logProbabilities.withUnsafeBufferPointer { logP in
            (0..<batchSize).map { row in
                var best = 0
                for action in 1..<max(actionCount, 1) where logP[row * actionCount + action] > logP[row * actionCount + best] {
                    best = action
                }
                return best
            }
        }
    }
}
