import ExptrainEnvironment
import ExptrainRandom
import ExptrainTasks
import XCTest

final class PixelGoalTaskTests: XCTestCase {
    func testObservationShowsTheGoalInPixelsAndTheAgentInTheVector() throws {
        var generator = RandomGenerator(seed: 1)
        let task = PixelGoalTask(size: 5, using: &generator)
        try task.observationSpace.check(task.currentObservation)
        XCTAssertEqual(task.currentObservation.bytes.filter { $0 == 255 }.count, 1)
        XCTAssertEqual(task.currentObservation.bytes.firstIndex(of: 255), task.goal.row * 5 + task.goal.column)
        XCTAssertEqual(task.currentObservation.floats, [Float(task.agent.row) / 2 - 1, Float(task.agent.column) / 2 - 1])
        XCTAssertFalse(task.agent == task.goal)
    }

    /// The expert walks the Manhattan distance and earns MiniGrid's reward for it.
    func testExpertReachesTheGoalInTheManhattanDistance() throws {
        for seed in 0..<20 {
            var generator = RandomGenerator(seed: UInt64(seed))
            let task = PixelGoalTask(size: 4, using: &generator)
            let distance = abs(task.agent.row - task.goal.row) + abs(task.agent.column - task.goal.column)
            var last: StepResult?
            while let action = task.expertAction() { last = try task.step(action: action) }
            XCTAssertEqual(task.numStepsTaken, distance)
            XCTAssertEqual(last?.terminated, true)
            XCTAssertEqual(last?.reward ?? 0, 1 - 0.9 * Float(distance) / 16, accuracy: 1e-6)
            XCTAssertEqual(task.metrics().success, true)
        }
    }

    func testWallsStopTheAgentAndTheStepLimitTruncates() throws {
        var generator = RandomGenerator(seed: 3)
        let task = PixelGoalTask(size: 3, maxSteps: 3, using: &generator)
        let away = task.goal.row == 0 ? 1 : 0   // into the border on the side away from the goal's row
        var result = try task.step(action: .discrete(away))
        for _ in 0..<2 { result = try task.step(action: .discrete(away)) }
        XCTAssertEqual(task.agent.row, away == 1 ? 2 : 0)
        XCTAssertTrue(result.truncated && !result.terminated && task.isDone)
        XCTAssertEqual(result.reward, 0)
        XCTAssertThrowsError(try PixelGoalTask(size: 3, using: &generator).step(action: .discrete(4)))
    }

    func testSamplerIsDeterministicGivenItsSeed() {
        let first = PixelGoalTaskSampler(seed: 9, episodeCount: 5)
        let second = PixelGoalTaskSampler(seed: 9, episodeCount: 5)
        var starts: [[UInt8]] = []
        while let task = first.nextTask() {
            starts.append(task.currentObservation.bytes)
            XCTAssertEqual(second.nextTask()?.currentObservation, task.currentObservation)
        }
        XCTAssertEqual(starts.count, 5)
        XCTAssertNil(second.nextTask())
    }
}
