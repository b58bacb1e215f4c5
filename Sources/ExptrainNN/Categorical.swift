#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import ExptrainRandom
import ExptrainTensor

/// A batch of categorical distributions over `A` actions, from unnormalised logits
/// `[B, A]`: `log pᵢ = logitsᵢ − log Σⱼ exp(logitsⱼ)`.
///
/// `logProbability(of:)` and `entropy()` are differentiable (through the logits);
/// sampling and the mode are not.
///
/// ```swift
/// let policy = Categorical(logits: logits)
/// let actions = policy.sample(using: &generator)          // [B] indices
/// let logProbabilities = policy.logProbability(of: actions)    // [B], PPO's new log π(a|s)
/// let entropyBonus = policy.entropy().mean()
/// ```
public struct Categorical: PolicyDistribution {
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
        let actionCount = actionCount
        return logProbabilities.withUnsafeBufferPointer { logP in
            (0..<batchSize).map { row in
                Categorical.draw(logProbabilities: logP.baseAddress! + row * actionCount, actionCount: actionCount, using: &generator)
            }
        }
    }

    /// `sample(using:)` as a `[B, 1]` tensor of indices.
    public func sample(using generator: inout RandomGenerator) -> Tensor {
        let actions: [Int] = sample(using: &generator)
        return Tensor(shape: [batchSize, 1], values: actions.map(Float.init))
    }

    /// `log p(actions[b])` per row, `[B]`.
    public func logProbability(of actions: [Int]) -> Tensor {
        logProbabilities.gather(lastAxis: actions)
    }

    /// `log p` of the indices in `actions` `[B, 1]`, per row.
    public func logProbability(of actions: Tensor) -> Tensor {
        precondition(actions.count == batchSize, "\(actions.count) actions for \(batchSize) categorical rows")
        return logProbability(of: actions.scalars.map { Int($0) })
    }

    /// `H = −Σᵢ pᵢ log pᵢ` per row, `[B]`.
    public func entropy() -> Tensor {
        -(logProbabilities.exp() * logProbabilities).sum(axis: 1)
    }

    /// The most probable action per row (the first on ties), `[B, 1]`.
    public var mode: Tensor {
        let actionCount = actionCount
        let indices = logProbabilities.withUnsafeBufferPointer { logP in
            (0..<batchSize).map { Float(Categorical.argmax(logP.baseAddress! + $0 * actionCount, count: actionCount)) }
        }
        return Tensor(shape: [batchSize, 1], values: indices)
    }

    public var headParameters: Tensor { logProbabilities.detached() }

    /// An action drawn from one row of log-probabilities by inverting the cumulative
    /// distribution with one uniform draw from `generator`.
    static func draw(logProbabilities logP: UnsafePointer<Float>, actionCount: Int, using generator: inout RandomGenerator) -> Int {
        let threshold = generator.nextUniform()
        var cumulative: Float = 0
        for action in 0..<actionCount {
            cumulative += expf(logP[action])
            if threshold < cumulative { return action }
        }
        return actionCount - 1  // if rounding leaves the total below the draw
    }

    /// The index of the largest of `count` values (the first on ties).
    static func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for index in 1..<max(count, 1) where values[index] > values[best] { best = index }
        return best
    }
}

/// The head of a policy over `Discrete(actionCount)`: `actionCount` logits per row.
///
/// Sampling normalises each row of logits into log-probabilities in place (the arithmetic
/// of `Categorical(logits:)`) and draws one action per row with one uniform draw, as
/// `Categorical.sample(using:)` does, so the same generator gives the same actions.
///
/// ```swift
/// let head = CategoricalHead(actionCount: 7)
/// head.sample(preparing: logits, into: actions, logProbabilities: logP, using: &generator)
/// ```
public struct CategoricalHead: DistributionHead {
    public let actionCount: Int

    public init(actionCount: Int) {
        self.actionCount = actionCount
    }

    public var parameterCount: Int { actionCount }
    public var actionDimensions: Int { 1 }
    public var description: String { "Categorical(\(actionCount))" }

    public func check(actionSpace space: ActionSpace) throws(SpaceError) {
        guard case .discrete(let count) = space, count == actionCount else {
            throw SpaceError("the model's policy is Categorical over \(actionCount) actions but the task's action space is \(space)")
        }
    }

    public func sample(
        preparing parameters: UnsafeMutableBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, using generator: inout RandomGenerator
    ) {
        for row in 0..<rows(parameters.count, actions.count) {
            let rowLogits = parameters.baseAddress! + row * actionCount
            logSoftmax(rowLogits, count: actionCount, into: rowLogits)
            let action = Categorical.draw(logProbabilities: rowLogits, actionCount: actionCount, using: &generator)
            actions[row] = Float(action)
            logProbabilities[row] = rowLogits[action]
        }
    }

    public func logProbability(prepared row: UnsafePointer<Float>, of action: UnsafePointer<Float>) -> Float {
        row[Int(action[0])]
    }

    public func mode(of parameters: UnsafeBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>) {
        for row in 0..<rows(parameters.count, actions.count) {
            actions[row] = Float(Categorical.argmax(parameters.baseAddress! + row * actionCount, count: actionCount))
        }
    }
}
