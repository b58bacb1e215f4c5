import ExptrainEnvironment

/// Yields `MinAtar/Breakout-v1` episodes (`MinAtarBreakoutTask`), each from its own seed.
///
/// A training sampler is endless; give `episodeCount` for a fixed validation or test
/// set, which `reset()` replays from its first episode.
///
/// ```swift
/// let train = MinAtarBreakoutTaskSampler(seed: slot.seeds[slot.processIndex])
/// let test = MinAtarBreakoutTaskSampler(seed: 7, episodeCount: 100)
/// while let task = test.nextTask() { /* run the episode */ }
/// ```
public final class MinAtarBreakoutTaskSampler: TaskSampler, ProgressSaving {
    private var seeds: TaskSeedStream
    private let stickyActionProbability: Double
    private let maxSteps: Int

    /// A sampler whose episodes depend only on `seed`; endless unless `episodeCount` is
    /// given. `maxSteps` truncates episodes (default: no limit, as `MinAtar/Breakout-v1`).
    public init(seed: UInt64, episodeCount: Int? = nil,
                stickyActionProbability: Double = StickyActions.minAtarProbability, maxSteps: Int = .max) {
        seeds = TaskSeedStream(seed: seed, episodeCount: episodeCount)
        self.stickyActionProbability = stickyActionProbability
        self.maxSteps = maxSteps
    }

    public func nextTask() -> MinAtarBreakoutTask? {
        guard let taskSeed = seeds.nextTaskSeed() else { return nil }
        return MinAtarBreakoutTask(seed: taskSeed, stickyActionProbability: stickyActionProbability, maxSteps: maxSteps)
    }

    public var length: Int? { seeds.remaining }
    /// The episode count of a finite set; an endless sampler has two starts but endless sticky draws, so no count.
    public var totalUnique: Int? { seeds.episodeCount }
    public func reset() { seeds.reset() }
    public func setSeed(_ seed: UInt64) { seeds.setSeed(seed) }

    /// The seed stream's seed, tasks issued and generator state.
    public var savedProgress: [UInt64] { seeds.savedProgress }
    public func restoreProgress(_ words: [UInt64]) throws { try seeds.restore(words, what: "a saved MinAtar Breakout sampler") }
}
