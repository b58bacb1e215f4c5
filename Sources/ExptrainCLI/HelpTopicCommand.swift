import ArgumentParser
import ExptrainExperiment

/// `exptrain help [<tag> | <command>]`: the help of the whole program, of one command,
/// or of one experiment (its run options and `--config` keys).
///
/// It replaces swift-argument-parser's own `help` subcommand, which knows commands but
/// not experiment tags.
struct HelpTopicCommand: RunnableCommand {
    static let configuration = CommandConfiguration(
        commandName: "help",
        abstract: "Show the help of exptrain, of a command, or of an experiment (its --config keys)."
    )

    @Argument(help: "An experiment's tag or a command's name; none for exptrain's own help.")
    var topic: [String] = []

    func execute(registry: ExperimentRegistry) throws {
        guard let first = topic.first else {
            print(ExptrainCommand.helpMessage())
            return
        }
        if registry.tags.contains(first) {
            print(try ExperimentHelp.text(tag: first, registry: registry))
            return
        }
        var command: any ParsableCommand.Type = ExptrainCommand.self
        for name in topic {
            guard let sub = command.configuration.subcommands.first(where: { $0.configuration.commandName == name }) else {
                throw ExptrainError.usage(
                    "no command or experiment '\(name)'; commands: \(ExptrainCommand.subcommandNames.joined(separator: ", ")); experiments: see 'exptrain --list'")
            }
            command = sub
        }
        print(ExptrainCommand.helpMessage(for: command))
    }
}

extension ExptrainCommand {
    /// The names of the subcommands, for messages.
    static var subcommandNames: [String] { configuration.subcommands.compactMap { $0.configuration.commandName } }
}
