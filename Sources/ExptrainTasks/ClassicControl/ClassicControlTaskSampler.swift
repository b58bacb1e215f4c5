import ExptrainEnvironment
import ExptrainRandom

/// Yields episodes of a classic-control task (Acrobot, MountainCar, MountainCarContinuous,
/// Pendulum), each from Gymnasium's random starting state, drawn from the episode's own
/// seed in a `TaskSeedStream`.
///
/// A training sampler is endless; give `episodeCount` for a fixed validation or test set,
/// which `reset()` replays from its first episode.
///
/// ```swift
/// let train = AcrobotTaskSampler(seed: slot.seeds[slot.processIndex])
/// let test = MountainCarTaskSampler(seed: 7, episodeCount: 100)
/// while let task = try test.nextTask() { /* run the episode */ }
/// let moon = PendulumTaskSampler(seed: 1, gravity: 1.62)
/// ```
public final class ClassicControlTaskSampler<SampledTask: ClassicControlTask>: TaskSampler, ProgressSaving {
    private var seeds: TaskSeedStream
    private let makeTask: (inout RandomGenerator) -> SampledTask
    /// Whether a task has the parameters `makeTask` gives (its step limit, its gravity).
    private let madeHere: (SampledTask) -> Bool

    /// A sampler whose episodes depend only on `seed`; endless unless `episodeCount` is given.
    public convenience init(seed: UInt64, episodeCount: Int? = nil, maxSteps: Int = SampledTask.defaultMaxSteps) {
        self.init(seed: seed, episodeCount: episodeCount, makeTask: { SampledTask(using: &$0, maxSteps: maxSteps) }, madeHere: { $0.maxSteps == maxSteps })
    }

    /// `makeTask` must draw its task's starting state with `State.random(using:)` and
    /// nothing else from the generator, as `nextTask(reusing:)` does.
    init(
        seed: UInt64, episodeCount: Int?, makeTask: @escaping (inout RandomGenerator) -> SampledTask,
        madeHere: @escaping (SampledTask) -> Bool
    ) {
        seeds = TaskSeedStream(seed: seed, episodeCount: episodeCount)
        self.makeTask = makeTask
        self.madeHere = madeHere
    }

    public func nextTask() -> SampledTask? {
        guard var rng = seeds.nextTaskGenerator() else { return nil }
        return makeTask(&rng)
    }

    /// The next task, as `nextTask()` makes it, in `finished`'s storage when it is a task
    /// of this sampler's parameters.
    public func nextTask(reusing finished: any Task) -> SampledTask? {
        guard let task = finished as? SampledTask, madeHere(task) else { return nextTask() }
        guard var rng = seeds.nextTaskGenerator() else { return nil }
        task.restart(from: SampledTask.State.random(using: &rng))
        return task
    }

    public var length: Int? { seeds.remaining }
    /// The episode count of a finite set (starting states are continuous, so an endless sampler has no count).
    public var totalUnique: Int? { seeds.episodeCount }
    public func reset() { seeds.reset() }
    public func setSeed(_ seed: UInt64) { seeds.setSeed(seed) }

    /// The seed stream's seed, tasks issued and generator state.
    public var savedProgress: [UInt64] { seeds.savedProgress }
    public func restoreProgress(_ words: [UInt64]) throws { try seeds.restore(words, what: "a saved classic-control sampler") }
}

/// Acrobot-v1 episodes.
public typealias AcrobotTaskSampler = ClassicControlTaskSampler<AcrobotTask>
/// MountainCar-v0 episodes.
public typealias MountainCarTaskSampler = ClassicControlTaskSampler<MountainCarTask>
/// MountainCarContinuous-v0 episodes.
public typealias MountainCarContinuousTaskSampler = ClassicControlTaskSampler<MountainCarContinuousTask>
/// Pendulum-v1 episodes.
public typealias PendulumTaskSampler = ClassicControlTaskSampler<PendulumTask>

extension ClassicControlTaskSampler where SampledTask == PendulumTask {
    /// Pendulum episodes under gravity `gravity` (Gymnasium's `gym.make("Pendulum-v1", g=…)`).
    public convenience init(
        seed: UInt64, episodeCount: Int? = nil, gravity: Double, maxSteps: Int = PendulumTask.defaultMaxSteps
    ) {
        self.init(
            seed: seed, episodeCount: episodeCount, makeTask: { PendulumTask(using: &$0, gravity: gravity, maxSteps: maxSteps) },
            madeHere: { $0.maxSteps == maxSteps && $0.gravity == gravity })
    }
}
