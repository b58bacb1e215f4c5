#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainNN

/// `DiagonalGaussian`'s terms for `FusedMLPStep` with a state-independent `log σ`
/// (`MLPActorCritic`'s `actor_logstd`), as `logProbability(of:)` and `entropy()` record them:
///
///     z = (a − μ) / exp(log σ),   log π(a|s) = Σ_d ((−½·z_d² − log σ_d) − ½ log 2π)
///     H = Σ_d (log σ_d + (½ + ½ log 2π)), one value for every row
///
/// Backward, in the tape's order: each element back through the sum, the subtractions,
/// `z²` and the quotient (to `μ` and to `exp(log σ)`); `log σ` gathers its gradient from
/// the subtraction row by row, then from `exp`, then from the entropy.
final class FusedGaussianTerms: FusedPolicyTerms {
    let actorOutputSize: Int
    private let logStandardDeviation: Parameter
    private let workspace = InferenceWorkspace()
    private enum Slot: Int { case standardDeviations, differences, standardized, logStandardDeviationGradients, standardDeviationGradients }

    /// The terms of a Gaussian over `dimensions` values whose `log σ` is `logStandardDeviation` (`[1, dimensions]`).
    init(dimensions: Int, logStandardDeviation: Parameter) {
        precondition(logStandardDeviation.entry.count == dimensions, "log σ of \(logStandardDeviation.entry.count) values for \(dimensions) dimensions")
        actorOutputSize = dimensions
        self.logStandardDeviation = logStandardDeviation
    }

    func forward(actorOutput means: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
                 into logProbabilities: UnsafeMutablePointer<Float>) -> Double {
        let dimensions = actorOutputSize
        let halfLogTwoPi = DiagonalGaussian.halfLogTwoPi
        let sigma = buffer(.standardDeviations, dimensions)
        let (differences, standardized) = (buffer(.differences, count * dimensions), buffer(.standardized, count * dimensions))
        return logStandardDeviation.tensor.withUnsafeBufferPointer { logSigma in
            var entropyOfEachRow = 0.0
            for d in 0..<dimensions {
                sigma[d] = expf(logSigma[d])
                entropyOfEachRow += Double(logSigma[d] + (0.5 + halfLogTwoPi))
            }
            for row in 0..<count {
                var total: Float = 0
                for d in 0..<dimensions {
                    let j = row * dimensions + d
                    differences[j] = actions[j] - means[j]
                    standardized[j] = differences[j] / sigma[d]
                    total += ((-0.5 * (standardized[j] * standardized[j])) - logSigma[d]) - halfLogTwoPi
                }
                logProbabilities[row] = total
            }
            // `zeros([B]) + Σ_d …`: every row's entropy is `0 + H`.
            let rowEntropy = Double(0 + Float(entropyOfEachRow))
            var entropyTotal = 0.0
            for _ in 0..<count { entropyTotal += rowEntropy }
            return entropyTotal
        }
    }

    func backward(count: Int, logProbabilityGradients: UnsafePointer<Float>, entropyShare: Float,
                  into meanGradients: UnsafeMutablePointer<Float>) {
        let dimensions = actorOutputSize
        let sigma = buffer(.standardDeviations, dimensions)
        let (differences, standardized) = (buffer(.differences, count * dimensions), buffer(.standardized, count * dimensions))
        let logSigmaGradients = buffer(.logStandardDeviationGradients, dimensions)
        let sigmaGradients = buffer(.standardDeviationGradients, dimensions)
        for d in 0..<dimensions { (logSigmaGradients[d], sigmaGradients[d]) = (0, 0) }
        for row in 0..<count {
            let logProbabilityGradient = logProbabilityGradients[row]
            for d in 0..<dimensions {
                let j = row * dimensions + d
                // Back through `Σ_d`, `− ½ log 2π` and `− log σ` (whose other side is log σ's).
                let termGradient = 0 + (0 + (0 + logProbabilityGradient * 1) * 1) * 1
                logSigmaGradients[d] += termGradient * -1
                let squareGradient = 0 + termGradient * -0.5
                let standardizedGradient = 0 + squareGradient * (2 * standardized[j])
                // The quotient `(a − μ) / σ`: to the difference (then −1 to μ) and to σ.
                let differenceGradient = 0 + standardizedGradient * (1 / sigma[d])
                sigmaGradients[d] += standardizedGradient * (-differences[j] / (sigma[d] * sigma[d]))
                meanGradients[j] = 0 + differenceGradient * -1
            }
        }
        // The entropy's chain: the mean's share to each row, the rows' sum to `Σ_d`, then to each log σ.
        var entropySumGradient: Float = 0
        let rowGradient = 0 + entropyShare
        for _ in 0..<count { entropySumGradient += rowGradient * 1 }
        let dimensionGradient = 0 + entropySumGradient * 1
        let offset = logStandardDeviation.entry.offset
        logStandardDeviation.store.withGradients { gradients in
            for d in 0..<dimensions {
                logSigmaGradients[d] += sigmaGradients[d] * sigma[d]
                logSigmaGradients[d] += dimensionGradient * 1
                gradients[offset + d] += logSigmaGradients[d]
            }
        }
    }

    private func buffer(_ slot: Slot, _ count: Int) -> UnsafeMutablePointer<Float> {
        workspace.buffer(slot.rawValue, count: count)
    }
}
