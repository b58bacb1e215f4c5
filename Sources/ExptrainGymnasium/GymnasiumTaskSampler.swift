import ExptrainEnvironment
import ExptrainRandom
import Synchronization

/// What one rank's Gymnasium sampler needs: the environment, the rank's seed, its share
/// of a finite set, and how to run its worker.
public struct GymnasiumSamplerArgs: Sendable, Equatable {
    public var environment: GymnasiumEnvironment
    /// The rank's seed; each environment's seed is drawn from it.
    public var seed: UInt64
    /// `nil` for an endless training sampler; this rank's share of a finite set otherwise.
    public var episodeCount: Int?
    public var worker: GymnasiumWorkerSettings

    public init(environment: GymnasiumEnvironment, seed: UInt64, episodeCount: Int? = nil, worker: GymnasiumWorkerSettings = GymnasiumWorkerSettings()) {
        self.environment = environment
        self.seed = seed
        self.episodeCount = episodeCount
        self.worker = worker
    }
}

/// A rank's sampler of Gymnasium environments (SPEC §11): the engine's batch of them
/// is one Python worker process holding them as one vector environment
/// (`GymnasiumTaskBatch`).
///
/// Making the sampler starts the worker and does the handshake, so a missing Python or
/// Gymnasium, an unknown id or an unusable space is an error (exit code 2) before any
/// training; the worker is then handed to the first batch. Environment `i` of a batch
/// is seeded with the `i`-th seed drawn from the sampler's seed, so the same seed gives
/// the same episodes. Each is 32 bits (the high half of a draw): packages that seed
/// numpy's legacy `RandomState` (MinAtar, many older environments) accept no more.
///
/// `nextTask()` hands out episodes one at a time from a batch of one environment (what
/// `exptrain rollout` plays); a finite sampler's `makeBatch` splits its episodes over the
/// environments.
///
/// ```swift
/// let sampler = try GymnasiumTaskSampler(GymnasiumSamplerArgs(environment: try GymnasiumEnvironment(id: "CartPole-v1"), seed: 1))
/// let batch = try sampler.trainingBatch(environments: 4)   // one worker, SyncVectorEnv of 4
/// ```
public final class GymnasiumTaskSampler: BatchedTaskSampler {
    public let args: GymnasiumSamplerArgs
    public let spaces: GymnasiumSpaces
    private var seed: UInt64
    /// The worker that did the handshake, until a batch takes it.
    private var spareWorker: GymnasiumWorker?
    /// The one-environment batch behind `nextTask()`, and the task it handed out last.
    private var episodeBatch: GymnasiumTaskBatch?
    private var currentTask: GymnasiumTask?
    private var tasksHandedOut = 0

    /// Starts the worker and reads the spaces; throws (exit code 2) when the worker cannot
    /// be started or the environment cannot be made or used.
    public init(_ args: GymnasiumSamplerArgs) throws(TaskError) {
        self.args = args
        seed = args.seed
        let worker = try GymnasiumWorker(environment: args.environment, settings: args.worker)
        spaces = try Self.handshake(worker)
        spareWorker = worker
    }

    /// The spaces of `environment`, from the handshake of this process's first worker for
    /// it (starting one, and closing it, when there was none): what a model is sized by.
    public static func spaces(of environment: GymnasiumEnvironment, worker settings: GymnasiumWorkerSettings = GymnasiumWorkerSettings()) throws(TaskError) -> GymnasiumSpaces {
        if let known = knownSpaces.withLock({ $0[environment] }) { return known }
        let worker = try GymnasiumWorker(environment: environment, settings: settings)
        defer { worker.close() }
        return try handshake(worker)
    }

    private static let knownSpaces = Mutex<[GymnasiumEnvironment: GymnasiumSpaces]>([:])

    private static func handshake(_ worker: GymnasiumWorker) throws(TaskError) -> GymnasiumSpaces {
        try worker.send(.hello, payload: Array(worker.environment.helloJSON.utf8), during: GymnasiumWorker.handshake)
        var json: [UInt8] = []
        try worker.receive(.spaces, into: &json, during: GymnasiumWorker.handshake)
        let spaces: GymnasiumSpaces
        do {
            spaces = try GymnasiumSpaces(json: json)
        } catch {
            worker.kill()
            throw TaskError("\(worker.name) described spaces exptrain cannot read: \(error.message)")
        }
        knownSpaces.withLock { $0[worker.environment] = spaces }
        return spaces
    }

    // MARK: BatchedTaskSampler

    public func makeBatch(environments: Int, endless: Bool) throws -> (any TaskBatch)? {
        try batch(of: environments, episodes: endless ? nil : args.episodeCount)
    }

    /// `environments` environments in one worker; `episodes` of a finite set split over them.
    private func batch(of environments: Int, episodes: Int?) throws(TaskError) -> GymnasiumTaskBatch? {
        precondition(environments >= 1, "a batch needs at least one environment")
        var shares: [Int]?
        if let episodes {
            guard episodes > 0 else { return nil }
            shares = (0..<environments).map { episodes / environments + ($0 < episodes % environments ? 1 : 0) }
        }
        let worker: GymnasiumWorker
        if let spare = spareWorker {
            worker = spare
            spareWorker = nil
        } else {
            worker = try GymnasiumWorker(environment: args.environment, settings: args.worker)
            _ = try Self.handshake(worker)
        }
        var streams = RandomGenerator(seed: seed)
        let seeds = (0..<environments).map { _ in streams.nextSeed() >> 32 }
        return try GymnasiumTaskBatch(worker: worker, spaces: spaces, seeds: seeds, episodes: shares)
    }

    // MARK: TaskSampler

    /// The next episode of this sampler's one-environment batch, `nil` once a finite
    /// sampler has handed out its episodes. A task handed out before and not finished is
    /// abandoned (its environment is reset).
    public func nextTask() throws -> GymnasiumTask? {
        if let count = args.episodeCount, tasksHandedOut >= count { return nil }
        if episodeBatch == nil {
            episodeBatch = try batch(of: 1, episodes: nil)
        } else if let current = currentTask, !current.isDone {
            try episodeBatch!.startNextTask(in: 0)
        }
        tasksHandedOut += 1
        let task = GymnasiumTask(batch: episodeBatch!, maxSteps: spaces.maxEpisodeSteps ?? Int.max)
        currentTask = task
        return task
    }

    public var length: Int? { args.episodeCount.map { max(0, $0 - tasksHandedOut) } }
    public var totalUnique: Int? { nil }

    /// Starts the finite set again: the next `nextTask()` starts a new worker from the seed.
    public func reset() {
        tasksHandedOut = 0
        episodeBatch = nil
        currentTask = nil
    }

    /// Batches made from now on draw their environments' seeds from `seed`.
    public func setSeed(_ seed: UInt64) {
        self.seed = seed
        episodeBatch = nil
        currentTask = nil
    }
}

/// One episode of a Gymnasium environment, handed out by `GymnasiumTaskSampler.nextTask()`.
public final class GymnasiumTask: Task {
    public let actionSpace: ActionSpace
    public let observationSpace: ObservationSpace
    public private(set) var currentObservation: Observation
    public private(set) var numStepsTaken = 0
    public let maxSteps: Int
    public private(set) var isDone = false
    private let batch: GymnasiumTaskBatch
    private let outcome = BatchStepOutcome(environments: 1)
    private var episodeReturn = 0.0
    private var success: Bool?

    init(batch: GymnasiumTaskBatch, maxSteps: Int) {
        self.batch = batch
        self.maxSteps = maxSteps
        actionSpace = batch.actionSpace
        observationSpace = batch.observationSpace
        currentObservation = Observation(zerosOf: batch.observationSpace)
        readObservation()
    }

    public func step(action: Action) throws -> StepResult {
        guard !isDone else { throw TaskError("this Gymnasium episode has ended; take the next task from the sampler") }
        try batch.step([action], into: outcome)
        numStepsTaken += 1
        let reward = outcome.rewards[0]
        episodeReturn += Double(reward)
        if let finished = outcome.finished.first {
            isDone = true
            success = finished.metrics.success
            currentObservation = finished.finalObservation
            return StepResult(observation: currentObservation, reward: reward, terminated: finished.terminated, truncated: !finished.terminated)
        }
        readObservation()
        return StepResult(observation: currentObservation, reward: reward, terminated: false, truncated: false)
    }

    public func metrics() -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken, success: success)
    }

    private func readObservation() {
        var observation = Observation(zerosOf: observationSpace)
        observation.floats.withUnsafeMutableBufferPointer { floats in
            observation.bytes.withUnsafeMutableBufferPointer { bytes in
                batch.writeObservation(of: 0, floats: floats, bytes: bytes)
            }
        }
        currentObservation = observation
    }
}
