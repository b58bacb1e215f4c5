import ExptrainExperiment
import ExptrainMPI

/// Runs experiments: the engine's entry point, called by the command line on every rank.
public enum Engine {
    /// Trains, validates or tests `experimentType` as `options` say, on this rank of `context.world`.
    ///
    /// Every rank calls this with the same arguments; they stay in lockstep through the
    /// run's collectives. A thrown error is this rank's: the caller must end the whole
    /// job (`Communicator.abort`), since the other ranks may be waiting for this one.
    ///
    /// Every collective the run waits in is bounded by `options.collectiveTimeout`: a rank
    /// that waits longer throws `CollectiveTimeoutError` naming the ranks that never came.
    public static func run(_ experimentType: any ExperimentConfig.Type, options: RunOptions, context: RunContext) throws -> RunOutcome {
        try runOpened(experimentType, options: options, context: context.boundingCollectives(by: options.collectiveTimeout))
    }

    private static func runOpened<Experiment: ExperimentConfig>(
        _: Experiment.Type, options: RunOptions, context: RunContext
    ) throws -> RunOutcome {
        let overrides = try ConfigOverrides(options.configOverrides)
        let experiment = try Experiment(overrides: overrides)
        try overrides.checkAllKeysKnown(experiment: Experiment.tag)
        switch options.mode {
        case .train:
            let trainer = try OnPolicyTrainer(experiment: experiment, settings: overrides.resolved, context: context, options: options)
            return .trained(try trainer.run())
        case .valid, .test:
            let evaluator = Evaluator(experiment: experiment, context: context, options: options)
            return .evaluated(try evaluator.evaluateCheckpoints(mode: options.mode))
        }
    }
}

/// What a run produced.
public enum RunOutcome: Sendable {
    case trained(TrainingSummary)
    case evaluated([EvaluationResult])
}
