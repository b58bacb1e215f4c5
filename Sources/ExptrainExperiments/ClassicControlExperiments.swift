import ExptrainExperiment
import ExptrainNN
import ExptrainTasks

/// What the classic-control experiments share: one of Gymnasium's classic-control tasks
/// with its exact dynamics, CleanRL's 64-64 tanh actor-critic (categorical or Gaussian,
/// from the task's action space), a global rollout split across the ranks, and
/// validation and test sets.
public protocol ClassicControlExperiment: ExperimentConfig
where Sampler == ClassicControlTaskSampler<Task>, Model == MLPActorCritic, SamplerArgs == EpisodeSamplerArgs {
    associatedtype Task: ClassicControlTask
    var common: CommonSettings { get }
}

extension ClassicControlExperiment {
    public func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environments: common.environments)
    }

    public func createModel(seed: UInt64) throws -> MLPActorCritic {
        let probe = ClassicControlTaskSampler<Task>(seed: 0).nextTask()!
        return MLPActorCritic(
            observationSize: probe.observationSpace.floatCount, actionSpace: probe.actionSpace, hidden: [64, 64],
            activation: .tanh, seed: seed)
    }

    public func makeSampler(_ args: EpisodeSamplerArgs) throws -> ClassicControlTaskSampler<Task> {
        ClassicControlTaskSampler<Task>(seed: args.seed, episodeCount: args.episodeCount)
    }

    public func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.validEpisodes, setSeed: 0xC1A5_51C0_0000_0001)
    }

    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.testEpisodes, setSeed: 0xC1A5_51C0_0000_0002)
    }
}

/// PPO on Acrobot-v1 with CleanRL's `ppo.py` settings (as `cartpole-ppo`): 4 environments
/// in total × 128 steps, 4 minibatches × 4 epochs, learning rate 2.5e-4 annealed, 500k steps.
public struct AcrobotPPO: ClassicControlExperiment {
    public typealias Task = AcrobotTask
    public static let tag = "acrobot-ppo"
    public static let summary = "PPO on Acrobot-v1 with CleanRL's hyperparameters (4 envs in total × 128 steps, 500k steps)"

    public let common: CommonSettings

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .total(4), totalSteps: 500_000, numSteps: 128, learningRate: 2.5e-4, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 100_000, logInterval: 4_096, validEpisodes: 8, testEpisodes: 100
        ).reading(overrides)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(valueCoefficient: common.valueCoefficient, entropyCoefficient: common.entropyCoefficient)],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps)],
            settings: common.trainingSettings(numMiniBatch: 4, updateRepeats: 4, gaeLambda: 0.95))
    }
}

/// PPO with a Gaussian policy on Pendulum-v1, CleanRL's `ppo_continuous_action` agent and
/// normalisation of observations and rewards, with the discount and rollout that suit the
/// task (as RL Baselines3 Zoo's: γ 0.9, 4 environments in total × 1024 steps, 10 epochs
/// of 64-step minibatches, learning rate 1e-3, no entropy bonus).
public struct PendulumPPO: ClassicControlExperiment {
    public typealias Task = PendulumTask
    public static let tag = "pendulum-ppo"
    public static let summary = "PPO (Gaussian) on Pendulum-v1, normalised observations and rewards (4 envs in total × 1024 steps, 1M steps)"

    public let common: CommonSettings
    let numMiniBatch: Int
    let updateRepeats: Int
    let gamma: Float

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .total(4), totalSteps: 1_000_000, numSteps: 1_024, learningRate: 1e-3, entropyCoefficient: 0,
            valueCoefficient: 0.5, saveInterval: 200_000, logInterval: 8_192, validEpisodes: 8, testEpisodes: 100
        ).reading(overrides)
        numMiniBatch = try overrides.value("numMiniBatch", default: 64)
        updateRepeats = try overrides.value("updateRepeats", default: 10)
        gamma = try overrides.value("gamma", default: Float(0.9))
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(valueCoefficient: common.valueCoefficient, entropyCoefficient: common.entropyCoefficient)],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps)],
            settings: common.trainingSettings(numMiniBatch: numMiniBatch, updateRepeats: updateRepeats, gaeLambda: 0.95, gamma: gamma),
            normalization: .observationsAndRewards)
    }
}

/// PPO with a Gaussian policy on MountainCarContinuous-v0, with normalised observations
/// and rewards and RL Baselines3 Zoo's choices for this task where they do not depend on
/// state-dependent exploration (γ 0.9999, λ 0.9, clip 0.1, value coefficient 0.19, entropy
/// 0.00429, max gradient norm 5, learning rate 7.77e-5, 10 epochs): 4 environments in total
/// × 256 steps, 1M steps. The task rewards reaching the flag with 100 and charges 0.1·a² per
/// step, so a policy that never finds the flag learns to stand still.
public struct MountainCarContinuousPPO: ClassicControlExperiment {
    public typealias Task = MountainCarContinuousTask
    public static let tag = "mountaincar-continuous-ppo"
    public static let summary = "PPO (Gaussian) on MountainCarContinuous-v0, normalised observations and rewards (4 envs in total × 256 steps, 1M steps)"

    public let common: CommonSettings
    let numMiniBatch: Int
    let updateRepeats: Int

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .total(4), totalSteps: 1_000_000, numSteps: 256, learningRate: 7.77e-5, entropyCoefficient: 0.00429,
            valueCoefficient: 0.19, saveInterval: 200_000, logInterval: 8_192, validEpisodes: 8, testEpisodes: 100
        ).reading(overrides)
        numMiniBatch = try overrides.value("numMiniBatch", default: 4)
        updateRepeats = try overrides.value("updateRepeats", default: 10)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        var settings = common.trainingSettings(numMiniBatch: numMiniBatch, updateRepeats: updateRepeats, gaeLambda: 0.9, gamma: 0.9999)
        settings.maxGradNorm = 5
        return TrainingPipeline(
            namedLosses: [
                "ppo": .ppo(clipParameter: 0.1, valueCoefficient: common.valueCoefficient, entropyCoefficient: common.entropyCoefficient),
            ],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps)],
            settings: settings, normalization: .observationsAndRewards)
    }
}
