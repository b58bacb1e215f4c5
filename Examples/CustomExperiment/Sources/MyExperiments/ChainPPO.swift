import ExptrainExperiment
import ExptrainExperiments
import ExptrainNN

/// PPO on a 12-cell chain. Class-level settings are `static let` (they can never
/// change, as AllenAct's frozen class attributes); per-run settings are read once
/// from `--config` in `init(overrides:)`.
struct ChainPPO: ExperimentConfig {
    static let tag = "chain-ppo"
    static let summary = "Example: PPO on a 12-cell chain, defined in its own package"
    static let chainLength = 12

    let totalSteps: Int
    let environmentsPerProcess: Int

    init(overrides: ConfigOverrides) throws {
        totalSteps = try overrides.value("totalSteps", default: 30_000)
        environmentsPerProcess = try overrides.value("environmentsPerProcess", default: 4)
    }

    func trainingPipeline() throws -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo()],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: totalSteps, earlyStopping: .successMean100(atLeast: 0.99))],
            settings: TrainingSettings(
                numMiniBatch: 2, updateRepeats: 4, maxGradNorm: 0.5, numSteps: 64, gamma: 0.99, useGAE: true,
                gaeLambda: 0.95, saveInterval: 10_000, metricAccumulateInterval: 1_024, learningRate: 1e-3,
                learningRateDecay: .constant, optimizer: .adam()))
    }

    func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: 2, gpuIDs: [], environmentsPerProcess: environmentsPerProcess)
    }

    func createModel(seed: UInt64) throws -> MLPActorCritic {
        MLPActorCritic(observationSize: Self.chainLength, actionCount: 2, hidden: [32, 32], seed: seed)
    }

    func makeSampler(_ args: EpisodeSamplerArgs) throws -> ChainSampler {
        ChainSampler(chainLength: Self.chainLength, seed: args.seed, episodes: args.episodeCount)
    }

    func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs {
        .training(slot)
    }

    /// 20 test episodes, split evenly and disjointly across the processes.
    func testTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs? {
        try .evaluation(slot, episodes: 20, setSeed: 7)
    }
}
