import ExptrainEnvironment
import XCTest

/// An error a test task throws from `step`.
private struct EnvironmentFailure: Error, Equatable {
    let task: Int
    let step: Int
}

/// How one test episode behaves.
private struct Episode {
    var id: Int
    /// Steps until the episode ends.
    var length: Int
    /// Ends by its own rules at `length` (else truncated there).
    var terminates: Bool = true
    /// Throws instead of taking this step (1-based), if set.
    var failsAtStep: Int? = nil
}

/// A task whose observation says which episode it is and how far it got: floats
/// `[id, steps]`, bytes `[id, steps]`. The reward for action `a` is `a + id/10`.
private final class CountingTask: ExptrainEnvironment.Task {
    static let space = ObservationSpace.dictionary([
        ObservationPart("state", Box(shape: [2], low: 0, high: 1_000)),
        ObservationPart("tag", Box(shape: [2], low: 0, high: 255, elementType: .uint8)),
    ])
    private(set) var episode: Episode
    let actionSpace: ActionSpace
    let observationSpace = CountingTask.space
    private(set) var currentObservation: Observation
    private(set) var numStepsTaken = 0
    var maxSteps: Int { episode.length }
    private(set) var isDone = false
    private var episodeReturn = 0.0
    private(set) var receivedActions: [Action] = []

    init(_ episode: Episode, actionSpace: ActionSpace = .discrete(count: 3)) {
        self.episode = episode
        self.actionSpace = actionSpace
        currentObservation = Observation(floats: [Float(episode.id), 0], bytes: [UInt8(episode.id), 0])
    }

    func step(action: Action) throws -> StepResult {
        precondition(!isDone, "a finished task was stepped")
        receivedActions.append(action)
        if episode.failsAtStep == numStepsTaken + 1 { throw EnvironmentFailure(task: episode.id, step: numStepsTaken + 1) }
        guard let index = action.index else { throw TaskError("CountingTask takes a discrete action") }
        numStepsTaken += 1
        currentObservation.floats[1] = Float(numStepsTaken)
        currentObservation.bytes[1] = UInt8(numStepsTaken)
        let reward = Float(index) + Float(episode.id) / 10
        episodeReturn += Double(reward)
        isDone = numStepsTaken >= episode.length
        return StepResult(
            observation: currentObservation, reward: reward,
            terminated: isDone && episode.terminates, truncated: isDone && !episode.terminates)
    }

    func metrics() -> TaskMetrics { TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken, success: episode.terminates) }

    /// Starts `episode` in this task, as `init` would.
    func restart(_ episode: Episode) {
        self.episode = episode
        numStepsTaken = 0
        isDone = false
        episodeReturn = 0
        receivedActions.removeAll()
        currentObservation.floats = [Float(episode.id), 0]
        currentObservation.bytes = [UInt8(episode.id), 0]
    }

    func expertAction() -> Action? { .discrete(episode.id % 3) }
}

/// Hands out `episodes` in order; then, if `endless`, episodes of length 100 with ids
/// continuing from the last; otherwise `nil`.
private final class ListSampler: TaskSampler {
    private let episodes: [Episode]
    private let endless: Bool
    private let actionSpace: ActionSpace
    private var next = 0
    private(set) var handedOut: [Int] = []

    init(_ episodes: [Episode], endless: Bool = false, actionSpace: ActionSpace = .discrete(count: 3)) {
        self.episodes = episodes
        self.endless = endless
        self.actionSpace = actionSpace
    }

    func nextTask() throws -> CountingTask? {
        defer { next += 1 }
        let episode: Episode
        if next < episodes.count {
            episode = episodes[next]
        } else if endless {
            episode = Episode(id: next, length: 100)
        } else {
            return nil
        }
        handedOut.append(episode.id)
        return CountingTask(episode, actionSpace: actionSpace)
    }

    var length: Int? { endless ? nil : max(0, episodes.count - next) }
    var totalUnique: Int? { endless ? nil : episodes.count }
    func reset() { next = 0 }
    func setSeed(_ seed: UInt64) {}
}

/// A `ListSampler` that restarts each task it is offered with its next episode, and
/// remembers the tasks it was offered.
private final class ReusingListSampler: TaskSampler {
    private let list: ListSampler
    private(set) var offered: [ObjectIdentifier] = []

    init(_ episodes: [Episode], endless: Bool = false) { list = ListSampler(episodes, endless: endless) }

    var handedOut: [Int] { list.handedOut }
    func nextTask() throws -> CountingTask? { try list.nextTask() }

    func nextTask(reusing finished: any ExptrainEnvironment.Task) throws -> CountingTask? {
        offered.append(ObjectIdentifier(finished))
        guard let task = finished as? CountingTask, let next = try list.nextTask() else { return nil }
        task.restart(next.episode)
        return task
    }

    var length: Int? { list.length }
    var totalUnique: Int? { list.totalUnique }
    func reset() { list.reset() }
    func setSeed(_ seed: UInt64) {}
}

/// A sampler whose tasks cannot be made.
private final class BrokenSampler: TaskSampler {
    func nextTask() throws -> CountingTask? { throw EnvironmentFailure(task: -1, step: 0) }
    var length: Int? { nil }
    var totalUnique: Int? { nil }
    func reset() {}
    func setSeed(_ seed: UInt64) {}
}

final class TaskBatchTests: XCTestCase {
    private func assertClose(_ actual: [Float], _ expected: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (a, b) in zip(actual, expected) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(actual) vs \(expected)", file: file, line: line) }
    }

    /// The floats and bytes `writeObservation` gives for each environment.
    private func observations(_ batch: any TaskBatch) -> [(floats: [Float], bytes: [UInt8])] {
        (0..<batch.count).map { e in
            var floats: [Float] = [-1, -1]
            var bytes: [UInt8] = [99, 99]
            floats.withUnsafeMutableBufferPointer { f in
                bytes.withUnsafeMutableBufferPointer { b in batch.writeObservation(of: e, floats: f, bytes: b) }
            }
            return (floats, bytes)
        }
    }

    func testEndlessBatchReplacesFinishedTasksInEnvironmentOrder() throws {
        let sampler = ListSampler([
            Episode(id: 0, length: 2, terminates: true),
            Episode(id: 1, length: 1, terminates: false),
            Episode(id: 2, length: 2, terminates: false),
        ], endless: true)
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: sampler, environments: 3, endless: true))
        XCTAssertEqual(batch.count, 3)
        XCTAssertEqual(batch.actionSpace, .discrete(count: 3))
        XCTAssertEqual(batch.observationSpace, CountingTask.space)
        XCTAssertEqual(sampler.handedOut, [0, 1, 2])
        XCTAssertEqual(observations(batch).map(\.floats), [[0, 0], [1, 0], [2, 0]])
        XCTAssertEqual(batch.expertAction(of: 2), .discrete(2))

        let outcome = BatchStepOutcome(environments: 3)
        // Step 1: environment 1's episode (truncated) ends; task 3 takes its place.
        try batch.step([.discrete(2), .discrete(1), .discrete(0)], into: outcome)
        assertClose(Array(outcome.rewards), [2, 1.1, 0.2])
        XCTAssertEqual(Array(outcome.episodeEnded), [false, true, false])
        XCTAssertEqual(outcome.finished.count, 1)
        let first = try XCTUnwrap(outcome.finished.first)
        XCTAssertEqual(first.environment, 1)
        XCTAssertFalse(first.terminated)
        XCTAssertEqual(first.metrics.length, 1)
        XCTAssertEqual(first.metrics.episodeReturn, Double(Float(1.1)), accuracy: 1e-9)
        XCTAssertEqual(first.finalObservation, Observation(floats: [1, 1], bytes: [1, 1]))
        XCTAssertEqual(sampler.handedOut, [0, 1, 2, 3])
        XCTAssertEqual(observations(batch).map(\.floats), [[0, 1], [3, 0], [2, 1]])
        XCTAssertEqual(observations(batch).map(\.bytes), [[0, 1], [3, 0], [2, 1]])
        XCTAssertEqual(batch.expertAction(of: 1), .discrete(0), "environment 1 now runs task 3")
        XCTAssertTrue((0..<3).allSatisfy(batch.isActive))

        // Step 2: environments 0 (terminated) and 2 (truncated) end together; the next tasks
        // go to them in environment order: task 4 to environment 0, task 5 to environment 2.
        try batch.step([.discrete(1), .discrete(2), .discrete(2)], into: outcome)
        assertClose(Array(outcome.rewards), [1, 2.3, 2.2])
        XCTAssertEqual(Array(outcome.episodeEnded), [true, false, true])
        XCTAssertEqual(outcome.finished.map(\.environment), [0, 2])
        XCTAssertEqual(outcome.finished.map(\.terminated), [true, false])
        XCTAssertEqual(outcome.finished.map(\.metrics.length), [2, 2])
        XCTAssertEqual(outcome.finished[0].metrics.episodeReturn, 2 + 1, accuracy: 1e-6)
        XCTAssertEqual(outcome.finished[1].metrics.episodeReturn, Double(Float(0.2)) + Double(Float(2.2)), accuracy: 1e-6)
        XCTAssertEqual(outcome.finished[0].metrics.success, true)
        XCTAssertEqual(outcome.finished[1].metrics.success, false)
        XCTAssertEqual(outcome.finished[0].finalObservation, Observation(floats: [0, 2], bytes: [0, 2]))
        XCTAssertEqual(outcome.finished[1].finalObservation, Observation(floats: [2, 2], bytes: [2, 2]))
        XCTAssertEqual(sampler.handedOut, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(observations(batch).map(\.floats), [[4, 0], [3, 1], [5, 0]])
        XCTAssertEqual(batch.tasks.map { ($0 as? CountingTask)?.episode.id }, [4, 3, 5])

        // Step 3: nothing ends; the outcome's buffers are cleared first.
        try batch.step([.discrete(0), .discrete(0), .discrete(0)], into: outcome)
        XCTAssertEqual(Array(outcome.episodeEnded), [false, false, false])
        XCTAssertTrue(outcome.finished.isEmpty)
        assertClose(Array(outcome.rewards), [0.4, 0.3, 0.5])
    }

    func testABatchOffersEachEndedTaskToItsSamplerAndKeepsItsFinalObservation() throws {
        let episodes = [
            Episode(id: 0, length: 2, terminates: false), Episode(id: 1, length: 1, terminates: false),
            Episode(id: 2, length: 1), Episode(id: 3, length: 3),
        ]
        let sampler = ReusingListSampler(episodes, endless: true)
        let plain = ListSampler(episodes, endless: true)
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: sampler, environments: 2, endless: true))
        let reference = try XCTUnwrap(try SequentialTaskBatch(sampler: plain, environments: 2, endless: true))
        let storage = batch.tasks.map { ObjectIdentifier($0!) }
        let outcome = BatchStepOutcome(environments: 2), expected = BatchStepOutcome(environments: 2)
        for step in 0..<3 {
            try batch.step([.discrete(1), .discrete(2)], into: outcome)
            try reference.step([.discrete(1), .discrete(2)], into: expected)
            XCTAssertEqual(Array(outcome.rewards), Array(expected.rewards), "step \(step)")
            XCTAssertEqual(Array(outcome.episodeEnded), Array(expected.episodeEnded))
            XCTAssertEqual(outcome.finished.map(\.environment), expected.finished.map(\.environment))
            XCTAssertEqual(outcome.finished.map(\.metrics), expected.finished.map(\.metrics))
            XCTAssertEqual(
                outcome.finished.map(\.finalObservation), expected.finished.map(\.finalObservation),
                "the final observation survives the task's restart")
            XCTAssertEqual(observations(batch).map(\.floats), observations(reference).map(\.floats))
        }
        // Step 0 ends environment 1 (episode 1), step 1 both (episodes 0 and 2).
        XCTAssertEqual(sampler.offered, [storage[1], storage[0], storage[1]])
        XCTAssertEqual(batch.tasks.map { ObjectIdentifier($0!) }, storage, "the batch runs in its first tasks throughout")
        XCTAssertEqual(sampler.handedOut, plain.handedOut)

        try batch.startNextTask(in: 0)
        XCTAssertEqual(sampler.offered.last, storage[0], "an abandoned task is offered too")
    }

    func testEachTaskReceivesItsOwnEnvironmentsAction() throws {
        let sampler = ListSampler([Episode(id: 0, length: 5), Episode(id: 1, length: 5)])
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: sampler, environments: 2, endless: false))
        let outcome = BatchStepOutcome(environments: 2)
        try batch.step([.discrete(2), .discrete(0)], into: outcome)
        try batch.step([.discrete(1), .discrete(2)], into: outcome)
        XCTAssertEqual((batch.tasks[0] as? CountingTask)?.receivedActions, [.discrete(2), .discrete(1)])
        XCTAssertEqual((batch.tasks[1] as? CountingTask)?.receivedActions, [.discrete(0), .discrete(2)])
    }

    func testFiniteBatchDeactivatesEnvironmentsWhenTheSetRunsOut() throws {
        let sampler = ListSampler([Episode(id: 0, length: 1), Episode(id: 1, length: 3), Episode(id: 2, length: 1)])
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: sampler, environments: 2, endless: false))
        let outcome = BatchStepOutcome(environments: 2)

        try batch.step([.discrete(0), .discrete(0)], into: outcome)  // task 0 ends; task 2 replaces it
        XCTAssertEqual(outcome.finished.map(\.environment), [0])
        XCTAssertTrue(batch.isActive(0))
        XCTAssertEqual(observations(batch)[0].floats, [2, 0])

        try batch.step([.discrete(1), .discrete(1)], into: outcome)  // task 2 ends; the set is exhausted
        XCTAssertEqual(outcome.finished.map(\.environment), [0])
        XCTAssertEqual(outcome.finished.first?.finalObservation.floats, [2, 1])
        XCTAssertFalse(batch.isActive(0))
        XCTAssertTrue(batch.isActive(1))
        XCTAssertNil(batch.expertAction(of: 0))

        // An inactive environment is skipped: its action is ignored (even one the task would
        // reject), its reward is 0, and its observation slot is left alone.
        try batch.step([.continuous([1]), .discrete(2)], into: outcome)
        assertClose(Array(outcome.rewards), [0, 2.1])
        XCTAssertEqual(Array(outcome.episodeEnded), [false, true])
        XCTAssertEqual(outcome.finished.map(\.environment), [1])
        XCTAssertEqual(outcome.finished.first?.metrics.length, 3)
        XCTAssertFalse(batch.isActive(1))
        XCTAssertEqual(observations(batch)[0].floats, [-1, -1])
        XCTAssertEqual(observations(batch)[0].bytes, [99, 99])

        try batch.step([.discrete(0), .discrete(0)], into: outcome)
        assertClose(Array(outcome.rewards), [0, 0])
        XCTAssertTrue(outcome.finished.isEmpty)
    }

    func testFiniteBatchWithFewerTasksThanEnvironmentsStartsSomeInactive() throws {
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: ListSampler([Episode(id: 7, length: 2)]), environments: 3, endless: false))
        XCTAssertEqual(batch.count, 3)
        XCTAssertEqual((0..<3).map(batch.isActive), [true, false, false])
    }

    func testSamplerWithNoTaskGivesNoFiniteBatch() throws {
        XCTAssertNil(try SequentialTaskBatch(sampler: ListSampler([]), environments: 4, endless: false))
        XCTAssertNil(try ListSampler([]).batch(environments: 2, endless: false))
        XCTAssertNotNil(try ListSampler([Episode(id: 0, length: 1)]).batch(environments: 2, endless: false))
    }

    func testEndlessBatchThrowsWhenTheSamplerRunsOut() throws {
        // At the start: two tasks for three environments.
        XCTAssertThrowsError(try SequentialTaskBatch(
            sampler: ListSampler([Episode(id: 0, length: 1), Episode(id: 1, length: 1)]), environments: 3, endless: true)
        ) { error in
            XCTAssertEqual((error as? TaskError)?.exitCode, ExitCode.usage, "\(error)")
        }
        XCTAssertThrowsError(try ListSampler([]).trainingBatch(environments: 1)) { error in
            XCTAssertTrue(error is TaskError, "\(error)")
        }

        // Later: the third task replaces the first, and nothing is left for the second.
        let sampler = ListSampler([Episode(id: 0, length: 1), Episode(id: 1, length: 2), Episode(id: 2, length: 5)])
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: sampler, environments: 2, endless: true))
        let outcome = BatchStepOutcome(environments: 2)
        try batch.step([.discrete(0), .discrete(0)], into: outcome)
        XCTAssertEqual(batch.tasks.map { ($0 as? CountingTask)?.episode.id }, [2, 1])
        XCTAssertThrowsError(try batch.step([.discrete(0), .discrete(0)], into: outcome)) { error in
            let taskError = error as? TaskError
            XCTAssertNotNil(taskError, "\(error)")
            XCTAssertEqual(taskError?.exitCode, ExitCode.usage)
        }
    }

    func testErrorsOfTasksAndSamplersPropagate() throws {
        let sampler = ListSampler([Episode(id: 0, length: 5), Episode(id: 1, length: 5, failsAtStep: 2)])
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: sampler, environments: 2, endless: false))
        let outcome = BatchStepOutcome(environments: 2)
        try batch.step([.discrete(0), .discrete(0)], into: outcome)
        XCTAssertThrowsError(try batch.step([.discrete(0), .discrete(0)], into: outcome)) { error in
            XCTAssertEqual(error as? EnvironmentFailure, EnvironmentFailure(task: 1, step: 2))
        }
        // A task's own TaskError comes through unchanged.
        XCTAssertThrowsError(try batch.step([.multiDiscrete([0]), .discrete(0)], into: outcome)) { error in
            XCTAssertEqual((error as? TaskError)?.message, "CountingTask takes a discrete action")
        }
        XCTAssertThrowsError(try SequentialTaskBatch(sampler: BrokenSampler(), environments: 1, endless: true)) { error in
            XCTAssertEqual(error as? EnvironmentFailure, EnvironmentFailure(task: -1, step: 0))
        }
    }

    func testBatchOfAnInvalidActionSpaceIsRejected() {
        let sampler = ListSampler([Episode(id: 0, length: 1)], endless: true, actionSpace: .discrete(count: 0))
        XCTAssertThrowsError(try SequentialTaskBatch(sampler: sampler, environments: 1, endless: true)) { error in
            XCTAssertTrue(error is SpaceError, "\(error)")
        }
    }

    func testStartNextTaskAbandonsTheEpisode() throws {
        let sampler = ListSampler([Episode(id: 0, length: 5), Episode(id: 1, length: 5)], endless: true)
        let batch = try XCTUnwrap(try SequentialTaskBatch(sampler: sampler, environments: 2, endless: true))
        let outcome = BatchStepOutcome(environments: 2)
        try batch.step([.discrete(0), .discrete(0)], into: outcome)
        try batch.startNextTask(in: 0)
        XCTAssertEqual(observations(batch).map(\.floats), [[2, 0], [1, 1]])
        try batch.step([.discrete(1), .discrete(1)], into: outcome)
        XCTAssertTrue(outcome.finished.isEmpty, "an abandoned episode is not reported as finished")
        assertClose(Array(outcome.rewards), [1.2, 1.1])
    }
}
