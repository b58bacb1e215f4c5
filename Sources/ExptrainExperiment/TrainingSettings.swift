import ExptrainNN

/// The settings of an update, any of which a pipeline stage may override
/// (AllenAct's `TrainingSettings`). A `nil` field falls back to the pipeline's value.
///
/// Steps are environment steps summed over all processes and environments.
public struct TrainingSettings: Sendable {
    /// Minibatches per update epoch; each takes whole environments' sequences.
    public var numMiniBatch: Int?
    /// Epochs over each rollout (PPO's "update epochs").
    public var updateRepeats: Int?
    /// Global gradient norm above which gradients are scaled down (after the all-reduce).
    public var maxGradNorm: Float?
    /// Rollout length per environment between updates.
    public var numSteps: Int?
    /// Discount factor γ.
    public var gamma: Float?
    /// Use generalised advantage estimation (else n-step returns).
    public var useGAE: Bool?
    /// GAE's λ.
    public var gaeLambda: Float?
    /// Rollouts after which each environment moves on to a new task even if its
    /// episode is not over; `nil` never forces that.
    public var advanceSceneRolloutPeriod: Int?
    /// Global steps between checkpoints; 0 saves only at the end.
    public var saveInterval: Int?
    /// Global steps between log points (`metrics.jsonl`, TensorBoard, progress).
    public var metricAccumulateInterval: Int?
    /// Learning rate at step 0.
    public var learningRate: Float?
    /// How the learning rate changes with global steps.
    public var learningRateDecay: (any LearningRateSchedule)?
    /// The optimiser.
    public var optimizer: (any OptimizerConfiguration)?
    /// DD-PPO straggler preemption: once this share of the processes have finished
    /// their rollout, the others stop theirs early (after at least a quarter of
    /// `numSteps`). 1 turns it off; `nil` means the engine's default, 0.6. Read from
    /// the pipeline's settings (one value for the whole run).
    public var stragglerFraction: Double?

    public init(
        numMiniBatch: Int? = nil, updateRepeats: Int? = nil, maxGradNorm: Float? = nil, numSteps: Int? = nil,
        gamma: Float? = nil, useGAE: Bool? = nil, gaeLambda: Float? = nil, advanceSceneRolloutPeriod: Int? = nil,
        saveInterval: Int? = nil, metricAccumulateInterval: Int? = nil, learningRate: Float? = nil,
        learningRateDecay: (any LearningRateSchedule)? = nil, optimizer: (any OptimizerConfiguration)? = nil, stragglerFraction: Double? = nil
    ) {
        self.numMiniBatch = numMiniBatch
        self.updateRepeats = updateRepeats
        self.maxGradNorm = maxGradNorm
        self.numSteps = numSteps
        self.gamma = gamma
        self.useGAE = useGAE
        self.gaeLambda = gaeLambda
        self.advanceSceneRolloutPeriod = advanceSceneRolloutPeriod
        self.saveInterval = saveInterval
        self.metricAccumulateInterval = metricAccumulateInterval
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.optimizer = optimizer
        self.stragglerFraction = stragglerFraction
    }

    /// These settings with every field that `overrides` sets replaced.
    public func overridden(by overrides: TrainingSettings) -> TrainingSettings {
        TrainingSettings(
            numMiniBatch: overrides.numMiniBatch ?? numMiniBatch,
            updateRepeats: overrides.updateRepeats ?? updateRepeats,
            maxGradNorm: overrides.maxGradNorm ?? maxGradNorm,
            numSteps: overrides.numSteps ?? numSteps,
            gamma: overrides.gamma ?? gamma,
            useGAE: overrides.useGAE ?? useGAE,
            gaeLambda: overrides.gaeLambda ?? gaeLambda,
            advanceSceneRolloutPeriod: overrides.advanceSceneRolloutPeriod ?? advanceSceneRolloutPeriod,
            saveInterval: overrides.saveInterval ?? saveInterval,
            metricAccumulateInterval: overrides.metricAccumulateInterval ?? metricAccumulateInterval,
            learningRate: overrides.learningRate ?? learningRate,
            learningRateDecay: overrides.learningRateDecay ?? learningRateDecay,
            optimizer: overrides.optimizer ?? optimizer,
            stragglerFraction: overrides.stragglerFraction ?? stragglerFraction)
    }
}

/// Training settings with every value decided: what one stage of a run uses.
public struct ResolvedTrainingSettings: Sendable {
    public var numMiniBatch: Int
    public var updateRepeats: Int
    public var maxGradNorm: Float
    public var numSteps: Int
    public var gamma: Float
    public var useGAE: Bool
    public var gaeLambda: Float
    public var advanceSceneRolloutPeriod: Int?
    public var saveInterval: Int
    public var metricAccumulateInterval: Int
    public var learningRate: Float
    public var learningRateDecay: any LearningRateSchedule
    public var optimizer: any OptimizerConfiguration

    /// Resolves `settings`, naming the first missing field in the error.
    init(_ settings: TrainingSettings, context: String) throws {
        func required<T>(_ value: T?, _ name: String) throws -> T {
            guard let value else {
                throw ExperimentError("\(context): training setting '\(name)' is not set in the stage or the pipeline; set it in TrainingPipeline(settings:)")
            }
            return value
        }
        numMiniBatch = try required(settings.numMiniBatch, "numMiniBatch")
        updateRepeats = try required(settings.updateRepeats, "updateRepeats")
        maxGradNorm = try required(settings.maxGradNorm, "maxGradNorm")
        numSteps = try required(settings.numSteps, "numSteps")
        gamma = try required(settings.gamma, "gamma")
        useGAE = try required(settings.useGAE, "useGAE")
        gaeLambda = try required(settings.gaeLambda, "gaeLambda")
        advanceSceneRolloutPeriod = settings.advanceSceneRolloutPeriod
        saveInterval = try required(settings.saveInterval, "saveInterval")
        metricAccumulateInterval = try required(settings.metricAccumulateInterval, "metricAccumulateInterval")
        learningRate = try required(settings.learningRate, "learningRate")
        learningRateDecay = try required(settings.learningRateDecay, "learningRateDecay")
        optimizer = try required(settings.optimizer, "optimizer")
    }

    /// Rejects values no run could use. A recurrent model's minibatch takes whole
    /// environments, so `environmentsPerProcess` bounds its minibatch count; a feed-forward
    /// model's takes single steps, bounded by the steps of a rollout.
    func validate(environmentsPerProcess: Int, recurrent: Bool, context: String) throws {
        func fail(_ message: String) -> ExperimentError { ExperimentError("\(context): \(message)") }
        guard numMiniBatch >= 1 else { throw fail("numMiniBatch must be at least 1, got \(numMiniBatch)") }
        if recurrent {
            guard numMiniBatch <= environmentsPerProcess else {
                throw fail("numMiniBatch \(numMiniBatch) exceeds environmentsPerProcess \(environmentsPerProcess): a recurrent model's minibatch takes whole environments; use at most \(environmentsPerProcess) minibatches or more environments")
            }
        } else {
            guard numMiniBatch <= environmentsPerProcess * numSteps else {
                throw fail("numMiniBatch \(numMiniBatch) exceeds the \(environmentsPerProcess * numSteps) steps of a rollout (environmentsPerProcess × numSteps); use fewer minibatches")
            }
        }
        guard updateRepeats >= 1 else { throw fail("updateRepeats must be at least 1, got \(updateRepeats)") }
        guard maxGradNorm > 0 else { throw fail("maxGradNorm must be positive, got \(maxGradNorm)") }
        guard numSteps >= 1 else { throw fail("numSteps must be at least 1, got \(numSteps)") }
        guard (0...1).contains(gamma) else { throw fail("gamma must be in [0, 1], got \(gamma)") }
        guard (0...1).contains(gaeLambda) else { throw fail("gaeLambda must be in [0, 1], got \(gaeLambda)") }
        if let period = advanceSceneRolloutPeriod, period < 1 {
            throw fail("advanceSceneRolloutPeriod must be at least 1 when set, got \(period)")
        }
        guard saveInterval >= 0 else { throw fail("saveInterval must be 0 (save at the end only) or positive, got \(saveInterval)") }
        guard metricAccumulateInterval >= 1 else {
            throw fail("metricAccumulateInterval must be at least 1, got \(metricAccumulateInterval)")
        }
        guard learningRate > 0, learningRate.isFinite else { throw fail("learningRate must be positive, got \(learningRate)") }
        if let problem = learningRateDecay.problem { throw fail(problem) }
        if let problem = optimizer.problem { throw fail(problem) }
    }
}
