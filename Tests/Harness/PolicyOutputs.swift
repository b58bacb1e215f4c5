import ExptrainEngine
import ExptrainExperiment
import ExptrainExport
import ExptrainMPI
import ExptrainNN
import Foundation

/// `exptrain-harness policy-outputs <tag> --checkpoint FILE --inputs FILE.json [--batch K] [--config key=value …]`:
/// what exptrain itself computes for a checkpoint's policy on given inputs, as JSON on
/// standard output — the reference `scripts/oracles/onnx_check.py` compares an exported
/// ONNX model with.
///
/// The inputs file holds `{"observation": [[…]], "hidden": [[…]], "mask": […]}` (`hidden`
/// and `mask` for recurrent models; masks default to 1, the state to 0), each observation
/// row laid out as the exported `observation` input: the Float32 parts, then the model's
/// `exportedByteCount` bytes as floats 0…255. The floats of each row are normalised by the
/// checkpoint's frozen statistic, the bytes become the rows' bytes, then the model's `act(…)` runs
/// over `K` rows at a time (all rows by default), as a rollout of `K` environments does.
/// The output holds `distribution_parameters` (the head's layout: logits, or mean then
/// log-std), `value` and, for recurrent models, `hidden_out`. `--config` (repeatable) sets
/// the experiment as the run had it, as `exptrain export --config` does.
enum PolicyOutputs {
    static let command = "policy-outputs"

    static func main(_ arguments: [String], experiments: [any ExperimentConfig.Type]) -> Never {
        do {
            print(try run(arguments, experiments: experiments))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("exptrain-harness: \(error)\n".utf8))
            exit((error as? any ReportedError)?.exitCode ?? ExitCode.failure)
        }
    }

    private static func run(_ arguments: [String], experiments: [any ExperimentConfig.Type]) throws -> String {
        guard let tag = arguments.first, let checkpoint = option("--checkpoint", arguments), let inputs = option("--inputs", arguments) else {
            throw ExperimentError("usage: exptrain-harness \(command) <tag> --checkpoint FILE --inputs FILE.json [--batch K] [--config key=value …]")
        }
        let experiment = try ExperimentRegistry(experiments).experiment(tag: tag)
        let context = RunContext(world: try Communicator.world(), version: "harness")
        let policy = try Engine.restoredPolicy(experiment, checkpoint: checkpoint, configOverrides: configOverrides(arguments), context: context)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: inputs))) as? [String: Any] ?? [:]
        func rows(_ key: String) -> [[Float]]? {
            (json[key] as? [[Double]]).map { $0.map { $0.map(Float.init) } }
        }
        guard var observations = rows("observation") else { throw ExperimentError("\(inputs) has no \"observation\" rows") }
        let count = observations.count
        let stateSize = policy.model.recurrentStateSize
        var hidden = Array((rows("hidden") ?? Array(repeating: [Float](repeating: 0, count: stateSize), count: count)).joined())
        let masks = (json["mask"] as? [Double]).map { $0.map(Float.init) } ?? [Float](repeating: 1, count: count)
        guard hidden.count == count * stateSize, masks.count == count else {
            throw ExperimentError("\(inputs): hidden must be [\(count), \(stateSize)] and mask [\(count)]")
        }
        let byteCount = (policy.model as? any ONNXExportable)?.exportedByteCount ?? 0
        let width = (observations.first?.count ?? 0) - byteCount
        guard width >= 0, observations.allSatisfy({ $0.count == width + byteCount }) else {
            throw ExperimentError("\(inputs): every observation row must have the same width, at least the model's \(byteCount) bytes")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * byteCount)
        for row in observations {
            for value in row[width...] {
                guard let byte = UInt8(exactly: value) else { throw ExperimentError("\(inputs): \(value) in a byte column is not a whole number 0…255") }
                bytes.append(byte)
            }
        }
        observations = observations.map { Array($0[..<width]) }
        if let normalizer = policy.observationNormalizer {
            for row in observations.indices { observations[row].withUnsafeMutableBufferPointer { normalizer.normalize($0) } }
        }
        let batch = option("--batch", arguments).flatMap { Int($0) } ?? count
        let floats = Array(observations.joined())
        let head = policy.model.distributionHead.parameterCount
        var parameters = [Float](repeating: 0, count: count * head)
        var values = [Float](repeating: 0, count: count)
        let workspace = InferenceWorkspace()
        for start in stride(from: 0, to: count, by: batch) {
            let n = min(batch, count - start)
            floats[(start * width)..<((start + n) * width)].withUnsafeBufferPointer { rows in
                bytes[(start * byteCount)..<((start + n) * byteCount)].withUnsafeBufferPointer { rowBytes in
                    masks[start..<(start + n)].withUnsafeBufferPointer { masks in
                        hidden[(start * stateSize)..<((start + n) * stateSize)].withUnsafeMutableBufferPointer { state in
                            parameters[(start * head)..<((start + n) * head)].withUnsafeMutableBufferPointer { parameters in
                                values[start..<(start + n)].withUnsafeMutableBufferPointer { values in
                                    policy.model.act(
                                        observations: ObservationRows(floats: rows, bytes: rowBytes, rows: n),
                                        masks: masks, hidden: state, environments: n, distributionParameters: parameters,
                                        values: values, workspace: workspace)
                                }
                            }
                        }
                    }
                }
            }
        }
        var fields = [
            "\"distribution_parameters\":\(matrix(parameters, columns: head))",
            "\"value\":\(list(values))",
        ]
        if stateSize > 0 { fields.append("\"hidden_out\":\(matrix(hidden, columns: stateSize))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The value after every `--config`.
    private static func configOverrides(_ arguments: [String]) -> [String] {
        arguments.indices.dropLast().filter { arguments[$0] == "--config" }.map { arguments[$0 + 1] }
    }

    private static func option(_ name: String, _ arguments: [String]) -> String? {
        arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }

    /// Floats printed as Swift prints them, the shortest text that reads back to the same float.
    private static func list(_ values: ArraySlice<Float>) -> String {
        "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
    }

    private static func list(_ values: [Float]) -> String { list(values[...]) }

    private static func matrix(_ values: [Float], columns: Int) -> String {
        "[" + stride(from: 0, to: values.count, by: max(columns, 1)).map { list(values[$0..<($0 + columns)]) }.joined(separator: ",") + "]"
    }
}
