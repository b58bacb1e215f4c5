import ExptrainEnvironment
import ExptrainExperiment
import ExptrainNN
import ExptrainTasks

/// PPO on the native MinAtar Breakout (`MinAtar/Breakout-v1`: sticky actions 0.1, the
/// minimal action set) with MinAtar's network (Young & Tian 2019: 16·3×3 stride 1, ReLU,
/// then 128, ReLU) as a `CNNActorCritic` reading the 10×10×4 UInt8 image.
///
/// The rollout and update follow purejaxrl's MinAtar PPO: 64 environments in total × 128
/// steps, 8 minibatches × 4 epochs, γ 0.99, GAE λ 0.95, clip 0.2 (the value loss clipped
/// too), entropy 0.01, value 0.5, max gradient norm 0.5, Adam ε 1e-5 with the learning
/// rate 5e-3 annealed linearly over 10M steps (purejaxrl trains an MLP at 5e-3). At 2
/// ranks, seed 1: the 100-episode mean first reached 30 after 2.72M steps and was 24.2 at
/// 5M (1e-3: 19.2 at 5M).
public struct MinAtarBreakoutPPO: ExperimentConfig {
    public typealias Sampler = MinAtarBreakoutTaskSampler
    public typealias Model = CNNActorCritic
    public typealias SamplerArgs = EpisodeSamplerArgs

    public static let tag = "minatar-breakout-ppo"
    public static let summary = "PPO with MinAtar's CNN on the native MinAtar Breakout (64 envs in total × 128 steps, 10M steps)"

    public let common: CommonSettings
    /// The GRU's size; 0 for the feed-forward model.
    let recurrentSize: Int

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .total(64), totalSteps: 10_000_000, numSteps: 128, learningRate: 5e-3, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 500_000, logInterval: 16_384, validEpisodes: 0, testEpisodes: 100
        ).reading(overrides)
        recurrentSize = try overrides.value("recurrentSize", default: 0)
        guard recurrentSize >= 0 else { throw ExperimentError("\(Self.tag): --config recurrentSize=\(recurrentSize): give 0 (no GRU) or a positive size") }
    }

    public func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environments: common.environments)
    }

    public func createModel(seed: UInt64) throws -> CNNActorCritic {
        try CNNActorCritic(
            observationSpace: MinAtarBreakoutTask.space, actionSpace: .discrete(count: MinAtarBreakoutTask.actionSet.count),
            architecture: .minAtar, recurrentSize: recurrentSize == 0 ? nil : recurrentSize, seed: seed)
    }

    public func makeSampler(_ args: EpisodeSamplerArgs) throws -> MinAtarBreakoutTaskSampler {
        MinAtarBreakoutTaskSampler(seed: args.seed, episodeCount: args.episodeCount)
    }

    public func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.validEpisodes, setSeed: 0x3A7A_B4E0_0000_0001)
    }

    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.testEpisodes, setSeed: 0x3A7A_B4E0_0000_0002)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(valueCoefficient: common.valueCoefficient, entropyCoefficient: common.entropyCoefficient)],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps)],
            settings: common.trainingSettings(numMiniBatch: 8, updateRepeats: 4, gaeLambda: 0.95))
    }
}
