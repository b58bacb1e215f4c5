import ExptrainEnvironment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainTensor

/// Keeps a diverged run from applying or saving non-finite numbers (SPEC §13).
///
/// Each minibatch step, every rank decides alike, from numbers every rank shares:
/// - a rank whose own loss is not finite makes its gradient NaN before the all-reduce
///   (`poisonGradients`), so the reduced gradient norm is NaN on every rank, with no
///   message of its own;
/// - a step is skipped when the reduced gradient norm is not finite, and undone when it
///   leaves a parameter that is not finite (the parameters are the same on every rank);
/// - after `maxConsecutiveSkips` skipped steps in a row the run has diverged: the trainer
///   stops with `DivergedError`, whose message names the step and the last checkpoint;
/// - `checkSavable` refuses a checkpoint holding a non-finite parameter, optimiser
///   buffer or normalisation statistic.
///
/// ```swift
/// guard.poisonGradients(ifNotFinite: loss, of: parameters)
/// try world.allReduce(gradients, .sum)
/// let norm = clipGlobalNorm(parameters, maxNorm: 0.5)
/// guard.step(parameters, gradientNorm: norm, atStep: steps) { optimizer.step(parameters: parameters) }
/// if let diverged = guard.divergence { throw diverged }
/// ```
final class UpdateGuard {
    let maxConsecutiveSkips: Int
    /// Skipped minibatch steps since `takeSkippedSinceLastLog()` was last called.
    private var skippedSinceLastLog = 0
    private var consecutiveSkips = 0
    /// Set once `maxConsecutiveSkips` steps in a row were skipped.
    private(set) var divergence: DivergedError?
    /// The parameters before the step being taken, to undo it.
    private var before: [Float]

    init(maxConsecutiveSkips: Int, parameterCount: Int) {
        precondition(maxConsecutiveSkips >= 1, "at least one skipped step must be allowed")
        self.maxConsecutiveSkips = maxConsecutiveSkips
        before = [Float](repeating: 0, count: parameterCount)
    }

    /// Before the gradient all-reduce: a non-finite local loss makes this rank's gradient
    /// NaN, which the all-reduce carries to every rank.
    func poisonGradients(ifNotFinite loss: Float, of parameters: ParameterStore) {
        guard !loss.isFinite, parameters.count > 0 else { return }
        parameters.withGradients { $0[0] = .nan }
    }

    /// Takes the optimiser step `apply` unless the reduced `gradientNorm` is not finite, and
    /// undoes it if it leaves a non-finite parameter. Returns whether the step stands.
    ///
    /// - Parameter step: the global environment step of the update, for the error.
    @discardableResult
    func step(_ parameters: ParameterStore, gradientNorm: Float, atStep step: Int, _ apply: () -> Void) -> Bool {
        var stands = gradientNorm.isFinite
        if stands {
            parameters.withValues { values in before.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: values) } }
            apply()
            stands = parameters.withValues { allFinite(UnsafeBufferPointer($0)) }
            if !stands {
                parameters.withValues { values in before.withUnsafeBufferPointer { _ = values.update(fromContentsOf: $0) } }
            }
        }
        guard !stands else {
            consecutiveSkips = 0
            return true
        }
        skippedSinceLastLog += 1
        consecutiveSkips += 1
        if consecutiveSkips >= maxConsecutiveSkips && divergence == nil {
            divergence = DivergedError(step: step, skippedInARow: consecutiveSkips, checkpoint: nil)
        }
        return false
    }

    /// The skipped steps since the previous call (the log point's `skipped_updates`).
    func takeSkippedSinceLastLog() -> Int {
        defer { skippedSinceLastLog = 0 }
        return skippedSinceLastLog
    }

    /// Throws unless everything a checkpoint at `step` would hold is finite. Every rank holds
    /// the same parameters, optimiser state and statistics, so every rank decides alike.
    func checkSavable(
        parameters: ParameterStore, optimizer: any Optimizer, statistics: [RunningMeanStd], atStep step: Int, lastCheckpoint: String?
    ) throws {
        let finite = parameters.withValues { allFinite(UnsafeBufferPointer($0)) }
            && optimizer.state.buffers.allSatisfy { buffer in buffer.values.withUnsafeBufferPointer(allFinite) }
            && statistics.allSatisfy { ($0.mean + $0.variance + [$0.count]).allSatisfy(\.isFinite) }
        guard finite else {
            throw DivergedError(step: step, skippedInARow: nil, checkpoint: lastCheckpoint)
        }
    }
}

/// A run whose numbers stopped being finite: too many minibatch steps in a row were
/// skipped, or a checkpoint would have held a non-finite value. Every rank stops at the
/// same point; exit code 1. The run folder's newest checkpoint is the last finite one.
public struct DivergedError: JobWideError, Sendable {
    /// The global environment step of the update where the run stopped.
    public let step: Int
    /// Skipped steps in a row, or `nil` when a checkpoint was refused.
    public let skippedInARow: Int?
    /// The newest checkpoint of the run, all finite.
    public var checkpoint: String?

    public var description: String {
        let what = skippedInARow.map {
            "\($0) minibatch steps in a row had a non-finite loss, gradient norm or parameters and were skipped"
        } ?? "its checkpoint would hold non-finite values and was not written"
        let last = checkpoint.map { "the run's newest checkpoint, all finite, is \($0)" } ?? "the run has no checkpoint yet"
        return "training diverged at step \(step): \(what); \(last). Lower the learning rate (--config learningRate=…) and train again"
    }

    public var exitCode: Int32 { ExitCode.failure }
}
