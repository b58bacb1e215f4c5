import ArgumentParser
import ExptrainEngine
import ExptrainExperiment
import ExptrainMPI

/// `exptrain rollout <tag> --seed S --episodes N --out FILE.jsonl [--checkpoint F]`.
struct RolloutCommand: RunnableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Play episodes of an experiment's training tasks and write every step as JSON lines."
    )

    @Argument(help: "The experiment's tag (see --list).")
    var tag: String

    @Option(name: .long, help: "Seed of the sampler and of the actions.")
    var seed: UInt64

    @Option(name: .long, help: "Number of episodes to play.")
    var episodes: Int

    @Option(name: .long, help: "The JSON lines file to write.")
    var out: String

    @Option(name: .long, help: "Act with this checkpoint's policy instead of uniformly random actions.")
    var checkpoint: String?

    @Option(name: .long, parsing: .singleValue, help: "Override an experiment setting, key=value (repeatable).")
    var config: [String] = []

    func execute(registry: ExperimentRegistry) throws {
        let experiment = try registry.experiment(tag: tag)
        let context = RunContext(world: try Communicator.world(), version: Exptrain.version)
        _ = try Engine.recordEpisodes(
            experiment, seed: seed, episodes: episodes, output: out, checkpoint: checkpoint, configOverrides: config,
            context: context)
    }
}
