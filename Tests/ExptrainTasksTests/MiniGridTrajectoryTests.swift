import ExptrainTasks
import XCTest

/// Whole trajectories against MiniGrid 3.2.0, produced by
/// `scripts/oracles/minigrid_trajectory_reference.py`: after every step the agent's
/// pose, the reward, the episode flags and a digest of the 7×7×3 observation must
/// agree with MiniGrid's `step` on the same hand-built level.
final class MiniGridTrajectoryTests: XCTestCase {
    private struct Step {
        var action: Int
        var x: Int
        var y: Int
        var direction: Int
        var reward: Double
        var terminated: Bool
        var truncated: Bool
        var digest: UInt64
    }

    /// The digest of the level's first observation.
    private let startDigest: UInt64 = 0x6a269289db5093de

    /// x right, y down; DoorKey-6x6's limits:
    ///
    ///     W W W W W W
    ///     W A . W . W      A: agent at (1, 1) facing down
    ///     W . . L . W      L: locked yellow door
    ///     W K . W . W      K: yellow key
    ///     W . . W G W      G: goal
    ///     W W W W W W
    private func handBuiltDoorKey() -> MiniGridTask {
        var grid = MiniGridGrid.walledRoom(width: 6, height: 6)
        for y in 0..<6 { grid[GridPosition(x: 3, y: y)] = .greyWall }
        grid[GridPosition(x: 3, y: 2)] = .door(.yellow, .locked)
        grid[GridPosition(x: 1, y: 3)] = .key(.yellow)
        grid[GridPosition(x: 4, y: 4)] = .goal
        let level = MiniGridLevel(grid: grid, agentPosition: GridPosition(x: 1, y: 1), agentDirection: .down)
        return MiniGridTask(level: level, maxSteps: MiniGridEnvironment.doorKey6x6.maxSteps, seesThroughWalls: false)
    }

    /// FNV-1a (64-bit) over the observation as MiniGrid's uint8 image bytes, in buffer order.
    private func digest(_ observation: [Float]) -> UInt64 {
        observation.reduce(0xCBF2_9CE4_8422_2325) { hash, value in (hash ^ UInt64(UInt8(value))) &* 0x100_0000_01B3 }
    }

    private func assertTrajectory(_ steps: [Step], file: StaticString = #filePath, line: UInt = #line) throws {
        let task = handBuiltDoorKey()
        XCTAssertEqual(digest(task.currentObservation.floats), startDigest, "start", file: file, line: line)
        for (index, expected) in steps.enumerated() {
            let result = try task.step(action: .discrete(expected.action))
            let context = "step \(index + 1) (action \(expected.action))"
            XCTAssertEqual(task.agentPosition, GridPosition(x: expected.x, y: expected.y), context, file: file, line: line)
            XCTAssertEqual(task.agentDirection.rawValue, expected.direction, context, file: file, line: line)
            XCTAssertEqual(result.reward, Float(expected.reward), context, file: file, line: line)
            XCTAssertEqual(result.terminated, expected.terminated, context, file: file, line: line)
            XCTAssertEqual(result.truncated, expected.truncated, context, file: file, line: line)
            XCTAssertEqual(digest(result.observation.floats), expected.digest, context, file: file, line: line)
        }
    }

    /// Forward, toggle the key (nothing), pick it up, turn, drop it, bump into it, pick it
    /// up again, toggle the door open, shut and open again, walk through it to the goal.
    func testScriptedSolveMatchesMiniGrid() throws {
        try assertTrajectory([
            Step(action: 2, x: 1, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xba8e3eb3c8374688),
            Step(action: 5, x: 1, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xba8e3eb3c8374688),
            Step(action: 3, x: 1, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x7d7f9906e417e7f8),
            Step(action: 0, x: 1, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xb330d737cfd6fc2e),
            Step(action: 4, x: 1, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xf03f7ce4b3f65abe),
            Step(action: 2, x: 1, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xf03f7ce4b3f65abe),
            Step(action: 3, x: 1, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xb330d737cfd6fc2e),
            Step(action: 2, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0x32ce99ea2f8af866),
            Step(action: 5, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xa8b5a64a89cef46a),
            Step(action: 5, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0x15c42d833ddf6503),
            Step(action: 2, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0x15c42d833ddf6503),
            Step(action: 5, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xa8b5a64a89cef46a),
            Step(action: 2, x: 3, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0x56ad03b3fcc72948),
            Step(action: 2, x: 4, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xff7049d7cd035de1),
            Step(action: 1, x: 4, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xb5b31f5a8480a7a2),
            Step(action: 2, x: 4, y: 3, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x3bab2a6f2013c28a),
            Step(action: 2, x: 4, y: 4, direction: 1, reward: 0.9575, terminated: true, truncated: false, digest: 0xaa69a1d2f91d8469),
        ])
    }

    /// Sixty actions from Python's `random.Random(0)`: no-ops, failed pick-ups and drops,
    /// dropping and retaking the key, bumping into walls and the locked door.
    func testRandomActionsMatchMiniGrid() throws {
        try assertTrajectory([
            Step(action: 6, x: 1, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x6a269289db5093de),
            Step(action: 3, x: 1, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x6a269289db5093de),
            Step(action: 6, x: 1, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x6a269289db5093de),
            Step(action: 3, x: 1, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x6a269289db5093de),
            Step(action: 0, x: 1, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xc48aec7871c18813),
            Step(action: 2, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 4, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 3, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 3, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 6, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 6, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 2, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 3, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 2, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 4, x: 2, y: 1, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xca3378e266cb658a),
            Step(action: 1, x: 2, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xd721c26b480f747c),
            Step(action: 4, x: 2, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xd721c26b480f747c),
            Step(action: 1, x: 2, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0x5e4fe4a9ee46b88a),
            Step(action: 2, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 1, x: 1, y: 1, direction: 3, reward: 0, terminated: false, truncated: false, digest: 0xb59c0889286327ef),
            Step(action: 6, x: 1, y: 1, direction: 3, reward: 0, terminated: false, truncated: false, digest: 0xb59c0889286327ef),
            Step(action: 0, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 4, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 6, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 2, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 4, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 5, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 6, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 4, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 1, x: 1, y: 1, direction: 3, reward: 0, terminated: false, truncated: false, digest: 0xb59c0889286327ef),
            Step(action: 2, x: 1, y: 1, direction: 3, reward: 0, terminated: false, truncated: false, digest: 0xb59c0889286327ef),
            Step(action: 0, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 5, x: 1, y: 1, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0xe87e555b06ad9d25),
            Step(action: 0, x: 1, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x6a269289db5093de),
            Step(action: 6, x: 1, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x6a269289db5093de),
            Step(action: 5, x: 1, y: 1, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x6a269289db5093de),
            Step(action: 2, x: 1, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xba8e3eb3c8374688),
            Step(action: 3, x: 1, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x7d7f9906e417e7f8),
            Step(action: 4, x: 1, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xba8e3eb3c8374688),
            Step(action: 0, x: 1, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xffb69f5030d4ee4e),
            Step(action: 2, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xe8f29952009e563e),
            Step(action: 3, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xe8f29952009e563e),
            Step(action: 2, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xe8f29952009e563e),
            Step(action: 4, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xe8f29952009e563e),
            Step(action: 5, x: 2, y: 2, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0xe8f29952009e563e),
            Step(action: 1, x: 2, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xece002a0639fb20a),
            Step(action: 4, x: 2, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xece002a0639fb20a),
            Step(action: 3, x: 2, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xece002a0639fb20a),
            Step(action: 3, x: 2, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xece002a0639fb20a),
            Step(action: 6, x: 2, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xece002a0639fb20a),
            Step(action: 4, x: 2, y: 2, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0xece002a0639fb20a),
            Step(action: 2, x: 2, y: 3, direction: 1, reward: 0, terminated: false, truncated: false, digest: 0x41f36208df07b667),
            Step(action: 0, x: 2, y: 3, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0x2ab7dd3b877440c4),
            Step(action: 6, x: 2, y: 3, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0x2ab7dd3b877440c4),
            Step(action: 4, x: 2, y: 3, direction: 0, reward: 0, terminated: false, truncated: false, digest: 0x2ab7dd3b877440c4),
            Step(action: 0, x: 2, y: 3, direction: 3, reward: 0, terminated: false, truncated: false, digest: 0x8740eb8364ee6780),
            Step(action: 0, x: 2, y: 3, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0x4326048c12876fad),
            Step(action: 5, x: 2, y: 3, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0x4326048c12876fad),
            Step(action: 6, x: 2, y: 3, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0x4326048c12876fad),
            Step(action: 3, x: 2, y: 3, direction: 2, reward: 0, terminated: false, truncated: false, digest: 0x7d49182c770673d5),
        ])
    }
}
