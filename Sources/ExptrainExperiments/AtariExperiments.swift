import ExptrainExperiment
import ExptrainGymnasium
import ExptrainNN

/// PPO on an Atari game through the Gymnasium bridge with CleanRL's `ppo_atari.py`
/// settings and network: the Nature-CNN (`CNNActorCritic`, `.natureCNN`) reading the
/// stack of four 84×84 grayscale frames as bytes, 8 environments in total × 128 steps,
/// 4 minibatches × 4 epochs, learning rate 2.5e-4 annealed, γ 0.99, GAE λ 0.95, clip 0.1
/// (the value loss clipped too), entropy 0.01, value 0.5, max gradient norm 0.5, training
/// on the sign of each reward (the logged returns are game scores), 10M steps.
///
/// `--config env=ALE/Breakout-v5` by default (`ale_py` imported, its ROMs included);
/// CleanRL's preprocessing is Gymnasium's own wrappers: `frameskip=1` and no sticky
/// actions in `make`, then `AtariPreprocessing` (up to 30 no-ops at reset, 4 frames per
/// step with the maximum of the last two, 84×84 grayscale) and `FrameStackObservation`
/// (4), whose `[4, 84, 84]` frames the model reads channels first. README "Atari" says
/// where it differs from CleanRL (episodic life, fire on reset).
public struct AtariPPO: GymnasiumExperiment {
    public typealias Model = CNNActorCritic

    public static let tag = "atari-ppo"
    public static let summary = "PPO with the Nature-CNN on an Atari game through the Gymnasium bridge (--config env=ALE/Breakout-v5), CleanRL's ppo_atari settings"
    public static let defaultEnvironmentID = "ALE/Breakout-v5"
    public static let defaultEnvironmentKeys = [
        "envImports": "ale_py",
        "envKwargs": #"{"frameskip": 1, "repeat_action_probability": 0.0}"#,
        "envWrappers": #"[{"wrapper": "gymnasium.wrappers:AtariPreprocessing", "kwargs": {"noop_max": 30, "frame_skip": 4, "screen_size": 84, "terminal_on_life_loss": false, "grayscale_obs": true}}, {"wrapper": "gymnasium.wrappers:FrameStackObservation", "kwargs": {"stack_size": 4}}]"#,
    ]
    public static let defaultSettings = GymnasiumPPOSettings(
        common: CommonSettings(
            environments: .total(8), totalSteps: 10_000_000, numSteps: 128, learningRate: 2.5e-4, entropyCoefficient: 0.01,
            valueCoefficient: 0.5, saveInterval: 500_000, logInterval: 8_192, validEpisodes: 0, testEpisodes: 10),
        numMiniBatch: 4, updateRepeats: 4, clipParameter: 0.1, normalization: .rewardSigns)

    public let environment: GymnasiumEnvironment
    public let ppo: GymnasiumPPOSettings

    public init(environment: GymnasiumEnvironment, ppo: GymnasiumPPOSettings) {
        (self.environment, self.ppo) = (environment, ppo)
    }

    /// The Nature-CNN over the observation's one UInt8 part, laid out `[frames, height, width]`.
    public func createModel(seed: UInt64) throws -> CNNActorCritic {
        let spaces = try GymnasiumTaskSampler.spaces(of: environment)
        do {
            return try CNNActorCritic(
                observationSpace: spaces.observationSpace, imageLayout: .channelsFirst, actionSpace: spaces.actionSpace,
                architecture: .natureCNN, seed: seed)
        } catch {
            throw ExperimentError("\(Self.tag): \(environment.id): \(error.message); frames stacked first, as FrameStackObservation gives them")
        }
    }
}
