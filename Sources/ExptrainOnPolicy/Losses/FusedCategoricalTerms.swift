#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainNN
import ExptrainTensor

/// `Categorical`'s terms for `FusedMLPStep`, as the tape records them:
///
///     log p = log softmax(logits),  log π(a|s) = log p[a],  H = −Σ_j p_j·log p_j  (p = exp(log p))
///
/// Backward, `log p` gathers its gradient from the action's gather, then from the
/// entropy's product `p·log p`, then from its `exp`; then the log softmax's pullback.
final class FusedCategoricalTerms: FusedPolicyTerms {
    let actorOutputSize: Int
    private let workspace = InferenceWorkspace()
    private enum Slot: Int { case actions, logProbabilities, probabilities }

    init(actionCount: Int) {
        actorOutputSize = actionCount
    }

    func forward(actorOutput logits: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
                 into takenLogProbabilities: UnsafeMutablePointer<Float>) -> Double {
        let actionCount = actorOutputSize
        let actionIndices = workspace.buffer(Slot.actions.rawValue, count: count, of: Int.self)
        let (logP, probabilities) = (buffer(.logProbabilities, count * actionCount), buffer(.probabilities, count * actionCount))
        // H = −Σ p log p per row, the row sum from zero as `sum(axis:)` does.
        var entropyTotal = 0.0
        for row in 0..<count {
            let action = Int(actions[row])
            precondition(action >= 0 && action < actionCount, "an action is outside 0..<\(actionCount)")
            actionIndices[row] = action
            let first = row * actionCount
            logSoftmax(logits + first, count: actionCount, into: logP + first)
            takenLogProbabilities[row] = logP[first + action]
            var sum: Float = 0
            for j in first..<(first + actionCount) {
                probabilities[j] = expf(logP[j])
                sum += probabilities[j] * logP[j]
            }
            entropyTotal += Double(-(sum * 1))
        }
        return entropyTotal
    }

    func backward(count: Int, logProbabilityGradients: UnsafePointer<Float>, entropyShare: Float,
                  into logitGradients: UnsafeMutablePointer<Float>) {
        let actionCount = actorOutputSize
        let actions = workspace.buffer(Slot.actions.rawValue, count: count, of: Int.self)
        let (logP, probabilities) = (buffer(.logProbabilities, count * actionCount), buffer(.probabilities, count * actionCount))
        let productGradient = 0 + (0 + (0 + entropyShare) * -1) * 1
        for row in 0..<count {
            let first = row * actionCount
            var upstreamTotal: Float = 0
            for j in first..<(first + actionCount) {
                var logPGradient: Float = 0
                if j == first + actions[row] { logPGradient += logProbabilityGradients[row] }
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

    private func buffer(_ slot: Slot, _ count: Int) -> UnsafeMutablePointer<Float> {
        workspace.buffer(slot.rawValue, count: count)
    }
}
