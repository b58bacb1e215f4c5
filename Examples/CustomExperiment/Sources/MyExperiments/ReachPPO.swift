import ExptrainExperiment
import ExptrainExperiments
import ExptrainNN

/// PPO with a Gaussian policy (CleanRL's `ppo_continuous_action` agent) on `ReachTask`:
/// a `Box` action space, a dictionary observation, and a loss of this package's own
/// (`ActionMagnitudePenalty`) next to exptrain's PPO.
struct ReachPPO: ExperimentConfig {
    static let tag = "reach-ppo"
    static let summary = "Example: Gaussian PPO steering a point to a goal (Box actions, dictionary observations, an own loss)"

    let totalSteps: Int
    let penalty: Float

    init(overrides: ConfigOverrides) throws {
        totalSteps = try overrides.value("totalSteps", default: 200_000)
        penalty = try overrides.value("actionPenalty", default: Float(0.01))
    }

    func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo(entropyCoefficient: 0), "penalty": ActionMagnitudePenalty(coefficient: penalty)],
            stages: [PipelineStage(lossNames: ["ppo", "penalty"], maxStageSteps: totalSteps, earlyStopping: .successMean100(atLeast: 0.95))],
            settings: TrainingSettings(
                numMiniBatch: 4, updateRepeats: 10, maxGradNorm: 0.5, numSteps: 128, gamma: 0.99, useGAE: true,
                gaeLambda: 0.95, saveInterval: 50_000, metricAccumulateInterval: 2_048, learningRate: 3e-4,
                learningRateDecay: .linear(endFactor: 0), optimizer: .adam(epsilon: 1e-5)))
    }

    func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: 2, gpuIDs: [], environmentsPerProcess: 4)
    }

    func createModel(seed: UInt64) throws -> MLPActorCritic {
        MLPActorCritic(
            observationSize: ReachTask.observationSpace.floatCount, actionSpace: .box(Box(shape: [2], low: -1, high: 1)), seed: seed)
    }

    func makeSampler(_ args: EpisodeSamplerArgs) throws -> ReachSampler {
        ReachSampler(seed: args.seed, episodes: args.episodeCount)
    }

    func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try .evaluation(slot, episodes: 20, setSeed: 11)
    }
}
