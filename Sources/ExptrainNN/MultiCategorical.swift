import ExptrainEnvironment
import ExptrainRandom
import ExptrainTensor

/// Independent categorical distributions, one per component of a `MultiDiscrete(counts)`
/// action: logits `[B, Σ counts]`, component `i` in its own columns.
///
///     log π(a) = Σᵢ log pᵢ(aᵢ),   H = Σᵢ Hᵢ
///
/// ```swift
/// let policy = MultiCategorical(logits: logits, counts: [3, 2])
/// let logProbabilities = policy.logProbability(of: actions)    // actions [B, 2]
/// ```
public struct MultiCategorical: PolicyDistribution {
    /// Actions per component.
    public let counts: [Int]
    /// One `Categorical` per component.
    public let components: [Categorical]

    /// The distributions whose unnormalised log-probabilities are `logits` `[B, Σ counts]`.
    public init(logits: Tensor, counts: [Int]) {
        precondition(logits.shape.count == 2 && logits.shape[1] == counts.reduce(0, +),
                     "MultiCategorical over \(counts) needs logits [batch, \(counts.reduce(0, +))], not \(logits.shape)")
        self.counts = counts
        var start = 0
        components = counts.map { count in
            defer { start += count }
            return Categorical(logits: logits.columns(start..<(start + count)))
        }
    }

    public var batchSize: Int { components[0].batchSize }

    public func logProbability(of actions: Tensor) -> Tensor {
        precondition(actions.shape == [batchSize, counts.count], "actions \(actions.shape) are not [\(batchSize), \(counts.count)]")
        return sum(components.indices.map { components[$0].logProbability(of: actions.columns($0..<($0 + 1))) })
    }

    public func entropy() -> Tensor {
        sum(components.map { $0.entropy() })
    }

    public var mode: Tensor { interleave(components.map(\.mode)) }

    /// One action per row, rows in order and each row's components in order, one uniform
    /// draw each: the draws of `MultiCategoricalHead.sample(preparing:…)`.
    public func sample(using generator: inout RandomGenerator) -> Tensor {
        var values = [Float](repeating: 0, count: batchSize * counts.count)
        let logProbabilities = components.map(\.logProbabilities.scalars)
        for row in 0..<batchSize {
            for (component, count) in counts.enumerated() {
                let action = logProbabilities[component].withUnsafeBufferPointer {
                    Categorical.draw(logProbabilities: $0.baseAddress! + row * count, actionCount: count, using: &generator)
                }
                values[row * counts.count + component] = Float(action)
            }
        }
        return Tensor(shape: [batchSize, counts.count], values: values)
    }

    public var headParameters: Tensor { interleave(components.map(\.headParameters)) }

    /// `terms[0] + terms[1] + …`, differentiable.
    private func sum(_ terms: [Tensor]) -> Tensor {
        terms.dropFirst().reduce(terms[0], +)
    }

    /// Matrices `[B, wᵢ]` side by side as one `[B, Σ wᵢ]`.
    private func interleave(_ parts: [Tensor]) -> Tensor {
        let width = parts.reduce(0) { $0 + $1.shape[1] }
        var values = [Float](repeating: 0, count: batchSize * width)
        var column = 0
        for part in parts {
            let partWidth = part.shape[1]
            part.withUnsafeBufferPointer { source in
                for row in 0..<batchSize {
                    for j in 0..<partWidth { values[row * width + column + j] = source[row * partWidth + j] }
                }
            }
            column += partWidth
        }
        return Tensor(shape: [batchSize, width], values: values)
    }
}

/// The head of a policy over `MultiDiscrete(counts)`: `Σ counts` logits per row, each
/// component sampled as `CategoricalHead` samples, components in order.
public struct MultiCategoricalHead: DistributionHead {
    public let counts: [Int]

    public init(counts: [Int]) {
        self.counts = counts
    }

    public var parameterCount: Int { counts.reduce(0, +) }
    public var actionDimensions: Int { counts.count }
    public var description: String { "MultiCategorical(\(counts))" }

    public func check(actionSpace space: ActionSpace) throws(SpaceError) {
        guard case .multiDiscrete(let spaceCounts) = space, spaceCounts == counts else {
            throw SpaceError("the model's policy is MultiCategorical over \(counts) but the task's action space is \(space)")
        }
    }

    public func sample(
        preparing parameters: UnsafeMutableBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, using generator: inout RandomGenerator
    ) {
        for row in 0..<rows(parameters.count, actions.count) {
            var offset = row * parameterCount
            var total: Float = 0
            for (component, count) in counts.enumerated() {
                let logits = parameters.baseAddress! + offset
                logSoftmax(logits, count: count, into: logits)
                let action = Categorical.draw(logProbabilities: logits, actionCount: count, using: &generator)
                actions[row * counts.count + component] = Float(action)
                total += logits[action]
                offset += count
            }
            logProbabilities[row] = total
        }
    }

    public func logProbability(prepared row: UnsafePointer<Float>, of action: UnsafePointer<Float>) -> Float {
        var offset = 0
        var total: Float = 0
        for (component, count) in counts.enumerated() {
            total += row[offset + Int(action[component])]
            offset += count
        }
        return total
    }

    public func mode(of parameters: UnsafeBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>) {
        for row in 0..<rows(parameters.count, actions.count) {
            var offset = row * parameterCount
            for (component, count) in counts.enumerated() {
                actions[row * counts.count + component] = Float(Categorical.argmax(parameters.baseAddress! + offset, count: count))
                offset += count
            }
        }
    }
}
