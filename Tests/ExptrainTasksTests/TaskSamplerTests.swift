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

    func testACartPoleTaskReusedByItsSamplerIsTheTaskANewOneWouldBe() throws {
        let reusing = CartPoleTaskSampler(seed: 11, episodeCount: 4, maxSteps: 30)
        let fresh = CartPoleTaskSampler(seed: 11, episodeCount: 4, maxSteps: 30)
        let task = try XCTUnwrap(reusing.nextTask())
        _ = fresh.nextTask()
        for episode in 1..<4 {
            while !task.isDone { _ = try task.step(action: .discrete(task.numStepsTaken % 3 == 0 ? 1 : 0)) }
            let reused = try XCTUnwrap(reusing.nextTask(reusing: task))
            let new = try XCTUnwrap(fresh.nextTask())
            XCTAssertTrue(reused === task, "episode \(episode) runs in the finished task's storage")
            XCTAssertEqual(reused.currentObservation, new.currentObservation)
            XCTAssertEqual(reused.savedProgress, new.savedProgress, "no step, return or end of the old episode is left")
            XCTAssertEqual(reused.metrics(), new.metrics())
            XCTAssertEqual(reusing.savedProgress, fresh.savedProgress, "the same draw from the seed stream")
            for action in [1, 1, 0] {
                let a = try reused.step(action: .discrete(action)), b = try new.step(action: .discrete(action))
                XCTAssertEqual(a.observation, b.observation)
            }
            XCTAssertEqual(reused.savedProgress, new.savedProgress)
        }
        XCTAssertNil(reusing.nextTask(reusing: task), "a finished set stays finished")
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
