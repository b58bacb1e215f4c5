import ExptrainExperiment
import ExptrainNN
import ExptrainTasks

/// What the MiniGrid experiments share: the environment kind, an embedding model of
/// the 7×7×3 egocentric view (recurrent or not), and validation and test sets.
public protocol MiniGridExperiment: ExperimentConfig
where Sampler == MiniGridTaskSampler, Model == RecurrentActorCritic, SamplerArgs == EpisodeSamplerArgs {
    var environment: MiniGridEnvironment { get }
    var recurrent: Bool { get }
    var hiddenSize: Int { get }
    var environmentsPerProcess: Int { get }
    var validEpisodes: Int { get }
    var testEpisodes: Int { get }
}

extension MiniGridExperiment {
    public func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environmentsPerProcess: environmentsPerProcess)
    }

    public func createModel(seed: UInt64) throws -> RecurrentActorCritic {
        RecurrentActorCritic(
            observationShape: [7, 7, 3], actionCount: MiniGridAction.allCases.count, embedding: .miniGrid(dimension: 8),
            hiddenSize: hiddenSize, activation: .relu, recurrent: recurrent, seed: seed)
    }

    public func makeSampler(_ args: EpisodeSamplerArgs) throws -> MiniGridTaskSampler {
        MiniGridTaskSampler(environment: environment, seed: args.seed, episodeCount: args.episodeCount)
    }

    public func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        validEpisodes == 0 ? nil : try .evaluation(slot, episodes: validEpisodes, setSeed: 0x3161_6D00_0000_0001)
    }

    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        testEpisodes == 0 ? nil : try .evaluation(slot, episodes: testEpisodes, setSeed: 0x3161_6D00_0000_0002)
    }
}

/// The PPO settings the MiniGrid experiments start from; each may override some.
struct MiniGridPPODefaults {
    var totalSteps: Int
    var numSteps: Int
    var learningRate: Float
    var numMiniBatch: Int
    var updateRepeats: Int
    var entropyCoefficient: Float
    var saveInterval: Int
    var logInterval: Int

    /// Reads each setting's `--config` override, with these values as defaults.
    func reading(_ overrides: ConfigOverrides) throws -> MiniGridPPODefaults {
        MiniGridPPODefaults(
            totalSteps: try overrides.value("totalSteps", default: totalSteps),
            numSteps: try overrides.value("numSteps", default: numSteps),
            learningRate: try overrides.value("learningRate", default: learningRate),
            numMiniBatch: try overrides.value("numMiniBatch", default: numMiniBatch),
            updateRepeats: try overrides.value("updateRepeats", default: updateRepeats),
            entropyCoefficient: try overrides.value("entropyCoefficient", default: entropyCoefficient),
            saveInterval: try overrides.value("saveInterval", default: saveInterval),
            logInterval: try overrides.value("logInterval", default: logInterval))
    }

    var settings: TrainingSettings {
        TrainingSettings(
            numMiniBatch: numMiniBatch, updateRepeats: updateRepeats, maxGradNorm: 0.5, numSteps: numSteps,
            gamma: 0.99, useGAE: true, gaeLambda: 0.95, saveInterval: saveInterval, metricAccumulateInterval: logInterval,
            learningRate: learningRate, learningRateDecay: .linear(endFactor: 0), optimizer: .adam(epsilon: 1e-5))
    }

    var ppo: LossSpec { .ppo(PPOSettings(entropyCoefficient: entropyCoefficient)) }
}

/// PPO on MiniGrid-Empty-Random-5x5 with a feed-forward embedding model.
public struct MiniGridEmptyPPO: MiniGridExperiment {
    public static let tag = "minigrid-empty-ppo"
    public static let summary = "PPO on MiniGrid-Empty-Random-5x5 (feed-forward, 8 envs × 32 steps per process, 100k steps)"

    public let environment = MiniGridEnvironment.emptyRandom5x5
    public let recurrent = false
    public let hiddenSize: Int
    public let environmentsPerProcess: Int
    public let validEpisodes: Int
    public let testEpisodes: Int
    let ppo: MiniGridPPODefaults

    public init(overrides: ConfigOverrides) throws {
        environmentsPerProcess = try overrides.value("environmentsPerProcess", default: 8)
        hiddenSize = try overrides.value("hiddenSize", default: 64)
        validEpisodes = try overrides.value("validEpisodes", default: 32)
        testEpisodes = try overrides.value("testEpisodes", default: 200)
        ppo = try MiniGridPPODefaults(
            totalSteps: 100_000, numSteps: 32, learningRate: 1e-3, numMiniBatch: 4, updateRepeats: 4,
            entropyCoefficient: 0.01, saveInterval: 25_000, logInterval: 2_048
        ).reading(overrides)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": ppo.ppo],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: ppo.totalSteps)],
            settings: ppo.settings)
    }
}

/// PPO with a GRU on MiniGrid-DoorKey-5x5: the agent must find the key, open the door
/// and reach the goal, remembering what it saw.
public struct MiniGridDoorKeyPPO: MiniGridExperiment {
    public static let tag = "minigrid-doorkey-ppo"
    public static let summary = "PPO with a GRU on MiniGrid-DoorKey-5x5 (16 envs × 64 steps per process, 1M steps)"

    public let environment = MiniGridEnvironment.doorKey5x5
    public let recurrent = true
    public let hiddenSize: Int
    public let environmentsPerProcess: Int
    public let validEpisodes: Int
    public let testEpisodes: Int
    let ppo: MiniGridPPODefaults

    public init(overrides: ConfigOverrides) throws {
        environmentsPerProcess = try overrides.value("environmentsPerProcess", default: 16)
        hiddenSize = try overrides.value("hiddenSize", default: 64)
        validEpisodes = try overrides.value("validEpisodes", default: 32)
        testEpisodes = try overrides.value("testEpisodes", default: 200)
        ppo = try MiniGridPPODefaults(
            totalSteps: 1_000_000, numSteps: 64, learningRate: 5e-4, numMiniBatch: 4, updateRepeats: 4,
            entropyCoefficient: 0.01, saveInterval: 100_000, logInterval: 8_192
        ).reading(overrides)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": ppo.ppo],
            stages: [PipelineStage(
                lossNames: ["ppo"], maxStageSteps: ppo.totalSteps,
                earlyStopping: .successMean100(atLeast: 0.99))],
            settings: ppo.settings)
    }
}

/// DAgger into PPO on MiniGrid-DoorKey-5x5: first imitate the expert while the chance
/// of acting with the expert's action decays from 1 to 0 (teacher forcing), then
/// fine-tune with PPO.
public struct MiniGridDoorKeyDAgger: MiniGridExperiment {
    public static let tag = "minigrid-doorkey-dagger"
    public static let summary = "Imitation with decaying teacher forcing, then PPO, on MiniGrid-DoorKey-5x5 (GRU, 300k steps)"

    public let environment = MiniGridEnvironment.doorKey5x5
    public let recurrent = true
    public let hiddenSize: Int
    public let environmentsPerProcess: Int
    public let validEpisodes: Int
    public let testEpisodes: Int
    let imitationSteps: Int
    let ppo: MiniGridPPODefaults

    public init(overrides: ConfigOverrides) throws {
        environmentsPerProcess = try overrides.value("environmentsPerProcess", default: 16)
        hiddenSize = try overrides.value("hiddenSize", default: 64)
        validEpisodes = try overrides.value("validEpisodes", default: 32)
        testEpisodes = try overrides.value("testEpisodes", default: 200)
        imitationSteps = try overrides.value("imitationSteps", default: 100_000)
        ppo = try MiniGridPPODefaults(
            totalSteps: 200_000, numSteps: 64, learningRate: 5e-4, numMiniBatch: 4, updateRepeats: 4,
            entropyCoefficient: 0.01, saveInterval: 100_000, logInterval: 8_192
        ).reading(overrides)
    }

    public func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["imitation": .imitation, "ppo": ppo.ppo],
            stages: [
                PipelineStage(
                    lossNames: ["imitation"], maxStageSteps: imitationSteps,
                    teacherForcing: .linearDecay(start: 1, end: 0, steps: imitationSteps / 2)),
                PipelineStage(lossNames: ["ppo"], maxStageSteps: ppo.totalSteps),
            ],
            settings: ppo.settings)
    }
}
