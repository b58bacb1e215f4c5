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
                actions[row] = Self.draw(logProbabilities: logP.baseAddress! + row * actionCount, actionCount: actionCount, using: &generator)
            }
        }
    }

    /// Sampling for rollouts, without a tensor: replaces each row of `logits` `[B·A]` by its
    /// log-probabilities (the arithmetic of `init(logits:)`) and draws one action per row
    /// into `actions` `[B]` as `sample(into:using:)` does, with the same draws, so the same
    /// generator gives the same actions. Afterwards `logits[b·A + a]` is `log p(a)` of row
    /// `b`, for the drawn action or any other the caller takes instead (an expert's).
    ///
    /// ```swift
    /// Categorical.sample(normalizingInPlace: logits, actionCount: 7, into: actions, using: &generator)
    /// let logProbability = logits[e * 7 + actions[e]]
    /// ```
    public static func sample(
        normalizingInPlace logits: UnsafeMutableBufferPointer<Float>, actionCount: Int,
        into actions: UnsafeMutableBufferPointer<Int>, using generator: inout RandomGenerator
    ) {
        precondition(logits.count == actions.count * actionCount, "\(logits.count) logits for \(actions.count) rows of \(actionCount) actions")
        for row in 0..<actions.count {
            let rowLogits = logits.baseAddress! + row * actionCount
            logSoftmax(rowLogits, count: actionCount, into: rowLogits)
            actions[row] = draw(logProbabilities: rowLogits, actionCount: actionCount, using: &generator)
        }
    }

    /// An action drawn from one row of log-probabilities by inverting the cumulative
    /// distribution with one uniform draw from `generator`.
    private static func draw(logProbabilities logP: UnsafePointer<Float>, actionCount: Int, using generator: inout RandomGenerator) -> Int {
        let threshold = generator.nextUniform()
        var cumulative: Float = 0
        for action in 0..<actionCount {
            cumulative += expf(logP[action])
            if threshold < cumulative { return action }
        }
        return actionCount - 1  // if rounding leaves the total below the draw
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
