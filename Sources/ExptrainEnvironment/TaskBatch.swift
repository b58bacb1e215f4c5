/// A rank's environments stepped together, each starting its next episode as soon as
/// one ends (Gymnasium's vector environment with same-step autoreset): what the engine's
/// collector, evaluation and recorder drive.
///
/// After `step(_:into:)`, an environment whose episode ended already shows its next
/// episode's first observation; the episode's metrics and real final observation are
/// in `BatchStepOutcome.finished`, so truncation can bootstrap from the final state.
public protocol TaskBatch: AnyObject {
    /// The number of environments.
    var count: Int { get }
    var actionSpace: ActionSpace { get }
    var observationSpace: ObservationSpace { get }
    /// Whether environment `environment` is running; false once a finite set is exhausted.
    func isActive(_ environment: Int) -> Bool
    /// Writes the current observation of `environment` (its floats and its bytes).
    func writeObservation(
        of environment: Int, floats: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableBufferPointer<UInt8>)
    /// The action the task's expert would take now in `environment`, if it has one.
    func expertAction(of environment: Int) -> Action?
    /// Steps every active environment with its action in `actions` (one per environment;
    /// inactive ones are ignored) and writes what happened to `outcome`.
    func step(_ actions: [Action], into outcome: BatchStepOutcome) throws
    /// Abandons the episode of `environment` and starts its next task
    /// (AllenAct's `advance_scene_rollout_period`).
    func startNextTask(in environment: Int) throws
    /// The batch's state in progress (its sampler's and each running task's, see
    /// `ProgressSaving`), or `nil` when they cannot save it: a resumed run then starts new
    /// episodes. `nil` unless the batch says otherwise.
    var savedProgress: [UInt64]? { get }
    /// Restores what `savedProgress` saved, into a batch made the same way (the same
    /// sampler, the same number of environments).
    func restoreProgress(_ words: [UInt64]) throws
}

extension TaskBatch {
    public var savedProgress: [UInt64]? { nil }

    public func restoreProgress(_ words: [UInt64]) throws {
        throw TaskError("this task batch cannot restore saved progress (it saves none); resume without it")
    }
}

/// What one step of a `TaskBatch` did, in buffers kept from step to step (raw memory
/// made once, written without the exclusivity checks of arrays in a class).
public final class BatchStepOutcome {
    /// Reward of each environment (0 for inactive ones).
    public let rewards: UnsafeMutableBufferPointer<Float>
    /// Whether each environment's episode ended at this step (terminated or truncated).
    public let episodeEnded: UnsafeMutableBufferPointer<Bool>
    /// Whether each environment's episode ended by the task's own rules at this step.
    public let terminated: UnsafeMutableBufferPointer<Bool>
    /// The episodes that ended at this step, in environment order.
    public var finished: [FinishedEpisode]

    /// Room for `environments` environments.
    public init(environments: Int) {
        rewards = .allocate(capacity: environments)
        rewards.initialize(repeating: 0)
        episodeEnded = .allocate(capacity: environments)
        episodeEnded.initialize(repeating: false)
        terminated = .allocate(capacity: environments)
        terminated.initialize(repeating: false)
        finished = []
        finished.reserveCapacity(environments)
    }

    deinit {
        rewards.deallocate()
        episodeEnded.deallocate()
        terminated.deallocate()
    }

    /// Writes what environment `environment` did at this step (every environment's, each
    /// step; 0 and false for an inactive one). Finished episodes go to `finished`, which the
    /// batch empties at the start of the step.
    public func record(environment e: Int, reward: Float, ended: Bool, terminated: Bool) {
        rewards[e] = reward
        episodeEnded[e] = ended
        self.terminated[e] = terminated
    }
}

/// An episode that ended during a batch step.
public struct FinishedEpisode: Sendable {
    public var environment: Int
    public var metrics: TaskMetrics
    /// Ended by the task's rules (else only cut off by a step limit).
    public var terminated: Bool
    /// The observation the episode ended in (a truncated episode bootstraps from it).
    public var finalObservation: Observation

    public init(environment: Int, metrics: TaskMetrics, terminated: Bool, finalObservation: Observation) {
        self.environment = environment
        self.metrics = metrics
        self.terminated = terminated
        self.finalObservation = finalObservation
    }
}

/// The `TaskBatch` of any `TaskSampler`: its tasks side by side, stepped one after another
/// in environment order, each replaced by the sampler's next task when it ends. The ended
/// task is offered back to the sampler (`TaskSampler.nextTask(reusing:)`) after its final
/// observation is copied into a buffer the batch keeps per environment, so a sampler that
/// reuses its tasks starts a new episode without allocating.
///
/// Not generic: the tasks are held as `any Task`, so its code is compiled once, optimised,
/// whatever the sampler (a generic class used through `any TaskBatch` would run unspecialised).
public final class SequentialTaskBatch: TaskBatch {
    public private(set) var tasks: [(any Task)?]
    public let actionSpace: ActionSpace
    public let observationSpace: ObservationSpace
    private let nextTask: () throws -> (any Task)?
    private let nextTaskReusing: (any Task) throws -> (any Task)?
    /// Each environment's last final observation, refilled in place.
    private var finalObservations: [Observation]
    private let endless: Bool
    /// The sampler, when it can save its state in progress.
    private let samplerProgress: (any ProgressSaving)?

    /// The first `environments` tasks of `sampler`. An `endless` batch (training) throws
    /// when the sampler runs out; a finite one leaves environments inactive, and is `nil`
    /// when the sampler has no task at all (a rank whose share of a test set is empty).
    public init?<Sampler: TaskSampler>(sampler: Sampler, environments: Int, endless: Bool) throws {
        nextTask = { try sampler.nextTask() }
        nextTaskReusing = { try sampler.nextTask(reusing: $0) }
        self.endless = endless
        samplerProgress = sampler as? any ProgressSaving
        var tasks: [(any Task)?] = []
        for _ in 0..<environments {
            let task = try nextTask()
            if task == nil && endless {
                throw TaskError(
                    "the training sampler ran out of tasks after \(tasks.count) of \(environments); training samplers must be endless (length nil)",
                    exitCode: ExitCode.usage)
            }
            tasks.append(task)
        }
        guard let first = tasks.compactMap({ $0 }).first else { return nil }
        actionSpace = first.actionSpace
        observationSpace = first.observationSpace
        try actionSpace.validate()
        self.tasks = tasks
        finalObservations = [Observation](repeating: Observation(zerosOf: observationSpace), count: environments)
    }

    public var count: Int { tasks.count }

    public func isActive(_ environment: Int) -> Bool { tasks[environment] != nil }

    public func writeObservation(
        of environment: Int, floats: UnsafeMutableBufferPointer<Float>, bytes: UnsafeMutableBufferPointer<UInt8>
    ) {
        guard let task = tasks[environment] else { return }
        let observation = task.currentObservation
        precondition(
            observation.floats.count == floats.count && observation.bytes.count == bytes.count,
            "a task's observation has \(observation.floats.count) floats and \(observation.bytes.count) bytes; its space \(observationSpace) says \(floats.count) and \(bytes.count)")
        _ = floats.update(fromContentsOf: observation.floats)
        _ = bytes.update(fromContentsOf: observation.bytes)
    }

    public func expertAction(of environment: Int) -> Action? { tasks[environment]?.expertAction() }

    public func step(_ actions: [Action], into outcome: BatchStepOutcome) throws {
        outcome.finished.removeAll(keepingCapacity: true)
        for e in tasks.indices {
            guard let task = tasks[e] else {
                outcome.record(environment: e, reward: 0, ended: false, terminated: false)
                continue
            }
            if try step(task, in: e, action: actions[e], into: outcome) {
                try replaceTask(e, reusing: task)
            }
        }
    }

    /// Steps `task` and records the step; whether its episode ended. The step's result, which
    /// shares the task's observation, ends here: the task's observation is unshared when
    /// the sampler reuses it.
    private func step(_ task: any Task, in e: Int, action: Action, into outcome: BatchStepOutcome) throws -> Bool {
        let result = try task.step(action: action)
        outcome.record(environment: e, reward: result.reward, ended: result.done, terminated: result.terminated)
        guard result.done else { return false }
        keepFinalObservation(result.observation, of: e)
        outcome.finished.append(FinishedEpisode(
            environment: e, metrics: task.metrics(), terminated: result.terminated, finalObservation: finalObservations[e]))
        return true
    }

    /// Copies `observation` into environment `e`'s kept final observation (replaced when
    /// its sizes differ).
    private func keepFinalObservation(_ observation: Observation, of e: Int) {
        guard finalObservations[e].floats.count == observation.floats.count,
              finalObservations[e].bytes.count == observation.bytes.count else {
            finalObservations[e] = observation
            return
        }
        finalObservations[e].floats.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: observation.floats) }
        finalObservations[e].bytes.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: observation.bytes) }
    }

    public func startNextTask(in environment: Int) throws {
        try replaceTask(environment, reusing: tasks[environment])
    }

    /// The sampler's words, then each environment's: a count and its task's words
    /// (`UInt64.max` for an inactive environment). `nil` unless the sampler and every running
    /// task are `ProgressSaving`.
    public var savedProgress: [UInt64]? {
        guard let samplerProgress else { return nil }
        let sampler = samplerProgress.savedProgress
        var words = [UInt64(sampler.count)] + sampler
        for task in tasks {
            guard let task else {
                words.append(UInt64.max)
                continue
            }
            guard let saving = task as? any ProgressSaving else { return nil }
            let taskWords = saving.savedProgress
            words.append(UInt64(taskWords.count))
            words += taskWords
        }
        return words
    }

    public func restoreProgress(_ words: [UInt64]) throws {
        guard let samplerProgress else { throw TaskError("this batch's sampler cannot restore saved progress; it is not ProgressSaving") }
        var reader = ProgressReader(words, what: "a saved task batch")
        try samplerProgress.restoreProgress(try reader.words(try reader.count()))
        for e in tasks.indices {
            let count = try reader.word()
            if count == UInt64.max {
                tasks[e] = nil
                continue
            }
            guard let task = tasks[e] as? any ProgressSaving else {
                throw TaskError("environment \(e) of the saved task batch ran a task, this batch has none that can restore it")
            }
            guard let taskWords = Int(exactly: count) else { throw TaskError("a saved task batch is corrupt") }
            try task.restoreProgress(try reader.words(taskWords))
        }
        try reader.finish()
    }

    /// Replaces environment `e`'s task with the sampler's next, offering it `finished`.
    private func replaceTask(_ e: Int, reusing finished: (any Task)?) throws {
        if let finished {
            tasks[e] = try nextTaskReusing(finished)
        } else {
            tasks[e] = try nextTask()
        }
        if tasks[e] == nil && endless {
            throw TaskError("the training sampler ran out of tasks; training samplers must be endless (length nil)", exitCode: ExitCode.usage)
        }
    }
}

extension TaskSampler {
    /// This sampler's environments as one batch: its own `makeBatch` when it is a
    /// `BatchedTaskSampler`, else a `SequentialTaskBatch`; `nil` when a finite sampler has
    /// no task at all.
    public func batch(environments: Int, endless: Bool) throws -> (any TaskBatch)? {
        if let batched = self as? any BatchedTaskSampler {
            return try batched.makeBatch(environments: environments, endless: endless)
        }
        return try SequentialTaskBatch(sampler: self, environments: environments, endless: endless)
    }

    /// The training batch: endless, so there is always one.
    public func trainingBatch(environments: Int) throws -> any TaskBatch {
        guard let batch = try batch(environments: environments, endless: true) else {
            throw TaskError("the training sampler yielded no task; training samplers must be endless (length nil)", exitCode: ExitCode.usage)
        }
        return batch
    }
}
