import ExptrainMPI
import ExptrainRandom

/// The per-process seeds of a run (SPEC §1): rank 0 draws one seed per process,
/// from `--seed` when given, otherwise from the operating system, and broadcasts
/// the list, so every rank holds the same list and uses its own entry.
public struct RunSeeds: Sendable, Equatable {
    /// One seed per process, identical on every rank.
    public let seeds: [UInt64]

    public init(seeds: [UInt64]) {
        self.seeds = seeds
    }

    /// Draws the seeds on rank 0 and broadcasts them to every rank.
    ///
    /// - Parameter seed: `--seed`, or `nil` to draw from the operating system. Only
    ///   rank 0's value matters.
    public static func broadcast(seed: UInt64?, over world: Communicator) throws -> RunSeeds {
        var seeds: [UInt64] = []
        if world.rank == 0 {
            seeds = draw(count: world.size, seed: seed)
        }
        try world.broadcast(&seeds, root: 0, label: "seeds")
        return RunSeeds(seeds: seeds)
    }

    /// `count` seeds from `seed`, or from the system's generator when `seed` is nil.
    public static func draw(count: Int, seed: UInt64?) -> [UInt64] {
        var system = SystemRandomNumberGenerator()
        var generator = RandomGenerator(seed: seed ?? system.next())
        return (0..<count).map { _ in generator.nextSeed() }
    }

    /// A short fingerprint of the list that every rank logs, so two runs can be checked
    /// to have used the same seeds.
    public var digest: String { ExptrainEngine.digest(seeds) }
}
