import ExptrainEnvironment

/// One rollout of up to `steps` steps of `environments` environments on one rank, in flat
/// time-major buffers allocated once per stage (element `t·environments + e`), sized by
/// the spaces: `observationFloats` holds `floatCount` floats per step and environment,
/// `observationBytes` the UInt8 parts as bytes, `actions` `actionDimensions` floats
/// (CleanRL's `(steps, envs) + shape` buffers).
///
/// A rollout cut short by straggler preemption fills only `collectedSteps` steps. The
/// observations and `masks` have one extra step: index `collectedSteps` holds the state
/// the next rollout starts from. `masks[t·N+e]` is 0 when an episode started at step `t`
/// (so a recurrent model resets its state there), else 1.
///
/// ```swift
/// let storage = RolloutStorage(steps: 128, environments: 4, observationSpace: task.observationSpace,
///                              actionDimensions: 1, recurrentStateSize: 0)
/// ```
public final class RolloutStorage {
    /// The rollout length asked for (`numSteps`).
    public let steps: Int
    /// The steps this rollout really holds (`steps`, or fewer when cut short).
    public var collectedSteps: Int
    public let environments: Int
    /// Floats and bytes of one observation.
    public let floatCount: Int
    public let byteCount: Int
    /// Floats of one stored action.
    public let actionDimensions: Int
    public let recurrentStateSize: Int

    public var observationFloats: [Float]
    public var observationBytes: [UInt8]
    public var masks: [Float]
    public var actions: [Float]
    /// The expert's action at each step, where an imitation stage recorded it.
    public var expertActions: [Float]
    public var logProbabilities: [Float]
    public var values: [Float]
    public var rewards: [Float]
    public var episodeEnded: [Float]
    public var bootstrapValues: [Float]
    public var advantages: [Float]
    public var returns: [Float]
    /// Each environment's recurrent state before step 0, `[environments, recurrentStateSize]`.
    public var initialHidden: [Float]

    public init(steps: Int, environments: Int, observationSpace: ObservationSpace, actionDimensions: Int, recurrentStateSize: Int) {
        self.steps = steps
        collectedSteps = steps
        self.environments = environments
        floatCount = observationSpace.floatCount
        byteCount = observationSpace.byteCount
        self.actionDimensions = actionDimensions
        self.recurrentStateSize = recurrentStateSize
        let count = steps * environments
        observationFloats = [Float](repeating: 0, count: (steps + 1) * environments * floatCount)
        observationBytes = [UInt8](repeating: 0, count: (steps + 1) * environments * byteCount)
        masks = [Float](repeating: 0, count: (steps + 1) * environments)
        actions = [Float](repeating: 0, count: count * actionDimensions)
        expertActions = [Float](repeating: 0, count: count * actionDimensions)
        logProbabilities = [Float](repeating: 0, count: count)
        values = [Float](repeating: 0, count: count)
        rewards = [Float](repeating: 0, count: count)
        episodeEnded = [Float](repeating: 0, count: count)
        bootstrapValues = [Float](repeating: 0, count: environments)
        advantages = [Float](repeating: 0, count: count)
        returns = [Float](repeating: 0, count: count)
        initialHidden = [Float](repeating: 0, count: environments * recurrentStateSize)
    }

    /// Moves the last step's observations and masks to step 0, for the next rollout.
    public func carryOverLastStep() {
        Self.moveStep(collectedSteps, toFirstOf: &observationFloats, stride: environments * floatCount)
        Self.moveStep(collectedSteps, toFirstOf: &observationBytes, stride: environments * byteCount)
        for e in 0..<environments {
            masks[e] = masks[collectedSteps * environments + e]
        }
    }

    private static func moveStep<Element>(_ step: Int, toFirstOf buffer: inout [Element], stride: Int) {
        guard stride > 0 else { return }
        buffer.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            base.update(from: base + step * stride, count: stride)
        }
    }

    /// Runs `body` on the observations of step `step` (all environments) where they lie.
    public func withObservations<R>(atStep step: Int, _ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let n = environments
        return try observationFloats.withUnsafeBufferPointer { floats in
            try observationBytes.withUnsafeBufferPointer { bytes in
                try body(
                    UnsafeBufferPointer(rebasing: floats[(step * n * floatCount)..<((step + 1) * n * floatCount)]),
                    UnsafeBufferPointer(rebasing: bytes[(step * n * byteCount)..<((step + 1) * n * byteCount)]))
            }
        }
    }

    /// Runs `body` on the observation slots of environment `e` at step `step`, to write them.
    public func withObservationSlot<R>(
        step: Int, environment e: Int, _ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        let row = step * environments + e
        return try observationFloats.withUnsafeMutableBufferPointer { floats in
            try observationBytes.withUnsafeMutableBufferPointer { bytes in
                try body(
                    UnsafeMutableBufferPointer(rebasing: floats[(row * floatCount)..<((row + 1) * floatCount)]),
                    UnsafeMutableBufferPointer(rebasing: bytes[(row * byteCount)..<((row + 1) * byteCount)]))
            }
        }
    }

    /// Computes advantages and returns of the collected steps with GAE(γ, λ), or
    /// discounted returns.
    public func computeAdvantages(gamma: Float, lambda: Float, useGAE: Bool) {
        let count = collectedSteps * environments
        rewards.withUnsafeBufferPointer { allRewards in
            values.withUnsafeBufferPointer { allValues in
                episodeEnded.withUnsafeBufferPointer { allEnded in
                    bootstrapValues.withUnsafeBufferPointer { b in
                        advantages.withUnsafeMutableBufferPointer { allAdvantages in
                            returns.withUnsafeMutableBufferPointer { allReturns in
                                let r = UnsafeBufferPointer(rebasing: allRewards[..<count])
                                let v = UnsafeBufferPointer(rebasing: allValues[..<count])
                                let d = UnsafeBufferPointer(rebasing: allEnded[..<count])
                                let a = UnsafeMutableBufferPointer(rebasing: allAdvantages[..<count])
                                let ret = UnsafeMutableBufferPointer(rebasing: allReturns[..<count])
                                if useGAE {
                                    AdvantageEstimator.generalized(
                                        rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: collectedSteps,
                                        environments: environments, gamma: gamma, lambda: lambda, advantages: a, returns: ret)
                                } else {
                                    AdvantageEstimator.discounted(
                                        rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: collectedSteps,
                                        environments: environments, gamma: gamma, advantages: a, returns: ret)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
