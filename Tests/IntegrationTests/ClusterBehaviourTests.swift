import Foundation
import XCTest

/// What a cluster job needs from exptrain: stopping cleanly when the scheduler asks,
/// and not waiting for a slow rank.
final class ClusterBehaviourTests: XCTestCase {
    func testPreemptionSignalCheckpointsExitsSeventyFiveAndResumes() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let common = ["slot-probe", "--seed", "8", "--quiet", "--output-dir", folder.path]
        let metrics = { () -> String? in
            let tag = folder.appendingPathComponent("slot-probe")
            guard let run = try? FileManager.default.contentsOfDirectory(atPath: tag.path).first else { return nil }
            return tag.appendingPathComponent(run).appendingPathComponent("metrics.jsonl").path
        }
        // SIGUSR1 to mpirun, which forwards it to every rank, once training has logged.
        let preempted = try JobRunner.mpirun(
            np: 2, common + ["--max-steps", "100000000"], binary: JobRunner.harnessBinary, timeout: 120,
            signal: (SIGUSR1, { metrics().map { FileManager.default.fileExists(atPath: $0) } ?? false }))
        XCTAssertFalse(preempted.timedOut, "the run did not stop after SIGUSR1")
        XCTAssertEqual(preempted.status, 75, preempted.standardError)
        XCTAssertTrue(preempted.standardError.contains("rerun with --resume"), preempted.standardError)

        let lastStep = try XCTUnwrap(jsonLines(in: URL(fileURLWithPath: try XCTUnwrap(metrics()))).last?["step"] as? Int)
        let checkpoints = try FileManager.default.contentsOfDirectory(
            atPath: URL(fileURLWithPath: try XCTUnwrap(metrics())).deletingLastPathComponent().appendingPathComponent("checkpoints").path)
        let expectedName = "step-" + String(repeating: "0", count: 12 - String(lastStep).count) + "\(lastStep).safetensors"
        XCTAssertTrue(checkpoints.contains(expectedName), "no checkpoint at the preempted step \(lastStep): \(checkpoints)")

        let resumed = try JobRunner.mpirun(np: 2, common + ["--resume", "--max-steps", String(lastStep + 1024)], binary: JobRunner.harnessBinary)
        XCTAssertEqual(resumed.status, 0, resumed.standardError)
        let steps = try jsonLines(in: URL(fileURLWithPath: try XCTUnwrap(metrics()))).map { try XCTUnwrap($0["step"] as? Int) }
        XCTAssertGreaterThan(steps.last!, lastStep, "the resumed run continued past the preempted step")
        XCTAssertEqual(steps, steps.sorted())
    }

    func testStuckRankIsNamedAndTheJobEndsAfterTheCollectiveTimeout() throws {
        let result = try JobRunner.mpirun(
            np: 3, ["slot-probe", "--seed", "1", "--quiet", "--output-dir", NSTemporaryDirectory(), "--max-steps", "100000",
                    "--straggler-fraction", "1", "--collective-timeout", "2",
                    "--config", "slowProcess=2", "--config", "slowStepMicroseconds=60000000"],
            binary: JobRunner.harnessBinary, timeout: 60)
        XCTAssertFalse(result.timedOut, "the job hung on a stuck rank")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.standardError.contains("did not complete within 2 s: rank 2 did not arrive"), result.standardError)
    }

    /// A rank frozen with SIGSTOP keeps its connections open but never reaches the next
    /// collective, wherever it was (rollout, gradient all-reduce, log point): the others
    /// wait out `--collective-timeout`, call the roll, and end the job naming it, within
    /// the bound plus 5 s, exit code 1.
    func testFrozenRankIsNamedAndTheJobEndsWithinTheBoundPlusFiveSeconds() throws {
        for frozen in [1, 0] {
            let folder = try JobRunner.temporaryFolder(for: self)
            let stopAt = Date().addingTimeInterval(1.5)
            let result = try JobRunner.mpirun(
                np: 2, ["cartpole-ppo", "--collective-timeout", "5", "--quiet", "--output-dir", folder.path],
                timeout: 60, signal: (SIGSTOP, { Date() >= stopAt }), target: .rank(frozen))
            let stopped = try XCTUnwrap(result.signalSeconds, "rank \(frozen) was never stopped: \(result.standardError)")
            XCTAssertFalse(result.timedOut, "the job hung on frozen rank \(frozen)")
            XCTAssertEqual(result.status, 1, result.standardError)
            XCTAssertLessThan(result.seconds - stopped, 10, "rank \(frozen) frozen: the job took \(result.seconds - stopped) s to end")
            XCTAssertTrue(
                result.standardError.contains("did not complete within 5 s: rank \(frozen) did not arrive"), result.standardError)
        }
    }

    /// A killed rank is noticed by mpirun itself, which names it and ends the job in seconds.
    func testKilledRankEndsTheJobWithinFiveSeconds() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let killAt = Date().addingTimeInterval(1.5)
        let result = try JobRunner.mpirun(
            np: 2, ["cartpole-ppo", "--quiet", "--output-dir", folder.path],
            timeout: 60, signal: (SIGKILL, { Date() >= killAt }), target: .rank(1))
        let killed = try XCTUnwrap(result.signalSeconds, "rank 1 was never killed: \(result.standardError)")
        XCTAssertFalse(result.timedOut, "the job hung on a killed rank")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertLessThan(result.seconds - killed, 5, "the job took \(result.seconds - killed) s to end")
        XCTAssertTrue(result.standardError.contains("process rank 1"), result.standardError)
    }

    func testStragglerIsCutShortAndUpdatesWeighTheStepsCollected() throws {
        for (fraction, expectCut) in [("0.5", true), ("1", false)] {
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try JobRunner.mpirun(
                np: 2, ["slot-probe", "--seed", "6", "--quiet", "--output-dir", folder.path, "--max-steps", "2048",
                        "--straggler-fraction", fraction, "--config", "slowProcess=1", "--config", "slowStepMicroseconds=1500"],
                binary: JobRunner.harnessBinary)
            XCTAssertEqual(result.status, 0, result.standardError)
            let tag = folder.appendingPathComponent("slot-probe")
            let run = tag.appendingPathComponent(try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: tag.path).first))
            let records = try jsonLines(in: run.appendingPathComponent("metrics.jsonl"))
            let fractions = records.compactMap { $0["rollout_fraction"] as? Double }
            XCTAssertFalse(fractions.isEmpty)
            for value in fractions {
                if expectCut {
                    // The fast rank collects all 32 steps; the slow one stops once the fast one
                    // is done, but not before a quarter of them: (32 + ≥8) / 64.
                    XCTAssertLessThan(value, 1, "fraction \(fraction): the slow rank was not cut short")
                    XCTAssertGreaterThanOrEqual(value, 0.625, "fraction \(fraction): a rank stopped before 25 % of its steps")
                } else {
                    XCTAssertEqual(value, 1, "fraction 1 turns straggler preemption off")
                }
            }
            let parameters = result.standardError.split(separator: "\n").filter { $0.contains("]: parameters ") }
                .map { $0.split(separator: " ")[2] }
            XCTAssertEqual(parameters.count, 2)
            XCTAssertEqual(Set(parameters).count, 1, "ranks diverged with uneven rollouts")
        }
    }
}
