import ExptrainEnvironment
import ExptrainRandom
import ExptrainTasks
import XCTest

final class MiniGridEnvironmentTests: XCTestCase {
    private let seedsPerEnvironment: UInt64 = 300

    func testLimitsAndViewsFollowMiniGrid() {
        let expected: [MiniGridEnvironment: (size: Int, maxSteps: Int, seesThroughWalls: Bool)] = [
            .empty5x5: (5, 100, true), .emptyRandom5x5: (5, 100, true),
            .empty6x6: (6, 144, true), .emptyRandom6x6: (6, 144, true),
            .empty8x8: (8, 256, true),
            .doorKey5x5: (5, 250, false), .doorKey6x6: (6, 360, false), .doorKey8x8: (8, 640, false),
        ]
        XCTAssertEqual(Set(expected.keys), Set(MiniGridEnvironment.allCases))
        for (environment, facts) in expected {
            XCTAssertEqual(environment.size, facts.size, "\(environment)")
            XCTAssertEqual(environment.maxSteps, facts.maxSteps, "\(environment)")
            XCTAssertEqual(environment.seesThroughWalls, facts.seesThroughWalls, "\(environment)")
        }
        XCTAssertEqual(MiniGridEnvironment.doorKey8x8.gymnasiumID, "MiniGrid-DoorKey-8x8-v0")
        XCTAssertEqual(MiniGridEnvironment(rawValue: "MiniGrid-Empty-Random-6x6-v0"), .emptyRandom6x6)
    }

    func testFixedStartEmptyRoomsAreAlwaysTheSame() {
        for environment in [MiniGridEnvironment.empty5x5, .empty6x6, .empty8x8] {
            let n = environment.size
            var expectedGrid = MiniGridGrid.walledRoom(width: n, height: n)
            expectedGrid[GridPosition(x: n - 2, y: n - 2)] = .goal
            let expected = MiniGridLevel(grid: expectedGrid, agentPosition: GridPosition(x: 1, y: 1), agentDirection: .right)
            for seed in 0..<UInt64(20) {
                var rng = RandomGenerator(seed: seed)
                XCTAssertEqual(environment.generateLevel(using: &rng), expected)
            }
            XCTAssertEqual(environment.levelCount, 1)
        }
    }

    func testRandomStartEmptyRoomsCoverEveryFreeCellAndDirection() {
        var rng = RandomGenerator(seed: 5)
        var levels = Set<MiniGridLevel>()
        for _ in 0..<2_000 {
            let level = MiniGridEnvironment.emptyRandom5x5.generateLevel(using: &rng)
            XCTAssertNil(level.grid[level.agentPosition], "the agent starts on a free cell, never the goal")
            levels.insert(level)
        }
        XCTAssertEqual(MiniGridEnvironment.emptyRandom5x5.levelCount, 32)
        XCTAssertEqual(levels.count, 32)
        XCTAssertEqual(MiniGridEnvironment.emptyRandom6x6.levelCount, 60)
    }

    func testDoorKeyLevelsHaveMiniGridsLayout() {
        for environment in [MiniGridEnvironment.doorKey5x5, .doorKey6x6, .doorKey8x8] {
            let n = environment.size
            for seed in 0..<seedsPerEnvironment {
                var rng = RandomGenerator(seed: seed)
                let level = environment.generateLevel(using: &rng)
                let grid = level.grid
                guard let door = grid.firstPosition(where: { $0 == .door(.yellow, .locked) }),
                      let key = grid.firstPosition(where: { $0 == .key(.yellow) }) else {
                    return XCTFail("\(environment) seed \(seed): a locked yellow door and a yellow key")
                }
                let split = door.x
                XCTAssertTrue((2..<(n - 2)).contains(split), "split column \(split)")
                XCTAssertTrue((1..<(n - 2)).contains(door.y), "door row \(door.y)")
                for y in 0..<n where y != door.y {
                    XCTAssertEqual(grid[GridPosition(x: split, y: y)], .greyWall)
                }
                XCTAssertLessThan(key.x, split)
                XCTAssertLessThan(level.agentPosition.x, split)
                XCTAssertNil(grid[level.agentPosition])
                XCTAssertNotEqual(key, level.agentPosition)
                XCTAssertEqual(grid[GridPosition(x: n - 2, y: n - 2)], .goal)
                XCTAssertNil(level.carrying)
            }
        }
    }

    func testDoorKeyFiveByFiveProducesExactlyItsCountedLevels() {
        var rng = RandomGenerator(seed: 9)
        let levels = Set((0..<3_000).map { _ in MiniGridEnvironment.doorKey5x5.generateLevel(using: &rng) })
        // Split column 2, door row 1 or 2, agent on 3 cells × 4 directions, key on the 2 others.
        XCTAssertEqual(MiniGridEnvironment.doorKey5x5.levelCount, 48)
        XCTAssertEqual(levels.count, 48)
    }

    func testLevelsAreDeterminedBySeed() {
        for environment in MiniGridEnvironment.allCases {
            var first = RandomGenerator(seed: 77), second = RandomGenerator(seed: 77), other = RandomGenerator(seed: 78)
            let levels = (0..<20).map { _ in environment.generateLevel(using: &first) }
            XCTAssertEqual(levels, (0..<20).map { _ in environment.generateLevel(using: &second) })
            if environment.levelCount > 1 {
                XCTAssertNotEqual(levels, (0..<20).map { _ in environment.generateLevel(using: &other) })
            }
        }
    }

    func testExpertSolvesEveryGeneratedLevelWithinTheStepLimit() throws {
        for environment in MiniGridEnvironment.allCases {
            for seed in 0..<seedsPerEnvironment {
                var rng = RandomGenerator(seed: seed)
                let task = MiniGridTask(environment: environment, using: &rng)
                while let action = task.expertAction() {
                    _ = try task.step(action: action)
                }
                XCTAssertTrue(task.isDone, "\(environment) seed \(seed): the expert gave up")
                XCTAssertEqual(task.metrics().success, true, "\(environment) seed \(seed)")
                XCTAssertLessThanOrEqual(task.numStepsTaken, environment.maxSteps)
            }
        }
    }

    func testExpertTakesTheShortestRouteInTheFixedEmptyRoom() throws {
        // From (1, 1) facing right: forward, forward, turn right, forward, forward onto (3, 3).
        var rng = RandomGenerator(seed: 0)
        let task = MiniGridTask(environment: .empty5x5, using: &rng)
        var actions: [Action] = []
        while let action = task.expertAction() {
            actions.append(action)
            _ = try task.step(action: action)
        }
        XCTAssertEqual(actions, [.discrete(2), .discrete(2), .discrete(1), .discrete(2), .discrete(2)])
        XCTAssertEqual(task.metrics().episodeReturn, 1 - 0.9 * (5.0 / 100.0))
    }

    func testExpertRecoversFromRandomDetours() throws {
        // Random actions may drop the key anywhere or close the door again; the expert must still finish.
        for environment in [MiniGridEnvironment.doorKey5x5, .doorKey6x6, .doorKey8x8] {
            for seed in 0..<UInt64(100) {
                var rng = RandomGenerator(seed: seed)
                let task = MiniGridTask(environment: environment, using: &rng)
                for _ in 0..<30 where !task.isDone {
                    _ = try task.step(action: .discrete(rng.nextInt(below: MiniGridAction.allCases.count)))
                }
                while let action = task.expertAction() {
                    _ = try task.step(action: action)
                }
                XCTAssertTrue(task.isDone, "\(environment) seed \(seed)")
                XCTAssertEqual(task.metrics().success, true, "\(environment) seed \(seed)")
            }
        }
    }

    func testExpertHasAnActionInEveryStateAMixedPolicyReaches() throws {
        // DAgger acts with the policy part of the time: whatever that leaves (a key dropped
        // in a corridor, a door closed again), the expert must still have an action.
        for environment in [MiniGridEnvironment.doorKey5x5, .doorKey6x6] {
            for seed in 0..<UInt64(300) {
                var rng = RandomGenerator(seed: seed)
                let task = MiniGridTask(environment: environment, using: &rng)
                while !task.isDone {
                    guard let expert = task.expertAction() else {
                        return XCTFail("\(environment) seed \(seed): no expert action at step \(task.numStepsTaken)")
                    }
                    _ = try task.step(action: rng.nextUniform() < 0.5 ? .discrete(rng.nextInt(below: MiniGridAction.allCases.count)) : expert)
                }
            }
        }
    }
}
