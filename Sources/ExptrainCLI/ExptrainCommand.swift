import ArgumentParser

/// `exptrain`: the root command; its job is to list the subcommands and print the version.
struct ExptrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exptrain",
        abstract: "Distributed on-policy reinforcement learning with MPI.",
        discussion: """
            Run an experiment with 'mpirun -np N exptrain <tag>', or 'exptrain <tag>' on one process.
            Exit codes: 0 done, 1 failure, 2 bad usage or experiment, 3 bad checkpoint,
            75 preempted (SIGUSR1/SIGTERM; checkpoint written, rerun with --resume).
            """,
        version: Exptrain.version,
        subcommands: [TrainCommand.self, RolloutCommand.self, CheckMPICommand.self],
        defaultSubcommand: TrainCommand.self
    )
}
