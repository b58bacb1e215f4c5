#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainRandom
import ExptrainTensor

/// A batch of Gaussians with diagonal covariance over `D`-dimensional actions: mean
/// `μ` `[B, D]` and log standard deviation `log σ`, `[D]` (a state-independent parameter,
/// as in CleanRL's continuous PPO) or `[B, D]`.
///
///     log p(a) = Σ_d [ −(a_d − μ_d)² / (2σ_d²) − log σ_d − ½ log 2π ]
///     H        = Σ_d [ ½ + ½ log 2π + log σ_d ]
///
/// `logProbability(of:)` and `entropy()` are differentiable in `μ` and `log σ`.
///
/// ```swift
/// let policy = DiagonalGaussian(mean: actorMean(x), logStandardDeviation: logStd.tensor)
/// let actions = policy.sample(using: &generator)            // [B, D], not recorded
/// let logProbabilities = policy.logProbability(of: actions)    // [B]
/// ```
public struct DiagonalGaussian {
    /// `μ`, `[B, D]`.
    public let mean: Tensor
    /// `log σ`, `[D]` or `[B, D]`.
    public let logStandardDeviation: Tensor

    private static let halfLogTwoPi = Float(0.5 * log(2 * Double.pi))

    /// The distributions with means `mean` and log standard deviations `logStandardDeviation`.
    public init(mean: Tensor, logStandardDeviation: Tensor) {
        precondition(mean.shape.count == 2, "DiagonalGaussian needs means [batch, dimensions], not \(mean.shape)")
        precondition(
            logStandardDeviation.shape == [mean.shape[1]] || logStandardDeviation.shape == mean.shape,
            "log standard deviation \(logStandardDeviation.shape) must be [\(mean.shape[1])] or \(mean.shape)"
        )
        self.mean = mean
        self.logStandardDeviation = logStandardDeviation
    }

    /// `μ + σ ⊙ ε` with `ε` standard normal from `generator`, `[B, D]`, outside any graph.
    public func sample(using generator: inout RandomGenerator) -> Tensor {
        let sample = Tensor.uninitialized(mean.shape)
        let dimensions = mean.shape[1]
        let perRow = logStandardDeviation.count == dimensions
        sample.withUnsafeMutableBufferPointer { output in
            mean.withUnsafeBufferPointer { mu in
                logStandardDeviation.withUnsafeBufferPointer { logSigma in
                    for i in 0..<output.count {
                        let sigma = expf(logSigma[perRow ? i % dimensions : i])
                        output[i] = mu[i] + sigma * generator.nextNormal()
                    }
                }
            }
        }
        return sample
    }

    /// `log p(actions)` per row, `[B]`; `actions` is `[B, D]`.
    public func logProbability(of actions: Tensor) -> Tensor {
        let standardized = (actions - mean) / logStandardDeviation.exp()
        return (-0.5 * standardized.squared() - logStandardDeviation - DiagonalGaussian.halfLogTwoPi).sum(axis: 1)
    }

    /// The entropy per row, `[B]`.
    public func entropy() -> Tensor {
        let perDimension = logStandardDeviation + (0.5 + DiagonalGaussian.halfLogTwoPi)
        if perDimension.shape.count == 2 { return perDimension.sum(axis: 1) }
        // The same for every row: one scalar, broadcast over the batch.
        return Tensor.zeros([mean.shape[0]]) + perDimension.sum()
    }

    /// The most probable action, `μ`.
    public var mode: Tensor { mean.detached() }
}
