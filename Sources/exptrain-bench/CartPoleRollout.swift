import ExptrainExperiment
import ExptrainNN
import ExptrainRandom
import ExptrainTasks
import ExptrainTensor

/// The engine's rollout step for CartPole, written out as `RolloutCollector.collect` runs
/// it (that type is internal to the engine): the rank's environments as one batch through
/// `MLPActorCritic.act` into kept buffers, sampling from the logits in place, `task.step`,
/// the results written into flat time-major buffers, a finished task replaced by the
/// sampler's next.
///
/// `tensorPath` runs the same step through `forward` on tensors without gradients instead
/// (what the engine did before `act`), for comparison.
final class CartPoleRollout {
    let model: MLPActorCritic
    let sampler: CartPoleTaskSampler
    let environments: Int
    let steps: Int
    let tensorPath: Bool
    var generator = RandomGenerator(seed: 11)
    private let workspace = InferenceWorkspace()
    private var logits: [Float]
    private var stepValues: [Float]
    private var noState: [Float] = []
    private var tasks: [CartPoleTask]
    private let observationBatch: Tensor
    private let maskBatch: Tensor
    private let hidden: Tensor
    private var sampledActions: [Int]

    // Rollout storage, time-major (`t * environments + e`); observations have one more step.
    var observations: [Float]
    var masks: [Float]
    var actions: [Int]
    var logProbabilities: [Float]
    var values: [Float]
    var rewards: [Float]
    var episodeEnded: [Float]
    var bootstrapValues: [Float]
    private(set) var finishedEpisodes = 0
    /// Heap allocations made while running the policy (counted when the LD_PRELOAD counter is loaded).
    private(set) var inferenceAllocations: UInt64 = 0

    init(model: MLPActorCritic, environments: Int, steps: Int, tensorPath: Bool, seed: UInt64) {
        self.model = model
        self.environments = environments
        self.steps = steps
        self.tensorPath = tensorPath
        logits = [Float](repeating: 0, count: environments * 2)
        stepValues = [Float](repeating: 0, count: environments)
        let sampler = CartPoleTaskSampler(seed: seed)
        self.sampler = sampler
        tasks = (0..<environments).map { _ in sampler.nextTask()! }
        observationBatch = Tensor.zeros([environments, 4])
        maskBatch = Tensor.zeros([environments])
        hidden = Tensor.zeros([environments, 0])
        sampledActions = [Int](repeating: 0, count: environments)
        observations = [Float](repeating: 0, count: (steps + 1) * environments * 4)
        masks = [Float](repeating: 0, count: (steps + 1) * environments)
        actions = [Int](repeating: 0, count: steps * environments)
        logProbabilities = [Float](repeating: 0, count: steps * environments)
        values = [Float](repeating: 0, count: steps * environments)
        rewards = [Float](repeating: 0, count: steps * environments)
        episodeEnded = [Float](repeating: 0, count: steps * environments)
        bootstrapValues = [Float](repeating: 0, count: environments)
        for e in 0..<environments { copyObservation(tasks[e].currentObservation, step: 0, environment: e) }
    }

    /// The policy's log-probabilities (in `logits`) and values (in `stepValues`) at step `t`.
    private func evaluate(step t: Int) {
        let before = AllocationCounter.count
        defer { inferenceAllocations += AllocationCounter.count - before }
        loadBatch(step: t)
        if tensorPath {
            let output = withoutGradients {
                model.forward(observations: observationBatch, masks: maskBatch, hidden: hidden, steps: 1, environments: environments)
            }
            let policy = Categorical(logits: output.logits)
            for k in 0..<logits.count { logits[k] = policy.logProbabilities[flat: k] }
            for e in 0..<environments { stepValues[e] = output.values[flat: e] }
            policy.sample(into: &sampledActions, using: &generator)
            return
        }
        let stride = environments * 4
        observations.withUnsafeBufferPointer { observations in
            masks.withUnsafeBufferPointer { masks in
                logits.withUnsafeMutableBufferPointer { logits in
                    stepValues.withUnsafeMutableBufferPointer { values in
                        noState.withUnsafeMutableBufferPointer { state in
                            model.act(
                                observations: UnsafeBufferPointer(rebasing: observations[t * stride..<(t + 1) * stride]),
                                masks: UnsafeBufferPointer(rebasing: masks[t * environments..<(t + 1) * environments]),
                                hidden: state, environments: environments, logits: logits, values: values, workspace: workspace)
                        }
                    }
                }
            }
        }
        logits.withUnsafeMutableBufferPointer { logits in
            sampledActions.withUnsafeMutableBufferPointer { actions in
                Categorical.sample(normalizingInPlace: logits, actionCount: 2, into: actions, using: &generator)
            }
        }
    }

    /// One environment step of every environment (step `t` of the rollout).
    @inline(never)
    func step(_ t: Int) {
        let n = environments
        evaluate(step: t)
        for e in 0..<n {
            let i = t * n + e
            let action = sampledActions[e]
            actions[i] = action
            logProbabilities[i] = logits[e * 2 + action]
            values[i] = stepValues[e]
            let result = tasks[e].step(action: action)
            rewards[i] = result.reward
            episodeEnded[i] = result.done ? 1 : 0
            if result.done {
                // (Truncated episodes' γ·V(final) bootstrap runs once per 500 steps: left out.)
                finishedEpisodes += 1
                tasks[e] = sampler.nextTask()!
                copyObservation(tasks[e].currentObservation, step: t + 1, environment: e)
                masks[(t + 1) * n + e] = 0
            } else {
                copyObservation(result.observation, step: t + 1, environment: e)
                masks[(t + 1) * n + e] = 1
            }
        }
    }

    /// A whole rollout of `steps` steps and the bootstrap values; then step 0 ← step T.
    func collect() {
        for t in 0..<steps { step(t) }
        evaluate(step: steps)
        for e in 0..<environments { bootstrapValues[e] = stepValues[e] }
    }

    /// Moves the observation after the last step to step 0, for the next rollout.
    func carryOver() {
        let stride = environments * 4
        for k in 0..<stride { observations[k] = observations[steps * stride + k] }
        for e in 0..<environments { masks[e] = masks[steps * environments + e] }
    }

    private func copyObservation(_ observation: [Float], step: Int, environment e: Int) {
        let offset = (step * environments + e) * 4
        for k in 0..<4 { observations[offset + k] = observation[k] }
    }

    private func loadBatch(step: Int) {
        let stride = environments * 4
        observationBatch.withUnsafeMutableBufferPointer { batch in
            for k in 0..<stride { batch[k] = observations[step * stride + k] }
        }
        maskBatch.withUnsafeMutableBufferPointer { m in
            for e in 0..<environments { m[e] = masks[step * environments + e] }
        }
    }
}
