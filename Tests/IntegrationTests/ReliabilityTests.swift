import Foundation
import XCTest

/// SPEC §13's "never save garbage" and "reproducible where promised", as a user runs them.
final class ReliabilityTests: XCTestCase {
    // MARK: A diverged run never saves NaN

    /// The measured failure: `learningRate=1e30` used to log nulls, save NaN weights
    /// and exit 0. Now every step after the first is skipped, the run stops after 10 in a
    /// row with exit 1 and one line naming the step, and no checkpoint is written.
    func testDivergedRunStopsWithExitOneAndSavesNothing() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.exptrain(
            ["cartpole-ppo", "--config", "learningRate=1e30", "--max-steps", "20000", "--quiet", "--output-dir", folder.path])
        XCTAssertEqual(result.status, 1, result.standardError)
        XCTAssertTrue(
            result.standardError.contains("training diverged at step 512: 10 minibatch steps in a row had a non-finite loss"),
            result.standardError)
        let run = try runFolder(folder, tag: "cartpole-ppo")
        XCTAssertEqual(try checkpointFiles(run), [], "a diverged run saved a checkpoint")
        let skipped = try jsonLines(in: run.appendingPathComponent("metrics.jsonl")).compactMap { $0["skipped_updates"] as? Int }
        XCTAssertEqual(skipped.last.map { $0 >= 10 }, true, "metrics.jsonl does not count the skipped steps: \(skipped)")
    }

    /// A resumed run that diverges on two ranks: both stop after the same update (one
    /// message, from rank 0, exit 1), naming the run's newest checkpoint, which is still
    /// the finite one it resumed from; every checkpoint of the folder is finite.
    func testDivergedRunOnTwoRanksKeepsItsLastFiniteCheckpoint() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let common = ["cartpole-ppo", "--seed", "3", "--quiet", "--output-dir", folder.path, "--config", "saveInterval=2048"]
        let healthy = try JobRunner.mpirun(np: 2, common + ["--max-steps", "4096"])
        XCTAssertEqual(healthy.status, 0, healthy.standardError)
        let run = try runFolder(folder, tag: "cartpole-ppo")
        let saved = try checkpointFiles(run)
        XCTAssertEqual(saved.count, 2)

        let diverged = try JobRunner.mpirun(np: 2, common + ["--resume", "--config", "learningRate=1e30", "--max-steps", "20000"])
        XCTAssertEqual(diverged.status, 1, diverged.standardError)
        let lines = diverged.standardError.split(separator: "\n").filter { $0.contains("training diverged at step") }
        XCTAssertEqual(lines.count, 1, diverged.standardError)
        XCTAssertTrue(lines.first?.contains("newest checkpoint, all finite, is \(saved.last!.path)") ?? false, diverged.standardError)
        XCTAssertFalse(diverged.standardError.contains("MPI_ABORT"), "every rank stops alike, without MPI_Abort")
        XCTAssertEqual(try checkpointFiles(run), saved)
        for file in saved {
            XCTAssertEqual(try nonFiniteTensors(file), [], file.lastPathComponent)
        }
    }

    // MARK: Reproducible where promised

    /// The measured failure: at 4 ranks straggler preemption cut rollouts by timing,
    /// so two runs with the same seed ended with different checkpoints. With
    /// `--deterministic` (4 ranks oversubscribed on this machine) every checkpoint of two
    /// runs is the same, byte for byte.
    func testDeterministicRunsOnFourRanksGiveIdenticalCheckpoints() throws {
        var runs: [[URL]] = []
        for _ in 0..<2 {
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try JobRunner.mpirun(
                np: 4, ["cartpole-ppo", "--seed", "11", "--max-steps", "8192", "--deterministic", "--quiet",
                        "--output-dir", folder.path, "--config", "saveInterval=4096"], timeout: 300)
            XCTAssertEqual(result.status, 0, result.standardError)
            runs.append(try checkpointFiles(runFolder(folder, tag: "cartpole-ppo")))
        }
        XCTAssertEqual(runs[0].map(\.lastPathComponent), runs[1].map(\.lastPathComponent))
        XCTAssertEqual(runs[0].count, 2, "\(runs[0])")
        for (first, second) in zip(runs[0], runs[1]) {
            XCTAssertEqual(try Data(contentsOf: first), try Data(contentsOf: second), first.lastPathComponent)
        }
    }

    func testDeterministicRefusesStragglerPreemption() throws {
        let result = try JobRunner.exptrain(["cartpole-ppo", "--deterministic", "--straggler-fraction", "0.6"])
        XCTAssertEqual(result.status, 2, result.standardError)
        XCTAssertTrue(result.standardError.contains("--deterministic turns straggler preemption off"), result.standardError)
    }

    // MARK: Helpers

    /// The F32 and F64 tensors of a safetensors file that hold a non-finite value (read
    /// with Foundation, independently of exptrain's reader).
    private func nonFiniteTensors(_ file: URL) throws -> [String] {
        let bytes = [UInt8](try Data(contentsOf: file))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
        var broken: [String] = []
        for (name, value) in header where name != "__metadata__" {
            let entry = try XCTUnwrap(value as? [String: Any])
            let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
            let data = bytes[(8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1])]
            let word = { (start: Int, width: Int) in
                data[(data.startIndex + start)..<(data.startIndex + start + width)].enumerated()
                    .reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            }
            let finite: Bool
            switch entry["dtype"] as? String {
            case "F32": finite = stride(from: 0, to: data.count, by: 4).allSatisfy { Float(bitPattern: UInt32(word($0, 4))).isFinite }
            case "F64": finite = stride(from: 0, to: data.count, by: 8).allSatisfy { Double(bitPattern: word($0, 8)).isFinite }
            default: finite = true
            }
            if !finite { broken.append(name) }
        }
        return broken
    }
}
