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
///
/// A step allocates nothing (with the built-in models and tasks): the model's `act(…)`
/// reads the step's observations and masks where they lie in the storage and writes
/// into buffers made once, and actions are drawn from the logits in place. Only new
/// episodes (a task from the sampler) and truncated ones (a bootstrap value) allocate.
final class RolloutCollector<Sampler: TaskSampler> {
    let sampler: Sampler
    private(set) var tasks: [Sampler.SampledTask]
    let environments: Int
    let observationSize: Int
    let actionCount: Int
    /// Draws actions and teacher-forcing coins; its state is checkpointed.
    var generator: RandomGenerator

    /// The recurrent state to use at the next step, `[environments, recurrentStateSize]`.
    /// Raw memory rather than an array: `act` writes it every step, and an empty array (a
    /// feed-forward model's state) would be copied on each write.
    private let hidden: UnsafeMutableBufferPointer<Float>
    /// The model's output at the current step: logits `[environments, actionCount]`, turned
    /// into log-probabilities in place when actions are drawn, and values `[environments]`.
    private var logits: [Float]
    private var values: [Float]
    private var sampledActions: [Int]
    /// A copy of `hidden` for the value of the state after the rollout, which must not advance `hidden`.
    private let bootstrapHidden: UnsafeMutableBufferPointer<Float>
    private let workspace = InferenceWorkspace()
    /// Environments whose episodes were cut off by a step limit during the current step,
    /// and their final observations.
    private var truncatedEnvironments: [Int]
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
        hidden = .allocate(capacity: environments * recurrentStateSize)
        hidden.initialize(repeating: 0)
        bootstrapHidden = .allocate(capacity: environments * recurrentStateSize)
        bootstrapHidden.initialize(repeating: 0)
        logits = [Float](repeating: 0, count: environments * actionCount)
        values = [Float](repeating: 0, count: environments)
        sampledActions = [Int](repeating: 0, count: environments)
        truncatedEnvironments = []
        truncatedEnvironments.reserveCapacity(environments)
        truncatedObservations = [Float](repeating: 0, count: environments * observationSize)
        rolloutsOnCurrentTask = [Int](repeating: 0, count: environments)
    }

    deinit {
        hidden.deallocate()
        bootstrapHidden.deallocate()
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
        for (index, value) in hidden.enumerated() { storage.initialHidden[index] = value }
        storage.collectedSteps = storage.steps
        for t in 0..<storage.steps {
            act(model, on: storage, step: t, hidden: hidden)
            logits.withUnsafeMutableBufferPointer { logits in
                sampledActions.withUnsafeMutableBufferPointer { actions in
                    Categorical.sample(normalizingInPlace: logits, actionCount: actionCount, into: actions, using: &generator)
                }
            }
            truncatedEnvironments.removeAll(keepingCapacity: true)
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
                storage.logProbabilities[i] = logits[e * actionCount + action]  // log-probabilities by now
                storage.values[i] = values[e]

                let result = task.step(action: action)
                storage.rewards[i] = result.reward
                storage.episodeEnded[i] = result.done ? 1 : 0
                if result.done {
                    if result.truncated && !result.terminated {
                        keepTruncatedObservation(result.observation)
                        truncatedEnvironments.append(e)
                    }
                    statistics.record(task.metrics(), order: episodeOrder + Double(t * n + e))
                    try replaceTask(e, into: storage, step: t + 1)
                } else {
                    copyObservation(result.observation, into: storage, step: t + 1, environment: e)
                    storage.masks[(t + 1) * n + e] = 1
                }
            }
            if !truncatedEnvironments.isEmpty {
                bootstrapTruncated(step: t, storage: storage, model: model, gamma: gamma)
            }
            if t + 1 < storage.steps, try stopEarly(t + 1) {
                storage.collectedSteps = t + 1
                break
            }
        }
        let last = storage.collectedSteps
        _ = bootstrapHidden.update(fromContentsOf: hidden)
        act(model, on: storage, step: last, hidden: bootstrapHidden)
        for e in 0..<n { storage.bootstrapValues[e] = values[e] }
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

    /// Runs `model` on step `step` of `storage` (its observations and masks, read in place)
    /// from the state `hidden`, which it advances; writes `logits` and `values`.
    private func act(_ model: some ActorCriticModel, on storage: RolloutStorage, step: Int, hidden: UnsafeMutableBufferPointer<Float>) {
        let n = environments
        let stride = n * observationSize
        storage.observations.withUnsafeBufferPointer { observations in
            storage.masks.withUnsafeBufferPointer { masks in
                logits.withUnsafeMutableBufferPointer { logits in
                    values.withUnsafeMutableBufferPointer { values in
                        model.act(
                            observations: UnsafeBufferPointer(rebasing: observations[step * stride..<(step + 1) * stride]),
                            masks: UnsafeBufferPointer(rebasing: masks[step * n..<(step + 1) * n]),
                            hidden: hidden, environments: n, logits: logits, values: values, workspace: workspace)
                    }
                }
            }
        }
    }

    /// Keeps the final observation of the `truncatedEnvironments.count`-th episode truncated at this step.
    private func keepTruncatedObservation(_ observation: [Float]) {
        precondition(observation.count == observationSize, "a task returned \(observation.count) observation values, its space says \(observationSize)")
        let offset = truncatedEnvironments.count * observationSize
        truncatedObservations.withUnsafeMutableBufferPointer { kept in
            observation.withUnsafeBufferPointer { (kept.baseAddress! + offset).update(from: $0.baseAddress!, count: observationSize) }
        }
    }

    /// Adds `γ·V(s_final)` to the reward of each environment in `truncatedEnvironments`,
    /// whose episode was only truncated at step `t`, from the final observations kept in
    /// `truncatedObservations` and the environments' states after the step. Rare, so it
    /// may allocate.
    private func bootstrapTruncated(step t: Int, storage: RolloutStorage, model: some ActorCriticModel, gamma: Float) {
        let n = environments
        let count = truncatedEnvironments.count
        let stateSize = model.recurrentStateSize
        var states = [Float](repeating: 0, count: count * stateSize)
        for (row, e) in truncatedEnvironments.enumerated() {
            for j in 0..<stateSize { states[row * stateSize + j] = hidden[e * stateSize + j] }
        }
        var finalValues = [Float](repeating: 0, count: count)
        var finalLogits = [Float](repeating: 0, count: count * actionCount)
        let ones = [Float](repeating: 1, count: count)
        truncatedObservations.withUnsafeBufferPointer { kept in
            ones.withUnsafeBufferPointer { masks in
                states.withUnsafeMutableBufferPointer { states in
                    finalLogits.withUnsafeMutableBufferPointer { logits in
                        finalValues.withUnsafeMutableBufferPointer { values in
                            model.act(
                                observations: UnsafeBufferPointer(rebasing: kept[..<(count * observationSize)]), masks: masks,
                                hidden: states, environments: count, logits: logits, values: values, workspace: workspace)
                        }
                    }
                }
            }
        }
        for (row, e) in truncatedEnvironments.enumerated() {
            storage.rewards[t * n + e] += gamma * finalValues[row]
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
}
