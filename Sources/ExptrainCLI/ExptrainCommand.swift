import ArgumentParser

/// `exptrain`: the root command; its job is to list the subcommands and print the version.
struct ExptrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exptrain",
        abstract: "Distributed on-policy reinforcement learning with MPI.",
        discussion: """
            Run an experiment with 'mpirun -np N exptrain <tag>', or 'exptrain <tag>' on one process.
            """,
        version: Exptrain.version,
        subcommands: [TrainCommand.self, CheckMPICommand.self],
        defaultSubcommand: TrainCommand.self
    )
}
