/// One rollout of up to `steps` steps of `environments` environments on this rank, in
/// flat time-major buffers allocated once per stage (element `t·environments + e`).
///
/// A rollout cut short by straggler preemption fills only `collectedSteps` steps.
/// `observations` and `masks` have one extra step: index `collectedSteps` holds the
/// state the next rollout starts from. `masks[t·N+e]` is 0 when an episode started at
/// step `t` (so a recurrent model resets its state there), else 1.
final class RolloutStorage {
    /// The rollout length asked for (`numSteps`).
    let steps: Int
    /// The steps this rollout really holds (`steps`, or fewer when cut short).
    var collectedSteps: Int
    let environments: Int
    let observationSize: Int
    let recurrentStateSize: Int

    var observations: [Float]
    var masks: [Float]
    var actions: [Int]
    var expertActions: [Int]
    var logProbabilities: [Float]
    var values: [Float]
    var rewards: [Float]
    var episodeEnded: [Float]
    var bootstrapValues: [Float]
    var advantages: [Float]
    var returns: [Float]
    /// Each environment's recurrent state before step 0, `[environments, recurrentStateSize]`.
    var initialHidden: [Float]

    init(steps: Int, environments: Int, observationSize: Int, recurrentStateSize: Int) {
        self.steps = steps
        collectedSteps = steps
        self.environments = environments
        self.observationSize = observationSize
        self.recurrentStateSize = recurrentStateSize
        let count = steps * environments
        observations = [Float](repeating: 0, count: (steps + 1) * environments * observationSize)
        masks = [Float](repeating: 0, count: (steps + 1) * environments)
        actions = [Int](repeating: 0, count: count)
        expertActions = [Int](repeating: -1, count: count)
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
    func carryOverLastStep() {
        let stride = environments * observationSize
        observations.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            base.update(from: base + collectedSteps * stride, count: stride)
        }
        for e in 0..<environments {
            masks[e] = masks[collectedSteps * environments + e]
        }
    }

    /// Computes advantages and returns of the collected steps with GAE(γ, λ), or
    /// discounted returns.
    func computeAdvantages(gamma: Float, lambda: Float, useGAE: Bool) {
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
