import Foundation
import XCTest

/// `mpirun -np 2` jobs of the built `exptrain` on Gymnasium environments through the
/// bridge (SPEC §11): learning, the spaces, repeatability, and every failure ending the
/// job in time with its cause named and nothing left running.
///
/// They need a Python with Gymnasium (`EXPTRAIN_PYTHON`); `scripts/test.sh` (and so CI)
/// installs one in `.venv-gym` and sets `EXPTRAIN_REQUIRE_GYMNASIUM=1`, so that there a
/// missing Gymnasium fails them instead of skipping them. The test environments are
/// `Tests/GymnasiumEnvironments/exptrain_test_envs.py`, made with Gymnasium's
/// `module:id` syntax.
final class GymnasiumBridgeTests: XCTestCase {
    private static let testEnvironments = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("GymnasiumEnvironments").path
    /// Set in every job's environment, so that a test can find the job's workers in /proc.
    private var marker = ""

    override func setUpWithError() throws {
        marker = "exptrain-bridge-test-\(UUID().uuidString)"
        setenv("EXPTRAIN_TEST_MARKER", marker, 1)
        let path = ProcessInfo.processInfo.environment["PYTHONPATH"] ?? ""
        if !path.hasPrefix(Self.testEnvironments) {
            setenv("PYTHONPATH", path.isEmpty ? Self.testEnvironments : "\(Self.testEnvironments):\(path)", 1)
        }
        try requireGymnasium()
    }

    override func tearDown() {
        // Whatever a test did, no worker of its jobs may outlive them.
        let deadline = Date().addingTimeInterval(3)
        while !workers().isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(workers(), [], "Gymnasium workers left running")
    }

    /// `exptrain rollout` plays episodes through the bridge's `nextTask()`; it is also
    /// how the tests learn whether Gymnasium is there.
    private func requireGymnasium() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let out = folder.appendingPathComponent("rollout.jsonl")
        let result = try JobRunner.exptrain(["rollout", "gym-ppo", "--seed", "3", "--episodes", "2", "--out", out.path])
        guard result.status == 0 else {
            let problem = "exptrain rollout gym-ppo failed (EXPTRAIN_PYTHON=\(ProcessInfo.processInfo.environment["EXPTRAIN_PYTHON"] ?? "python3")): \(result.standardError)"
            if ProcessInfo.processInfo.environment["EXPTRAIN_REQUIRE_GYMNASIUM"] != nil {
                XCTFail(problem)
            }
            throw XCTSkip(problem)
        }
        let lines = try jsonLines(in: out)
        XCTAssertEqual(lines.filter { $0["action"] is NSNull }.count, 2, "two episodes, each opened by its reset observation")
        XCTAssertEqual(lines.filter { $0["done"] as? Bool == true }.count, 2)
        XCTAssertTrue(lines.allSatisfy { ($0["observation"] as? [Double])?.count == 4 })
    }

    private func train(_ arguments: [String], output: URL, timeout: Double = 300) throws -> JobResult {
        try JobRunner.mpirun(np: 2, ["gym-ppo", "--quiet", "--output-dir", output.path] + arguments, timeout: timeout)
    }

    // MARK: Learning and the spaces

    /// CartPole-v1 from Gymnasium itself learns as the built-in one does: the mean return
    /// of the last 100 episodes climbs from a random policy's ~20 within 24k steps.
    func testCartPoleLearnsThroughTheBridge() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try train(["--seed", "1", "--max-steps", "24576", "--config", "env=CartPole-v1"], output: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        let records = try jsonLines(in: runFolder(folder, tag: "gym-ppo").appendingPathComponent("metrics.jsonl"))
        let returns = records.compactMap { $0["episode_return_mean100"] as? Double }
        XCTAssertEqual(records.last?["step"] as? Int, 24576)
        XCTAssertLessThan(try XCTUnwrap(returns.first), 40)
        XCTAssertGreaterThan(try XCTUnwrap(returns.last), 100, "mean100 by log point: \(returns)")
        for key in ["loss", "policy_loss", "value_loss", "entropy", "approx_kl", "steps_per_second"] {
            XCTAssertNotNil(records.last?[key] as? Double, key)
        }
        XCTAssertEqual(Set(loggedValues(result.standardError, after: "parameters ")).count, 1, result.standardError)
    }

    /// The same seed and world size give the same run; another seed, another one.
    func testTheSameSeedGivesTheSameRun() throws {
        func digest(seed: Int) throws -> String {
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try train(["--seed", String(seed), "--max-steps", "2048", "--config", "normalizeObservations=true"], output: folder)
            XCTAssertEqual(result.status, 0, result.standardError)
            let digests = loggedValues(result.standardError, after: "parameters ") + loggedValues(result.standardError, after: "normalization ")
            XCTAssertEqual(digests.count, 4, result.standardError)
            return digests.sorted().joined(separator: " ")
        }
        let first = try digest(seed: 11)
        XCTAssertEqual(try digest(seed: 11), first)
        XCTAssertNotEqual(try digest(seed: 12), first)
    }

    /// A dictionary observation (Float32, Float64 and Discrete parts), MultiDiscrete
    /// actions from a user's module (`module:id`), and Box actions (Pendulum-v1, a Gaussian
    /// policy with both normalisations) each train under mpirun -np 2.
    func testDictionaryMultiDiscreteAndBoxEnvironmentsTrain() throws {
        let runs: [(String, [String])] = [
            ("exptrain_test_envs:ExptrainTest/DictReach-v0", []),
            ("exptrain_test_envs:ExptrainTest/MultiDiscreteMatch-v0", []),
            ("Pendulum-v1", ["--config", "normalizeObservations=true", "--config", "normalizeRewards=true"]),
        ]
        for (environment, extra) in runs {
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try train(["--seed", "2", "--max-steps", "4096", "--config", "env=\(environment)"] + extra, output: folder)
            XCTAssertEqual(result.status, 0, "\(environment): \(result.standardError)")
            let records = try jsonLines(in: runFolder(folder, tag: "gym-ppo").appendingPathComponent("metrics.jsonl"))
            XCTAssertGreaterThan(records.last?["episodes"] as? Int ?? 0, 0, environment)
            XCTAssertNotNil(records.last?["episode_return"] as? Double, environment)
        }
    }

    /// The built-in MuJoCo experiment runs one update.
    func testHalfCheetahRuns() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(
            np: 2, ["halfcheetah-ppo", "--seed", "1", "--max-steps", "2048", "--quiet", "--output-dir", folder.path,
                    "--config", "updateRepeats=1"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardError.contains("2 process(es) × 1 environment(s)"), result.standardError)
    }

    /// The built-in Atari experiment: Breakout's preprocessed, stacked frames reach the
    /// Nature-CNN as bytes through the bridge, and one update leaves both ranks with the
    /// same parameters.
    func testAtariTrainsTheNatureCNNOnStackedFrames() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(
            np: 2, ["atari-ppo", "--seed", "1", "--max-steps", "256", "--quiet", "--output-dir", folder.path,
                    "--config", "numSteps=32", "--config", "updateRepeats=1"], timeout: 600)
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardError.contains("2 process(es) × 4 environment(s)"), result.standardError)
        let parameters = loggedValues(result.standardError, after: "parameters ")
        XCTAssertEqual(parameters.count, 2, result.standardError)
        XCTAssertEqual(Set(parameters).count, 1, result.standardError)
        let records = try jsonLines(in: runFolder(folder, tag: "atari-ppo").appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(records.last?["step"] as? Int, 256)
        XCTAssertNotNil(records.last?["value_loss"] as? Double, "\(records)")
    }

    // MARK: Failures

    /// Set-up mistakes end the job before training with exit code 2 and one line from
    /// every rank: no Python, no such module, no such environment, a space exptrain cannot
    /// use, an observation the experiment's model cannot read.
    func testSetUpMistakesEndTheJobWithALineFromEveryRank() throws {
        let cases: [(arguments: [String], python: String?, expected: String)] = [
            (["--config", "envImports=no_such_module_anywhere"], nil, "No module named 'no_such_module_anywhere'"),
            (["--config", "env=NoSuchEnvironment-v7"], nil, "NoSuchEnvironment"),
            (["--config", "env=exptrain_test_envs:ExptrainTest/Tuple-v0"], nil, "ExptrainTest/Tuple-v0 has the observation space Tuple("),
            (["--config", "env=exptrain_test_envs:ExptrainTest/Pixels-v0"], nil, "(image, mask) and this experiment's MLP reads Float32 observations only"),
            ([], "/no/such/python3", "the Python interpreter '/no/such/python3' (EXPTRAIN_PYTHON, default python3) not found"),
        ]
        let python = ProcessInfo.processInfo.environment["EXPTRAIN_PYTHON"]
        defer { if let python { setenv("EXPTRAIN_PYTHON", python, 1) } else { unsetenv("EXPTRAIN_PYTHON") } }
        for (arguments, interpreter, expected) in cases {
            if let interpreter { setenv("EXPTRAIN_PYTHON", interpreter, 1) }
            let folder = try JobRunner.temporaryFolder(for: self)
            let result = try train(["--seed", "1"] + arguments, output: folder, timeout: 60)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.standardError)")
            for rank in 0..<2 {
                let lines = result.standardError.split(separator: "\n").filter { $0.contains("rank \(rank) of 2") && $0.contains(expected) }
                XCTAssertEqual(lines.count, 1, "rank \(rank)'s line for \(arguments): \(result.standardError)")
            }
            XCTAssertFalse(result.standardError.contains("training gym-ppo"), "failed before training")
        }
    }

    /// A worker that raises ends the job with the rank, the environment and the Python
    /// exception's last line; the last checkpoint before it stays intact (it evaluates).
    func testARaisingWorkerEndsTheJobAndTheLastCheckpointStays() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        // 2 environments × 128 steps per rank and update: checkpoints at 1024 and 2048 steps,
        // and rank 1's environments raise at their 700th step, in the 6th update.
        let result = try train(
            ["--seed", "1", "--config", "env=exptrain_test_envs:ExptrainTest/Raising-v0",
             "--config", #"envKwargs={"raise_after": 700, "rank": 1}"#, "--config", "saveInterval=1024"],
            output: folder, timeout: 120)
        XCTAssertEqual(result.status, 1, result.standardError)
        let line = try XCTUnwrap(
            result.standardError.split(separator: "\n").first { $0.contains("ValueError: exptrain test environment raised on purpose after 700 steps") },
            result.standardError)
        XCTAssertTrue(line.contains("rank 1") && line.contains("ExptrainTest/Raising-v0"), String(line))

        let run = try runFolder(folder, tag: "gym-ppo")
        let checkpoints = try checkpointFiles(run)
        XCTAssertEqual(checkpoints.map(\.lastPathComponent), ["step-000000001024.safetensors", "step-000000002048.safetensors"])
        let files = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path)
        XCTAssertEqual(files.count, 2, "no partial checkpoint beside them: \(files)")
        let evaluation = try JobRunner.mpirun(
            np: 2, ["gym-ppo", "--mode", "test", "--checkpoint", checkpoints.last!.path, "--quiet", "--config", "env=CartPole-v1",
                    "--config", "testEpisodes=4"])
        XCTAssertEqual(evaluation.status, 0, evaluation.standardError)
        XCTAssertEqual(try evaluation.jsonLines().first?["episodes"] as? Int, 4)
    }

    /// A worker killed with SIGKILL ends the job at once, naming it.
    func testAKilledWorkerEndsTheJob() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        var killedAt: Date?
        // Once rank 1's worker runs and the first log point is written, the worker is killed
        // (from JobRunner's watch of the job; the job itself is not signalled).
        let result = try JobRunner.mpirun(
            np: 2, ["gym-ppo", "--seed", "1", "--quiet", "--output-dir", folder.path, "--env-timeout", "30"], timeout: 120,
            signal: (0, {
                guard let worker = self.workers(rank: 1).first, self.hasLogged(folder) else { return false }
                kill(worker, SIGKILL)
                killedAt = Date()
                return true
            }))
        let ended = Date()
        let killed = try XCTUnwrap(killedAt, result.standardError)
        XCTAssertEqual(result.status, 1, result.standardError)
        XCTAssertTrue(result.standardError.contains("the Gymnasium worker of rank 1 (CartPole-v1"), result.standardError)
        // Right after a log point the worker may be stepping or resetting an environment.
        XCTAssertTrue(result.standardError.contains("was killed by signal 9 during step")
                      || result.standardError.contains("was killed by signal 9 during reset"), result.standardError)
        print("gymnasium bridge: job ended \(String(format: "%.2f", ended.timeIntervalSince(killed))) s after its worker was killed")
        XCTAssertLessThan(ended.timeIntervalSince(killed), 5)
    }

    /// A batch system's preemption signals every process of the job: the workers ignore
    /// them, and the ranks stop at the next update boundary with a checkpoint (exit 75).
    func testPreemptionStopsTheRanksNotTheWorkers() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let result = try JobRunner.mpirun(
            np: 2, ["gym-ppo", "--seed", "1", "--quiet", "--output-dir", folder.path], timeout: 120,
            signal: (SIGUSR1, {
                let workers = self.workers()
                guard workers.count == 2, self.hasLogged(folder) else { return false }
                for worker in workers { kill(worker, SIGTERM); kill(worker, SIGUSR1) }
                return true
            }))
        XCTAssertEqual(result.status, 75, result.standardError)
        let run = try runFolder(folder, tag: "gym-ppo")
        XCTAssertEqual(try checkpointFiles(run).count, 1, result.standardError)
    }

    /// A worker that stops answering is killed after --env-timeout, which ends the job
    /// within that time and 5 s more.
    func testAHangingWorkerEndsTheJobWithinTheTimeout() throws {
        let folder = try JobRunner.temporaryFolder(for: self)
        let mark = folder.appendingPathComponent("sleeping-since")
        let result = try train(
            ["--seed", "1", "--env-timeout", "3", "--config", "env=exptrain_test_envs:ExptrainTest/Sleeping-v0",
             "--config", #"envKwargs={"sleep_after": 300, "rank": 1, "mark": "\#(mark.path)"}"#],
            output: folder, timeout: 120)
        let ended = Date().timeIntervalSince1970
        XCTAssertEqual(result.status, 1, result.standardError)
        XCTAssertTrue(result.standardError.contains("did not answer during step within 3 s (--env-timeout); it was killed"), result.standardError)
        XCTAssertTrue(result.standardError.contains("rank 1"), result.standardError)
        let since = try XCTUnwrap(Double(String(contentsOf: mark, encoding: .utf8)))
        print("gymnasium bridge: job ended \(String(format: "%.2f", ended - since)) s after its worker hung (--env-timeout 3)")
        XCTAssertLessThan(ended - since, 3 + 5)
        XCTAssertGreaterThan(ended - since, 3)
    }

    // MARK: Helpers

    /// Whether a run under `output` has written its first log point.
    private func hasLogged(_ output: URL) -> Bool {
        let tag = output.appendingPathComponent("gym-ppo").path
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: tag)) ?? []
        return runs.contains { FileManager.default.fileExists(atPath: "\(tag)/\($0)/metrics.jsonl") }
    }

    /// The live Gymnasium workers of this test's jobs (of `rank`, when given).
    private func workers(rank: Int? = nil) -> [Int32] {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.compactMap(Int32.init).filter { pid in
            guard let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                  let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: command, as: UTF8.self).contains("exptrain-gymnasium-worker")
            else { return false }
            let variables = Set(environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
            guard variables.contains("EXPTRAIN_TEST_MARKER=\(marker)") else { return false }
            return rank.map { variables.contains("EXPTRAIN_RANK=\($0)") } ?? true
        }.sorted()
    }
}
