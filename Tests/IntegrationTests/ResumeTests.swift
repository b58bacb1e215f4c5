import Foundation
import XCTest

/// A preempted, killed or disk-starved run loses nothing: resumed, it ends with the
/// parameters of the same run uninterrupted, and a checkpoint that cannot be written
/// leaves the previous one intact.
final class ResumeTests: XCTestCase {
    /// Every run of one experiment: the same seed and settings, `--deterministic` (so
    /// straggler preemption, which cuts rollouts by timing, is off) and no validation
    /// episodes; the log points (one per `logInterval`, at least one per update) are the
    /// moments to preempt at.
    private struct Job {
        let tag: String
        let budget: Int
        let extra: [String]

        func arguments(output: URL, resume: Bool = false) -> [String] {
            [tag, "--seed", "21", "--deterministic", "--quiet", "--output-dir", output.path, "--max-steps", String(budget),
             "--config", "validEpisodes=0"] + extra + (resume ? ["--resume"] : [])
        }

        /// The final parameter digest every rank logged, checked to agree across ranks.
        func digest(_ result: JobResult, file: StaticString = #filePath, line: UInt = #line) -> String? {
            XCTAssertEqual(result.status, 0, result.standardError, file: file, line: line)
            let digests = loggedValues(result.standardError, after: "parameters ")
            XCTAssertEqual(digests.count, 2, result.standardError, file: file, line: line)
            XCTAssertEqual(Set(digests).count, 1, "ranks disagree: \(digests)", file: file, line: line)
            return digests.first
        }
    }

    /// SIGUSR1 once `metrics.jsonl` has `lines` lines (so at a later update each time); for
    /// 0 lines, a second after rank 0 wrote `config.json` (the signal handlers are installed
    /// by then), so at the first updates.
    private func preemptAndResume(_ job: Job, afterLogLines lines: Int, expected: String?) throws -> Int {
        let output = try JobRunner.temporaryFolder(for: self)
        let preempted = try JobRunner.mpirun(
            np: 2, job.arguments(output: output), timeout: 300,
            signal: (SIGUSR1, Self.moment(afterLogLines: lines, output: output, tag: job.tag)))
        XCTAssertEqual(preempted.status, 75, "\(job.tag) after \(lines) log lines: \(preempted.standardError)")
        let step = try XCTUnwrap(loggedValues(preempted.standardError, after: "preempted at step ").first.flatMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) })
        let resumed = try JobRunner.mpirun(np: 2, job.arguments(output: output, resume: true), timeout: 300)
        XCTAssertTrue(resumed.standardError.contains("resuming from step \(step)"), resumed.standardError)
        XCTAssertFalse(resumed.standardError.contains("start anew"), resumed.standardError)
        XCTAssertEqual(job.digest(resumed), expected, "\(job.tag) preempted at step \(step), resumed")
        // The 100-episode window came back with the checkpoint: the first log point after the resume has it.
        let metrics = try jsonLines(in: try runFolder(output, tag: job.tag).appendingPathComponent("metrics.jsonl"))
        let firstResumed = try XCTUnwrap(metrics.first { ($0["step"] as? Int ?? 0) > step })
        XCTAssertNotNil(firstResumed["episode_return_mean100"] as? Double, "\(firstResumed)")
        return step
    }

    private static func moment(afterLogLines lines: Int, output: URL, tag: String) -> () -> Bool {
        var configSeen: Date?
        return {
            guard lines == 0 else { return logLines(output, tag: tag) >= lines }
            if configSeen == nil, let run = try? FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent(tag).path).first,
               FileManager.default.fileExists(atPath: output.appendingPathComponent(tag).appendingPathComponent(run).appendingPathComponent("config.json").path) {
                configSeen = Date()
            }
            return configSeen.map { Date().timeIntervalSince($0) >= 1 } ?? false
        }
    }

    private static func logLines(_ output: URL, tag: String) -> Int {
        let tagFolder = output.appendingPathComponent(tag)
        guard let run = try? FileManager.default.contentsOfDirectory(atPath: tagFolder.path).first,
              let text = try? String(contentsOf: tagFolder.appendingPathComponent(run).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        else { return 0 }
        return text.split(separator: "\n").count
    }

    private func checkPreemptedRunsEndIdentical(_ job: Job, afterLogLines moments: [Int]) throws {
        let uninterrupted = job.digest(try JobRunner.mpirun(np: 2, job.arguments(output: try JobRunner.temporaryFolder(for: self)), timeout: 300))
        XCTAssertNotNil(uninterrupted)
        let steps = try moments.map { try preemptAndResume(job, afterLogLines: $0, expected: uninterrupted) }
        XCTAssertTrue(steps.allSatisfy { $0 < job.budget }, "preempted at steps \(steps) of \(job.budget)")
    }

    /// CartPole logs every 1,024 steps (two updates at np 2), for moments to preempt at.
    private let cartPoleLogging = ["--config", "logInterval=1024"]

    /// The moments are log lines, not "a second after `config.json`": the debug build trains
    /// cartpole at tens of thousands of steps a second, so a run of 32,768 steps is over
    /// within about a second of starting.
    func testPreemptedAndResumedCartPoleEndsBitIdenticalAtNp2() throws {
        try checkPreemptedRunsEndIdentical(Job(tag: "cartpole-ppo", budget: 32768, extra: cartPoleLogging), afterLogLines: [1, 3, 5])
    }

    /// DoorKey's GRU carries its hidden state across the preemption (2,048 steps an update
    /// at np 2, a log point every 8,192).
    func testPreemptedAndResumedMiniGridDoorKeyEndsBitIdenticalAtNp2() throws {
        try checkPreemptedRunsEndIdentical(Job(tag: "minigrid-doorkey-ppo", budget: 16384, extra: []), afterLogLines: [0, 1])
    }

    /// pixel-goal's dictionary observation (image bytes and position floats) comes back with
    /// its goal and agent (512 steps an update at np 2, a log point every 2,048).
    func testPreemptedAndResumedPixelGoalEndsBitIdenticalAtNp2() throws {
        try checkPreemptedRunsEndIdentical(Job(tag: "pixel-goal-ppo", budget: 24576, extra: []), afterLogLines: [2])
    }

    /// A run stopped exactly at the end of its imitation stage and resumed starts the PPO
    /// stage as the uninterrupted run does: a new optimiser, rollouts started afresh.
    func testARunResumedAtAStageBoundaryEndsBitIdentical() throws {
        let job = Job(tag: "minigrid-doorkey-dagger", budget: 6144, extra: ["--config", "imitationSteps=2048"])
        let uninterrupted = job.digest(try JobRunner.mpirun(np: 2, job.arguments(output: try JobRunner.temporaryFolder(for: self)), timeout: 300))
        let output = try JobRunner.temporaryFolder(for: self)
        let first = Job(tag: job.tag, budget: 2048, extra: job.extra)
        XCTAssertNotNil(first.digest(try JobRunner.mpirun(np: 2, first.arguments(output: output), timeout: 300)))
        let resumed = try JobRunner.mpirun(np: 2, job.arguments(output: output, resume: true), timeout: 300)
        XCTAssertTrue(resumed.standardError.contains("resuming from step 2048"), resumed.standardError)
        XCTAssertEqual(job.digest(resumed), uninterrupted)
    }

    /// `kill -9` of the writing rank, with a write left half done (its temporary file):
    /// `--resume` takes the newest complete checkpoint, deletes the unfinished write, and
    /// ends where the uninterrupted run ends.
    func testKilledRunResumesFromTheNewestCompleteCheckpoint() throws {
        let job = Job(tag: "cartpole-ppo", budget: 8192, extra: cartPoleLogging + ["--config", "saveInterval=1024"])
        let uninterrupted = job.digest(try JobRunner.mpirun(np: 2, job.arguments(output: try JobRunner.temporaryFolder(for: self)), timeout: 300))
        let output = try JobRunner.temporaryFolder(for: self)
        let killed = try JobRunner.mpirun(
            np: 2, job.arguments(output: output), timeout: 300,
            signal: (SIGKILL, { Self.logLines(output, tag: job.tag) >= 4 }), target: .rank(0))
        XCTAssertNotEqual(killed.status, 0, killed.standardError)
        let run = try runFolder(output, tag: job.tag)
        let newest = try XCTUnwrap(try checkpointFiles(run).last, "no checkpoint before the kill")
        let newestStep = try XCTUnwrap(Int(newest.lastPathComponent.dropFirst("step-".count).prefix(12)))
        XCTAssertLessThan(newestStep, job.budget)
        // What a write cut off by the kill leaves: the first half of a checkpoint under the temporary name.
        let next = String(format: "step-%012d.safetensors", newestStep + 1024)
        let unfinished = run.appendingPathComponent("checkpoints/.\(next).99999.tmp")
        let bytes = try Data(contentsOf: newest)
        try bytes.prefix(bytes.count / 2).write(to: unfinished)

        let resumed = try JobRunner.mpirun(np: 2, job.arguments(output: output, resume: true), timeout: 300)
        XCTAssertTrue(resumed.standardError.contains("resuming from step \(newestStep) of \(newest.path)"), resumed.standardError)
        // The kill may itself have cut a write short: its temporary file goes too.
        XCTAssertTrue(resumed.standardError.contains("unfinished checkpoint write(s) of an interrupted run: "), resumed.standardError)
        XCTAssertTrue(resumed.standardError.contains(unfinished.lastPathComponent), resumed.standardError)
        let left = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(left, [])
        XCTAssertEqual(job.digest(resumed), uninterrupted)
    }

    // MARK: Checkpoint writes that fail

    /// A small tmpfs mounted under a temporary folder (root only; CI runs as root).
    private func mountTmpfs(kilobytes: Int) throws -> URL {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root; run the integration tests as root (CI does)") }
        let folder = try JobRunner.temporaryFolder(for: self).appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mounted = try JobRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", folder.path], timeout: 30)
        guard mounted.status == 0 else { throw XCTSkip("cannot mount a tmpfs (\(mounted.standardError.trimmingCharacters(in: .whitespacesAndNewlines))); the full-disk test needs a machine that allows mounts") }
        addTeardownBlock { _ = try? JobRunner.run("/bin/umount", ["-l", folder.path], timeout: 30) }
        return folder
    }

    /// One short run to a first checkpoint; returns the run folder and that checkpoint's bytes.
    private func firstCheckpoint(_ job: Job, output: URL) throws -> (run: URL, checkpoint: URL, bytes: Data) {
        XCTAssertNotNil(job.digest(try JobRunner.mpirun(np: 2, job.arguments(output: output), timeout: 300)))
        let run = try runFolder(output, tag: job.tag)
        let checkpoint = try XCTUnwrap(try checkpointFiles(run).last)
        return (run, checkpoint, try Data(contentsOf: checkpoint))
    }

    /// The failed save: exit 1, one line naming the checkpoint and the system's reason,
    /// the previous checkpoint unchanged, no temporary file left, and resuming from it works.
    private func checkFailedSave(
        _ result: JobResult, reason: String, run: URL, previous: (checkpoint: URL, bytes: Data), file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertEqual(result.status, 1, result.standardError, file: file, line: line)
        let lines = result.standardError.split(separator: "\n").filter { $0.contains("cannot save checkpoint") }
        XCTAssertFalse(lines.isEmpty, result.standardError, file: file, line: line)
        XCTAssertTrue(lines.allSatisfy { $0.contains(reason) && $0.contains("\(previous.checkpoint.path) is intact") }, "\(lines)", file: file, line: line)
        XCTAssertEqual(try checkpointFiles(run), [previous.checkpoint], file: file, line: line)
        XCTAssertEqual(try Data(contentsOf: previous.checkpoint), previous.bytes, file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [], file: file, line: line)
    }

    func testFullDiskFailsTheSaveWithExitOneAndKeepsThePreviousCheckpoint() throws {
        let disk = try mountTmpfs(kilobytes: 4096)
        let first = Job(tag: "cartpole-ppo", budget: 2048, extra: cartPoleLogging)
        let (run, checkpoint, bytes) = try firstCheckpoint(first, output: disk)
        // Fill the disk but for 64 KiB: room for the log lines, not for a 115 KiB checkpoint.
        var status = statvfs()
        XCTAssertEqual(statvfs(disk.path, &status), 0)
        let free = Int(status.f_bavail) * Int(status.f_frsize)
        let filler = disk.appendingPathComponent("filler")
        try Data(count: free - 64 * 1024).write(to: filler)

        let second = Job(tag: "cartpole-ppo", budget: 4096, extra: cartPoleLogging)
        let failed = try JobRunner.mpirun(np: 2, second.arguments(output: disk, resume: true), timeout: 300)
        try checkFailedSave(failed, reason: "No space left on device", run: run, previous: (checkpoint, bytes))

        try FileManager.default.removeItem(at: filler)
        let resumed = try JobRunner.mpirun(np: 2, second.arguments(output: disk, resume: true), timeout: 300)
        XCTAssertTrue(resumed.standardError.contains("resuming from step 2048 of \(checkpoint.path)"), resumed.standardError)
        XCTAssertNotNil(second.digest(resumed))
    }

    func testReadOnlyCheckpointFolderFailsTheSaveWithExitOneAndKeepsThePreviousCheckpoint() throws {
        let disk = try mountTmpfs(kilobytes: 8192)
        let first = Job(tag: "cartpole-ppo", budget: 2048, extra: cartPoleLogging)
        let (run, checkpoint, bytes) = try firstCheckpoint(first, output: disk)
        // chmod does not stop root: a read-only bind mount of the checkpoints folder does.
        let folder = run.appendingPathComponent("checkpoints").path
        XCTAssertEqual(try JobRunner.run("/bin/mount", ["--bind", folder, folder], timeout: 30).status, 0)
        addTeardownBlock { _ = try? JobRunner.run("/bin/umount", ["-l", folder], timeout: 30) }
        let remounted = try JobRunner.run("/bin/mount", ["-o", "remount,bind,ro", folder], timeout: 30)
        XCTAssertEqual(remounted.status, 0, remounted.standardError)

        let second = Job(tag: "cartpole-ppo", budget: 4096, extra: cartPoleLogging)
        let failed = try JobRunner.mpirun(np: 2, second.arguments(output: disk, resume: true), timeout: 300)
        try checkFailedSave(failed, reason: "Read-only file system", run: run, previous: (checkpoint, bytes))

        XCTAssertEqual(try JobRunner.run("/bin/umount", [folder], timeout: 30).status, 0)
        let resumed = try JobRunner.mpirun(np: 2, second.arguments(output: disk, resume: true), timeout: 300)
        XCTAssertTrue(resumed.standardError.contains("resuming from step 2048 of \(checkpoint.path)"), resumed.standardError)
        XCTAssertNotNil(second.digest(resumed))
    }
}
