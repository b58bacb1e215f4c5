import Foundation
import XCTest

/// `pixel-goal-ppo` (SPEC §12): a CNN actor-critic reading a UInt8 image next to a Float32
/// vector, trained under `mpirun -np 2` of the built binary.
final class PixelGoalTests: XCTestCase {
    /// A random policy finds the goal in about a third of its episodes; after 40,960 steps
    /// the success rate of the last 100 is at least 0.6 and their mean return 0.4 (seeds
    /// 1-4 at 2 ranks, by hand: success 0.69-0.79, return 0.47-0.59).
    func testLearnsFromTheImageAndThePositionUnderTwoRanks() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(
            np: 2, ["pixel-goal-ppo", "--seed", "1", "--max-steps", "40960", "--quiet", "--output-dir", folder.path], timeout: 300)
        XCTAssertEqual(result.status, 0, result.standardError)
        let records = try jsonLines(in: runFolder(folder, tag: "pixel-goal-ppo").appendingPathComponent("metrics.jsonl"))
        let successes = records.compactMap { $0["success_mean100"] as? Double }
        XCTAssertLessThan(try XCTUnwrap(successes.first), 0.45, "a random start: \(successes)")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(successes.last), 0.6, "success_mean100 by log point: \(successes)")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(records.last?["episode_return_mean100"] as? Double), 0.4)
        XCTAssertEqual(Set(loggedValues(result.standardError, after: "parameters ")).count, 1, result.standardError)
    }

    /// With a GRU after the encoder the same task trains (a short run, both ranks agreeing).
    func testRecurrentVariantTrains() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(
            np: 2, ["pixel-goal-ppo", "--seed", "2", "--max-steps", "2048", "--config", "recurrentSize=16", "--quiet", "--output-dir", folder.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let parameters = loggedValues(result.standardError, after: "parameters ")
        XCTAssertEqual(parameters.count, 2, result.standardError)
        XCTAssertEqual(Set(parameters).count, 1, result.standardError)
        let help = try JobRunner.exptrain(["help", "pixel-goal-ppo"])
        XCTAssertEqual(help.status, 0, help.standardError)
        XCTAssertTrue(help.standardOutput.contains("recurrentSize"), help.standardOutput)
    }
}
