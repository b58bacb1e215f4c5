import ArgumentParser

/// `exptrain`: the root command; its job is to list the subcommands and print the version.
///
/// `exptrain --help`, `-h` and `exptrain help` print this command's help: the forms of
/// every command with their common options.
struct ExptrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exptrain",
        abstract: "Distributed on-policy reinforcement learning with MPI.",
        // swift-argument-parser indents every line after the first by the width of "USAGE: ".
        usage: """
            exptrain <tag> [--mode train|valid|test] [--output-dir DIR] [--seed N]
                           [--checkpoint FILE | --resume] [--config key=value ...]
                           [--max-steps N] [--progress auto|line|plain]
                           [--keep-checkpoints N] [--deterministic] [--quiet]
                           [--straggler-fraction F] [--collective-timeout SECONDS]
                           [--env-timeout SECONDS]
                           [--max-skipped-updates N]
            exptrain --list
            exptrain rollout <tag> --seed S --episodes N --out FILE.jsonl [--checkpoint FILE]
            exptrain export <tag> --checkpoint FILE --onnx OUT.onnx
            exptrain check-mpi
            exptrain plot RUN_FOLDER... --out FILE.svg
            exptrain help [<tag> | <command>]
            """,
        discussion: """
            Run an experiment with 'mpirun -np N exptrain <tag>', or 'exptrain <tag>' on one process. \
            'exptrain <tag> --help' (or 'exptrain help <tag>') lists every run option and the \
            experiment's --config keys with their defaults; 'exptrain --list' lists the experiments.

            Exit codes: 0 done, 1 failure (also: a rank did not arrive within --collective-timeout, \
            or training diverged), 2 bad usage or experiment, 3 bad checkpoint, \
            75 preempted (SIGUSR1/SIGTERM; checkpoint written, rerun with --resume).
            """,
        version: Exptrain.version,
        subcommands: [TrainCommand.self, RolloutCommand.self, ExportCommand.self, CheckMPICommand.self, PlotCommand.self, HelpTopicCommand.self],
        defaultSubcommand: TrainCommand.self
    )
}
