import ExptrainExperiment
import ExptrainMetricsLog

/// How the user asked to run an experiment: the command line's flags as a plain value.
///
/// ```swift
/// var options = RunOptions(mode: .train)
/// options.seed = 1
/// options.maxSteps = 20_000
/// ```
public struct RunOptions: Sendable {
    /// Train, or evaluate checkpoints on the validation or test set.
    public var mode: RunMode
    /// The folder under which `<tag>/<start time>/` is made.
    public var outputDirectory: String
    /// `--seed`: makes the run repeatable; without it rank 0 draws from the operating system.
    public var seed: UInt64?
    /// `--checkpoint`: a checkpoint file to start from (train) or to evaluate (valid/test);
    /// for valid/test it may be a run folder, meaning every checkpoint in it.
    public var checkpoint: String?
    /// `--resume`: continue the latest run of this tag in `outputDirectory`.
    public var resume: Bool
    /// `--config key=value` pairs for the experiment's `init(overrides:)`.
    public var configOverrides: [String]
    /// `--max-steps`: stop training after this many global steps, whatever the pipeline says.
    public var maxSteps: Int?
    /// `--deterministic`: nothing timing-dependent changes the numbers (straggler
    /// preemption is off), so the same seed and world size give bit-identical checkpoints;
    /// also passed to the sampler args (AllenAct's `deterministic_cudnn`).
    public var deterministic: Bool
    /// `--quiet`: no progress line.
    public var quiet: Bool
    /// `--progress`: the updating line on a terminal, or one plain line per log point.
    public var progress: ProgressMode
    /// `--straggler-fraction`: overrides the experiment's straggler preemption threshold.
    public var stragglerFraction: Double?
    /// `--keep-checkpoints`: how many of the run's newest checkpoints stay after each save;
    /// `nil` keeps every one (what `--mode test` over a run folder evaluates).
    public var keepCheckpoints: Int?
    /// `--collective-timeout`: seconds a rank waits for the others in any one collective
    /// (start-up broadcasts, the end of a rollout, every gradient all-reduce, metric
    /// reductions, checkpoint gathers, evaluation) before it ends the job naming the ranks
    /// that did not arrive; 0 waits forever.
    public var collectiveTimeout: Double
    /// `--env-timeout`: seconds a rank waits for an environment process (a Gymnasium
    /// worker) to answer before it ends the job; 0 waits forever.
    public var environmentTimeout: Double
    /// `--max-skipped-updates`: minibatch steps with a non-finite loss, gradient norm or
    /// parameters that may be skipped in a row before the run stops as diverged.
    public var maxSkippedUpdates: Int

    public init(
        mode: RunMode = .train, outputDirectory: String = "runs", seed: UInt64? = nil, checkpoint: String? = nil,
        resume: Bool = false, configOverrides: [String] = [], maxSteps: Int? = nil, deterministic: Bool = false,
        quiet: Bool = false, progress: ProgressMode = .auto, stragglerFraction: Double? = nil,
        collectiveTimeout: Double = 300, keepCheckpoints: Int? = nil, environmentTimeout: Double = 60,
        maxSkippedUpdates: Int = 10
    ) {
        self.mode = mode
        self.outputDirectory = outputDirectory
        self.seed = seed
        self.checkpoint = checkpoint
        self.resume = resume
        self.configOverrides = configOverrides
        self.maxSteps = maxSteps
        self.deterministic = deterministic
        self.quiet = quiet
        self.progress = progress
        self.stragglerFraction = stragglerFraction
        self.collectiveTimeout = collectiveTimeout
        self.keepCheckpoints = keepCheckpoints
        self.environmentTimeout = environmentTimeout
        self.maxSkippedUpdates = maxSkippedUpdates
    }
}
