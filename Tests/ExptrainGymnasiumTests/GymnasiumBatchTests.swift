import ExptrainEnvironment
import ExptrainGymnasium
import Foundation
import XCTest

/// The bridge against real Gymnasium workers: the test environments of
/// `Tests/GymnasiumEnvironments/exptrain_test_envs.py`, whose observations say exactly
/// which step of which episode they are.
///
/// They need a Python with Gymnasium (`EXPTRAIN_PYTHON`, default `python3`).
/// `scripts/test.sh` (and so CI) installs one in a venv and sets
/// `EXPTRAIN_REQUIRE_GYMNASIUM=1`, which turns a missing Gymnasium into a failure
/// instead of a skip.
final class GymnasiumBatchTests: XCTestCase {
    override func setUpWithError() throws {
        try GymnasiumTestPython.require()
    }

    private func sampler(_ id: String, seed: UInt64 = 1, episodes: Int? = nil, kwargs: String = "{}", timeout: Double = 30) throws -> GymnasiumTaskSampler {
        try GymnasiumTaskSampler(GymnasiumSamplerArgs(
            environment: try GymnasiumEnvironment(id: "exptrain_test_envs:ExptrainTest/\(id)", keywordArguments: kwargs),
            seed: seed, episodeCount: episodes, worker: GymnasiumWorkerSettings(timeout: timeout, processIndex: 0)))
    }

    private func observation(_ batch: any TaskBatch, _ e: Int) -> Observation {
        var observation = Observation(zerosOf: batch.observationSpace)
        observation.floats.withUnsafeMutableBufferPointer { floats in
            observation.bytes.withUnsafeMutableBufferPointer { bytes in batch.writeObservation(of: e, floats: floats, bytes: bytes) }
        }
        return observation
    }

    /// Same-step autoreset: the step that ends an episode shows the next episode's first
    /// observation, and the real last one (the 5th step's, truncated by the TimeLimit, or
    /// the 3rd's, terminated) is the finished episode's final observation.
    func testSameStepAutoresetKeepsTheRealFinalObservation() throws {
        let sampler = try sampler("Counting-v0")
        XCTAssertEqual(sampler.spaces.actionSpace, .discrete(count: 2))
        XCTAssertEqual(sampler.spaces.maxEpisodeSteps, 5)
        XCTAssertEqual(sampler.spaces.observationSpace.floatCount, 3)
        let batch = try XCTUnwrap(try sampler.makeBatch(environments: 2, endless: true))
        let outcome = BatchStepOutcome(environments: 2)
        // Environment 0 always plays 0 (truncated at step 5); environment 1 plays 1 (terminated at step 3).
        var finished: [FinishedEpisode] = []
        for step in 1...5 {
            try batch.step([.discrete(0), .discrete(1)], into: outcome)
            finished += outcome.finished
            XCTAssertEqual(outcome.rewards[0], Float(step))
            if step == 3 {
                XCTAssertEqual(Array(outcome.episodeEnded), [false, true])
                XCTAssertEqual(Array(outcome.terminated), [false, true])
                XCTAssertEqual(Array(observation(batch, 1).floats.prefix(2)), [0, 1], "the next episode's first observation")
            }
        }
        XCTAssertEqual(Array(outcome.episodeEnded), [true, false])
        XCTAssertEqual(Array(outcome.terminated), [false, false])
        XCTAssertEqual(Array(observation(batch, 0).floats.prefix(2)), [0, 1])
        XCTAssertEqual(finished.map(\.environment), [1, 0])
        XCTAssertEqual(finished.map(\.terminated), [true, false])
        XCTAssertEqual(finished.map { Array($0.finalObservation.floats.prefix(2)) }, [[3, 0], [5, 0]])
        XCTAssertEqual(finished.map(\.metrics.episodeReturn), [6, 15])
        XCTAssertEqual(finished.map(\.metrics.length), [3, 5])
        XCTAssertEqual(finished.map(\.metrics.success), [true, false], "the final info's is_success")
    }

    /// Each environment its own seed from the rank's; the same seed, the same episodes.
    func testSeedsAreRepeatableAndDifferPerEnvironment() throws {
        func draws(seed: UInt64) throws -> [[Float]] {
            let batch = try XCTUnwrap(try sampler("Counting-v0", seed: seed).makeBatch(environments: 3, endless: true))
            let outcome = BatchStepOutcome(environments: 3)
            var draws = [(0..<3).map { observation(batch, $0).floats[2] }]
            for _ in 0..<5 { try batch.step([.discrete(0), .discrete(0), .discrete(0)], into: outcome) }
            draws.append((0..<3).map { observation(batch, $0).floats[2] })
            return draws
        }
        let first = try draws(seed: 7)
        XCTAssertEqual(try draws(seed: 7), first)
        XCTAssertNotEqual(try draws(seed: 8), first)
        XCTAssertEqual(Set(first[0]).count, 3, "three environments, three seeds: \(first)")
        XCTAssertNotEqual(first[0], first[1], "the next episodes continue each environment's generator")
    }

    /// A finite set splits its episodes over the environments and stops each after its share.
    func testAFiniteSetEndsEachEnvironmentAfterItsShare() throws {
        let sampler = try sampler("Counting-v0", episodes: 5)
        let batch = try XCTUnwrap(try sampler.makeBatch(environments: 2, endless: false))
        let outcome = BatchStepOutcome(environments: 2)
        var finishedPerEnvironment = [0, 0]
        var steps = 0
        while batch.isActive(0) || batch.isActive(1) {
            try batch.step([.discrete(0), .discrete(0)], into: outcome)
            for episode in outcome.finished { finishedPerEnvironment[episode.environment] += 1 }
            steps += 1
            XCTAssertLessThan(steps, 100)
        }
        XCTAssertEqual(finishedPerEnvironment, [3, 2])
        XCTAssertEqual(steps, 15)
        XCTAssertNil(try self.sampler("Counting-v0", episodes: 0).makeBatch(environments: 2, endless: false))
    }

    /// Bytes stay bytes (uint8 and bool), floats beside them, in the Dict's order; a
    /// Discrete action with `start = 1` reaches the environment shifted.
    func testBytesBooleansAndDiscreteStart() throws {
        let sampler = try sampler("Pixels-v0")
        let space = sampler.spaces.observationSpace
        XCTAssertTrue(space.isDictionary)
        // Gymnasium's Dict keeps its keys sorted; the parts follow the Dict.
        XCTAssertEqual(space.parts.map(\.name), ["image", "level", "mask"])
        XCTAssertEqual(space.parts.map(\.box.elementType), [.uint8, .float32, .uint8])
        XCTAssertEqual(space.byteCount, 27)
        XCTAssertEqual(sampler.spaces.actionSpace, .discrete(count: 3))
        let batch = try XCTUnwrap(try sampler.makeBatch(environments: 1, endless: true))
        let outcome = BatchStepOutcome(environments: 1)
        try batch.step([.discrete(2)], into: outcome)
        let seen = observation(batch, 0)
        XCTAssertEqual(Array(seen.bytes.prefix(24)), (0..<24).map { UInt8(($0 + 7) % 256) })
        XCTAssertEqual(Array(seen.bytes.suffix(3)), [1, 1, 0])
        XCTAssertEqual(seen.floats, [3], "action 2 of Discrete(3, start=1) is the environment's 3")
    }

    func testMultiDiscreteActionsAndDictionaryParts() throws {
        let match = try sampler("MultiDiscreteMatch-v0")
        XCTAssertEqual(match.spaces.actionSpace, .multiDiscrete(counts: [3, 2]))
        let batch = try XCTUnwrap(try match.makeBatch(environments: 2, endless: true))
        let outcome = BatchStepOutcome(environments: 2)
        // The target is shown as two one-hots; acting on it earns 1.5 each step.
        for _ in 0..<10 {
            let actions = (0..<2).map { e -> Action in
                let o = observation(batch, e).floats
                return .multiDiscrete([o[0..<3].firstIndex(of: 1)!, o[3..<5].firstIndex(of: 1)! - 3])
            }
            try batch.step(actions, into: outcome)
            XCTAssertEqual(Array(outcome.rewards), [1.5, 1.5])
        }
        let reach = try sampler("DictReach-v0")
        XCTAssertEqual(reach.spaces.observationSpace.parts.map(\.name), ["goal", "parity", "position"])
        XCTAssertEqual(reach.spaces.observationSpace.floatCount, 6, "a Discrete(2) part is a one-hot of 2 floats")
    }

    /// `nextTask()`: one episode at a time from a one-environment batch.
    func testTasksAreEpisodes() throws {
        let sampler = try sampler("Counting-v0", episodes: 2)
        let task = try XCTUnwrap(try sampler.nextTask())
        XCTAssertEqual(task.maxSteps, 5)
        XCTAssertEqual(Array(task.currentObservation.floats.prefix(2)), [0, 0])
        var result = try task.step(action: .discrete(0))
        result = try task.step(action: .discrete(0))
        result = try task.step(action: .discrete(1))
        XCTAssertTrue(result.terminated)
        XCTAssertTrue(task.isDone)
        XCTAssertEqual(Array(result.observation.floats.prefix(2)), [3, 0], "the episode's real last observation")
        XCTAssertEqual(task.metrics(), TaskMetrics(episodeReturn: 6, length: 3, success: true))
        XCTAssertEqual(sampler.length, 1)
        let next = try XCTUnwrap(try sampler.nextTask())
        XCTAssertEqual(Array(next.currentObservation.floats.prefix(2)), [0, 1])
        for _ in 0..<5 { result = try next.step(action: .discrete(0)) }
        XCTAssertTrue(result.truncated)
        XCTAssertNil(try sampler.nextTask())
    }

    // MARK: Failures (SPEC §11)

    /// `envWrappers` wrap every environment of the worker, in order, with their kwargs: a
    /// `TimeLimit` of 2 truncates Counting-v0's 5-step episodes in all three environments.
    func testWrappersApplyInOrderToEveryEnvironment() throws {
        let sampler = try GymnasiumTaskSampler(GymnasiumSamplerArgs(
            environment: try GymnasiumEnvironment(id: "exptrain_test_envs:ExptrainTest/Counting-v0", wrappers: """
                [{"wrapper": "gymnasium.wrappers:TimeLimit", "kwargs": {"max_episode_steps": 3}},
                 {"wrapper": "gymnasium.wrappers:TimeLimit", "kwargs": {"max_episode_steps": 2}}]
                """),
            seed: 1, worker: GymnasiumWorkerSettings(timeout: 30, processIndex: 0)))
        XCTAssertEqual(sampler.spaces.maxEpisodeSteps, 2, "the outermost wrapper's limit")
        let batch = try XCTUnwrap(try sampler.makeBatch(environments: 3, endless: true))
        let outcome = BatchStepOutcome(environments: 3)
        try batch.step([.discrete(0), .discrete(0), .discrete(0)], into: outcome)
        XCTAssertEqual(outcome.finished.count, 0)
        try batch.step([.discrete(0), .discrete(0), .discrete(0)], into: outcome)
        XCTAssertEqual(outcome.finished.map(\.environment), [0, 1, 2])
        XCTAssertEqual(outcome.finished.map(\.terminated), [false, false, false])
        XCTAssertEqual(outcome.finished.map(\.metrics.length), [2, 2, 2])
    }

    /// A wrapper that cannot be imported, or that raises, is a set-up error naming it.
    func testWrapperMistakesAreUsageErrorsNamingTheWrapper() throws {
        func failure(_ wrappers: String) -> TaskError? {
            do {
                _ = try GymnasiumTaskSampler(GymnasiumSamplerArgs(
                    environment: try GymnasiumEnvironment(id: "exptrain_test_envs:ExptrainTest/Counting-v0", wrappers: wrappers), seed: 1))
                return nil
            } catch {
                return error
            }
        }
        let missing = failure(#"[{"wrapper": "gymnasium.wrappers:NoSuchWrapper"}]"#)
        XCTAssertEqual(missing?.exitCode, ExitCode.usage)
        XCTAssertTrue(missing?.message.contains("cannot wrap Gymnasium environment exptrain_test_envs:ExptrainTest/Counting-v0: wrapper 1 (gymnasium.wrappers:NoSuchWrapper)") == true,
                      "\(String(describing: missing))")
        let raising = failure(#"[{"wrapper": "gymnasium.wrappers:TimeLimit", "kwargs": {"no_such_argument": 1}}]"#)
        XCTAssertEqual(raising?.exitCode, ExitCode.usage)
        XCTAssertTrue(raising?.message.contains("wrapper 1 (gymnasium.wrappers:TimeLimit) raised: TypeError") == true, "\(String(describing: raising))")
    }

    func testSetUpMistakesAreUsageErrorsNamingTheEnvironment() throws {
        func failure(_ make: () throws -> Any) -> TaskError? {
            do {
                _ = try make()
                return nil
            } catch {
                return error as? TaskError
            }
        }
        let unsupported = failure { try self.sampler("Tuple-v0") }
        XCTAssertEqual(unsupported?.exitCode, ExitCode.usage)
        XCTAssertTrue(unsupported?.message.contains("ExptrainTest/Tuple-v0") == true && unsupported?.message.contains("Tuple(") == true, "\(String(describing: unsupported))")

        let unknown = failure { try GymnasiumTaskSampler(GymnasiumSamplerArgs(environment: try GymnasiumEnvironment(id: "NoSuchEnvironment-v3"), seed: 1)) }
        XCTAssertEqual(unknown?.exitCode, ExitCode.usage)
        XCTAssertTrue(unknown?.message.contains("NoSuchEnvironment") == true, "\(String(describing: unknown))")

        let module = failure {
            try GymnasiumTaskSampler(GymnasiumSamplerArgs(environment: try GymnasiumEnvironment(id: "CartPole-v1", imports: ["no_such_module_here"]), seed: 1))
        }
        XCTAssertEqual(module?.exitCode, ExitCode.usage)
        XCTAssertTrue(module?.message.contains("No module named 'no_such_module_here'") == true, "\(String(describing: module))")

        let python = failure {
            try GymnasiumTaskSampler(GymnasiumSamplerArgs(
                environment: try GymnasiumEnvironment(id: "CartPole-v1"), seed: 1, worker: GymnasiumWorkerSettings(python: "/no/such/python3")))
        }
        XCTAssertEqual(python?.exitCode, ExitCode.usage)
        XCTAssertTrue(python?.message.contains("/no/such/python3") == true && python?.message.contains("not found") == true, "\(String(describing: python))")

        let notPython = failure {
            try GymnasiumTaskSampler(GymnasiumSamplerArgs(
                environment: try GymnasiumEnvironment(id: "CartPole-v1"), seed: 1, worker: GymnasiumWorkerSettings(python: "/bin/false")))
        }
        XCTAssertEqual(notPython?.exitCode, ExitCode.usage)
        XCTAssertTrue(notPython?.message.contains("exited with status 1") == true, "\(String(describing: notPython))")
    }

    func testAnEnvironmentThatRaisesIsReportedWithItsException() throws {
        let batch = try XCTUnwrap(try sampler("Raising-v0", kwargs: #"{"raise_after": 2}"#).makeBatch(environments: 2, endless: true))
        let outcome = BatchStepOutcome(environments: 2)
        try batch.step([.discrete(0), .discrete(0)], into: outcome)
        XCTAssertThrowsError(try batch.step([.discrete(0), .discrete(0)], into: outcome)) { error in
            let message = "\(error)"
            XCTAssertEqual((error as? TaskError)?.exitCode, ExitCode.failure)
            XCTAssertTrue(message.contains("ValueError: exptrain test environment raised on purpose after 2 steps"), message)
            XCTAssertTrue(message.contains("ExptrainTest/Raising-v0") && message.contains("rank 0"), message)
        }
    }

    func testAWorkerThatHangsIsKilledAfterTheTimeout() throws {
        let batch = try XCTUnwrap(
            try sampler("Sleeping-v0", kwargs: #"{"sleep_after": 2}"#, timeout: 1).makeBatch(environments: 1, endless: true) as? GymnasiumTaskBatch)
        let outcome = BatchStepOutcome(environments: 1)
        try batch.step([.discrete(0)], into: outcome)
        let start = Date()
        XCTAssertThrowsError(try batch.step([.discrete(0)], into: outcome)) { error in
            XCTAssertTrue("\(error)".contains("did not answer during step within 1 s (--env-timeout)"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)
        XCTAssertFalse(isRunning(batch.workerProcessIdentifier), "the hanging worker was killed")
    }

    func testAWorkerKilledFromOutsideIsReported() throws {
        let batch = try XCTUnwrap(try sampler("Counting-v0").makeBatch(environments: 1, endless: true) as? GymnasiumTaskBatch)
        let outcome = BatchStepOutcome(environments: 1)
        try batch.step([.discrete(0)], into: outcome)
        kill(batch.workerProcessIdentifier, SIGKILL)
        XCTAssertThrowsError(try batch.step([.discrete(0)], into: outcome)) { error in
            XCTAssertTrue("\(error)".contains("was killed by signal 9 during step"), "\(error)")
        }
    }

    func testAWorkerEndsWithItsBatch() throws {
        var batch = try XCTUnwrap(try sampler("Counting-v0").makeBatch(environments: 1, endless: true) as? GymnasiumTaskBatch)
        let pid = batch.workerProcessIdentifier
        XCTAssertTrue(isRunning(pid))
        batch = try XCTUnwrap(try sampler("Counting-v0").makeBatch(environments: 1, endless: true) as? GymnasiumTaskBatch)
        XCTAssertFalse(isRunning(pid))
        XCTAssertTrue(isRunning(batch.workerProcessIdentifier))
    }

    private func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0
    }
}

/// Finds the Python the bridge tests use and puts the test environments on its path.
enum GymnasiumTestPython {
    static let environmentsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("GymnasiumEnvironments").path

    /// Skips the test when no Python with Gymnasium ≥ 1.1 (and the given `modules`) is
    /// there, or fails it when `EXPTRAIN_REQUIRE_GYMNASIUM` is set (as `scripts/test.sh`
    /// sets it, after installing `scripts/common.sh`'s venv).
    static func require(modules: [String] = []) throws {
        let environment = ProcessInfo.processInfo.environment
        let path = environment["PYTHONPATH"].map { "\(environmentsFolder):\($0)" } ?? environmentsFolder
        if !(environment["PYTHONPATH"] ?? "").hasPrefix(environmentsFolder) { setenv("PYTHONPATH", path, 1) }
        let absent = modules.first { !imports("import \($0)") }
        if let problem = missing ?? absent.map({ "\(GymnasiumWorkerSettings.defaultPython) (EXPTRAIN_PYTHON) cannot import \($0)" }) {
            if environment["EXPTRAIN_REQUIRE_GYMNASIUM"] != nil {
                XCTFail("EXPTRAIN_REQUIRE_GYMNASIUM is set, but \(problem)")
                throw XCTSkip(problem)
            }
            throw XCTSkip("\(problem); scripts/test.sh installs it into .venv-gym")
        }
    }

    private static let missing: String? = {
        let python = GymnasiumWorkerSettings.defaultPython
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", "pass"]
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return "cannot run \(python): \(error)"
        }
        return imports("import gymnasium.vector; gymnasium.vector.AutoresetMode") ? nil : "\(python) (EXPTRAIN_PYTHON) has no Gymnasium ≥ 1.1"
    }()

    /// Whether the bridge's Python runs `code` (some imports) without an error.
    private static func imports(_ code: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [GymnasiumWorkerSettings.defaultPython, "-c", code]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
