import ExptrainExperiment
import ExptrainExperiments
import ExptrainNN
import ExptrainTasks
import ExptrainTensor

/// A test experiment whose model has no ONNX form (it does not conform to
/// `ONNXExportable`), for the error `exptrain export` gives then: CartPole PPO with
/// CleanRL's agent behind a wrapper.
struct UnexportableProbe: ExperimentConfig {
    static let tag = "unexportable-probe"
    static let summary = "Test harness: CartPole PPO with a model that cannot be exported to ONNX"

    init(overrides: ConfigOverrides) throws {}

    func trainingPipeline() throws -> TrainingPipeline { MultiDiscreteProbe.pipeline() }

    func machineParams(mode: RunMode) throws -> MachineParams {
        try MachineParams(nprocesses: 1, gpuIDs: [], environmentsPerProcess: 2)
    }

    func createModel(seed: UInt64) throws -> WrappedModel {
        WrappedModel(MLPActorCritic(observationSize: 4, actionCount: 2, hidden: [8], seed: seed))
    }

    func makeSampler(_ args: EpisodeSamplerArgs) throws -> CartPoleTaskSampler {
        CartPoleTaskSampler(seed: args.seed, episodeCount: args.episodeCount)
    }

    func trainTaskSamplerArgs(_ slot: ProcessSlot) throws -> EpisodeSamplerArgs { .training(slot) }
}

/// Another model's numbers behind a type of its own (and the protocol's default `act`).
final class WrappedModel: ActorCriticModel {
    private let inner: MLPActorCritic

    init(_ inner: MLPActorCritic) {
        self.inner = inner
    }

    var parameters: ParameterStore { inner.parameters }
    var recurrentStateSize: Int { 0 }
    var distributionHead: any DistributionHead { inner.distributionHead }

    func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        inner.forward(observations: observations, masks: masks, hidden: hidden, steps: steps, environments: environments)
    }
}
