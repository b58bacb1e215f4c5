import ExptrainExperiment

/// The experiments that ship with exptrain, as `exptrain --list` shows them.
///
/// A package of your own adds its experiments to these when it calls the entry point:
///
/// ```swift
/// Exptrain.main(experiments: BuiltinExperiments.all + [MyExperiment.self])
/// ```
public enum BuiltinExperiments {
    public static var all: [any ExperimentConfig.Type] {[
        CartPolePPO.self,
        CartPoleA2C.self,
        AcrobotPPO.self,
        PendulumPPO.self,
        MountainCarContinuousPPO.self,
        MiniGridEmptyPPO.self,
        MiniGridDoorKeyPPO.self,
        MiniGridDoorKeyDAgger.self,
        PixelGoalPPO.self,
        MinAtarBreakoutPPO.self,
        GymPPO.self,
        HalfCheetahPPO.self,
        AtariPPO.self,
    ]}
}

/// The arguments of one rank's sampler in the built-in experiments: a seed, and for
/// validation and test sets the number of episodes this rank plays.
public struct EpisodeSamplerArgs: Sendable, Equatable {
    /// Seeds the rank's sampler.
    public var seed: UInt64
    /// `nil` for an endless training sampler; this rank's share of a finite set otherwise.
    public var episodeCount: Int?

    public init(seed: UInt64, episodeCount: Int?) {
        self.seed = seed
        self.episodeCount = episodeCount
    }

    /// Training: an endless sampler seeded with the rank's own seed.
    public static func training(_ slot: ProcessSlot) -> EpisodeSamplerArgs {
        EpisodeSamplerArgs(seed: slot.seed, episodeCount: nil)
    }

    /// A finite evaluation set of `episodes` split evenly and disjointly across the
    /// processes. The set depends on `setSeed` and the process's share only, not on
    /// the run's seeds, so every run (and every checkpoint) is scored on the same episodes
    /// for a given number of processes.
    public static func evaluation(_ slot: ProcessSlot, episodes: Int, setSeed: UInt64) throws -> EpisodeSamplerArgs {
        let share = try slot.shareRange(count: episodes)
        return EpisodeSamplerArgs(seed: setSeed &+ UInt64(share.lowerBound) &* 0x9E37_79B9_7F4A_7C15, episodeCount: share.count)
    }
}
