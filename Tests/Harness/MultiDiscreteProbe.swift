import ExptrainExperiment
import ExptrainExperiments
import ExptrainNN
import ExptrainTasks

/// A test experiment with a `MultiDiscrete([2, 3])` action space and normalised
/// observations: CartPole pushed by the first component, the second ignored. It gives the
/// ONNX export checks a multi-categorical MLP with a saved observation statistic.
struct MultiDiscreteProbe: ExperimentConfig {
    static let tag = "multidiscrete-probe"
    static let summary = "Test harness: PPO on CartPole with MultiDiscrete([2, 3]) actions and normalised observations"

    init(overrides: ConfigOverrides) throws {}

    func trainingPipeline() throws -> TrainingPipeline { Self.pipeline() }

    /// Small PPO updates with normalised observations (the export probes').
    static func pipeline() -> TrainingPipeline {
        TrainingPipeline(
            namedLosses: ["ppo": .ppo()],
            stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 1_000_000)],
            settings: TrainingSettings(
                numMiniBatch: 2, updateRepeats: 2, maxGradNorm: 0.5, numSteps: 64, gamma: 0.99, useGAE: true,
                gaeLambda: 0.95, saveInterval: 100_000, metricAccumulateInterval: 512, learningRate: 1e-3,
                learningRateDecay: .constant, optimizer: .adam(epsilon: 1e-5)),
            normalization: .observationsOnly)
    }

    func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: 1, gpuIDs: [], environmentsPerProcess: 4)
    }

    func createModel(seed: UInt64) throws -> MLPActorCritic {
        MLPActorCritic(observationSize: 4, actionSpace: .multiDiscrete(counts: [2, 3]), hidden: [32, 32], activation: .tanh, seed: seed)
    }

    func makeSampler(_ args: EpisodeSamplerArgs) throws -> WrappedCartPoleSampler<TwoComponentCartPole> {
        WrappedCartPoleSampler(CartPoleTaskSampler(seed: args.seed, episodeCount: args.episodeCount), wrap: TwoComponentCartPole.init)
    }

    func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs { .training(slot) }
}

/// CartPole acted on by the first of two action components.
final class TwoComponentCartPole: CartPoleWrapper {
    override var actionSpace: ActionSpace { .multiDiscrete(counts: [2, 3]) }

    override func step(action: Action) throws -> StepResult {
        guard case .multiDiscrete(let components) = action else {
            throw TaskError("TwoComponentCartPole takes MultiDiscrete([2, 3]), got \(action)", exitCode: ExitCode.usage)
        }
        return try task.step(action: .discrete(components[0]))
    }
}
