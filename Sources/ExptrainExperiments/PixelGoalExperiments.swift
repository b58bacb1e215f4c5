import ExptrainEnvironment
import ExptrainExperiment
import ExptrainNN
import ExptrainTasks

/// PPO on the pixel-goal task (a UInt8 image of the goal next to the agent's position
/// as a Float32 vector): a `CNNActorCritic` with a small convolution (8·3×3 stride 1,
/// then 64) reads both parts, feed-forward by default (`--config recurrentSize=N` adds a
/// GRU). 8 environments × 32 steps per process, Adam at 2.5e-3 annealed linearly, 4
/// minibatches × 4 epochs, up to 300k steps; stops once 95 % of the last 100 episodes
/// succeed (at 2 ranks, seeds 1-4 stopped there after 61k-74k steps, 3-4 s in a release build).
public struct PixelGoalPPO: ExperimentConfig {
    public typealias Sampler = PixelGoalTaskSampler
    public typealias Model = CNNActorCritic
    public typealias SamplerArgs = EpisodeSamplerArgs

    public static let tag = "pixel-goal-ppo"
    public static let summary = "PPO with a CNN actor-critic on a 5x5 pixel-goal task (image + position vector; 8 envs × 32 steps per process, up to 300k steps)"

    public let common: CommonSettings
    /// The side of the grid.
    let size: Int
    /// The GRU's size; 0 for the feed-forward model.
    let recurrentSize: Int

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .perProcess(8), totalSteps: 300_000, numSteps: 32, learningRate: 2.5e-3, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 25_000, logInterval: 2_048, validEpisodes: 32, testEpisodes: 200
        ).reading(overrides)
        size = try overrides.value("size", default: 5)
        recurrentSize = try overrides.value("recurrentSize", default: 0)
        guard size >= 3 else { throw ExperimentError("\(Self.tag): --config size=\(size): the grid needs a side of at least 3") }
        guard recurrentSize >= 0 else { throw ExperimentError("\(Self.tag): --config recurrentSize=\(recurrentSize): give 0 (no GRU) or a positive size") }
    }

    /// 8·3×3 stride 1, then 64: enough to find one lit cell.
    static let architecture = ConvolutionalArchitecture(convolutions: [.init(outputChannels: 8, kernelSize: 3)], outputSize: 64)

    public func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environments: common.environments)
    }

    public func createModel(seed: UInt64) throws -> CNNActorCritic {
        try CNNActorCritic(
            observationSpace: PixelGoalTask.observationSpace(size: size), imagePart: "image", actionSpace: .discrete(count: 4),
            architecture: Self.architecture, recurrentSize: recurrentSize == 0 ? nil : recurrentSize, seed: seed)
    }

    public func makeSampler(_ args: EpisodeSamplerArgs) throws -> PixelGoalTaskSampler {
        PixelGoalTaskSampler(size: size, seed: args.seed, episodeCount: args.episodeCount)
    }

    public func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.validEpisodes, setSeed: 0x9013_60A1_0000_0001)
    }

    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.testEpisodes, setSeed: 0x9013_60A1_0000_0002)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(valueCoefficient: common.valueCoefficient, entropyCoefficient: common.entropyCoefficient)],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps, earlyStopping: .successMean100(atLeast: 0.95))],
            settings: common.trainingSettings(numMiniBatch: 4, updateRepeats: 4, gaeLambda: 0.95))
    }
}
