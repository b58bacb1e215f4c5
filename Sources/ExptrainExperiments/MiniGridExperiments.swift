import ExptrainExperiment
import ExptrainNN
import ExptrainTasks

/// What the MiniGrid experiments share: the environment kind, an embedding model of
/// the 7×7×3 egocentric view (recurrent or not), PPO with 4 minibatches × 4 epochs, and
/// validation and test sets.
public protocol MiniGridExperiment: ExperimentConfig
where Sampler == MiniGridTaskSampler, Model == RecurrentActorCritic, SamplerArgs == EpisodeSamplerArgs {
    /// The MiniGrid environment the experiment trains on.
    static var environment: MiniGridEnvironment { get }
    /// Whether the model carries a GRU state through episodes.
    static var recurrent: Bool { get }
    var common: CommonSettings { get }
    var hiddenSize: Int { get }
}

extension MiniGridExperiment {
    public func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environments: common.environments)
    }

    public func createModel(seed: UInt64) throws -> RecurrentActorCritic {
        RecurrentActorCritic(
            observationShape: [7, 7, 3], actionCount: MiniGridAction.allCases.count, embedding: .miniGrid(dimension: 8),
            hiddenSize: hiddenSize, activation: .relu, recurrent: Self.recurrent, seed: seed)
    }

    public func makeSampler(_ args: EpisodeSamplerArgs) throws -> MiniGridTaskSampler {
        MiniGridTaskSampler(environment: Self.environment, seed: args.seed, episodeCount: args.episodeCount)
    }

    public func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.validEpisodes, setSeed: 0x3161_6D00_0000_0001)
    }

    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try common.evaluationArgs(slot, episodes: common.testEpisodes, setSeed: 0x3161_6D00_0000_0002)
    }

    /// The PPO loss and settings of the MiniGrid experiments.
    var ppo: (loss: PPOLoss, settings: TrainingSettings) {
        (.ppo(valueCoefficient: common.valueCoefficient, entropyCoefficient: common.entropyCoefficient),
         common.trainingSettings(numMiniBatch: 4, updateRepeats: 4, gaeLambda: 0.95))
    }
}

/// PPO on MiniGrid-Empty-Random-5x5 with a feed-forward embedding model.
public struct MiniGridEmptyPPO: MiniGridExperiment {
    public static let tag = "minigrid-empty-ppo"
    public static let summary = "PPO on MiniGrid-Empty-Random-5x5 (feed-forward, 8 envs × 32 steps per process, 100k steps)"
    public static let environment = MiniGridEnvironment.emptyRandom5x5
    public static let recurrent = false

    public let common: CommonSettings
    public let hiddenSize: Int

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .perProcess(8), totalSteps: 100_000, numSteps: 32, learningRate: 1e-3, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 25_000, logInterval: 2_048, validEpisodes: 32, testEpisodes: 200
        ).reading(overrides)
        hiddenSize = try overrides.value("hiddenSize", default: 64)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": ppo.loss],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps)],
            settings: ppo.settings)
    }
}

/// PPO with a GRU on MiniGrid-DoorKey-5x5: the agent must find the key, open the door
/// and reach the goal, remembering what it saw. Stops once 99 % of the last 100
/// episodes succeed.
public struct MiniGridDoorKeyPPO: MiniGridExperiment {
    public static let tag = "minigrid-doorkey-ppo"
    public static let summary = "PPO with a GRU on MiniGrid-DoorKey-5x5 (16 envs × 64 steps per process, up to 1M steps)"
    public static let environment = MiniGridEnvironment.doorKey5x5
    public static let recurrent = true

    public let common: CommonSettings
    public let hiddenSize: Int

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .perProcess(16), totalSteps: 1_000_000, numSteps: 64, learningRate: 5e-4, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 100_000, logInterval: 8_192, validEpisodes: 32, testEpisodes: 200
        ).reading(overrides)
        hiddenSize = try overrides.value("hiddenSize", default: 64)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": ppo.loss],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps, earlyStopping: .successMean100(atLeast: 0.99))],
            settings: ppo.settings)
    }
}

/// DAgger into PPO on MiniGrid-DoorKey-5x5: first imitate the expert while the chance
/// of acting with the expert's action decays from 1 to 0 over half the imitation stage
/// (teacher forcing), then fine-tune with PPO.
public struct MiniGridDoorKeyDAgger: MiniGridExperiment {
    public static let tag = "minigrid-doorkey-dagger"
    public static let summary = "Imitation with decaying teacher forcing, then PPO, on MiniGrid-DoorKey-5x5 (GRU, 300k steps)"
    public static let environment = MiniGridEnvironment.doorKey5x5
    public static let recurrent = true

    public let common: CommonSettings
    public let hiddenSize: Int
    let imitationSteps: Int

    public init(overrides: ConfigOverrides) throws {
        common = try CommonSettings(
            environments: .perProcess(16), totalSteps: 200_000, numSteps: 64, learningRate: 5e-4, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 100_000, logInterval: 8_192, validEpisodes: 32, testEpisodes: 200
        ).reading(overrides)
        hiddenSize = try overrides.value("hiddenSize", default: 64)
        imitationSteps = try overrides.value("imitationSteps", default: 100_000)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["imitation": .imitation, "ppo": ppo.loss],
            stages: [
                PipelineStage(
                    lossNames: ["imitation"], maxStageSteps: imitationSteps,
                    teacherForcing: .linearDecay(start: 1, end: 0, steps: imitationSteps / 2)),
                PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps),
            ],
            settings: ppo.settings)
    }
}
