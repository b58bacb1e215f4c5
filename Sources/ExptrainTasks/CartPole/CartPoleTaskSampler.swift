import ExptrainEnvironment
import ExptrainRandom

/// Yields CartPole-v1 episodes, each from Gymnasium's random starting state.
///
/// A training sampler is endless; give `episodeCount` for a fixed validation or test
/// set, which `reset()` replays from its first episode.
///
/// ```swift
/// let train = CartPoleTaskSampler(seed: slot.seeds[slot.processIndex])
/// let test = CartPoleTaskSampler(seed: 7, episodeCount: 100)
/// while let task = try test.nextTask() { /* run the episode */ }
/// ```
public final class CartPoleTaskSampler: TaskSampler, ProgressSaving {
    private var seeds: TaskSeedStream
    private let maxSteps: Int

    /// A sampler whose episodes depend only on `seed`; endless unless `episodeCount` is given.
    public init(seed: UInt64, episodeCount: Int? = nil, maxSteps: Int = CartPoleTask.defaultMaxSteps) {
        seeds = TaskSeedStream(seed: seed, episodeCount: episodeCount)
        self.maxSteps = maxSteps
    }

    public func nextTask() -> CartPoleTask? {
        guard var rng = seeds.nextTaskGenerator() else { return nil }
        return CartPoleTask(using: &rng, maxSteps: maxSteps)
    }

    /// The next task, as `nextTask()` makes it, in `finished`'s storage when it is a
    /// `CartPoleTask` with this sampler's step limit.
    public func nextTask(reusing finished: any Task) -> CartPoleTask? {
        guard let task = finished as? CartPoleTask, task.maxSteps == maxSteps else { return nextTask() }
        guard var rng = seeds.nextTaskGenerator() else { return nil }
        task.restart(from: CartPoleState.random(using: &rng))
        return task
    }

    public var length: Int? { seeds.remaining }
    /// The episode count of a finite set (starting states are continuous, so an endless sampler has no count).
    public var totalUnique: Int? { seeds.episodeCount }
    public func reset() { seeds.reset() }
    public func setSeed(_ seed: UInt64) { seeds.setSeed(seed) }

    /// The seed stream's seed, tasks issued and generator state.
    public var savedProgress: [UInt64] { seeds.savedProgress }
    public func restoreProgress(_ words: [UInt64]) throws { try seeds.restore(words, what: "a saved CartPole sampler") }
}
