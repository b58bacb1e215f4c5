/// What the engine reports to an early-stopping rule after each update.
public struct TrainingProgress: Sendable, Equatable {
    /// Environment steps of the whole run, summed over all processes.
    public var totalSteps: Int
    /// Environment steps of the current stage.
    public var stageSteps: Int
    /// Episodes finished in the current stage, over all processes.
    public var stageEpisodes: Int
    /// Mean return of the last 100 finished episodes over all processes, if any finished.
    public var episodeReturnMean100: Double?
    /// Success rate of the last 100 finished episodes, for tasks that report success.
    public var successMean100: Double?

    public init(
        totalSteps: Int, stageSteps: Int, stageEpisodes: Int, episodeReturnMean100: Double?, successMean100: Double?
    ) {
        self.totalSteps = totalSteps
        self.stageSteps = stageSteps
        self.stageEpisodes = stageEpisodes
        self.episodeReturnMean100 = episodeReturnMean100
        self.successMean100 = successMean100
    }
}

/// Ends a stage before its step budget when training is good enough
/// (AllenAct's `EarlyStoppingCriterion`). Every rank sees the same reduced
/// progress, so every rank stops at the same update.
public struct EarlyStoppingRule: Sendable, CustomStringConvertible {
    public let description: String
    private let shouldStop: @Sendable (TrainingProgress) -> Bool

    /// A rule that stops the stage when `shouldStop` returns true.
    public init(_ description: String, shouldStop: @escaping @Sendable (TrainingProgress) -> Bool) {
        self.description = description
        self.shouldStop = shouldStop
    }

    public func evaluate(_ progress: TrainingProgress) -> Bool { shouldStop(progress) }

    /// Stops once the 100-episode mean return reaches `threshold`.
    public static func episodeReturnMean100(atLeast threshold: Double) -> EarlyStoppingRule {
        EarlyStoppingRule("episode_return_mean100 >= \(threshold)") { ($0.episodeReturnMean100 ?? -.infinity) >= threshold }
    }

    /// Stops once the 100-episode success rate reaches `threshold`.
    public static func successMean100(atLeast threshold: Double) -> EarlyStoppingRule {
        EarlyStoppingRule("success_mean100 >= \(threshold)") { ($0.successMean100 ?? 0) >= threshold }
    }
}

/// The probability of acting with the expert's action instead of the policy's
/// (DAgger's β), as a function of the stage's steps.
public enum TeacherForcing: Sendable, Equatable, CustomStringConvertible {
    /// β falls linearly from `start` to `end` over `steps` stage steps, then stays at `end`
    /// (AllenAct's `LinearDecay`).
    case linearDecay(start: Double = 1, end: Double = 0, steps: Int)

    /// β after `stageSteps` steps of the stage.
    public func probability(atStageStep stageSteps: Int) -> Double {
        switch self {
        case let .linearDecay(start, end, steps):
            let fraction = min(1, Double(max(0, stageSteps)) / Double(max(1, steps)))
            return start + (end - start) * fraction
        }
    }

    public var description: String {
        switch self {
        case let .linearDecay(start, end, steps): "linearDecay(\(start) → \(end) over \(steps) steps)"
        }
    }
}

/// One stage of a pipeline: which losses to optimise, for how long, and with which
/// settings (AllenAct's `PipelineStage`).
///
/// ```swift
/// PipelineStage(lossNames: ["imitation"], maxStageSteps: 50_000,
///               teacherForcing: .linearDecay(steps: 50_000))
/// ```
public struct PipelineStage: Sendable {
    /// Names of losses in `TrainingPipeline.namedLosses`, summed with `lossWeights`.
    public var lossNames: [String]
    /// One weight per loss name; `nil` weighs every loss 1.
    public var lossWeights: [Float]?
    /// Global environment steps this stage runs for, unless stopped early.
    public var maxStageSteps: Int
    /// Ends the stage early when it says so.
    public var earlyStopping: EarlyStoppingRule?
    /// Acting with the expert's actions, with a decaying probability.
    public var teacherForcing: TeacherForcing?
    /// Settings that replace the pipeline's for this stage.
    public var settings: TrainingSettings

    public init(
        lossNames: [String], lossWeights: [Float]? = nil, maxStageSteps: Int,
        earlyStopping: EarlyStoppingRule? = nil, teacherForcing: TeacherForcing? = nil,
        settings: TrainingSettings = TrainingSettings()
    ) {
        self.lossNames = lossNames
        self.lossWeights = lossWeights
        self.maxStageSteps = maxStageSteps
        self.earlyStopping = earlyStopping
        self.teacherForcing = teacherForcing
        self.settings = settings
    }

    /// The weights actually used: `lossWeights`, or 1 for each loss.
    public var effectiveLossWeights: [Float] {
        lossWeights ?? [Float](repeating: 1, count: lossNames.count)
    }
}

/// The ordered stages of training and the settings they share (AllenAct's
/// `TrainingPipeline`).
///
/// ```swift
/// TrainingPipeline(
///     namedLosses: ["ppo": .ppo()],
///     stages: [PipelineStage(lossNames: ["ppo"], maxStageSteps: 500_000)],
///     settings: TrainingSettings(numMiniBatch: 4, updateRepeats: 4, maxGradNorm: 0.5, numSteps: 128, …))
/// ```
public struct TrainingPipeline: Sendable {
    /// The losses stages may use, by name.
    public var namedLosses: [String: any Loss]
    /// Stages, run in order.
    public var stages: [PipelineStage]
    /// Settings every stage uses unless it overrides them; must set every field but
    /// `advanceSceneRolloutPeriod`.
    public var settings: TrainingSettings
    /// The running normalisations of observations and rewards, for the whole run.
    public var normalization: Normalization

    public init(
        namedLosses: [String: any Loss], stages: [PipelineStage], settings: TrainingSettings, normalization: Normalization = .none
    ) {
        self.namedLosses = namedLosses
        self.stages = stages
        self.settings = settings
        self.normalization = normalization
    }

    /// Global environment steps of the whole pipeline (the sum of stage budgets).
    public var totalSteps: Int { stages.reduce(0) { $0 + $1.maxStageSteps } }

    /// The settings stage `index` runs with: its overrides on top of the pipeline's.
    public func resolvedSettings(forStage index: Int) throws -> ResolvedTrainingSettings {
        try ResolvedTrainingSettings(settings.overridden(by: stages[index].settings), context: "stage \(index)")
    }

    /// Checks every stage for settings no run could use, before anything starts.
    ///
    /// - Parameters:
    ///   - experiment: the tag, named in the error.
    ///   - environmentsPerProcess: from the training `MachineParams`.
    ///   - recurrent: whether the model is recurrent (its minibatches take whole environments).
    public func validate(experiment: String, environmentsPerProcess: Int, recurrent: Bool) throws {
        if let fraction = settings.stragglerFraction, !(fraction > 0 && fraction <= 1) {
            throw ExperimentError("\(experiment): stragglerFraction must be in (0, 1], got \(fraction); 1 turns straggler preemption off")
        }
        guard !stages.isEmpty else {
            throw ExperimentError("\(experiment): the training pipeline has no stages; add at least one PipelineStage")
        }
        for (index, stage) in stages.enumerated() {
            let context = "\(experiment): stage \(index)"
            guard stage.maxStageSteps >= 1 else {
                throw ExperimentError("\(context): maxStageSteps must be at least 1, got \(stage.maxStageSteps)")
            }
            guard !stage.lossNames.isEmpty else {
                throw ExperimentError("\(context): lossNames is empty; name at least one of \(namedLosses.keys.sorted())")
            }
            for name in stage.lossNames where namedLosses[name] == nil {
                throw ExperimentError("\(context): unknown loss '\(name)'; the pipeline's losses are \(namedLosses.keys.sorted())")
            }
            if let weights = stage.lossWeights, weights.count != stage.lossNames.count {
                throw ExperimentError("\(context): \(weights.count) loss weights for \(stage.lossNames.count) losses; give one weight per loss")
            }
            if case let .linearDecay(start, end, steps)? = stage.teacherForcing,
               !(0...1).contains(start) || !(0...1).contains(end) || steps < 1 {
                throw ExperimentError("\(context): teacher forcing needs probabilities in [0, 1] and at least 1 step, got \(stage.teacherForcing!)")
            }
            let resolved = try ResolvedTrainingSettings(settings.overridden(by: stage.settings), context: context)
            try resolved.validate(environmentsPerProcess: environmentsPerProcess, recurrent: recurrent, context: context)
        }
    }
}
