/// One rollout of `steps` steps of `environments` environments on this rank, in flat
/// time-major buffers allocated once per stage (element `t·environments + e`).
///
/// `observations` and `masks` have one extra step: index `steps` holds the state the
/// next rollout starts from. `masks[t·N+e]` is 0 when an episode started at step `t`
/// (so a recurrent model resets its state there), else 1.
final class RolloutStorage {
    let steps: Int
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
            base.update(from: base + steps * stride, count: stride)
        }
        for e in 0..<environments {
            masks[e] = masks[steps * environments + e]
        }
    }

    /// Computes advantages and returns with GAE(γ, λ), or discounted returns.
    func computeAdvantages(gamma: Float, lambda: Float, useGAE: Bool) {
        rewards.withUnsafeBufferPointer { r in
            values.withUnsafeBufferPointer { v in
                episodeEnded.withUnsafeBufferPointer { d in
                    bootstrapValues.withUnsafeBufferPointer { b in
                        advantages.withUnsafeMutableBufferPointer { a in
                            returns.withUnsafeMutableBufferPointer { ret in
                                if useGAE {
                                    AdvantageEstimator.generalized(
                                        rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: steps,
                                        environments: environments, gamma: gamma, lambda: lambda, advantages: a, returns: ret)
                                } else {
                                    AdvantageEstimator.discounted(
                                        rewards: r, values: v, episodeEnded: d, bootstrapValues: b, steps: steps,
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
