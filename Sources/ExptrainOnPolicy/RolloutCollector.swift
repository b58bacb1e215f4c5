import ExptrainEnvironment
import ExptrainNN
import ExptrainRandom

/// Steps one rank's environments as one batch through the policy, without gradients,
/// and fills a `RolloutStorage` (TorchRL's collector).
///
/// The environments are a `TaskBatch`: when an episode ends, its metrics are reported and
/// the environment's next episode takes its place at once (with mask 0, so a recurrent
/// model starts from a clean state).
///
/// A step allocates nothing with the built-in models and tasks: the model reads the
/// step's observations where they lie in the storage and writes into the stepper's
/// buffers, and actions are decoded into values kept from step to step. Only ended
/// episodes (a new task, a bootstrap value for a truncated one) allocate.
///
/// ```swift
/// let collector = try RolloutCollector(batch: try sampler.batch(environments: 4, endless: true), model: model, seed: 1)
/// let storage = collector.makeStorage(steps: 128)
/// collector.start(into: storage)
/// try collector.collect(into: storage, gamma: 0.99) { metrics, _ in print(metrics.episodeReturn) }
/// storage.computeAdvantages(gamma: 0.99, lambda: 0.95, useGAE: true)
/// ```
public final class RolloutCollector {
    public let batch: any TaskBatch
    public let stepper: PolicyStepper
    public var environments: Int { batch.count }
    public var actionSpace: ActionSpace { batch.actionSpace }
    /// Draws actions and teacher-forcing coins; its state is checkpointed.
    public var generator: RandomGenerator
    /// Normalises each new observation's floats where it is stored (and adds it to the
    /// statistic's sums); `nil` stores observations as the tasks give them.
    public var observationNormalizer: ObservationNormalizer? { didSet { listSynchronizedStatistics() } }
    /// Scales each reward by the running deviation of the discounted return; `nil` keeps rewards.
    public var rewardScaler: RewardScaler? { didSet { listSynchronizedStatistics() } }
    /// Stores sign(r) ∈ {−1, 0, +1} for each reward r (before `rewardScaler`), as CleanRL's
    /// Atari `ClipRewardEnv`; episode metrics keep the task's own rewards.
    public var clipsRewardsToSign = false

    /// The normalisation statistics that ranks merge at each update, listed again whenever
    /// one is set (not at each update, which would allocate).
    public private(set) var synchronizedStatistics: [any SynchronizedStatistic] = []

    private func listSynchronizedStatistics() {
        synchronizedStatistics = [observationNormalizer as (any SynchronizedStatistic)?, rewardScaler].compactMap { $0 }
    }

    /// What each environment receives at the current step.
    private var taskActions: [Action]
    private let outcome: BatchStepOutcome
    /// Rollouts since each environment last started a new task (for `advanceSceneRolloutPeriod`).
    private var rolloutsOnCurrentTask: [Int]
    private var truncatedEnvironments: [Int]
    private var truncatedObservations: [Observation]
    /// The stored form of the action being chosen for one environment, and of its expert's.
    private let chosenAction: UnsafeMutableBufferPointer<Float>
    private let expertAction: UnsafeMutableBufferPointer<Float>

    /// Throws when the model's policy cannot act in the batch's action space.
    public init(batch: any TaskBatch, model: any ActorCriticModel, seed: UInt64) throws {
        try model.distributionHead.check(actionSpace: batch.actionSpace)
        self.batch = batch
        stepper = PolicyStepper(model: model, environments: batch.count, observationSpace: batch.observationSpace)
        generator = RandomGenerator(seed: seed)
        taskActions = [Action](repeating: .discrete(0), count: batch.count)
        outcome = BatchStepOutcome(environments: batch.count)
        rolloutsOnCurrentTask = [Int](repeating: 0, count: batch.count)
        truncatedEnvironments = []
        truncatedEnvironments.reserveCapacity(batch.count)
        truncatedObservations = []
        truncatedObservations.reserveCapacity(batch.count)
        chosenAction = .allocate(capacity: batch.actionSpace.dimensions)
        chosenAction.initialize(repeating: 0)
        expertAction = .allocate(capacity: batch.actionSpace.dimensions)
        expertAction.initialize(repeating: 0)
    }

    deinit {
        chosenAction.deallocate()
        expertAction.deallocate()
    }

    /// Storage for rollouts of `steps` steps of these environments and this model.
    public func makeStorage(steps: Int) -> RolloutStorage {
        RolloutStorage(
            steps: steps, environments: environments, observationSpace: batch.observationSpace,
            actionDimensions: actionSpace.dimensions, recurrentStateSize: stepper.model.recurrentStateSize)
    }

    /// Writes the current observations into step 0 of `storage`, with mask 0 (every
    /// environment starts a new episode): the state before the first rollout.
    public func start(into storage: RolloutStorage) {
        for e in 0..<environments {
            writeObservation(e, into: storage, step: 0)
            storage.masks[e] = 0
        }
    }

    /// What the next rollout continues from, as words (see `ProgressSaving`): step 0 of
    /// `storage` (observation floats as bit patterns, bytes, masks), the recurrent state,
    /// the rollouts each environment has spent on its task, and the reward scaler's
    /// discounted returns. Taken between updates, after `carryOverLastStep()`.
    public func savedContinuation(of storage: RolloutStorage) -> [UInt64] {
        let (floats, bytes) = storage.observations(atStep: 0)
        var words = floats.map { UInt64($0.bitPattern) } + bytes.map { UInt64($0) }
        words += storage.masks(atStep: 0).map { UInt64($0.bitPattern) }
        words += stepper.hidden.map { UInt64($0.bitPattern) }
        words += rolloutsOnCurrentTask.map { UInt64($0) }
        words += (rewardScaler?.returns ?? []).map(\.bitPattern)
        return words
    }

    /// Puts step 0 of `storage` and this collector back where `savedContinuation(of:)`
    /// left them, in place of `start(into:)` (the observations are stored as they were,
    /// already normalised, and are not counted again in the normalisation statistic).
    public func resume(into storage: RolloutStorage, from words: [UInt64]) throws {
        var reader = ProgressReader(words, what: "a saved rollout continuation")
        let n = environments
        let space = batch.observationSpace
        let floats = try reader.words(n * space.floatCount)
        let bytes = try reader.words(n * space.byteCount)
        let masks = try reader.words(n)
        let hidden = try reader.words(stepper.hidden.count)
        let rollouts = try (0..<n).map { _ in try reader.count() }
        let returns = try (0..<(rewardScaler == nil ? 0 : n)).map { _ in try reader.double() }
        try reader.finish()
        guard bytes.allSatisfy({ $0 <= UInt64(UInt8.max) }), masks.allSatisfy({ $0 <= UInt64(UInt32.max) }) else {
            throw TaskError("a saved rollout continuation holds a byte or mask out of range; it is corrupt")
        }
        for e in 0..<n {
            let slot = storage.observationSlot(step: 0, environment: e)
            for i in 0..<space.floatCount { slot.floats[i] = Float(bitPattern: UInt32(truncatingIfNeeded: floats[e * space.floatCount + i])) }
            for i in 0..<space.byteCount { slot.bytes[i] = UInt8(bytes[e * space.byteCount + i]) }
            storage.masks[e] = Float(bitPattern: UInt32(masks[e]))
        }
        for i in hidden.indices { stepper.hidden[i] = Float(bitPattern: UInt32(truncatingIfNeeded: hidden[i])) }
        rolloutsOnCurrentTask = rollouts
        rewardScaler?.restoreReturns(returns)
    }

    /// Fills `storage` with one rollout of `storage.steps` steps, or fewer when
    /// `stopEarly(completedSteps)` says so (straggler preemption); sets `storage.collectedSteps`.
    ///
    /// - Parameters:
    ///   - expertProbability: the chance to act with the task's expert action instead
    ///     of the policy's (teacher forcing); 0 for pure on-policy rollouts.
    ///   - recordExpertActions: store the expert's action at each step (for imitation losses).
    ///   - gamma: bootstraps truncated episodes: their last reward gets `γ·V(final observation)`.
    ///   - period: rollouts after which an environment moves on to a new task mid-episode.
    ///   - episodeEnded: called for each finished episode with its metrics and its flat
    ///     index `t·environments + e` in this rollout.
    public func collect(
        into storage: RolloutStorage, expertProbability: Double = 0, recordExpertActions: Bool = false, gamma: Float,
        advanceTaskAfter period: Int? = nil, episodeEnded: (TaskMetrics, Int) -> Void,
        stopEarly: (Int) throws -> Bool = { _ in false }
    ) throws {
        let n = environments
        let space = actionSpace
        let dimensions = space.dimensions
        _ = storage.initialHidden.update(fromContentsOf: stepper.hidden)
        storage.collectedSteps = storage.steps
        for t in 0..<storage.steps {
            let (floats, bytes) = storage.observations(atStep: t)
            stepper.act(ObservationRows(floats: floats, bytes: bytes, rows: n), masks: storage.masks(atStep: t))
            stepper.sampleActions(using: &generator)
            for e in 0..<n {
                let i = t * n + e
                _ = chosenAction.update(fromContentsOf: stepper.action(of: e))
                var logProbability = stepper.logProbabilities[e]
                if recordExpertActions || expertProbability > 0 {
                    guard let expert = batch.expertAction(of: e) else {
                        throw TaskError("this stage imitates an expert, but the task offers no expertAction(); use a task with an expert or remove the imitation loss", exitCode: ExitCode.usage)
                    }
                    let recorded = UnsafeMutableBufferPointer(rebasing: storage.expertActions[(i * dimensions)..<((i + 1) * dimensions)])
                    try space.store(expert, into: recorded)
                    if expertProbability > 0 && generator.nextUniformDouble() < expertProbability {
                        _ = chosenAction.update(fromContentsOf: recorded)
                        logProbability = stepper.logProbability(of: chosenAction.baseAddress!, environment: e)
                    }
                }
                _ = UnsafeMutableBufferPointer(rebasing: storage.actions[(i * dimensions)..<((i + 1) * dimensions)]).update(fromContentsOf: chosenAction)
                space.decode(UnsafeBufferPointer(chosenAction), into: &taskActions[e])
                storage.logProbabilities[i] = logProbability
                storage.values[i] = stepper.values[e]
            }

            try batch.step(taskActions, into: outcome)
            truncatedEnvironments.removeAll(keepingCapacity: true)
            truncatedObservations.removeAll(keepingCapacity: true)
            for finished in outcome.finished {
                if !finished.terminated {
                    truncatedEnvironments.append(finished.environment)
                    truncatedObservations.append(finished.finalObservation)
                }
                episodeEnded(finished.metrics, t * n + finished.environment)
            }
            let (rewards, ended, terminated) = (outcome.rewards, outcome.episodeEnded, outcome.terminated)
            for e in 0..<n {
                let i = t * n + e
                let reward = clipsRewardsToSign ? Self.sign(rewards[e]) : rewards[e]
                storage.rewards[i] = rewardScaler?.scale(reward, environment: e, terminated: terminated[e]) ?? reward
                storage.episodeEnded[i] = ended[e] ? 1 : 0
                writeObservation(e, into: storage, step: t + 1)
                storage.masks[(t + 1) * n + e] = ended[e] ? 0 : 1
            }
            for finished in outcome.finished { rolloutsOnCurrentTask[finished.environment] = 0 }
            if !truncatedEnvironments.isEmpty {
                let finalValues = stepper.values(of: truncatedObservations, environments: truncatedEnvironments) { floats in
                    observationNormalizer?.normalize(floats)
                }
                for (row, e) in truncatedEnvironments.enumerated() {
                    storage.rewards[t * n + e] += gamma * finalValues[row]
                }
            }
            if t + 1 < storage.steps, try stopEarly(t + 1) {
                storage.collectedSteps = t + 1
                break
            }
        }
        let last = storage.collectedSteps
        let (floats, bytes) = storage.observations(atStep: last)
        stepper.peekValues(ObservationRows(floats: floats, bytes: bytes, rows: n), masks: storage.masks(atStep: last))
        _ = storage.bootstrapValues.update(fromContentsOf: UnsafeBufferPointer(stepper.values))
        if let period {
            for e in 0..<n {
                rolloutsOnCurrentTask[e] += 1
                if rolloutsOnCurrentTask[e] >= period && storage.masks[last * n + e] != 0 {
                    // AllenAct's advance_scene_rollout_period: move on even mid-episode.
                    try batch.startNextTask(in: e)
                    rolloutsOnCurrentTask[e] = 0
                    writeObservation(e, into: storage, step: last)
                    storage.masks[last * n + e] = 0
                }
            }
        }
    }

    private func writeObservation(_ e: Int, into storage: RolloutStorage, step: Int) {
        let (floats, bytes) = storage.observationSlot(step: step, environment: e)
        batch.writeObservation(of: e, floats: floats, bytes: bytes)
        observationNormalizer?.observe(floats)
    }

    /// sign(r): +1 above 0, −1 below, r itself at ±0 and NaN (so a broken reward stays visible to the update guard).
    static func sign(_ reward: Float) -> Float {
        reward > 0 ? 1 : reward < 0 ? -1 : reward
    }
}
