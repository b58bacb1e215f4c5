#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainNN
import ExptrainTensor

/// `Categorical`'s and `MultiCategorical`'s terms for `FusedMLPStep`, as the tape records
/// them: per component `c` of `counts` (one for `Categorical`), on its own columns of the
/// logits,
///
///     log p_c = log softmax(logits_c),  H_c = −Σ_j p_cj·log p_cj  (p_c = exp(log p_c))
///     log π(a|s) = log p_0[a_0] + log p_1[a_1] + …,   H = H_0 + H_1 + …
///
/// Backward, each component's `log p` gathers its gradient from the action's gather, then
/// from the entropy's product `p·log p`, then from its `exp`; then its log softmax's pullback.
final class FusedCategoricalTerms: FusedPolicyTerms {
    let actorOutputSize: Int
    private let counts: [Int]
    /// Where each component's columns start in a row of logits.
    private let starts: [Int]
    private let workspace = InferenceWorkspace()
    private enum Slot: Int { case actions, logProbabilities, probabilities }

    /// The terms of independent categoricals over `counts` actions each.
    init(counts: [Int]) {
        precondition(!counts.isEmpty && counts.allSatisfy { $0 > 0 }, "categorical components of \(counts) actions")
        self.counts = counts
        starts = counts.indices.map { counts[..<$0].reduce(0, +) }
        actorOutputSize = counts.reduce(0, +)
    }

    func forward(actorOutput logits: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
                 into takenLogProbabilities: UnsafeMutablePointer<Float>) -> Double {
        let (width, components) = (actorOutputSize, counts.count)
        let actionIndices = workspace.buffer(Slot.actions.rawValue, count: count * components, of: Int.self)
        let (logP, probabilities) = (buffer(.logProbabilities, count * width), buffer(.probabilities, count * width))
        var entropyTotal = 0.0
        for row in 0..<count {
            var (rowLogProbability, rowEntropy): (Float, Float) = (0, 0)
            for (component, actionCount) in counts.enumerated() {
                let action = Int(actions[row * components + component])
                precondition(action >= 0 && action < actionCount, "an action is outside 0..<\(actionCount)")
                actionIndices[row * components + component] = action
                let first = row * width + starts[component]
                logSoftmax(logits + first, count: actionCount, into: logP + first)
                // H = −Σ p log p per row, the row sum from zero as `sum(axis:)` does.
                var sum: Float = 0
                for j in first..<(first + actionCount) {
                    probabilities[j] = expf(logP[j])
                    sum += probabilities[j] * logP[j]
                }
                let entropy = -(sum * 1)
                // The components' terms added left to right, the first as it is.
                rowLogProbability = component == 0 ? logP[first + action] : rowLogProbability + logP[first + action]
                rowEntropy = component == 0 ? entropy : rowEntropy + entropy
            }
            takenLogProbabilities[row] = rowLogProbability
            entropyTotal += Double(rowEntropy)
        }
        return entropyTotal
    }

    func backward(count: Int, logProbabilityGradients: UnsafePointer<Float>, entropyShare: Float,
                  into logitGradients: UnsafeMutablePointer<Float>) {
        let (width, components) = (actorOutputSize, counts.count)
        let actions = workspace.buffer(Slot.actions.rawValue, count: count * components, of: Int.self)
        let (logP, probabilities) = (buffer(.logProbabilities, count * width), buffer(.probabilities, count * width))
        let productGradient = 0 + (0 + (0 + entropyShare) * -1) * 1
        for row in 0..<count {
            for (component, actionCount) in counts.enumerated() {
                let first = row * width + starts[component]
                let taken = first + actions[row * components + component]
                var upstreamTotal: Float = 0
                for j in first..<(first + actionCount) {
                    var logPGradient: Float = 0
                    if j == taken { logPGradient += logProbabilityGradients[row] }
                    logPGradient += productGradient * probabilities[j]
                    logPGradient += (0 + productGradient * logP[j]) * probabilities[j]
                    logitGradients[j] = logPGradient
                    upstreamTotal += logPGradient
                }
                for j in first..<(first + actionCount) {
                    logitGradients[j] = 0 + (logitGradients[j] - probabilities[j] * upstreamTotal)
                }
            }
        }
    }

    private func buffer(_ slot: Slot, _ count: Int) -> UnsafeMutablePointer<Float> {
        workspace.buffer(slot.rawValue, count: count)
    }
}
