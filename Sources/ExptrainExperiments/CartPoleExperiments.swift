import ExptrainExperiment
import ExptrainNN
import ExptrainTasks

/// What the CartPole experiments share: the task, the model (CleanRL's separate 64-64
/// tanh actor and critic), and the validation and test sets.
public protocol CartPoleExperiment: ExperimentConfig
where Sampler == CartPoleTaskSampler, Model == MLPActorCritic, SamplerArgs == EpisodeSamplerArgs {
    var environmentsPerProcess: Int { get }
    var validEpisodes: Int { get }
    var testEpisodes: Int { get }
}

extension CartPoleExperiment {
    public func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environmentsPerProcess: environmentsPerProcess)
    }

    public func createModel(seed: UInt64) throws -> MLPActorCritic {
        MLPActorCritic(observationSize: 4, actionCount: 2, hidden: [64, 64], activation: .tanh, seed: seed)
    }

    public func makeSampler(_ args: EpisodeSamplerArgs) throws -> CartPoleTaskSampler {
        CartPoleTaskSampler(seed: args.seed, episodeCount: args.episodeCount)
    }

    public func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        validEpisodes == 0 ? nil : try .evaluation(slot, episodes: validEpisodes, setSeed: 0xCA27_901E_0000_0001)
    }

    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        testEpisodes == 0 ? nil : try .evaluation(slot, episodes: testEpisodes, setSeed: 0xCA27_901E_0000_0002)
    }
}

/// PPO on CartPole-v1 with CleanRL's `ppo.py` hyperparameters, so it compares step for
/// step with the PyTorch reference: 4 environments per process × 128 steps, learning rate
/// 2.5e-4 annealed linearly to 0, γ 0.99, GAE λ 0.95, 4 minibatches, 4 epochs, clip 0.2,
/// entropy 0.01, value 0.5, max gradient norm 0.5, Adam ε 1e-5, 500k steps.
public struct CartPolePPO: CartPoleExperiment {
    public static let tag = "cartpole-ppo"
    public static let summary = "PPO on CartPole-v1 with CleanRL's hyperparameters (4 envs × 128 steps per process, 500k steps)"

    public let environmentsPerProcess: Int
    public let validEpisodes: Int
    public let testEpisodes: Int
    let totalSteps: Int
    let numSteps: Int
    let learningRate: Float
    let numMiniBatch: Int
    let updateRepeats: Int
    let saveInterval: Int
    let logInterval: Int
    let ppo: PPOSettings

    public init(overrides: ConfigOverrides) throws {
        environmentsPerProcess = try overrides.value("environmentsPerProcess", default: 4)
        totalSteps = try overrides.value("totalSteps", default: 500_000)
        numSteps = try overrides.value("numSteps", default: 128)
        learningRate = try overrides.value("learningRate", default: Float(2.5e-4))
        numMiniBatch = try overrides.value("numMiniBatch", default: 4)
        updateRepeats = try overrides.value("updateRepeats", default: 4)
        saveInterval = try overrides.value("saveInterval", default: 100_000)
        logInterval = try overrides.value("logInterval", default: 4_096)
        validEpisodes = try overrides.value("validEpisodes", default: 8)
        testEpisodes = try overrides.value("testEpisodes", default: 100)
        ppo = PPOSettings(
            clipParameter: try overrides.value("clipParameter", default: Float(0.2)),
            valueCoefficient: try overrides.value("valueCoefficient", default: Float(0.5)),
            entropyCoefficient: try overrides.value("entropyCoefficient", default: Float(0.01)))
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(ppo)],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: totalSteps)],
            settings: TrainingSettings(
                numMiniBatch: numMiniBatch, updateRepeats: updateRepeats, maxGradNorm: 0.5, numSteps: numSteps,
                gamma: 0.99, useGAE: true, gaeLambda: 0.95, saveInterval: saveInterval,
                metricAccumulateInterval: logInterval, learningRate: learningRate,
                learningRateDecay: .linear(endFactor: 0), optimizer: .adam(epsilon: 1e-5)))
    }
}

/// Advantage actor-critic on CartPole-v1: 8 environments per process × 16 steps, one
/// update per rollout, n-step returns (GAE with λ = 1), Adam at 1e-3 annealed linearly.
public struct CartPoleA2C: CartPoleExperiment {
    public static let tag = "cartpole-a2c"
    public static let summary = "A2C on CartPole-v1 (8 envs × 16 steps per process, 500k steps)"

    public let environmentsPerProcess: Int
    public let validEpisodes: Int
    public let testEpisodes: Int
    let totalSteps: Int
    let numSteps: Int
    let learningRate: Float
    let saveInterval: Int
    let logInterval: Int
    let a2c: A2CSettings

    public init(overrides: ConfigOverrides) throws {
        environmentsPerProcess = try overrides.value("environmentsPerProcess", default: 8)
        totalSteps = try overrides.value("totalSteps", default: 500_000)
        numSteps = try overrides.value("numSteps", default: 16)
        learningRate = try overrides.value("learningRate", default: Float(1e-3))
        saveInterval = try overrides.value("saveInterval", default: 100_000)
        logInterval = try overrides.value("logInterval", default: 4_096)
        validEpisodes = try overrides.value("validEpisodes", default: 8)
        testEpisodes = try overrides.value("testEpisodes", default: 100)
        a2c = A2CSettings(
            valueCoefficient: try overrides.value("valueCoefficient", default: Float(0.5)),
            entropyCoefficient: try overrides.value("entropyCoefficient", default: Float(0.01)))
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["a2c": .a2c(a2c)],
            stages: [PipelineStage(lossNames: ["a2c"], maxStageSteps: totalSteps)],
            settings: TrainingSettings(
                numMiniBatch: 1, updateRepeats: 1, maxGradNorm: 0.5, numSteps: numSteps, gamma: 0.99, useGAE: true,
                gaeLambda: 1, saveInterval: saveInterval, metricAccumulateInterval: logInterval,
                learningRate: learningRate, learningRateDecay: .linear(endFactor: 0), optimizer: .adam(epsilon: 1e-5)))
    }
}
