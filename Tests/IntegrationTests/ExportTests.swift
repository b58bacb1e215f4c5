import Foundation
import XCTest

/// `exptrain export` end to end: a briefly trained checkpoint of each model kind is
/// exported, and onnxruntime, an outside oracle (`scripts/oracles/onnx_check.py`, in the
/// venv `scripts/test.sh` makes and names in `EXPTRAIN_ONNX_PYTHON`), runs the file on
/// 1,000 fixed inputs and compares with exptrain's own `act` on the same checkpoint: every
/// output within 1e-5.
final class ExportTests: XCTestCase {
    func testCartPoleCategoricalPolicyMatchesInOnnxruntime() throws {
        try checkExport("cartpole-ppo", steps: 2_048, outputs: ["logits", "value"])
    }

    func testPendulumGaussianPolicyWithNormalisationMatchesInOnnxruntime() throws {
        // One update of 4 × 1,024 steps, so the checkpoint has a real observation statistic.
        try checkExport("pendulum-ppo", steps: 4_096, outputs: ["mean", "log_std", "value"], normalised: true)
    }

    func testMultiDiscretePolicyMatchesInOnnxruntime() throws {
        try checkExport("multidiscrete-probe", steps: 1_024, outputs: ["logits", "value"], normalised: true)
    }

    func testDoorKeyGRUPolicyWithMasksAndStateMatchesInOnnxruntime() throws {
        try checkExport("minigrid-doorkey-ppo", steps: 2_048, outputs: ["logits", "value", "hidden_out"],
                        oracleArguments: ["--codes", "11,6,3"])
    }

    func testPixelGoalCNNPolicyWithImageBytesMatchesInOnnxruntime() throws {
        // The observation input: the position's 2 floats, then the 5×5 image's 25 bytes as floats 0…255.
        try checkExport("pixel-goal-ppo", steps: 512, outputs: ["logits", "value"])
    }

    func testPixelGoalCNNWithAGRUMatchesInOnnxruntime() throws {
        try checkExport("pixel-goal-ppo", steps: 512, outputs: ["logits", "value", "hidden_out"], config: ["recurrentSize=8"])
    }

    func testAModelWithoutAnONNXFormIsOneLineAndExitTwo() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let checkpoint = try train("unexportable-probe", steps: 128, output: folder)
        let result = try JobRunner.exptrain(
            ["export", "unexportable-probe", "--checkpoint", checkpoint.path, "--onnx", folder.appendingPathComponent("p.onnx").path],
            binary: JobRunner.harnessBinary)
        XCTAssertEqual(result.status, 2, result.standardError)
        XCTAssertEqual(result.standardError, "exptrain: WrappedModel cannot be exported to ONNX: it does not conform to ONNXExportable (module ExptrainExport), as MLPActorCritic, RecurrentActorCritic and CNNActorCritic do\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("p.onnx").path))
    }

    func testAnotherExperimentsCheckpointIsExitThree() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let checkpoint = try train("unexportable-probe", steps: 128, output: folder)
        let result = try JobRunner.exptrain(
            ["export", "cartpole-ppo", "--checkpoint", checkpoint.path, "--onnx", folder.appendingPathComponent("p.onnx").path])
        XCTAssertEqual(result.status, 3, result.standardError)
        XCTAssertTrue(result.standardError.contains("was made by experiment 'unexportable-probe', not 'cartpole-ppo'"), result.standardError)
    }

    // MARK: Helpers

    /// Trains `tag` for `steps`, exports its checkpoint, checks the file's declared outputs
    /// and runs the onnxruntime comparison (act over all 1,000 rows at once, and 7 at a time);
    /// `config` holds `--config` settings for the run, the export and the reference alike.
    private func checkExport(
        _ tag: String, steps: Int, outputs: [String], normalised: Bool = false, oracleArguments: [String] = [], config: [String] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let python = try onnxPython()
        let folder = try JobRunner.temporaryFolder(for: self)
        let settings = config.flatMap { ["--config", $0] }
        let checkpoint = try train(tag, steps: steps, output: folder, settings: settings)
        let onnx = folder.appendingPathComponent("\(tag).onnx")
        let export = try JobRunner.exptrain(
            ["export", tag, "--checkpoint", checkpoint.path, "--onnx", onnx.path] + settings, binary: JobRunner.harnessBinary)
        XCTAssertEqual(export.status, 0, export.standardError, file: file, line: line)
        XCTAssertTrue(export.standardOutput.contains("outputs \(outputs.joined(separator: ", "))"), export.standardOutput, file: file, line: line)

        let oracle = try JobRunner.run(
            python, [Self.oracleScript, "--onnx", onnx.path, "--checkpoint", checkpoint.path, "--tag", tag,
                     "--harness", JobRunner.harnessBinary.path, "--count", "1000", "--batches", "all,7"] + oracleArguments + settings,
            timeout: 120)
        XCTAssertEqual(oracle.status, 0, oracle.standardOutput + oracle.standardError, file: file, line: line)
        let report = try XCTUnwrap(try oracle.jsonLines().last, oracle.standardOutput + oracle.standardError, file: file, line: line)
        let differences = try XCTUnwrap(report["max_abs_difference"] as? [String: Double], file: file, line: line)
        print("onnx_check \(tag): " + differences.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value))" }.joined(separator: ", "))
        XCTAssertEqual(report["outputs"] as? [String], outputs, file: file, line: line)
        XCTAssertEqual(report["passed"] as? Bool, true, "\(report)", file: file, line: line)
        XCTAssertEqual(differences.count, outputs.contains("hidden_out") ? 6 : 4, "\(differences)", file: file, line: line)
        if normalised {
            let graph = try Data(contentsOf: onnx)
            XCTAssertNotNil(graph.range(of: Data("normalization.observation.scale".utf8)), "the statistic is in the graph", file: file, line: line)
        }
    }

    /// The newest checkpoint of `tag` trained for `steps` steps on one process, with `settings` (`--config …`).
    private func train(_ tag: String, steps: Int, output: URL, settings: [String] = []) throws -> URL {
        let result = try JobRunner.exptrain(
            [tag, "--seed", "3", "--max-steps", String(steps), "--quiet", "--output-dir", output.path] + settings,
            binary: JobRunner.harnessBinary, timeout: 120)
        XCTAssertEqual(result.status, 0, result.standardError)
        return try XCTUnwrap(try checkpointFiles(runFolder(output, tag: tag)).last)
    }

    /// The Python with onnxruntime: `EXPTRAIN_ONNX_PYTHON`. Without it the checks are
    /// skipped on a developer's machine and fail under CI, which must run them.
    private func onnxPython() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let python = environment["EXPTRAIN_ONNX_PYTHON"], !python.isEmpty { return python }
        let message = "EXPTRAIN_ONNX_PYTHON is not set: run scripts/test.sh, which makes a venv with onnxruntime and sets it"
        if environment["CI"] != nil {
            XCTFail(message)
            throw XCTSkip(message)
        }
        throw XCTSkip(message)
    }

    private static var oracleScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/oracles/onnx_check.py").path
    }
}
