import ExptrainEnvironment
import ExptrainRandom
import ExptrainTasks
import XCTest

final class MiniGridTaskTests: XCTestCase {
    private let left = Action.discrete(MiniGridAction.left.rawValue)
    private let right = Action.discrete(MiniGridAction.right.rawValue)
    private let forward = Action.discrete(MiniGridAction.forward.rawValue)
    private let pickup = Action.discrete(MiniGridAction.pickup.rawValue)
    private let drop = Action.discrete(MiniGridAction.drop.rawValue)
    private let toggle = Action.discrete(MiniGridAction.toggle.rawValue)
    private let done = Action.discrete(MiniGridAction.done.rawValue)

    private let doorPosition = GridPosition(x: 2, y: 2)
    private let keyPosition = GridPosition(x: 1, y: 1)

    /// x right, y down; the agent at (1, 2) faces the door:
    ///
    ///     W W W W W W
    ///     W K W . . W      K: `key` (yellow unless told)
    ///     W A D . G W      D: `door` (locked yellow unless told), G: goal
    ///     W . W . . W
    ///     W W W W W W
    private func lockedRoomTask(
        door: MiniGridObject = .door(.yellow, .locked), key: MiniGridObject? = .key(.yellow),
        carrying: MiniGridObject? = nil, maxSteps: Int = 100
    ) -> MiniGridTask {
        var grid = MiniGridGrid.walledRoom(width: 6, height: 5)
        for y in 1...3 { grid[GridPosition(x: 2, y: y)] = .greyWall }
        grid[doorPosition] = door
        grid[keyPosition] = key
        grid[GridPosition(x: 4, y: 2)] = .goal
        let level = MiniGridLevel(grid: grid, agentPosition: GridPosition(x: 1, y: 2), agentDirection: .right, carrying: carrying)
        return MiniGridTask(level: level, maxSteps: maxSteps, seesThroughWalls: false)
    }

    func testTurningCyclesThroughTheFourDirections() throws {
        let task = lockedRoomTask()
        let lefts = try (0..<4).map { _ in _ = try task.step(action: left); return task.agentDirection }
        XCTAssertEqual(lefts, [.up, .left, .down, .right])
        let rights = try (0..<4).map { _ in _ = try task.step(action: right); return task.agentDirection }
        XCTAssertEqual(rights, [.down, .left, .up, .right])
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 2))
    }

    func testWallsLockedDoorsAndKeysBlockMovement() throws {
        let task = lockedRoomTask()
        _ = try task.step(action: forward)  // into the locked door
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 2))
        _ = try task.step(action: left)
        _ = try task.step(action: forward)  // into the key
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 2))
        _ = try task.step(action: left)
        _ = try task.step(action: forward)  // into the outer wall
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 2))
        _ = try task.step(action: left)
        _ = try task.step(action: forward)  // free cell below
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 3))
        _ = try task.step(action: forward)  // bottom wall
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 3))
        XCTAssertEqual(task.numStepsTaken, 8)
    }

    func testKeyUnlocksTheDoorWhichThenLetsTheAgentThroughToTheGoal() throws {
        let task = lockedRoomTask()
        _ = try task.step(action: toggle)
        XCTAssertEqual(task.grid[doorPosition], .door(.yellow, .locked), "no key, no unlocking")
        _ = try task.step(action: left)
        _ = try task.step(action: pickup)
        XCTAssertEqual(task.carrying, .key(.yellow))
        XCTAssertNil(task.grid[keyPosition])
        _ = try task.step(action: right)
        _ = try task.step(action: toggle)
        XCTAssertEqual(task.grid[doorPosition], .door(.yellow, .open))
        XCTAssertEqual(task.carrying, .key(.yellow), "unlocking keeps the key")
        var result = try task.step(action: forward)
        XCTAssertEqual(task.agentPosition, doorPosition, "an open door can be stood on")
        XCTAssertEqual(result.reward, 0)
        result = try task.step(action: forward)
        XCTAssertFalse(result.done)
        result = try task.step(action: forward)  // onto the goal at step 8
        XCTAssertTrue(result.terminated)
        XCTAssertFalse(result.truncated)
        XCTAssertEqual(result.reward, Float(1 - 0.9 * (8.0 / 100.0)))
        XCTAssertEqual(result.reward, 0.928, accuracy: 1e-6)
        XCTAssertTrue(task.isDone)
        XCTAssertEqual(task.metrics(), TaskMetrics(episodeReturn: 1 - 0.9 * (8.0 / 100.0), length: 8, success: true))
    }

    func testAKeyOfAnotherColourDoesNotUnlock() throws {
        let task = lockedRoomTask(key: nil, carrying: .key(.red))
        _ = try task.step(action: toggle)
        XCTAssertEqual(task.grid[doorPosition], .door(.yellow, .locked))
        _ = try task.step(action: forward)
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 2))
    }

    func testToggleOpensAndClosesAnUnlockedDoor() throws {
        let task = lockedRoomTask(door: .door(.blue, .closed))
        _ = try task.step(action: forward)
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 2), "a closed door blocks")
        _ = try task.step(action: toggle)
        XCTAssertEqual(task.grid[doorPosition], .door(.blue, .open))
        _ = try task.step(action: toggle)
        XCTAssertEqual(task.grid[doorPosition], .door(.blue, .closed))
        _ = try task.step(action: toggle)
        _ = try task.step(action: forward)
        XCTAssertEqual(task.agentPosition, doorPosition)
    }

    func testPickupNeedsEmptyHandsAndDropNeedsAnEmptyCell() throws {
        let task = lockedRoomTask(carrying: .key(.blue))
        _ = try task.step(action: left)
        _ = try task.step(action: pickup)
        XCTAssertEqual(task.carrying, .key(.blue), "hands are full")
        XCTAssertEqual(task.grid[keyPosition], .key(.yellow))
        _ = try task.step(action: drop)
        XCTAssertEqual(task.carrying, .key(.blue), "the cell in front is taken")
        _ = try task.step(action: left)
        _ = try task.step(action: drop)
        XCTAssertEqual(task.carrying, .key(.blue), "no dropping into walls")
        _ = try task.step(action: left)
        _ = try task.step(action: drop)
        XCTAssertNil(task.carrying)
        XCTAssertEqual(task.grid[GridPosition(x: 1, y: 3)], .key(.blue))
        _ = try task.step(action: forward)
        XCTAssertEqual(task.agentPosition, GridPosition(x: 1, y: 2), "a dropped key blocks like any key")
    }

    func testEpisodeIsTruncatedAtMaxStepsWithNoReward() throws {
        var rng = RandomGenerator(seed: 0)
        let task = MiniGridTask(environment: .empty5x5, using: &rng)
        XCTAssertEqual(task.maxSteps, 100)
        for _ in 1..<100 {
            let result = try task.step(action: done)
            XCTAssertFalse(result.done)
            XCTAssertEqual(result.reward, 0)
        }
        let last = try task.step(action: done)
        XCTAssertTrue(last.truncated)
        XCTAssertFalse(last.terminated)
        XCTAssertEqual(last.reward, 0)
        XCTAssertTrue(task.isDone)
        XCTAssertEqual(task.metrics(), TaskMetrics(episodeReturn: 0, length: 100, success: false))
    }

    func testReachingTheGoalOnTheLastAllowedStepBothTerminatesAndTruncates() throws {
        let task = lockedRoomTask(door: .door(.yellow, .open), maxSteps: 3)
        _ = try task.step(action: forward)
        _ = try task.step(action: forward)
        let result = try task.step(action: forward)
        XCTAssertTrue(result.terminated)
        XCTAssertTrue(result.truncated)
        XCTAssertEqual(result.reward, Float(1 - 0.9 * (3.0 / 3.0)))
        XCTAssertEqual(task.metrics().success, true)
    }

    func testStepResultCarriesTheUpdatedObservation() throws {
        let task = lockedRoomTask()
        let before = task.currentObservation
        let result = try task.step(action: left)
        XCTAssertEqual(result.observation, task.currentObservation)
        XCTAssertNotEqual(result.observation, before)
    }
}
