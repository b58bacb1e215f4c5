import ArgumentParser
import ExptrainEngine
import ExptrainExperiment
import ExptrainExport
import ExptrainMPI
import Foundation

/// `exptrain export <tag> --checkpoint FILE --onnx OUT.onnx`: a checkpoint's policy as an
/// ONNX model (SPEC §14), with its observation normalisation and recurrent state.
struct ExportCommand: RunnableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's policy as an ONNX model (observation → distribution parameters, value).",
        discussion: """
            Inputs: observation [N, F] float32 (raw; the run's normalisation is in the graph; the Float32 parts, \
            then a pixel model's UInt8 parts with each byte as a float 0…255), and for \
            recurrent models hidden [N, H] and mask [N] (0 resets the state). Outputs: logits (unnormalised) \
            for discrete actions, or mean and log_std for a Box; value [N]; hidden_out [N, H] for recurrent models.
            """
    )

    @Argument(help: "The experiment's tag (see --list).")
    var tag: String

    @Option(name: .long, help: "The checkpoint whose policy to write (.safetensors).")
    var checkpoint: String

    @Option(name: .long, help: "The ONNX file to write.")
    var onnx: String

    @Option(name: .long, parsing: .singleValue, help: "Override an experiment setting, key=value (repeatable), as the run had it.")
    var config: [String] = []

    func execute(registry: ExperimentRegistry) throws {
        let experiment = try registry.experiment(tag: tag)
        let context = RunContext(world: try Communicator.world(), version: Exptrain.version)
        let policy = try Engine.restoredPolicy(experiment, checkpoint: checkpoint, configOverrides: config, context: context)
        let model = try PolicyExporter.onnxModel(
            of: policy.model, observationNormalizer: policy.observationNormalizer, producerVersion: Exptrain.version,
            metadata: [("exptrain.tag", policy.tag), ("exptrain.total_steps", String(policy.totalSteps))])
        do {
            try Data(model.serialized()).write(to: URL(fileURLWithPath: onnx), options: .atomic)
        } catch {
            throw ExptrainError(.failure, "cannot write \(onnx); check the folder exists and is writable")
        }
        let graph = model.graph
        print("wrote \(onnx): inputs \(graph.inputs.map(\.name).joined(separator: ", ")); outputs \(graph.outputs.map(\.name).joined(separator: ", "))")
    }
}
