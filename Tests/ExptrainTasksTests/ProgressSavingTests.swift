import ExptrainEnvironment
import ExptrainRandom
import ExptrainTasks
import XCTest

/// Every built-in task and sampler saves its state in progress and, restored into one made
/// from another seed, continues bit for bit as the saved one does.
final class ProgressSavingTests: XCTestCase {
    /// Steps a task of `make(1)`'s sampler `before` times, saves task and sampler, restores
    /// both into `make(99)`'s, then compares the rest of the episode and the next tasks.
    private func checkResumesExactly<Sampler: TaskSampler & ProgressSaving>(
        _ make: (UInt64) -> Sampler, before: Int = 7, action: (Int) -> Action, file: StaticString = #filePath, line: UInt = #line
    ) throws where Sampler.SampledTask: ProgressSaving {
        let original = make(1)
        _ = try original.nextTask()
        let task = try XCTUnwrap(try original.nextTask())
        for i in 0..<before where !task.isDone { _ = try task.step(action: action(i)) }

        let copySampler = make(99)
        let copy = try XCTUnwrap(try copySampler.nextTask())
        XCTAssertNotEqual(copy.savedProgress, task.savedProgress, "the other seed starts elsewhere", file: file, line: line)
        try copy.restoreProgress(task.savedProgress)
        try copySampler.restoreProgress(original.savedProgress)
        XCTAssertEqual(copy.savedProgress, task.savedProgress, file: file, line: line)
        XCTAssertEqual(bits(copy.currentObservation), bits(task.currentObservation), file: file, line: line)

        var i = before
        while !task.isDone && i < before + 400 {
            let act = action(i)
            let (a, b) = (try task.step(action: act), try copy.step(action: act))
            XCTAssertEqual(bits(a.observation), bits(b.observation), "step \(i)", file: file, line: line)
            XCTAssertEqual(a.reward.bitPattern, b.reward.bitPattern, "step \(i)", file: file, line: line)
            XCTAssertEqual([a.terminated, a.truncated], [b.terminated, b.truncated], "step \(i)", file: file, line: line)
            i += 1
        }
        XCTAssertEqual(copy.isDone, task.isDone, file: file, line: line)
        XCTAssertEqual(copy.metrics(), task.metrics(), file: file, line: line)
        for _ in 0..<3 {
            let (next, nextCopy) = (try XCTUnwrap(try original.nextTask()), try XCTUnwrap(try copySampler.nextTask()))
            XCTAssertEqual(nextCopy.savedProgress, next.savedProgress, file: file, line: line)
        }
    }

    private func bits(_ observation: Observation) -> [UInt32] {
        observation.floats.map(\.bitPattern) + observation.bytes.map { UInt32($0) }
    }

    func testCartPoleResumesExactly() throws {
        try checkResumesExactly({ CartPoleTaskSampler(seed: $0) }, action: { .discrete($0 % 3 == 0 ? 0 : 1) })
    }

    func testClassicControlTasksResumeExactly() throws {
        try checkResumesExactly({ AcrobotTaskSampler(seed: $0) }, action: { .discrete($0 % 3) })
        try checkResumesExactly({ MountainCarTaskSampler(seed: $0) }, action: { .discrete(($0 / 5) % 3) })
        try checkResumesExactly({ MountainCarContinuousTaskSampler(seed: $0) }, action: { .continuous([Float(sin(Double($0)))]) })
        try checkResumesExactly({ PendulumTaskSampler(seed: $0) }, action: { .continuous([2 * Float(cos(Double($0)))]) })
    }

    /// Also before the first step: MountainCarContinuous steps its float64 start state first, float32 after.
    func testATaskSavedBeforeItsFirstStepResumesExactly() throws {
        try checkResumesExactly({ MountainCarContinuousTaskSampler(seed: $0) }, before: 0, action: { .continuous([Float($0 % 2)]) })
    }

    /// DoorKey with the expert's actions: the key is picked up and the door opened before the save.
    func testMiniGridResumesExactlyWithTheGridsChanges() throws {
        for environment in [MiniGridEnvironment.emptyRandom5x5, .doorKey5x5, .doorKey8x8] {
            var rng = RandomGenerator(seed: 5)
            try checkResumesExactly({ MiniGridTaskSampler(environment: environment, seed: $0) }, before: 12, action: { _ in .discrete(rng.nextInt(below: 7)) })
        }
        let sampler = MiniGridTaskSampler(environment: .doorKey5x5, seed: 3)
        let task = try XCTUnwrap(sampler.nextTask())
        while task.carrying == nil, let expert = task.expertAction() { _ = try task.step(action: expert) }
        let copy = try XCTUnwrap(MiniGridTaskSampler(environment: .doorKey5x5, seed: 4).nextTask())
        try copy.restoreProgress(task.savedProgress)
        XCTAssertEqual(copy.carrying, .key(.yellow))
        XCTAssertEqual(copy.grid, task.grid)
        while !task.isDone, let expert = task.expertAction() {
            XCTAssertEqual(copy.expertAction(), expert)
            XCTAssertEqual(try copy.step(action: expert).reward, try task.step(action: expert).reward)
        }
        XCTAssertEqual(copy.metrics(), task.metrics())
        XCTAssertEqual(copy.metrics().success, true)
    }

    /// Saved after bricks broke and sticky actions drew: the bricks, the ball, its trail, the
    /// paddle, the last executed action and the episode's generator come back.
    func testMinAtarBreakoutResumesExactly() throws {
        var rng = RandomGenerator(seed: 3)
        try checkResumesExactly({ MinAtarBreakoutTaskSampler(seed: $0) }, before: 5, action: { _ in .discrete(rng.nextInt(below: 3)) })
        try checkResumesExactly({ MinAtarBreakoutTaskSampler(seed: $0, stickyActionProbability: 0.5, maxSteps: 90) }, before: 0, action: { .discrete($0 % 3) })

        // A paddle that follows the ball breaks bricks; saved after three, with sticky draws behind.
        let task = try XCTUnwrap(MinAtarBreakoutTaskSampler(seed: 1).nextTask())
        let follow = { (game: MinAtarBreakoutGame) -> Action in
            // Where the ball crosses row 8, folded at the walls as MinAtar's clamp-and-reflect does.
            let steps = game.ballDirection >= 2 ? 8 - game.ballY : 0
            let x = game.ballX + (game.ballDirection == 1 || game.ballDirection == 2 ? steps : -steps)
            let target = x > 9 ? 19 - x : x < 0 ? -x - 1 : x
            return .discrete(game.paddle > target ? 1 : game.paddle < target ? 2 : 0)
        }
        while task.metrics().episodeReturn < 3, !task.isDone { _ = try task.step(action: follow(task.game)) }
        XCTAssertEqual(task.metrics().episodeReturn, 3, "three bricks broke")
        let copy = try XCTUnwrap(MinAtarBreakoutTaskSampler(seed: 2).nextTask())
        try copy.restoreProgress(task.savedProgress)
        XCTAssertEqual(copy.game, task.game)
        XCTAssertEqual(copy.currentObservation.bytes, task.currentObservation.bytes)
        for _ in 0..<300 where !task.isDone {
            let action = follow(task.game)
            let (a, b) = (try task.step(action: action), try copy.step(action: action))
            XCTAssertEqual(b.observation.bytes, a.observation.bytes)
            XCTAssertEqual([b.reward], [a.reward])
            XCTAssertEqual([b.terminated, b.truncated], [a.terminated, a.truncated])
        }
        XCTAssertEqual(copy.metrics(), task.metrics())
        XCTAssertGreaterThan(task.metrics().episodeReturn, 3, "more bricks broke after the restore")
    }

    func testPixelGoalResumesExactly() throws {
        try checkResumesExactly({ PixelGoalTaskSampler(size: 5, seed: $0) }, before: 3, action: { .discrete(($0 / 2) % 4) })
        try checkResumesExactly({ PixelGoalTaskSampler(size: 7, seed: $0) }, before: 0, action: { .discrete($0 % 4) })
        let task = try XCTUnwrap(PixelGoalTaskSampler(size: 5, seed: 1).nextTask())
        _ = try task.step(action: .discrete(0))
        let copy = try XCTUnwrap(PixelGoalTaskSampler(size: 5, seed: 2).nextTask())
        try copy.restoreProgress(task.savedProgress)
        XCTAssertTrue(copy.goal == task.goal && copy.agent == task.agent)
        XCTAssertEqual(copy.currentObservation.bytes.filter { $0 != 0 }.count, 1, "the old goal is cleared")
        while let expert = task.expertAction() {
            XCTAssertEqual(copy.expertAction(), expert)
            XCTAssertEqual(try copy.step(action: expert).reward, try task.step(action: expert).reward)
        }
        XCTAssertEqual(copy.metrics().success, true)
    }

    func testWordsASamplerOrTaskCannotHaveSavedAreRefused() throws {
        let cartPole = CartPoleTask(initialState: CartPoleState(x: 0, xDot: 0, theta: 0, thetaDot: 0))
        XCTAssertThrowsError(try cartPole.restoreProgress(Array(cartPole.savedProgress.dropLast())))
        XCTAssertThrowsError(try cartPole.restoreProgress(cartPole.savedProgress + [0]))
        let sampler = CartPoleTaskSampler(seed: 1)
        var words = sampler.savedProgress
        words.replaceSubrange(2..<6, with: [0, 0, 0, 0])
        XCTAssertThrowsError(try sampler.restoreProgress(words)) { XCTAssertTrue("\($0)".contains("all-zero generator state")) }
        let finite = CartPoleTaskSampler(seed: 1, episodeCount: 3)
        words = finite.savedProgress
        words[1] = 4
        XCTAssertThrowsError(try finite.restoreProgress(words), "more tasks issued than the set has")

        let miniGrid = try XCTUnwrap(MiniGridTaskSampler(environment: .doorKey5x5, seed: 1).nextTask())
        words = miniGrid.savedProgress
        words[words.count - 1] = 9 << 16
        XCTAssertThrowsError(try miniGrid.restoreProgress(words)) { XCTAssertTrue("\($0)".contains("encodes no object")) }
        words = miniGrid.savedProgress
        words[4] = 5
        XCTAssertThrowsError(try miniGrid.restoreProgress(words), "the agent outside a 5×5 grid")

        let breakout = MinAtarBreakoutTask(seed: 1)
        let saved = breakout.savedProgress
        XCTAssertThrowsError(try breakout.restoreProgress(Array(saved.dropLast()))) { XCTAssertTrue("\($0)".contains("ends after")) }
        XCTAssertThrowsError(try breakout.restoreProgress(saved + [0])) { XCTAssertTrue("\($0)".contains("too many")) }
        for (index, value, reason) in [(3, 0, "all-zero"), (7, 6, "a sticky action above 5"), (8, 10, "the ball off the grid"),
                                       (10, 4, "a direction above 3"), (14, 2, "a strike flag of 2"), (17, 1 << 36, "a brick past cell 99")] {
            words = saved
            if reason == "all-zero" { words.replaceSubrange(3..<7, with: [0, 0, 0, 0]) } else { words[index] = UInt64(value) }
            XCTAssertThrowsError(try breakout.restoreProgress(words), reason) { XCTAssertTrue("\($0)".contains("MinAtar Breakout")) }
        }
        XCTAssertEqual(breakout.savedProgress, saved, "a refused restore changes nothing")
        let breakoutSampler = MinAtarBreakoutTaskSampler(seed: 1, episodeCount: 2)
        words = breakoutSampler.savedProgress
        words[1] = 3
        XCTAssertThrowsError(try breakoutSampler.restoreProgress(words), "more tasks issued than the set has")

        let pixelGoal = try XCTUnwrap(PixelGoalTaskSampler(size: 5, seed: 1).nextTask())
        for (index, value) in [(0, 21), (1, 2), (4, 5), (7, 5)] {
            words = pixelGoal.savedProgress
            words[index] = UInt64(value)
            XCTAssertThrowsError(try pixelGoal.restoreProgress(words), "word \(index) = \(value)") { XCTAssertTrue("\($0)".contains("pixel-goal")) }
        }
        XCTAssertThrowsError(try pixelGoal.restoreProgress(Array(pixelGoal.savedProgress.dropLast())))
        let pixelSampler = PixelGoalTaskSampler(size: 5, seed: 1)
        words = pixelSampler.savedProgress
        words.replaceSubrange(2..<6, with: [0, 0, 0, 0])
        XCTAssertThrowsError(try pixelSampler.restoreProgress(words)) { XCTAssertTrue("\($0)".contains("all-zero generator state")) }
    }

    /// A batch restores its sampler and every running task: stepped on, both batches
    /// finish the same episodes and start the same next ones.
    func testASequentialBatchOfBuiltInTasksResumesExactly() throws {
        let batch = try CartPoleTaskSampler(seed: 1).trainingBatch(environments: 3)
        let outcome = BatchStepOutcome(environments: 3)
        let actions = (0..<3).map { e in { (t: Int) in Action.discrete((t * (e + 2)) % 3 == 0 ? 0 : 1) } }
        for t in 0..<40 { try batch.step(actions.map { $0(t) }, into: outcome) }
        let copy = try CartPoleTaskSampler(seed: 99).trainingBatch(environments: 3)
        try copy.restoreProgress(try XCTUnwrap(batch.savedProgress))
        let copyOutcome = BatchStepOutcome(environments: 3)
        var finished = 0
        for t in 40..<400 {
            try batch.step(actions.map { $0(t) }, into: outcome)
            try copy.step(actions.map { $0(t) }, into: copyOutcome)
            XCTAssertEqual(copyOutcome.finished.map(\.metrics), outcome.finished.map(\.metrics), "step \(t)")
            finished += outcome.finished.count
        }
        XCTAssertGreaterThan(finished, 3, "episodes ended and new ones started after the restore")
        XCTAssertEqual(copy.savedProgress, batch.savedProgress)
    }

    /// A sampler whose tasks cannot save their state: the batch says so with `nil`.
    func testABatchOfTasksThatCannotSaveHasNoProgress() throws {
        final class Opaque: ExptrainEnvironment.Task {
            let actionSpace = ActionSpace.discrete(count: 1)
            let observationSpace = ObservationSpace(shape: [1], low: 0, high: 1)
            let currentObservation = Observation(floats: [0])
            let numStepsTaken = 0
            let maxSteps = 1
            let isDone = false
            func step(action: Action) throws -> StepResult { StepResult(observation: currentObservation, reward: 0, terminated: true, truncated: false) }
            func metrics() -> TaskMetrics { TaskMetrics(episodeReturn: 0, length: 1) }
        }
        final class OpaqueSampler: TaskSampler, ProgressSaving {
            func nextTask() -> Opaque? { Opaque() }
            var length: Int? { nil }
            var totalUnique: Int? { nil }
            func reset() {}
            func setSeed(_ seed: UInt64) {}
            var savedProgress: [UInt64] { [] }
            func restoreProgress(_ words: [UInt64]) throws {}
        }
        XCTAssertNil(try OpaqueSampler().trainingBatch(environments: 2).savedProgress)
    }
}
