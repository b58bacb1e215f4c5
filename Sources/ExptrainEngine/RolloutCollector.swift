import ExptrainExperiment
import ExptrainNN
import ExptrainRandom
import ExptrainTensor

/// Steps one rank's environments as one batch through the model, without gradients,
/// and fills a `RolloutStorage`.
///
/// The rank owns one sampler and keeps `environments` of its tasks running; when a
/// task ends, its metrics go to `EpisodeStatistics` and the next task from the sampler
/// takes its place (with mask 0, so a recurrent model starts from a clean state).
final class RolloutCollector<Sampler: TaskSampler> {
    let sampler: Sampler
    private(set) var tasks: [Sampler.SampledTask]
    let environments: Int
    let observationSize: Int
    let actionCount: Int
    /// Draws actions and teacher-forcing coins; its state is checkpointed.
    var generator: RandomGenerator

    /// The recurrent state to use at the next step, `[environments, recurrentStateSize]`.
    private var hidden: Tensor
    /// Reused input tensors: filled in place each step (nothing records them).
    private let observationBatch: Tensor
    private let maskBatch: Tensor
    private var sampledActions: [Int]
    /// Final observations of episodes cut off by a step limit during the current step.
    private var truncatedObservations: [Float]
    /// Rollouts since each environment last started a new task (for `advanceSceneRolloutPeriod`).
    private var rolloutsOnCurrentTask: [Int]

    /// Makes the first `environments` tasks; throws if the sampler cannot provide them.
    init(sampler: Sampler, environments: Int, recurrentStateSize: Int, actionCount: Int, seed: UInt64) throws {
        self.sampler = sampler
        self.environments = environments
        self.actionCount = actionCount
        var tasks: [Sampler.SampledTask] = []
        for _ in 0..<environments {
            guard let task = sampler.nextTask() else {
                throw ExperimentError("the training sampler ran out of tasks after \(tasks.count) of \(environments); training samplers must be endless (length nil)")
            }
            tasks.append(task)
        }
        self.tasks = tasks
        let space = tasks[0].observationSpace
        observationSize = space.size
        guard tasks[0].actionSpace.count == actionCount else {
            throw ExperimentError("the model has \(actionCount) actions but the task's action space is \(tasks[0].actionSpace)")
        }
        generator = RandomGenerator(seed: seed)
        hidden = Tensor.zeros([environments, recurrentStateSize])
        observationBatch = Tensor.zeros([environments, observationSize])
        maskBatch = Tensor.zeros([environments])
        sampledActions = [Int](repeating: 0, count: environments)
        truncatedObservations = [Float](repeating: 0, count: environments * observationSize)
        rolloutsOnCurrentTask = [Int](repeating: 0, count: environments)
    }

    /// Writes the current tasks' observations into step 0 of `storage`, with mask 0
    /// (every environment starts a new episode): the state before the first rollout.
    func start(into storage: RolloutStorage) {
        for e in 0..<environments {
            copyObservation(tasks[e].currentObservation, into: storage, step: 0, environment: e)
            storage.masks[e] = 0
        }
    }

    /// Fills `storage` with one rollout of `storage.steps` steps, or fewer when
    /// `stopEarly(completedSteps)` says so (straggler preemption); sets `storage.collectedSteps`.
    ///
    /// - Parameters:
    ///   - expertProbability: the chance to act with the task's expert action instead
    ///     of the policy's (teacher forcing); 0 for pure on-policy rollouts.
    ///   - recordExpertActions: store the expert's action at each step (for imitation losses).
    ///   - gamma: bootstraps truncated episodes: their last reward gets `γ·V(final observation)`.
    ///   - episodeOrder: a value that grows with global time, for ordering finished episodes across ranks.
    func collect(
        into storage: RolloutStorage, model: some ActorCriticModel, statistics: EpisodeStatistics,
        expertProbability: Double, recordExpertActions: Bool, gamma: Float, advanceTaskAfter period: Int?,
        episodeOrder: Double, stopEarly: (Int) throws -> Bool
    ) throws {
        let n = environments
        hidden.withUnsafeBufferPointer { h in
            storage.initialHidden.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: h.baseAddress!, count: h.count) }
        }
        storage.collectedSteps = storage.steps
        for t in 0..<storage.steps {
            loadBatch(from: storage, step: t)
            let output = withoutGradients {
                model.forward(observations: observationBatch, masks: maskBatch, hidden: hidden, steps: 1, environments: n)
            }
            let policy = Categorical(logits: output.logits)
            policy.sample(into: &sampledActions, using: &generator)
            var truncatedEnvironments: [Int] = []
            for e in 0..<n {
                let i = t * n + e
                let task = tasks[e]
                var action = sampledActions[e]
                if recordExpertActions || expertProbability > 0 {
                    guard let expert = task.expertAction() else {
                        throw ExperimentError("this stage imitates an expert, but the task offers no expertAction(); use a task with an expert or remove the imitation loss")
                    }
                    storage.expertActions[i] = expert
                    if expertProbability > 0 && generator.nextUniformDouble() < expertProbability {
                        action = expert
                    }
                }
                storage.actions[i] = action
                storage.logProbabilities[i] = policy.logProbabilities[flat: e * actionCount + action]
                storage.values[i] = output.values[flat: e]

                let result = task.step(action: action)
                storage.rewards[i] = result.reward
                storage.episodeEnded[i] = result.done ? 1 : 0
                if result.done {
                    if result.truncated && !result.terminated {
                        let offset = truncatedEnvironments.count * observationSize
                        truncatedObservations.replaceSubrange(offset..<(offset + observationSize), with: result.observation)
                        truncatedEnvironments.append(e)
                    }
                    statistics.record(task.metrics(), order: episodeOrder + Double(t * n + e))
                    try replaceTask(e, into: storage, step: t + 1)
                } else {
                    copyObservation(result.observation, into: storage, step: t + 1, environment: e)
                    storage.masks[(t + 1) * n + e] = 1
                }
            }
            hidden = output.hidden
            if !truncatedEnvironments.isEmpty {
                bootstrapTruncated(truncatedEnvironments, step: t, storage: storage, model: model, gamma: gamma)
            }
            if t + 1 < storage.steps, try stopEarly(t + 1) {
                storage.collectedSteps = t + 1
                break
            }
        }
        let last = storage.collectedSteps
        loadBatch(from: storage, step: last)
        let bootstrap = withoutGradients {
            model.forward(observations: observationBatch, masks: maskBatch, hidden: hidden, steps: 1, environments: n)
        }
        bootstrap.values.withUnsafeBufferPointer { values in
            for e in 0..<n { storage.bootstrapValues[e] = values[e] }
        }
        if let period {
            for e in 0..<n {
                rolloutsOnCurrentTask[e] += 1
                if rolloutsOnCurrentTask[e] >= period && storage.masks[last * n + e] != 0 {
                    // AllenAct's advance_scene_rollout_period: move on even mid-episode.
                    try replaceTask(e, into: storage, step: last)
                }
            }
        }
    }

    /// Adds `γ·V(s_final)` to the reward of each environment whose episode was only
    /// truncated at step `t`, from the final observations kept in `truncatedObservations`.
    private func bootstrapTruncated(
        _ environmentsCut: [Int], step t: Int, storage: RolloutStorage, model: some ActorCriticModel, gamma: Float
    ) {
        let n = environments
        let count = environmentsCut.count
        let finalObservations = Tensor.uninitialized([count, observationSize])
        finalObservations.withUnsafeMutableBufferPointer { batch in
            truncatedObservations.withUnsafeBufferPointer { kept in
                batch.baseAddress!.update(from: kept.baseAddress!, count: count * observationSize)
            }
        }
        let output = withoutGradients {
            model.forward(
                observations: finalObservations, masks: Tensor(shape: [count], repeating: 1),
                hidden: hidden.rows(at: environmentsCut), steps: 1, environments: count)
        }
        for (row, e) in environmentsCut.enumerated() {
            storage.rewards[t * n + e] += gamma * output.values[flat: row]
        }
    }

    /// Starts environment `e` on the sampler's next task; its first observation goes to
    /// `step` with mask 0.
    private func replaceTask(_ e: Int, into storage: RolloutStorage, step: Int) throws {
        guard let next = sampler.nextTask() else {
            throw ExperimentError("the training sampler ran out of tasks; training samplers must be endless (length nil)")
        }
        tasks[e] = next
        rolloutsOnCurrentTask[e] = 0
        copyObservation(next.currentObservation, into: storage, step: step, environment: e)
        storage.masks[step * environments + e] = 0
    }

    private func copyObservation(_ observation: [Float], into storage: RolloutStorage, step: Int, environment e: Int) {
        precondition(observation.count == observationSize, "a task returned \(observation.count) observation values, its space says \(observationSize)")
        let offset = (step * environments + e) * observationSize
        storage.observations.withUnsafeMutableBufferPointer { destination in
            observation.withUnsafeBufferPointer { source in
                (destination.baseAddress! + offset).update(from: source.baseAddress!, count: observationSize)
            }
        }
    }

    private func loadBatch(from storage: RolloutStorage, step: Int) {
        let stride = environments * observationSize
        observationBatch.withUnsafeMutableBufferPointer { batch in
            storage.observations.withUnsafeBufferPointer { observations in
                batch.baseAddress!.update(from: observations.baseAddress! + step * stride, count: stride)
            }
        }
        maskBatch.withUnsafeMutableBufferPointer { masks in
            for e in 0..<environments { masks[e] = storage.masks[step * environments + e] }
        }
    }
}
