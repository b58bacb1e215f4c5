import ExptrainEnvironment
import ExptrainExport
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import Foundation
import XCTest

/// `CNNActorCritic`'s export. onnxruntime, the outside oracle (`scripts/oracles/onnx_check.py
/// --reference`, in the venv `scripts/test.sh` makes and names in `EXPTRAIN_ONNX_PYTHON`),
/// runs the graph of models made here — MinAtar's network and the Nature-CNN, channels last
/// and first, with and without vector parts, feed-forward and with a GRU, every head — on
/// random bytes, vectors, states and masks, and every output must be within 1e-5 of the
/// model's own `act(…)` on the same rows. The graph's layout (OIHW weights, the input's
/// floats then bytes, normalisation of the floats only) is checked without Python.
final class CNNActorCriticExportTests: XCTestCase {
    private static let image = "image"

    func testMinAtarChannelsLastMatchesInOnnxruntime() throws {
        let space = ObservationSpace.box(Box(shape: [10, 10, 4], low: 0, high: 1, elementType: .uint8))
        let model = try CNNActorCritic(observationSpace: space, actionSpace: .discrete(count: 6), architecture: .minAtar, seed: 1)
        try checkInOnnxruntime(model, rows: 64, outputs: ["logits", "value"])
    }

    func testMinAtarChannelsFirstWithAVectorAGRUAndNormalisationMatchesInOnnxruntime() throws {
        let space = ObservationSpace.dictionary([
            ObservationPart("goal", Box(shape: [3], low: -1, high: 1)),
            ObservationPart(Self.image, Box(shape: [4, 10, 10], low: 0, high: 1, elementType: .uint8)),
        ])
        let model = try CNNActorCritic(
            observationSpace: space, imageLayout: .channelsFirst, actionSpace: .discrete(count: 5), architecture: .minAtar,
            recurrentSize: 16, seed: 2)
        let statistic = RunningMeanStd(mean: [0.5, -0.25, 2], variance: [0.2, 4, 0.01], count: 500)
        try checkInOnnxruntime(model, rows: 64, outputs: ["logits", "value", "hidden_out"],
                               normalizer: ObservationNormalizer(statistic: statistic, frozen: true))
    }

    func testMultiDiscreteWithAnotherBytePartBeforeTheImageMatchesInOnnxruntime() throws {
        // The image's bytes start after the 3 of `flags`, its columns after the 2 floats and those 3 bytes.
        let space = ObservationSpace.dictionary([
            ObservationPart("flags", Box(shape: [3], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("position", Box(shape: [2], low: -1, high: 1)),
            ObservationPart(Self.image, Box(shape: [10, 10, 4], low: 0, high: 1, elementType: .uint8)),
        ])
        let model = try CNNActorCritic(
            observationSpace: space, imagePart: Self.image, actionSpace: .multiDiscrete(counts: [3, 2]), architecture: .minAtar, seed: 3)
        try checkInOnnxruntime(model, rows: 32, outputs: ["logits", "value"])
    }

    func testGaussianWithStridePaddingAndANonSquareImageMatchesInOnnxruntime() throws {
        let architecture = ConvolutionalArchitecture(
            convolutions: [.init(outputChannels: 6, kernelSize: 3, stride: 2, padding: 1), .init(outputChannels: 4, kernelSize: 2)],
            outputSize: 24)
        let space = ObservationSpace.box(Box(shape: [9, 7, 3], low: 0, high: 255, elementType: .uint8))
        let model = try CNNActorCritic(
            observationSpace: space, actionSpace: .box(Box(shape: [2], low: -1, high: 1)), architecture: architecture,
            recurrentSize: 8, seed: 4)
        try checkInOnnxruntime(model, rows: 32, outputs: ["mean", "log_std", "value", "hidden_out"])
    }

    func testNatureCNNChannelsFirstMatchesInOnnxruntime() throws {
        let space = ObservationSpace.box(Box(shape: [4, 84, 84], low: 0, high: 255, elementType: .uint8))
        let model = try CNNActorCritic(
            observationSpace: space, imageLayout: .channelsFirst, actionSpace: .discrete(count: 6), architecture: .natureCNN, seed: 5)
        try checkInOnnxruntime(model, rows: 4, outputs: ["logits", "value"])
    }

    func testNatureCNNChannelsLastWithAVectorAndAGRUMatchesInOnnxruntime() throws {
        let space = ObservationSpace.dictionary([
            ObservationPart(Self.image, Box(shape: [84, 84, 3], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
        ])
        let model = try CNNActorCritic(
            observationSpace: space, actionSpace: .discrete(count: 4), architecture: .natureCNN, recurrentSize: 32, seed: 6)
        try checkInOnnxruntime(model, rows: 3, outputs: ["logits", "value", "hidden_out"])
    }

    func testConvolutionWeightsAreWrittenOutputInputHeightWidth() throws {
        let space = ObservationSpace.box(Box(shape: [6, 5, 2], low: 0, high: 255, elementType: .uint8))
        let architecture = ConvolutionalArchitecture(convolutions: [.init(outputChannels: 3, kernelSize: 2)], outputSize: 4)
        let model = try CNNActorCritic(observationSpace: space, actionSpace: .discrete(count: 2), architecture: architecture, seed: 7)
        let graph = try PolicyExporter.onnxModel(of: model, observationNormalizer: nil).graph
        let weight = try XCTUnwrap(graph.initializers.first { $0.name == "network.0.weight" })
        XCTAssertEqual(weight.shape, [3, 2, 2, 2])
        let ours = model.encoder.convolutions[0].weight.tensor.scalars     // [O, kh, kw, C]
        let written = floats(weight)                                        // [O, C, kh, kw]
        for o in 0..<3 { for u in 0..<2 { for v in 0..<2 { for c in 0..<2 {
            XCTAssertEqual(written[((o * 2 + c) * 2 + u) * 2 + v], ours[((o * 2 + u) * 2 + v) * 2 + c], "W[\(o), \(u), \(v), \(c)]")
        } } } }
        XCTAssertEqual(graph.nodes.filter { $0.operatorType == "Conv" }.count, 1)
        // Channel-last images go channel first before the convolution, and back before the flatten.
        XCTAssertEqual(graph.nodes.filter { $0.operatorType == "Transpose" }.map { $0.attributes.first?.name }, ["perm", "perm"])
        // The encoder's Linear is written as the checkpoint holds it: the flatten has its (y, x, channel) order.
        XCTAssertEqual(floats(try XCTUnwrap(graph.initializers.first { $0.name == "network.3.weight" })), model.encoder.linear.weight.tensor.scalars)
    }

    func testTheInputIsTheFloatsThenTheBytesAndOnlyTheFloatsAreNormalised() throws {
        let space = ObservationSpace.dictionary([
            ObservationPart(Self.image, Box(shape: [5, 5, 1], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("position", Box(shape: [2], low: -1, high: 1)),
        ])
        let model = try CNNActorCritic(observationSpace: space, actionSpace: .discrete(count: 4),
                                       architecture: ConvolutionalArchitecture(convolutions: [.init(outputChannels: 2, kernelSize: 3)], outputSize: 8), seed: 8)
        let normalizer = ObservationNormalizer(statistic: RunningMeanStd(mean: [1, 2], variance: [3, 4], count: 10), frozen: true)
        let onnx = try PolicyExporter.onnxModel(of: model, observationNormalizer: normalizer)
        XCTAssertEqual(onnx.graph.inputs.map(\.shape), [[.named("N"), .fixed(27)]])
        XCTAssertTrue(onnx.metadata.contains { $0 == ("exptrain.observation_byte_columns", "25") })
        XCTAssertEqual(Array(onnx.graph.nodes.prefix(5).map(\.operatorType)), ["Slice", "Sub", "Mul", "Clip", "Slice"])
        XCTAssertEqual(onnx.graph.nodes[5].operatorType, "Concat")
        XCTAssertEqual(try XCTUnwrap(onnx.graph.initializers.first { $0.name == "normalization.observation.shift" }).shape, [2])

        let wrong = ObservationNormalizer(statistic: RunningMeanStd(dimensions: 27), frozen: true)
        XCTAssertThrowsError(try PolicyExporter.onnxModel(of: model, observationNormalizer: wrong)) { error in
            XCTAssertEqual((error as? ExportError)?.description, "the checkpoint's observation statistic has 27 dimensions, the model reads 2 floats")
        }
    }

    // MARK: Helpers

    /// Perturbs `model`'s parameters (so biases, `actor_logstd` and the small actor matter),
    /// draws `rows` observations (bytes up to the image's high, vectors normal × 2 with some
    /// × 100 for the clip), states and masks, runs `act(…)` over all rows, exports, and has
    /// onnxruntime compare.
    private func checkInOnnxruntime(
        _ model: CNNActorCritic, rows: Int, outputs: [String], normalizer: ObservationNormalizer? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let python = try onnxPython()
        var generator = RandomGenerator(seed: 99)
        model.parameters.withValues { values in
            for index in values.indices { values[index] += 0.02 * generator.nextNormal() }
        }
        let space = model.observationSpace
        let floatCount = space.floatCount
        let stateSize = model.recurrentStateSize
        var observations: [[Float]] = []
        for row in 0..<rows {
            var floats = (0..<floatCount).map { _ in 2 * generator.nextNormal() * (row % 10 == 9 ? 100 : 1) }
            for part in space.parts where part.box.elementType == .uint8 {
                let high = Int(part.box.high.max() ?? 255)
                floats += (0..<part.box.size).map { _ in Float(generator.nextInt(below: high + 1)) }
            }
            observations.append(floats)
        }
        let hiddenIn = (0..<(rows * stateSize)).map { _ in 0.5 * generator.nextNormal() }
        let masks = (0..<rows).map { _ in generator.nextUniform() < 0.3 ? Float(0) : 1 }

        var normalised = observations.map { Array($0[..<floatCount]) }
        if let normalizer {
            for row in normalised.indices { normalised[row].withUnsafeMutableBufferPointer { normalizer.normalize($0) } }
        }
        let floats = Array(normalised.joined())
        let bytes = observations.flatMap { $0[floatCount...].map { UInt8($0) } }
        let head = model.distributionHead.parameterCount
        var parameters = [Float](repeating: 0, count: rows * head)
        var values = [Float](repeating: 0, count: rows)
        var hidden = hiddenIn
        floats.withUnsafeBufferPointer { floats in
            bytes.withUnsafeBufferPointer { bytes in
                masks.withUnsafeBufferPointer { masks in
                    hidden.withUnsafeMutableBufferPointer { hidden in
                        parameters.withUnsafeMutableBufferPointer { parameters in
                            values.withUnsafeMutableBufferPointer { values in
                                model.act(observations: ObservationRows(floats: floats, bytes: bytes, rows: rows), masks: masks, hidden: hidden,
                                          environments: rows, distributionParameters: parameters, values: values, workspace: InferenceWorkspace())
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(observations[0].count, model.exportedObservationSize, file: file, line: line)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cnn-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let onnx = folder.appendingPathComponent("policy.onnx")
        try Data(try PolicyExporter.onnxModel(of: model, observationNormalizer: normalizer).serialized()).write(to: onnx)
        var inputs = ["\"observation\":\(json(observations))"]
        var expected = ["\"distribution_parameters\":\(json(parameters, columns: head))", "\"value\":\(json(values))"]
        if stateSize > 0 {
            inputs += ["\"hidden\":\(json(hiddenIn, columns: stateSize))", "\"mask\":\(json(masks))"]
            expected.append("\"hidden_out\":\(json(hidden, columns: stateSize))")
        }
        let reference = folder.appendingPathComponent("reference.json")
        try Data("{\"inputs\":{\(inputs.joined(separator: ","))},\"outputs\":{\(expected.joined(separator: ","))}}".utf8).write(to: reference)

        let (status, output) = try run(python, [Self.oracleScript, "--onnx", onnx.path, "--reference", reference.path])
        XCTAssertEqual(status, 0, output, file: file, line: line)
        let report = try XCTUnwrap(
            output.split(separator: "\n").last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] },
            output, file: file, line: line)
        let differences = try XCTUnwrap(report["max_abs_difference"] as? [String: Double], output, file: file, line: line)
        print("onnx_check \(name): " + differences.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value))" }.joined(separator: ", "))
        XCTAssertEqual(report["outputs"] as? [String], outputs, file: file, line: line)
        XCTAssertEqual(report["passed"] as? Bool, true, "\(report)", file: file, line: line)
        XCTAssertEqual(differences.count, stateSize > 0 ? 3 : 2, "\(differences)", file: file, line: line)
    }

    /// Each float as the `Double` it equals, so Python reads back the same float32.
    private func json(_ values: [Float]) -> String {
        "[" + values.map { "\(Double($0))" }.joined(separator: ",") + "]"
    }

    private func json(_ values: [Float], columns: Int) -> String {
        json(stride(from: 0, to: values.count, by: columns).map { Array(values[$0..<($0 + columns)]) })
    }

    private func json(_ rows: [[Float]]) -> String {
        "[" + rows.map(json).joined(separator: ",") + "]"
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The Python with onnxruntime: `EXPTRAIN_ONNX_PYTHON`. Without it the oracle checks
    /// are skipped on a developer's machine and fail under CI, which must run them.
    private func onnxPython() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let python = environment["EXPTRAIN_ONNX_PYTHON"], !python.isEmpty { return python }
        let message = "EXPTRAIN_ONNX_PYTHON is not set: run scripts/test.sh, which makes a venv with onnxruntime and sets it"
        if environment["CI"] != nil { XCTFail(message) }
        throw XCTSkip(message)
    }

    private static var oracleScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/oracles/onnx_check.py").path
    }

    private func floats(_ constant: ONNXGraph.Constant) -> [Float] {
        stride(from: 0, to: constant.rawData.count, by: 4).map { start in
            Float(bitPattern: constant.rawData[start..<(start + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        }
    }
}
