import Foundation
import XCTest

/// What a training run shows and leaves for a person: progress that suits where the
/// output goes, the files of its run folder, checkpoint retention, the resume notice.
final class RunOutputTests: XCTestCase {
    // MARK: Progress

    /// `mpirun … > log`: each rank's standard output is a pseudo-terminal, but the log is a
    /// file, so the progress must be whole plain lines.
    func testBatchLogUnderMpirunHasPlainLines() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(np: 2, ["cartpole-ppo", "--seed", "1", "--max-steps", "20000", "--output-dir", folder.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let output = result.standardOutput
        XCTAssertFalse(output.contains("\r"), "carriage return in a batch log: \(output.debugDescription)")
        XCTAssertFalse(output.contains("\u{1B}"), "escape code in a batch log: \(output.debugDescription)")
        let progress = output.split(separator: "\n").filter { $0.hasPrefix("step ") }
        XCTAssertGreaterThanOrEqual(progress.count, 4, output)
        for line in progress {
            XCTAssertTrue(line.contains(" steps/s | ") && line.contains(" | ETA "), String(line))
        }
        XCTAssertTrue(output.split(separator: "\n").last?.hasPrefix("done: 20480 steps") == true, output)
    }

    /// `mpirun` in a terminal (a pseudo-terminal made by `script`) keeps the updating line;
    /// `--progress plain` there prints plain lines all the same.
    func testTerminalGetsTheUpdatingLineUnlessPlainIsAsked() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal")
        let folder = try JobRunner.temporaryFolder(for: self)
        func inTerminal(_ arguments: [String]) throws -> String {
            let command = (["/usr/bin/env", "mpirun", "-np", "2", "--allow-run-as-root", JobRunner.exptrainBinary.path] + arguments)
                .map { "'\($0)'" }.joined(separator: " ")
            let result = try JobRunner.run("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], timeout: 120)
            XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
            return result.standardOutput
        }
        let common = ["cartpole-ppo", "--seed", "1", "--max-steps", "12000", "--output-dir", folder.path]
        let terminal = try inTerminal(common)
        XCTAssertTrue(terminal.contains("\rstep 8,192/") && terminal.contains("\u{1B}[K"), terminal.debugDescription)

        let plain = try inTerminal(common + ["--progress", "plain"])
        XCTAssertFalse(plain.contains("\u{1B}"), plain.debugDescription)
        // The terminal itself ends each line with "\r\n"; no other carriage return is allowed.
        XCTAssertFalse(plain.replacingOccurrences(of: "\r\n", with: "\n").contains("\r"), plain.debugDescription)
        XCTAssertGreaterThanOrEqual(plain.components(separatedBy: "\r\nstep ").count - 1, 2, plain.debugDescription)
    }

    // MARK: Run folder

    func testRunWithoutValidationHasNoValidJSONL() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        try trainSlotProbe(seed: 2, output: folder, ["--max-steps", "2048"])
        let run = try runFolder(folder, tag: "slot-probe")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("metrics.jsonl").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("valid.jsonl").path),
                       "slot-probe has no validation (validEpisodes 0), so no valid.jsonl")
    }

    func testResumedRunSaysFromWhichStepAndCheckpoint() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let first = try trainSlotProbe(seed: 3, output: folder, ["--max-steps", "2048"])
        let run = try runFolder(folder, tag: "slot-probe")
        XCTAssertFalse(first.standardError.contains("resuming"), first.standardError)

        let second = try trainSlotProbe(seed: 3, output: folder, ["--resume", "--max-steps", "3072"])
        let checkpoint = run.appendingPathComponent("checkpoints/step-000000002048.safetensors").path
        let notices = second.standardError.split(separator: "\n").filter { $0.contains("resuming") }
        XCTAssertEqual(notices, ["exptrain[0]: resuming from step 2048 of \(checkpoint)"], second.standardError)
    }

    /// `--keep-checkpoints 2` leaves the two newest after every save, and a resumed run
    /// continues from the newest and goes on pruning.
    func testKeepCheckpointsLeavesTheNewestAndResumeStillWorks() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        try trainSlotProbe(seed: 4, output: folder, ["--keep-checkpoints", "2", "--max-steps", "5120"])
        let run = try runFolder(folder, tag: "slot-probe")
        XCTAssertEqual(try checkpointFiles(run).map(\.lastPathComponent), ["step-000000004096.safetensors", "step-000000005120.safetensors"])

        let second = try trainSlotProbe(seed: 4, output: folder, ["--keep-checkpoints", "2", "--resume", "--max-steps", "7168"])
        XCTAssertTrue(second.standardError.contains("resuming from step 5120 of "), second.standardError)
        XCTAssertEqual(try checkpointFiles(run).map(\.lastPathComponent), ["step-000000006144.safetensors", "step-000000007168.safetensors"])

        try trainSlotProbe(seed: 4, output: folder, ["--keep-checkpoints", "1", "--resume", "--max-steps", "8192"])
        XCTAssertEqual(try checkpointFiles(run).map(\.lastPathComponent), ["step-000000008192.safetensors"])
    }

    func testWithoutKeepCheckpointsEveryCheckpointStays() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        try trainSlotProbe(seed: 5, output: folder, ["--max-steps", "4096"])
        XCTAssertEqual(try checkpointFiles(runFolder(folder, tag: "slot-probe")).count, 4)
    }
}

/// The learning-curve pictures: `curves.svg` in each run folder, and `exptrain plot`.
final class CurvesPictureTests: XCTestCase {
    func testTrainingDrawsItsCurvesAndPlotOverlaysRuns() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        var runs: [URL] = []
        for seed in [1, 2] {
            let output = folder.appendingPathComponent("seed-\(seed)")
            try trainSlotProbe(seed: seed, output: output, ["--max-steps", "2048"])
            runs.append(try runFolder(output, tag: "slot-probe"))
        }
        let expected = try runs.map { try pointCounts(metricsOf: $0) }
        XCTAssertEqual(expected[0]["episode_return_mean100"], 4, "slot-probe logs every 512 steps")

        let own = try SVGOutline(file: runs[0].appendingPathComponent("curves.svg"))
        XCTAssertEqual(own.panels.map(\.metric), ["episode_return_mean100", "success_mean100"].filter { expected[0][$0] != nil })
        for panel in own.panels {
            XCTAssertEqual(panel.curves.map(\.points), [expected[0][panel.metric]], panel.metric)
            XCTAssertGreaterThanOrEqual(panel.tickLabels, 6, "ticks on both axes")
        }
        XCTAssertEqual(own.legend, ["slot-probe/" + runs[0].lastPathComponent])

        // A run folder whose path needs escaping in XML still gives a well-formed picture.
        let odd = folder.appendingPathComponent("a&b<c\"d")
        try FileManager.default.createDirectory(at: odd, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: runs[1], to: odd.appendingPathComponent("run"))
        let picture = folder.appendingPathComponent("both.svg")
        let plotted = try JobRunner.exptrain(["plot", runs[0].path, odd.appendingPathComponent("run").path + "/", "--out", picture.path])
        XCTAssertEqual(plotted.status, 0, plotted.standardError)
        let both = try SVGOutline(file: picture)
        XCTAssertEqual(both.legend, ["slot-probe/" + runs[0].lastPathComponent, "a&b<c\"d/run"])
        let returns = try XCTUnwrap(both.panels.first { $0.metric == "episode_return_mean100" })
        XCTAssertEqual(returns.curves.map(\.run), both.legend)
        XCTAssertEqual(returns.curves.map(\.points), expected.map { $0["episode_return_mean100"]! })
        XCTAssertEqual(Set(returns.curves.map(\.colour)).count, 2, "one colour per run")
    }

    func testResumedRunsPictureKeepsTheEarlierPoints() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        try trainSlotProbe(seed: 6, output: folder, ["--max-steps", "1024"])
        try trainSlotProbe(seed: 6, output: folder, ["--resume", "--max-steps", "2048"])
        let run = try runFolder(folder, tag: "slot-probe")
        let panel = try XCTUnwrap(SVGOutline(file: run.appendingPathComponent("curves.svg")).panels.first)
        XCTAssertEqual(panel.curves.map(\.points), [try pointCounts(metricsOf: run)["episode_return_mean100"]])
        XCTAssertEqual(panel.curves.first?.points, 4)
    }

    /// For each drawn metric, how many lines of the run's `metrics.jsonl` have a value.
    private func pointCounts(metricsOf run: URL) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for record in try jsonLines(in: run.appendingPathComponent("metrics.jsonl")) {
            for key in ["episode_return_mean100", "success_mean100"] where record[key] is Double {
                counts[key, default: 0] += 1
            }
        }
        return counts
    }
}
