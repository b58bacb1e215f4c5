import ArgumentParser

/// `exptrain [<tag>] [--list]`: runs an experiment, or lists the registered ones.
struct TrainCommand: RunnableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train (or list) experiments; the default command."
    )

    @Flag(name: .long, help: "List the registered experiments and exit.")
    var list = false

    @Argument(help: "The experiment's tag (see --list).")
    var tag: String?

    func execute() throws {
        let experiments: [(tag: String, summary: String)] = []
        if list {
            for experiment in experiments {
                print("\(experiment.tag)\t\(experiment.summary)")
            }
            return
        }
        guard let tag else {
            throw ExptrainError.usage("missing experiment tag; run 'exptrain --list' to see the choices")
        }
        let choices = experiments.isEmpty ? "none registered yet" : experiments.map(\.tag).joined(separator: ", ")
        throw ExptrainError.usage("unknown experiment tag '\(tag)'; choices: \(choices)")
    }
}
