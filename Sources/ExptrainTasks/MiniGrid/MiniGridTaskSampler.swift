import ExptrainEnvironment
import ExptrainRandom

/// Yields episodes of one MiniGrid environment, each on a freshly generated level.
///
/// A training sampler is endless; give `episodeCount` for a fixed validation or test
/// set, which `reset()` replays from its first level.
///
/// ```swift
/// let train = MiniGridTaskSampler(environment: .doorKey5x5, seed: slot.seeds[slot.processIndex])
/// let valid = MiniGridTaskSampler(environment: .emptyRandom6x6, seed: 7, episodeCount: 50)
/// while let task = try valid.nextTask() { /* run the episode */ }
/// ```
public final class MiniGridTaskSampler: TaskSampler, ProgressSaving {
    /// The environment whose levels this sampler generates.
    public let environment: MiniGridEnvironment
    private var seeds: TaskSeedStream

    /// A sampler whose levels depend only on `seed`; endless unless `episodeCount` is given.
    public init(environment: MiniGridEnvironment, seed: UInt64, episodeCount: Int? = nil) {
        self.environment = environment
        seeds = TaskSeedStream(seed: seed, episodeCount: episodeCount)
    }

    public func nextTask() -> MiniGridTask? {
        guard var rng = seeds.nextTaskGenerator() else { return nil }
        return MiniGridTask(environment: environment, using: &rng)
    }

    /// The next task, as `nextTask()` makes it, in `finished`'s storage (its observation,
    /// view and planner; the level's grid is new) when it is a `MiniGridTask` of this
    /// environment's step limit and view.
    public func nextTask(reusing finished: any Task) -> MiniGridTask? {
        guard let task = finished as? MiniGridTask, task.maxSteps == environment.maxSteps,
              task.seesThroughWalls == environment.seesThroughWalls else { return nextTask() }
        guard var rng = seeds.nextTaskGenerator() else { return nil }
        task.restart(on: environment.generateLevel(using: &rng))
        return task
    }

    public var length: Int? { seeds.remaining }
    /// The number of distinct levels, capped by the episode count of a finite set.
    public var totalUnique: Int? {
        seeds.episodeCount.map { min($0, environment.levelCount) } ?? environment.levelCount
    }
    public func reset() { seeds.reset() }
    public func setSeed(_ seed: UInt64) { seeds.setSeed(seed) }

    /// The seed stream's seed, tasks issued and generator state.
    public var savedProgress: [UInt64] { seeds.savedProgress }
    public func restoreProgress(_ words: [UInt64]) throws { try seeds.restore(words, what: "a saved MiniGrid sampler") }
}
