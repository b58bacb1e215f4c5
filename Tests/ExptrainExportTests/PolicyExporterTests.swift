import ExptrainEnvironment
import ExptrainExport
import ExptrainNN
import ExptrainOnPolicy
import ExptrainTensor
import XCTest

/// The graphs `PolicyExporter` builds: the documented inputs and outputs per model kind,
/// parameters as constants under their names, the normaliser's own floats, the GRU's
/// gates in ONNX's order, and the errors for what cannot be exported. That onnxruntime
/// computes exptrain's numbers with them is `scripts/oracles/onnx_check.py`'s check
/// (IntegrationTests.ExportTests).
final class PolicyExporterTests: XCTestCase {
    func testEachMLPHeadHasItsOutputs() throws {
        let cases: [(ActionSpace, [String], [[ONNXGraph.Dimension]])] = [
            (.discrete(count: 2), ["logits", "value"], [[.named("N"), .fixed(2)], [.named("N")]]),
            (.multiDiscrete(counts: [2, 3]), ["logits", "value"], [[.named("N"), .fixed(5)], [.named("N")]]),
            (.box(Box(shape: [2], low: -1, high: 1)), ["mean", "log_std", "value"],
             [[.named("N"), .fixed(2)], [.named("N"), .fixed(2)], [.named("N")]]),
        ]
        for (space, names, shapes) in cases {
            let model = MLPActorCritic(observationSize: 3, actionSpace: space, hidden: [8, 8], seed: 1)
            let graph = try PolicyExporter.onnxModel(of: model, observationNormalizer: nil).graph
            XCTAssertEqual(graph.inputs.map(\.name), ["observation"], "\(space)")
            XCTAssertEqual(graph.inputs[0].shape, [.named("N"), .fixed(3)])
            XCTAssertEqual(graph.outputs.map(\.name), names, "\(space)")
            XCTAssertEqual(graph.outputs.map(\.shape), shapes, "\(space)")
            XCTAssertFalse(graph.nodes.contains { $0.operatorType == "Clip" }, "no normalisation without a statistic")
        }
    }

    func testParametersAreConstantsUnderTheirNames() throws {
        let model = MLPActorCritic(observationSize: 3, actionSpace: .box(Box(shape: [2], low: -1, high: 1)), hidden: [8], seed: 4)
        let graph = try PolicyExporter.onnxModel(of: model, observationNormalizer: nil).graph
        for entry in model.parameters.entries {
            let constant = try XCTUnwrap(graph.initializers.first { $0.name == entry.name }, entry.name)
            XCTAssertEqual(constant.shape, entry.shape, entry.name)
            XCTAssertEqual(floats(constant), model.parameters.values(of: entry.name), entry.name)
        }
    }

    func testNormalisationHoldsTheNormalizersFloats() throws {
        let statistic = RunningMeanStd(mean: [0.5, -2, 100], variance: [4, 0.01, 1e6], count: 1_000)
        let normalizer = ObservationNormalizer(statistic: statistic, frozen: true)
        let model = MLPActorCritic(observationSize: 3, actionCount: 2, seed: 1)
        let graph = try PolicyExporter.onnxModel(of: model, observationNormalizer: normalizer).graph
        XCTAssertEqual(Array(graph.nodes.prefix(3).map(\.operatorType)), ["Sub", "Mul", "Clip"])
        XCTAssertEqual(graph.nodes[0].inputs[0], "observation")
        XCTAssertEqual(try floats(constant("normalization.observation.shift", graph)), normalizer.shift)
        XCTAssertEqual(try floats(constant("normalization.observation.scale", graph)), normalizer.scale)
        XCTAssertEqual(try floats(constant("normalization.observation.clip_low", graph)), [-10])
        XCTAssertEqual(try floats(constant("normalization.observation.clip_high", graph)), [10])
    }

    func testRecurrentModelTakesAndGivesItsState() throws {
        let model = RecurrentActorCritic(observationShape: [3, 3, 3], actionCount: 7, hiddenSize: 4, seed: 2)
        let graph = try PolicyExporter.onnxModel(of: model, observationNormalizer: nil).graph
        XCTAssertEqual(graph.inputs.map(\.name), ["observation", "hidden", "mask"])
        XCTAssertEqual(graph.inputs.map(\.shape), [[.named("N"), .fixed(27)], [.named("N"), .fixed(4)], [.named("N")]])
        XCTAssertEqual(graph.outputs.map(\.name), ["logits", "value", "hidden_out"])
        let gru = try XCTUnwrap(graph.nodes.first { $0.operatorType == "GRU" })
        XCTAssertEqual(gru.attributes.map(\.name), ["hidden_size", "linear_before_reset"])
        // ONNX stacks the gates z, r, n; exptrain (as PyTorch) r, z, n.
        let gates = try XCTUnwrap(model.gru).inputWeight.tensor.scalars
        let block = 4 * 4
        XCTAssertEqual(try floats(constant("gru.W", graph)), Array(gates[block..<(2 * block)] + gates[0..<block] + gates[(2 * block)...]))
        // Codes become rows of the shared table: channel c of every cell is offset by the counts before it.
        let offsets = try constant("embedding.weight.row_offsets", graph)
        XCTAssertEqual(int64s(offsets), Array([[0, 11, 17], [0, 11, 17], [0, 11, 17], [0, 11, 17], [0, 11, 17], [0, 11, 17], [0, 11, 17], [0, 11, 17], [0, 11, 17]].joined()))
    }

    func testFeedForwardGridModelHasNoStateInputs() throws {
        let model = RecurrentActorCritic(observationShape: [3, 3, 3], actionCount: 3, hiddenSize: 4, recurrent: false, seed: 2)
        let graph = try PolicyExporter.onnxModel(of: model, observationNormalizer: nil).graph
        XCTAssertEqual(graph.inputs.map(\.name), ["observation"])
        XCTAssertEqual(graph.outputs.map(\.name), ["logits", "value"])
    }

    func testAModelWithoutAnONNXFormIsAUsageError() {
        XCTAssertThrowsError(try PolicyExporter.onnxModel(of: OpaqueModel(), observationNormalizer: nil)) { error in
            let exportError = error as? ExportError
            XCTAssertEqual(exportError?.exitCode, 2)
            XCTAssertEqual(exportError?.description, "OpaqueModel cannot be exported to ONNX: it does not conform to ONNXExportable (module ExptrainExport), as MLPActorCritic, RecurrentActorCritic and CNNActorCritic do")
        }
    }

    func testAStatisticOfAnotherSizeIsAnError() {
        let normalizer = ObservationNormalizer(statistic: RunningMeanStd(dimensions: 5), frozen: true)
        XCTAssertThrowsError(try PolicyExporter.onnxModel(of: MLPActorCritic(observationSize: 3, actionCount: 2, seed: 1), observationNormalizer: normalizer)) { error in
            XCTAssertEqual((error as? ExportError)?.description, "the checkpoint's observation statistic has 5 dimensions, the model reads 3 floats")
        }
    }

    private func constant(_ name: String, _ graph: ONNXGraph) throws -> ONNXGraph.Constant {
        try XCTUnwrap(graph.initializers.first { $0.name == name }, "no constant \(name)")
    }

    private func floats(_ constant: ONNXGraph.Constant) -> [Float] {
        XCTAssertEqual(constant.elementType, .float)
        return stride(from: 0, to: constant.rawData.count, by: 4).map { start in
            Float(bitPattern: constant.rawData[start..<(start + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        }
    }

    private func int64s(_ constant: ONNXGraph.Constant) -> [Int64] {
        XCTAssertEqual(constant.elementType, .int64)
        return stride(from: 0, to: constant.rawData.count, by: 8).map { start in
            Int64(bitPattern: constant.rawData[start..<(start + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) })
        }
    }
}

/// A model that does not conform to `ONNXExportable`.
private final class OpaqueModel: ActorCriticModel {
    let parameters = ParameterStore()
    var recurrentStateSize: Int { 0 }
    var distributionHead: any DistributionHead { CategoricalHead(actionCount: 2) }

    func forward(observations: ObservationBatch, masks: Tensor, hidden: Tensor, steps: Int, environments: Int) -> ActorCriticOutput {
        fatalError("never run")
    }
}
