import ExptrainEnvironment
import ExptrainRandom

/// Yields `PixelGoalTask` episodes, each with its own goal and start.
///
/// A training sampler is endless; give `episodeCount` for a fixed validation or test
/// set, which `reset()` replays from its first episode.
///
/// ```swift
/// let train = PixelGoalTaskSampler(size: 5, seed: slot.seed)
/// let test = PixelGoalTaskSampler(size: 5, seed: 7, episodeCount: 100)
/// ```
public final class PixelGoalTaskSampler: TaskSampler, ProgressSaving {
    /// The side of the grids.
    public let size: Int
    private var seeds: TaskSeedStream

    /// A sampler whose episodes depend only on `seed`; endless unless `episodeCount` is given.
    public init(size: Int = 5, seed: UInt64, episodeCount: Int? = nil) {
        self.size = size
        seeds = TaskSeedStream(seed: seed, episodeCount: episodeCount)
    }

    public func nextTask() -> PixelGoalTask? {
        guard var generator = seeds.nextTaskGenerator() else { return nil }
        return PixelGoalTask(size: size, using: &generator)
    }

    public var length: Int? { seeds.remaining }
    /// Goal and start pairs: `cells · (cells − 1)`, capped by the episode count of a finite set.
    public var totalUnique: Int? {
        let pairs = size * size * (size * size - 1)
        return seeds.episodeCount.map { min($0, pairs) } ?? pairs
    }
    public func reset() { seeds.reset() }
    public func setSeed(_ seed: UInt64) { seeds.setSeed(seed) }

    /// The seed stream's seed, tasks issued and generator state.
    public var savedProgress: [UInt64] { seeds.savedProgress }
    public func restoreProgress(_ words: [UInt64]) throws { try seeds.restore(words, what: "a saved pixel-goal sampler") }
}
