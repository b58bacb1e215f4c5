import ExptrainExperiment
import ExptrainMPI
import ExptrainNN
import ExptrainOnPolicy

/// A checkpoint's policy outside training: the experiment's model with the checkpoint's
/// parameters, and its observation normaliser frozen at the saved statistic (`nil` when
/// the run did not normalise). What `exptrain rollout` acts with and `exptrain export` writes.
///
/// ```swift
/// let policy = try Engine.restoredPolicy(CartPolePPO.self, checkpoint: path, configOverrides: [], context: context)
/// policy.observationNormalizer?.normalize(row)
/// policy.model.act(observations: rows, masks: masks, hidden: hidden, environments: 1, …)
/// ```
public struct RestoredPolicy {
    public let model: any ActorCriticModel
    public let observationNormalizer: ObservationNormalizer?
    /// The experiment's tag, which the checkpoint was checked against.
    public let tag: String
    /// The global steps the checkpoint was saved at.
    public let totalSteps: Int
}

extension TrainerCheckpoint {
    /// `experiment`'s model (created from `seed`) with the parameters of the checkpoint at
    /// `path`, read on rank 0 and broadcast, and the checkpoint's frozen observation normaliser.
    static func restorePolicy<Experiment: ExperimentConfig>(
        _ experiment: Experiment, path: String, seed: UInt64, world: Communicator
    ) throws -> RestoredPolicy {
        let model = try experiment.createModel(seed: seed)
        let file = try readBroadcast(path, over: world)
        try restoreParameters(from: file, path: path, tag: Experiment.tag, into: model.parameters)
        return RestoredPolicy(
            model: model, observationNormalizer: try frozenObservationNormalizer(from: file, path: path, experiment: experiment), tag: Experiment.tag,
            totalSteps: Int(file.metadata["total_steps"] ?? "") ?? 0)
    }
}

extension Engine {
    /// The policy of `experimentType`'s checkpoint at `checkpoint`, with the experiment
    /// configured by `configOverrides` (`--config key=value`).
    public static func restoredPolicy(
        _ experimentType: any ExperimentConfig.Type, checkpoint: String, configOverrides: [String], context: RunContext
    ) throws -> RestoredPolicy {
        try restoredOpened(experimentType, checkpoint: checkpoint, configOverrides: configOverrides, context: context)
    }

    private static func restoredOpened<Experiment: ExperimentConfig>(
        _: Experiment.Type, checkpoint: String, configOverrides: [String], context: RunContext
    ) throws -> RestoredPolicy {
        let experiment: Experiment = try configured(configOverrides)
        return try TrainerCheckpoint.restorePolicy(experiment, path: checkpoint, seed: 0, world: context.world)
    }

    /// The experiment as `--config key=value` settings make it, every key checked.
    static func configured<Experiment: ExperimentConfig>(_ configOverrides: [String]) throws -> Experiment {
        let overrides = try ConfigOverrides(configOverrides)
        let experiment = try Experiment(overrides: overrides)
        try overrides.checkAllKeysKnown(experiment: Experiment.tag)
        return experiment
    }
}
