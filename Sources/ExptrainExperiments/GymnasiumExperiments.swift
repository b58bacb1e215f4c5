import ExptrainExperiment
import ExptrainGymnasium
import ExptrainNN
import Foundation

/// What the Gymnasium experiments share: any Gymnasium environment through the bridge
/// (`ExptrainGymnasium`: one Python worker per rank holding the rank's environments as one
/// vector environment), a model sized by its spaces (CleanRL's 64-64 tanh actor-critic
/// for float observations, with the policy its action space calls for: Categorical,
/// MultiCategorical or Gaussian), and the `--config` keys that say which environment:
///
/// - `env`: passed verbatim to `gymnasium.make` (`my_module:MyEnv-v0` imports `my_module` first);
/// - `envKwargs`: `make`'s keyword arguments as a JSON object, `{"max_episode_steps": 200}`;
/// - `envImports`: modules to import before `make`, comma-separated (`minatar.gym`);
/// - `envSetup`: `module:function` to call before `make` (`minatar.gym:register_envs`);
/// - `envWrappers`: wrappers applied in order after `make`, a JSON list of
///   `{"wrapper": "module:Name", "kwargs": {…}}` (`gymnasium.wrappers:AtariPreprocessing`).
public protocol GymnasiumExperiment: ExperimentConfig
where Sampler == GymnasiumTaskSampler, SamplerArgs == GymnasiumSamplerArgs {
    /// What `--config env=` is when not given.
    static var defaultEnvironmentID: String { get }
    /// What the other keys (`envKwargs`, `envImports`, `envSetup`, `envWrappers`) are when
    /// not given; a key missing here defaults to nothing.
    static var defaultEnvironmentKeys: [String: String] { get }
    /// The PPO settings before `--config` overrides them.
    static var defaultSettings: GymnasiumPPOSettings { get }
    var environment: GymnasiumEnvironment { get }
    var ppo: GymnasiumPPOSettings { get }
    init(environment: GymnasiumEnvironment, ppo: GymnasiumPPOSettings)
}

extension GymnasiumExperiment {
    public static var defaultEnvironmentKeys: [String: String] { [:] }

    public init(overrides: ConfigOverrides) throws {
        self.init(
            environment: try .reading(overrides, defaultID: Self.defaultEnvironmentID, defaults: Self.defaultEnvironmentKeys),
            ppo: try Self.defaultSettings.reading(overrides))
    }

    public func trainingPipeline() throws -> TrainingPipeline { ppo.pipeline }

    public var common: CommonSettings { ppo.common }

    public func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: mode == .train ? 2 : 1, gpuIDs: [], environments: common.environments)
    }

    public func makeSampler(_ args: GymnasiumSamplerArgs) throws -> GymnasiumTaskSampler {
        try GymnasiumTaskSampler(args)
    }

    public func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> GymnasiumSamplerArgs {
        GymnasiumSamplerArgs(environment: environment, seed: slot.seed, worker: workerSettings(slot))
    }

    public func validTaskSamplerArgs(_ slot: ProcessSlot) throws -> GymnasiumSamplerArgs? {
        try evaluationArgs(slot, episodes: common.validEpisodes, setSeed: 0x6E7A_0000_0000_0001)
    }

    public func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> GymnasiumSamplerArgs? {
        try evaluationArgs(slot, episodes: common.testEpisodes, setSeed: 0x6E7A_0000_0000_0002)
    }

    private func evaluationArgs(_ slot: ProcessSlot, episodes: Int, setSeed: UInt64) throws -> GymnasiumSamplerArgs? {
        guard let share = try common.evaluationArgs(slot, episodes: episodes, setSeed: setSeed) else { return nil }
        return GymnasiumSamplerArgs(environment: environment, seed: share.seed, episodeCount: share.episodeCount, worker: workerSettings(slot))
    }

    private func workerSettings(_ slot: ProcessSlot) -> GymnasiumWorkerSettings {
        GymnasiumWorkerSettings(timeout: slot.environmentTimeout, processIndex: slot.processIndex)
    }
}

extension GymnasiumExperiment where Model == MLPActorCritic {
    /// Sized by the environment's spaces, which this process's sampler learned in its
    /// handshake (or a worker started for the purpose, when no sampler was made yet).
    public func createModel(seed: UInt64) throws -> MLPActorCritic {
        let spaces = try GymnasiumTaskSampler.spaces(of: environment)
        let space = spaces.observationSpace
        guard space.byteCount == 0 else {
            let parts = space.parts.filter { $0.box.elementType == .uint8 }.map(\.name)
            throw ExperimentError(
                "\(Self.tag): \(environment.id)'s observation has uint8 or bool parts (\(parts.joined(separator: ", "))) and this experiment's MLP reads Float32 observations only; use an experiment whose model reads bytes (atari-ppo's Nature-CNN, or your own with CNNActorCritic)")
        }
        return MLPActorCritic(observationSize: space.floatCount, actionSpace: spaces.actionSpace, hidden: [64, 64], activation: .tanh, seed: seed)
    }
}

extension GymnasiumEnvironment {
    /// The environment the `--config` keys `env`, `envKwargs`, `envImports`, `envSetup` and
    /// `envWrappers` describe, each defaulting to `defaultID` or its entry in `defaults`.
    static func reading(_ overrides: ConfigOverrides, defaultID: String, defaults: [String: String]) throws -> GymnasiumEnvironment {
        let id = try overrides.value("env", default: defaultID)
        let keywordArguments = try overrides.value("envKwargs", default: defaults["envKwargs"] ?? "{}")
        let imports = try overrides.value("envImports", default: defaults["envImports"] ?? "")
        let setup = try overrides.value("envSetup", default: defaults["envSetup"] ?? "")
        let wrappers = try overrides.value("envWrappers", default: defaults["envWrappers"] ?? "[]")
        do {
            return try GymnasiumEnvironment(
                id: id, keywordArguments: keywordArguments,
                imports: imports.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                setup: setup.isEmpty ? nil : setup, wrappers: wrappers)
        } catch {
            throw ExperimentError("--config: \(error.message)")
        }
    }
}

/// The PPO settings of the Gymnasium experiments: an experiment's defaults, each replaced
/// by its `--config` override when one is given.
public struct GymnasiumPPOSettings: Sendable {
    public var common: CommonSettings
    public var numMiniBatch: Int
    public var updateRepeats: Int
    public var clipParameter: Float = 0.2
    public var gamma: Float = 0.99
    public var gaeLambda: Float = 0.95
    public var normalization: Normalization

    /// The common keys, then `numMiniBatch`, `updateRepeats`, `clipParameter`, `gamma`,
    /// `gaeLambda`, `normalizeObservations`, `normalizeRewards` and `clipRewardsToSign`.
    func reading(_ overrides: ConfigOverrides) throws -> GymnasiumPPOSettings {
        var settings = self
        settings.common = try common.reading(overrides)
        settings.numMiniBatch = try overrides.value("numMiniBatch", default: numMiniBatch)
        settings.updateRepeats = try overrides.value("updateRepeats", default: updateRepeats)
        settings.clipParameter = try overrides.value("clipParameter", default: clipParameter)
        settings.gamma = try overrides.value("gamma", default: gamma)
        settings.gaeLambda = try overrides.value("gaeLambda", default: gaeLambda)
        settings.normalization = Normalization(
            observations: try overrides.value("normalizeObservations", default: normalization.observations),
            rewards: try overrides.value("normalizeRewards", default: normalization.rewards),
            clipRewardsToSign: try overrides.value("clipRewardsToSign", default: normalization.clipRewardsToSign))
        return settings
    }

    var pipeline: TrainingPipeline {
        TrainingPipeline(
            namedLosses: [
                "ppo": .ppo(clipParameter: clipParameter, valueCoefficient: common.valueCoefficient, entropyCoefficient: common.entropyCoefficient),
            ],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: common.totalSteps)],
            settings: common.trainingSettings(numMiniBatch: numMiniBatch, updateRepeats: updateRepeats, gaeLambda: gaeLambda, gamma: gamma),
            normalization: normalization)
    }
}

/// PPO on any Gymnasium environment (`--config env=ID`) with CleanRL's `ppo.py` defaults:
/// 4 environments in total (2 + 2 on two ranks) × 128 steps, 4 minibatches × 4 epochs,
/// learning rate 2.5e-4 annealed, γ 0.99, GAE λ 0.95, clip 0.2, entropy 0.01, value 0.5,
/// max gradient norm 0.5, 500k steps; the policy follows the action space (Categorical,
/// MultiCategorical, Gaussian). `normalizeObservations` and `normalizeRewards` turn on
/// the job-wide running normalisations (off by default, as in `ppo.py`; on for continuous
/// control, as in `ppo_continuous_action.py`); `clipRewardsToSign` trains on the sign of
/// each reward (CleanRL's Atari reward clipping) while the logged returns stay game scores.
public struct GymPPO: GymnasiumExperiment {
    public static let tag = "gym-ppo"
    public static let summary = "PPO on any Gymnasium environment (--config env=ID) through one Python worker per rank, CleanRL's ppo.py defaults"
    public static let defaultEnvironmentID = "CartPole-v1"
    public static let defaultSettings = GymnasiumPPOSettings(
        common: CommonSettings(
            environments: .total(4), totalSteps: 500_000, numSteps: 128, learningRate: 2.5e-4, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 100_000, logInterval: 4_096, validEpisodes: 0, testEpisodes: 100),
        numMiniBatch: 4, updateRepeats: 4, normalization: .none)

    public let environment: GymnasiumEnvironment
    public let ppo: GymnasiumPPOSettings

    public init(environment: GymnasiumEnvironment, ppo: GymnasiumPPOSettings) {
        (self.environment, self.ppo) = (environment, ppo)
    }
}

/// PPO on MuJoCo's HalfCheetah-v5 with CleanRL's `ppo_continuous_action.py` settings:
/// a Gaussian policy, 2048 steps per update, 32 minibatches × 10 epochs, learning rate
/// 3e-4 annealed, γ 0.99, GAE λ 0.95, clip 0.2, no entropy bonus, value 0.5, max gradient
/// norm 0.5, observations and rewards normalised, 1M steps.
///
/// CleanRL steps 1 environment × 2048 steps; one environment cannot be split across
/// ranks, so here the 2048 steps of an update are 2 environments in total × 1024 steps
/// (1 per rank on two ranks, both on one): the same samples per update, minibatch size
/// and number of updates. `--config environments=1 --config numSteps=2048` is CleanRL's
/// rollout, on one rank.
public struct HalfCheetahPPO: GymnasiumExperiment {
    public static let tag = "halfcheetah-ppo"
    public static let summary = "PPO (Gaussian) on MuJoCo HalfCheetah-v5 with CleanRL's ppo_continuous_action settings (2 envs in total × 1024 steps, 1M steps)"
    public static let defaultEnvironmentID = "HalfCheetah-v5"
    public static let defaultSettings = GymnasiumPPOSettings(
        common: CommonSettings(
            environments: .total(2), totalSteps: 1_000_000, numSteps: 1_024, learningRate: 3e-4, entropyCoefficient: 0,
            valueCoefficient: 0.5, saveInterval: 200_000, logInterval: 10_240, validEpisodes: 0, testEpisodes: 10),
        numMiniBatch: 32, updateRepeats: 10, normalization: .observationsAndRewards)

    public let environment: GymnasiumEnvironment
    public let ppo: GymnasiumPPOSettings

    public init(environment: GymnasiumEnvironment, ppo: GymnasiumPPOSettings) {
        (self.environment, self.ppo) = (environment, ppo)
    }
}
