import ArgumentParser
import ExptrainEngine
import ExptrainExperiment
import ExptrainMetricsLog
import ExptrainMPI

/// `exptrain <tag> [options]`: trains, validates or tests an experiment; `--list` lists them.
struct TrainCommand: RunnableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train, validate or test an experiment (the default command), or list the experiments.",
        usage: """
            exptrain [train] <tag> [<options>]
            exptrain --list
            """,
        // Its own --help, so that `exptrain <tag> --help` can add the experiment's --config keys.
        helpNames: []
    )

    @Flag(name: [.short, .long], help: "Show the run options and, after a tag, that experiment's --config keys with their defaults.")
    var help = false

    @Flag(name: .long, help: "List the registered experiments and exit.")
    var list = false

    @Argument(help: "The experiment's tag (see --list).")
    var tag: String?

    @Option(name: .long, help: "train, valid or test.")
    var mode: String = "train"

    @Option(name: .long, help: "Folder for <tag>/<start time>/ run folders.")
    var outputDir: String = "runs"

    @Option(name: .long, help: "Seed for the whole run; rank 0 derives one seed per process from it.")
    var seed: UInt64?

    @Option(name: .long, help: "Checkpoint to start from (train), or checkpoint file or run folder to evaluate (valid/test).")
    var checkpoint: String?

    @Flag(name: .long, help: "Continue the latest run of this tag in --output-dir (starts a new run if there is none).")
    var resume = false

    @Option(name: .long, parsing: .singleValue, help: "Override an experiment setting, key=value (repeatable).")
    var config: [String] = []

    @Option(name: .long, help: "Stop training after this many global environment steps.")
    var maxSteps: Int?

    @Flag(name: .long, help: "Bit-identical checkpoints for the same --seed and world size: turns straggler preemption off (and asks the sampler args for deterministic kernels).")
    var deterministic = false

    @Flag(name: .long, help: "No progress line.")
    var quiet = false

    @Option(name: .long, help: """
        Progress on standard output: 'line' rewrites one line in place, 'plain' prints one line per log point \
        (for batch logs), 'auto' rewrites only when a person watches a terminal (not under an mpirun whose \
        output goes to a file).
        """)
    var progress: ProgressMode = .auto

    @Option(name: .long, help: "After each checkpoint, delete the run's older ones so that the newest N remain (default: keep all).")
    var keepCheckpoints: Int?

    @Option(name: .long, help: "DD-PPO straggler preemption: once this share of ranks finished their rollout, the others stop early (1 = off).")
    var stragglerFraction: Double?

    @Option(name: .long, help: "Seconds any collective (start-up, end of rollout, gradient all-reduce, metrics, checkpoint, evaluation) waits for every rank before ending the job and naming the late ranks (0 = wait forever).")
    var collectiveTimeout: Double = 300

    @Option(name: .long, help: "Seconds to wait for an environment process (a Gymnasium worker) to answer before ending the job (0 = wait forever).")
    var envTimeout: Double = 60
    @Option(name: .long, help: "Stop as diverged after this many minibatch steps in a row were skipped for a non-finite loss, gradient norm or parameters.")
    var maxSkippedUpdates: Int = 10

    func execute(registry: ExperimentRegistry) throws {
        if help {
            print(try ExperimentHelp.text(tag: tag, registry: registry))
            return
        }
        if list {
            for experiment in registry.experiments {
                print("\(experiment.tag)\t\(experiment.summary)")
            }
            return
        }
        guard let tag else {
            throw ExptrainError.usage("missing experiment tag; run 'exptrain --list' to see the choices")
        }
        let experiment = try registry.experiment(tag: tag)
        guard let runMode = RunMode(rawValue: mode) else {
            throw ExptrainError.usage("--mode \(mode) is not one of train, valid, test")
        }
        if checkpoint != nil && resume {
            throw ExptrainError.usage("--checkpoint and --resume exclude each other; pass one")
        }
        if let stragglerFraction, !(stragglerFraction > 0 && stragglerFraction <= 1) {
            throw ExptrainError.usage("--straggler-fraction must be in (0, 1], got \(stragglerFraction); 1 turns it off")
        }
        if deterministic, let stragglerFraction, stragglerFraction < 1 {
            throw ExptrainError.usage("--deterministic turns straggler preemption off (it cuts rollouts by timing); drop --straggler-fraction \(stragglerFraction)")
        }
        if collectiveTimeout < 0 || !collectiveTimeout.isFinite {
            throw ExptrainError.usage("--collective-timeout must be 0 (wait forever) or a positive number of seconds, got \(collectiveTimeout)")
        }
        if envTimeout < 0 || !envTimeout.isFinite {
            throw ExptrainError.usage("--env-timeout must be 0 (wait forever) or a positive number of seconds, got \(envTimeout)")
        }
        if let keepCheckpoints, keepCheckpoints < 1 {
            throw ExptrainError.usage("--keep-checkpoints must be at least 1 (the newest checkpoint always stays), got \(keepCheckpoints)")
        }
        if maxSkippedUpdates < 1 {
            throw ExptrainError.usage("--max-skipped-updates must be at least 1, got \(maxSkippedUpdates)")
        }
        if let maxSteps, maxSteps < 1 {
            throw ExptrainError.usage("--max-steps must be at least 1, got \(maxSteps)")
        }
        let options = RunOptions(
            mode: runMode, outputDirectory: outputDir, seed: seed, checkpoint: checkpoint, resume: resume,
            configOverrides: config, maxSteps: maxSteps, deterministic: deterministic, quiet: quiet,
            progress: progress, stragglerFraction: stragglerFraction, collectiveTimeout: collectiveTimeout,
            keepCheckpoints: keepCheckpoints, environmentTimeout: envTimeout, maxSkippedUpdates: maxSkippedUpdates)
        let context = RunContext(world: try Communicator.world(), version: Exptrain.version)
        let outcome = try Engine.run(experiment, options: options, context: context)
        if case .trained(let summary) = outcome, context.world.rank == 0 {
            print(summaryLine(summary))
        }
    }

    private func summaryLine(_ summary: TrainingSummary) -> String {
        let rate = Double(summary.totalSteps) / max(summary.seconds, 1e-9)
        var parts = ["done: \(summary.totalSteps) steps in \(format(summary.seconds)) s (\(Int(rate)) steps/s)"]
        if let value = summary.episodeReturnMean100 { parts.append("episode_return_mean100 \(format(value))") }
        if let value = summary.successMean100 { parts.append("success_mean100 \(format(value))") }
        if let checkpoint = summary.lastCheckpoint { parts.append("checkpoint \(checkpoint)") }
        return parts.joined(separator: ", ")
    }

    private func format(_ value: Double) -> String {
        String(Double((value * 100).rounded()) / 100)
    }
}

extension ProgressMode: ExpressibleByArgument {}
