/// Which running normalisations a run applies (SPEC §10): observations (Gymnasium's
/// `NormalizeObservation`) and rewards (`NormalizeReward`), each clipped as CleanRL does.
/// The statistics are one for the whole job, merged across ranks at every update, saved
/// in checkpoints and frozen for validation, test, `exptrain rollout` and export.
///
/// ```swift
/// TrainingPipeline(namedLosses: …, stages: …, settings: …, normalization: .observationsAndRewards)
/// ```
public struct Normalization: Sendable, Encodable, Equatable {
    /// Normalise the Float32 parts of observations.
    public var observations: Bool
    /// Scale rewards by the running deviation of the discounted return (γ of the stage's settings).
    public var rewards: Bool
    /// Normalised observations are clipped to ±this.
    public var observationClip: Float
    /// Scaled rewards are clipped to ±this.
    public var rewardClip: Float
    /// Train on the sign of each reward, r ↦ sign(r) ∈ {−1, 0, +1} (before any scaling), as
    /// CleanRL's Atari `ClipRewardEnv`; episode returns are still logged from the task's own
    /// rewards, so they are game scores.
    public var clipRewardsToSign: Bool

    public init(observations: Bool, rewards: Bool, observationClip: Float = 10, rewardClip: Float = 10, clipRewardsToSign: Bool = false) {
        self.observations = observations
        self.rewards = rewards
        self.observationClip = observationClip
        self.rewardClip = rewardClip
        self.clipRewardsToSign = clipRewardsToSign
    }

    /// Observations and rewards as the tasks give them.
    public static let none = Normalization(observations: false, rewards: false)
    /// Both normalisations, CleanRL's `ppo_continuous_action` set-up.
    public static let observationsAndRewards = Normalization(observations: true, rewards: true)
    /// Observations only.
    public static let observationsOnly = Normalization(observations: true, rewards: false)
    /// Rewards clipped to their sign and nothing normalised: CleanRL's `ppo_atari` set-up.
    public static let rewardSigns = Normalization(observations: false, rewards: false, clipRewardsToSign: true)
}
