import ExptrainEnvironment
import ExptrainRandom

/// What every built-in sampler shares: a seeded stream that gives each task its own
/// seed, endless or limited to a fixed number of episodes.
///
/// Each task gets a seed of its own rather than a slice of one shared stream, so a
/// task's content depends only on the sampler's seed and the task's position in the
/// sequence, never on how many random numbers earlier tasks happened to draw.
struct TaskSeedStream {
    /// The number of episodes in a finite set; `nil` for an endless stream.
    let episodeCount: Int?
    private var seed: UInt64
    private var rng: RandomGenerator
    private var issued = 0

    init(seed: UInt64, episodeCount: Int?) {
        precondition(episodeCount.map { $0 >= 0 } ?? true, "episodeCount must not be negative")
        self.seed = seed
        self.episodeCount = episodeCount
        rng = RandomGenerator(seed: seed)
    }

    /// Episodes left; `nil` when endless.
    var remaining: Int? { episodeCount.map { $0 - issued } }

    /// The next task's seed, or `nil` once a finite set is exhausted.
    mutating func nextTaskSeed() -> UInt64? {
        if let remaining, remaining == 0 { return nil }
        issued += 1
        return rng.nextSeed()
    }

    /// A generator seeded with the next task's seed, or `nil` once a finite set is exhausted:
    /// what a sampler draws a new task (or a reused task's next episode) from.
    mutating func nextTaskGenerator() -> RandomGenerator? {
        nextTaskSeed().map { RandomGenerator(seed: $0) }
    }

    /// Starts again from the first task of the current seed.
    mutating func reset() {
        rng = RandomGenerator(seed: seed)
        issued = 0
    }

    /// Switches to `seed` and starts from its first task.
    mutating func setSeed(_ seed: UInt64) {
        self.seed = seed
        reset()
    }

    /// The stream's seed, tasks issued and generator state: what `restore(_:)` takes.
    var savedProgress: [UInt64] { [seed, UInt64(issued)] + rng.state }

    /// Continues from `savedProgress` words (`what` names the sampler in errors).
    mutating func restore(_ words: [UInt64], what: String) throws {
        var reader = ProgressReader(words, what: what)
        let seed = try reader.word()
        let issued = try reader.count(below: (episodeCount ?? Int.max - 1) + 1)
        let state = try reader.words(4)
        try reader.finish()
        guard state.contains(where: { $0 != 0 }) else { throw TaskError("\(what) has an all-zero generator state; it is corrupt") }
        self.seed = seed
        self.issued = issued
        rng = RandomGenerator(state: state)
    }
}
