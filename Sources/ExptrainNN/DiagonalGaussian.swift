#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
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
public struct DiagonalGaussian: PolicyDistribution {
    /// `μ`, `[B, D]`.
    public let mean: Tensor
    /// `log σ`, `[D]` or `[B, D]`.
    public let logStandardDeviation: Tensor

    /// `½ log 2π` in Float, the constant of each dimension's log-density.
    public static let halfLogTwoPi = Float(0.5 * log(2 * Double.pi))

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

    public var batchSize: Int { mean.shape[0] }

    /// `μ + σ ⊙ ε` with `ε` standard normal from `generator`, `[B, D]`, outside any graph.
    public func sample(using generator: inout RandomGenerator) -> Tensor {
        let sample = Tensor.uninitialized(mean.shape)
        let dimensions = mean.shape[1]
        let shared = logStandardDeviation.count == dimensions
        sample.withUnsafeMutableBufferPointer { output in
            mean.withUnsafeBufferPointer { mu in
                logStandardDeviation.withUnsafeBufferPointer { logSigma in
                    for i in 0..<output.count {
                        let sigma = expf(logSigma[shared ? i % dimensions : i])
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

    /// Means then log standard deviations of each row, `[B, 2D]`.
    public var headParameters: Tensor {
        let (rows, dimensions) = (mean.shape[0], mean.shape[1])
        var values = [Float](repeating: 0, count: rows * 2 * dimensions)
        let shared = logStandardDeviation.count == dimensions
        mean.withUnsafeBufferPointer { mu in
            logStandardDeviation.withUnsafeBufferPointer { logSigma in
                for row in 0..<rows {
                    for d in 0..<dimensions {
                        values[row * 2 * dimensions + d] = mu[row * dimensions + d]
                        values[row * 2 * dimensions + dimensions + d] = logSigma[shared ? d : row * dimensions + d]
                    }
                }
            }
        }
        return Tensor(shape: [rows, 2 * dimensions], values: values)
    }
}

/// The head of a Gaussian policy over a `Box` of `dimensions` values: per row, the means
/// then the log standard deviations (`2·dimensions` floats). Samples are `μ + σ·ε`,
/// unclipped: the log-probability is of the sampled action, and the action is clipped to
/// the box only where the task receives it (CleanRL's `ppo_continuous_action`).
public struct GaussianHead: DistributionHead {
    public let dimensions: Int

    public init(dimensions: Int) {
        self.dimensions = dimensions
    }

    public var parameterCount: Int { 2 * dimensions }
    public var actionDimensions: Int { dimensions }
    public var description: String { "DiagonalGaussian(\(dimensions))" }

    public func check(actionSpace space: ActionSpace) throws(SpaceError) {
        guard case .box(let box) = space, box.size == dimensions else {
            throw SpaceError("the model's policy is a Gaussian over \(dimensions) values but the task's action space is \(space)")
        }
    }

    public func sample(
        preparing parameters: UnsafeMutableBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>,
        logProbabilities: UnsafeMutableBufferPointer<Float>, using generator: inout RandomGenerator
    ) {
        for row in 0..<rows(parameters.count, actions.count) {
            let mean = parameters.baseAddress! + row * parameterCount
            let action = actions.baseAddress! + row * dimensions
            for d in 0..<dimensions {
                action[d] = mean[d] + expf(mean[dimensions + d]) * generator.nextNormal()
            }
            logProbabilities[row] = logProbability(prepared: mean, of: action)
        }
    }

    public func logProbability(prepared row: UnsafePointer<Float>, of action: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for d in 0..<dimensions {
            let logSigma = row[dimensions + d]
            let standardized = (action[d] - row[d]) / expf(logSigma)
            total += -0.5 * standardized * standardized - logSigma - DiagonalGaussian.halfLogTwoPi
        }
        return total
    }

    public func mode(of parameters: UnsafeBufferPointer<Float>, into actions: UnsafeMutableBufferPointer<Float>) {
        for row in 0..<rows(parameters.count, actions.count) {
            for d in 0..<dimensions { actions[row * dimensions + d] = parameters[row * parameterCount + d] }
        }
    }
}
