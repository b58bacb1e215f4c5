import ExptrainEnvironment
import ExptrainTasks
import XCTest

final class TaskSamplerTests: XCTestCase {
    /// The reset observations of the next `count` tasks (a CartPole observation is its starting state).
    private func firstObservations<S: TaskSampler>(_ sampler: S, _ count: Int) -> [[Float]] {
        (0..<count).compactMap { _ in (try? sampler.nextTask())?.currentObservation.floats }
    }

    private func levels(_ sampler: MiniGridTaskSampler, _ count: Int) -> [MiniGridLevel] {
        (0..<count).compactMap { _ in
            sampler.nextTask().map { MiniGridLevel(grid: $0.grid, agentPosition: $0.agentPosition, agentDirection: $0.agentDirection) }
        }
    }

    func testCartPoleSamplersWithTheSameSeedYieldTheSameEpisodes() {
        let a = CartPoleTaskSampler(seed: 42), b = CartPoleTaskSampler(seed: 42), c = CartPoleTaskSampler(seed: 43)
        let starts = firstObservations(a, 50)
        XCTAssertEqual(starts.count, 50)
        XCTAssertEqual(starts, firstObservations(b, 50))
        XCTAssertNotEqual(starts, firstObservations(c, 50))
        XCTAssertEqual(Set(starts).count, 50, "every episode starts somewhere new")
        for start in starts { XCTAssertTrue(start.allSatisfy { abs($0) <= 0.05 }) }
    }

    /// Runs three more episodes of `reusing` (a finite set of four), each in its first
    /// task's storage, beside the new tasks of `fresh` (the same sampler made again), and
    /// checks that the reused task is the new one: observation, saved words and steps.
    private func assertReusedTasksAreNewTasks<S: TaskSampler & ProgressSaving>(
        _ reusing: S, _ fresh: S, action: (Int) -> Action, file: StaticString = #filePath, line: UInt = #line
    ) throws where S.SampledTask: ProgressSaving {
        let task = try XCTUnwrap(try reusing.nextTask(), file: file, line: line)
        _ = try fresh.nextTask()
        for episode in 1..<4 {
            while !task.isDone { _ = try task.step(action: action(task.numStepsTaken)) }
            let reused = try XCTUnwrap(try reusing.nextTask(reusing: task), file: file, line: line)
            let new = try XCTUnwrap(try fresh.nextTask(), file: file, line: line)
            XCTAssertTrue(reused === task, "episode \(episode) runs in the finished task's storage", file: file, line: line)
            XCTAssertEqual(reused.currentObservation, new.currentObservation, file: file, line: line)
            XCTAssertEqual(reused.savedProgress, new.savedProgress, "nothing of the old episode is left", file: file, line: line)
            XCTAssertEqual(reused.metrics(), new.metrics(), file: file, line: line)
            XCTAssertEqual(reusing.savedProgress, fresh.savedProgress, "the same draw from the seed stream", file: file, line: line)
            for step in 0..<3 {
                let a = try reused.step(action: action(step)), b = try new.step(action: action(step))
                XCTAssertEqual(a.observation, b.observation, file: file, line: line)
            }
            XCTAssertEqual(reused.savedProgress, new.savedProgress, file: file, line: line)
        }
        XCTAssertNil(try reusing.nextTask(reusing: task), "a finished set stays finished", file: file, line: line)
    }

    func testACartPoleTaskReusedByItsSamplerIsTheTaskANewOneWouldBe() throws {
        try assertReusedTasksAreNewTasks(
            CartPoleTaskSampler(seed: 11, episodeCount: 4, maxSteps: 30), CartPoleTaskSampler(seed: 11, episodeCount: 4, maxSteps: 30),
            action: { .discrete($0 % 3 == 0 ? 1 : 0) })
    }

    func testClassicControlTasksReusedByTheirSamplersAreTheTasksNewOnesWouldBe() throws {
        try assertReusedTasksAreNewTasks(
            AcrobotTaskSampler(seed: 4, episodeCount: 4, maxSteps: 20), AcrobotTaskSampler(seed: 4, episodeCount: 4, maxSteps: 20),
            action: { .discrete($0 % 3) })
        try assertReusedTasksAreNewTasks(
            MountainCarTaskSampler(seed: 5, episodeCount: 4, maxSteps: 20), MountainCarTaskSampler(seed: 5, episodeCount: 4, maxSteps: 20),
            action: { .discrete(2 - $0 % 3) })
        try assertReusedTasksAreNewTasks(
            MountainCarContinuousTaskSampler(seed: 6, episodeCount: 4, maxSteps: 20),
            MountainCarContinuousTaskSampler(seed: 6, episodeCount: 4, maxSteps: 20),
            action: { .continuous([$0 % 2 == 0 ? 0.8 : -0.3]) })
        try assertReusedTasksAreNewTasks(
            PendulumTaskSampler(seed: 7, episodeCount: 4, gravity: 1.62, maxSteps: 20),
            PendulumTaskSampler(seed: 7, episodeCount: 4, gravity: 1.62, maxSteps: 20),
            action: { .continuous([Float($0) * 0.25 - 1]) })
    }

    func testMiniGridTasksReusedByTheirSamplersAreTheTasksNewOnesWouldBe() throws {
        for environment in [MiniGridEnvironment.doorKey5x5, .emptyRandom5x5] {
            let reusing = MiniGridTaskSampler(environment: environment, seed: 8, episodeCount: 4)
            try assertReusedTasksAreNewTasks(
                reusing, MiniGridTaskSampler(environment: environment, seed: 8, episodeCount: 4), action: { .discrete([2, 2, 0, 3, 5, 1][$0 % 6]) })
        }
        // An episode cut off while carrying the key and with the door open leaves neither behind.
        let (reusing, fresh) = (MiniGridTaskSampler(environment: .doorKey5x5, seed: 3), MiniGridTaskSampler(environment: .doorKey5x5, seed: 3))
        let carrier = try XCTUnwrap(reusing.nextTask())
        _ = fresh.nextTask()
        while carrier.carrying == nil { _ = try carrier.step(action: try XCTUnwrap(carrier.expertAction())) }
        while !carrier.isDone { _ = try carrier.step(action: .discrete(carrier.numStepsTaken % 2)) }
        let reused = try XCTUnwrap(reusing.nextTask(reusing: carrier))
        let new = try XCTUnwrap(fresh.nextTask())
        XCTAssertNil(reused.carrying)
        XCTAssertEqual(reused.grid, new.grid)
        XCTAssertEqual(reused.savedProgress, new.savedProgress)
        XCTAssertEqual(reused.currentObservation, new.currentObservation)
        while !reused.isDone { _ = try reused.step(action: try XCTUnwrap(reused.expertAction())) }
        while !new.isDone { _ = try new.step(action: try XCTUnwrap(new.expertAction())) }
        XCTAssertEqual(reused.metrics(), new.metrics(), "the kept planner plans as a new one")
        XCTAssertEqual(reused.metrics().success, true)

        let task = try XCTUnwrap(MiniGridTaskSampler(environment: .doorKey6x6, seed: 1).nextTask())
        let next = try XCTUnwrap(MiniGridTaskSampler(environment: .doorKey5x5, seed: 1).nextTask(reusing: task))
        XCTAssertFalse(next === task, "another environment's step limit")
        XCTAssertEqual(next.grid.width, 5)
    }

    func testAPendulumSamplerMakesANewTaskForAnotherGravity() throws {
        let sampler = PendulumTaskSampler(seed: 2, gravity: 1.62)
        let other = try XCTUnwrap(PendulumTaskSampler(seed: 2).nextTask())
        let next = try XCTUnwrap(sampler.nextTask(reusing: other))
        XCTAssertFalse(next === other)
        XCTAssertEqual(next.gravity, 1.62)
        XCTAssertEqual(other.gravity, PendulumTask.defaultGravity, "the offered task is left as it was")
    }

    func testACartPoleSamplerMakesANewTaskForATaskItCouldNotHaveMade() throws {
        let sampler = CartPoleTaskSampler(seed: 2, maxSteps: 30)
        let other = try XCTUnwrap(CartPoleTaskSampler(seed: 2).nextTask())
        let next = try XCTUnwrap(sampler.nextTask(reusing: other))
        XCTAssertFalse(next === other, "another step limit")
        XCTAssertEqual(next.maxSteps, 30)
        XCTAssertEqual(next.currentObservation, other.currentObservation, "the stream's first task all the same")
    }

    func testEndlessCartPoleSamplerNeverRunsOut() {
        let sampler = CartPoleTaskSampler(seed: 1)
        XCTAssertNil(sampler.length)
        XCTAssertNil(sampler.totalUnique)
        XCTAssertEqual(firstObservations(sampler, 1_000).count, 1_000)
        XCTAssertEqual(sampler.nextTask()?.maxSteps, 500)
    }

    func testFiniteCartPoleSamplerEndsAndResetReplaysIt() {
        let sampler = CartPoleTaskSampler(seed: 3, episodeCount: 4)
        XCTAssertEqual(sampler.length, 4)
        XCTAssertEqual(sampler.totalUnique, 4)
        let firstPass = firstObservations(sampler, 4)
        XCTAssertEqual(sampler.length, 0)
        XCTAssertNil(sampler.nextTask())
        XCTAssertNil(sampler.nextTask())
        sampler.reset()
        XCTAssertEqual(sampler.length, 4)
        XCTAssertEqual(firstObservations(sampler, 10), firstPass)
    }

    func testSetSeedMakesTheFollowingTasksDependOnlyOnTheSeed() {
        let used = CartPoleTaskSampler(seed: 5, episodeCount: 3)
        _ = used.nextTask()
        used.setSeed(9)
        XCTAssertEqual(used.length, 3)
        XCTAssertEqual(firstObservations(used, 3), firstObservations(CartPoleTaskSampler(seed: 9, episodeCount: 3), 3))

        let grid = MiniGridTaskSampler(environment: .doorKey6x6, seed: 1)
        _ = levels(grid, 5)
        grid.setSeed(2)
        XCTAssertEqual(levels(grid, 10), levels(MiniGridTaskSampler(environment: .doorKey6x6, seed: 2), 10))
    }

    func testMiniGridSamplersWithTheSameSeedYieldTheSameLevels() {
        for environment in MiniGridEnvironment.allCases {
            let a = MiniGridTaskSampler(environment: environment, seed: 11)
            let b = MiniGridTaskSampler(environment: environment, seed: 11)
            let sampled = levels(a, 30)
            XCTAssertEqual(sampled, levels(b, 30), "\(environment)")
            if environment.levelCount > 1 {
                XCTAssertGreaterThan(Set(sampled).count, 1, "\(environment) levels vary")
                XCTAssertNotEqual(sampled, levels(MiniGridTaskSampler(environment: environment, seed: 12), 30))
            }
        }
    }

    func testMiniGridTasksTakeTheirEnvironmentsLimits() {
        let task = MiniGridTaskSampler(environment: .doorKey8x8, seed: 0).nextTask()!
        XCTAssertEqual(task.maxSteps, 640)
        XCTAssertFalse(task.seesThroughWalls)
        XCTAssertEqual(task.actionSpace, .discrete(count: 7))
        XCTAssertEqual(task.grid.width, 8)
    }

    func testFiniteMiniGridSamplerEndsAndResetReplaysIt() {
        let sampler = MiniGridTaskSampler(environment: .emptyRandom6x6, seed: 8, episodeCount: 6)
        XCTAssertEqual(sampler.totalUnique, 6)
        let firstPass = levels(sampler, 6)
        XCTAssertEqual(firstPass.count, 6)
        XCTAssertNil(sampler.nextTask())
        XCTAssertEqual(sampler.length, 0)
        sampler.reset()
        XCTAssertEqual(levels(sampler, 100), firstPass)

        XCTAssertEqual(MiniGridTaskSampler(environment: .empty8x8, seed: 0, episodeCount: 10).totalUnique, 1)
        XCTAssertEqual(MiniGridTaskSampler(environment: .doorKey5x5, seed: 0).totalUnique, 48)
        XCTAssertNil(MiniGridTaskSampler(environment: .doorKey5x5, seed: 0).length)
    }
}
