import ExptrainEnvironment
import ExptrainTasks
import XCTest

/// The expected views were produced by `scripts/oracles/minigrid_view_reference.py`
/// with MiniGrid 3.2.0 (`gen_obs()["image"]` of the same hand-built world). Each row
/// is one view row y = 0...6; each cell the digits (object, colour, state) of image[x][y].
final class MiniGridViewTests: XCTestCase {
    /// x right, y down; agent at (3, 3):
    ///
    ///     W W W W W W W
    ///     W . . K . . W      K: red key
    ///     W . W L . G W      L: locked yellow door, G: goal
    ///     W . . A . . W
    ///     W . C . W O W      C: closed blue door, O: open green door
    ///     W W W W W W W
    private func handBuiltTask(facing direction: MiniGridDirection, seesThroughWalls: Bool = false, carrying: MiniGridObject? = nil) -> MiniGridTask {
        var grid = MiniGridGrid.walledRoom(width: 7, height: 6)
        grid[GridPosition(x: 3, y: 1)] = .key(.red)
        grid[GridPosition(x: 2, y: 2)] = .greyWall
        grid[GridPosition(x: 3, y: 2)] = .door(.yellow, .locked)
        grid[GridPosition(x: 5, y: 2)] = .goal
        grid[GridPosition(x: 2, y: 4)] = .door(.blue, .closed)
        grid[GridPosition(x: 4, y: 4)] = .greyWall
        grid[GridPosition(x: 5, y: 4)] = .door(.green, .open)
        let level = MiniGridLevel(grid: grid, agentPosition: GridPosition(x: 3, y: 3), agentDirection: direction, carrying: carrying)
        return MiniGridTask(level: level, maxSteps: 100, seesThroughWalls: seesThroughWalls)
    }

    /// Compares an observation with MiniGrid's image, cell by cell, reading the buffer
    /// as documented: index (x · 7 + y) · 3 + channel.
    private func assertView(_ observation: Observation, equals rows: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(observation.floats.count, 7 * 7 * 3, file: file, line: line)
        for (y, row) in rows.enumerated() {
            for (x, expected) in row.split(separator: " ").enumerated() {
                let base = (x * 7 + y) * 3
                let actual = (0..<3).map { String(Int(observation.floats[base + $0])) }.joined()
                XCTAssertEqual(actual, String(expected), "view cell (x: \(x), y: \(y))", file: file, line: line)
            }
        }
    }

    private let unseenRows = [String](repeating: "000 000 000 000 000 000 000", count: 3)

    func testFacingRightIsOccludedByWallsAndClosedDoors() {
        assertView(handBuiltTask(facing: .right).currentObservation, equals: unseenRows + [
            "250 250 250 250 250 250 000",
            "250 100 810 100 410 250 000",
            "250 100 100 100 250 250 000",
            "000 000 442 100 100 250 000",
        ])
    }

    func testFacingDownShowsCellsBeyondTheGridAsWalls() {
        assertView(handBuiltTask(facing: .down).currentObservation, equals: unseenRows + [
            "000 000 000 000 000 000 000",
            "250 250 250 250 250 250 250",
            "250 410 250 100 421 100 250",
            "250 100 100 100 100 100 250",
        ])
    }

    func testFacingLeft() {
        assertView(handBuiltTask(facing: .left).currentObservation, equals: unseenRows + [
            "000 250 250 250 250 250 250",
            "000 250 100 100 100 100 250",
            "000 250 421 100 250 000 000",
            "000 250 100 100 442 000 000",
        ])
    }

    func testFacingUpTheLockedDoorIsInFrontOfTheAgent() {
        assertView(handBuiltTask(facing: .up).currentObservation, equals: unseenRows + [
            "250 250 250 250 250 250 250",
            "250 100 100 500 100 100 250",
            "250 100 250 442 100 810 250",
            "250 100 100 100 100 100 250",
        ])
    }

    func testSeeingThroughWallsShowsEveryCell() {
        assertView(handBuiltTask(facing: .up, seesThroughWalls: true).currentObservation, equals: [
            "250 250 250 250 250 250 250",
            "250 250 250 250 250 250 250",
            "250 250 250 250 250 250 250",
            "250 250 250 250 250 250 250",
            "250 100 100 500 100 100 250",
            "250 100 250 442 100 810 250",
            "250 100 100 100 100 100 250",
        ])
    }

    func testTheAgentsCellShowsWhatItCarries() {
        assertView(handBuiltTask(facing: .left, carrying: .key(.blue)).currentObservation, equals: unseenRows + [
            "000 250 250 250 250 250 250",
            "000 250 100 100 100 100 250",
            "000 250 421 100 250 000 000",
            "000 250 100 520 442 000 000",
        ])
    }

    func testTurningUpdatesTheViewInPlace() throws {
        let task = handBuiltTask(facing: .right)
        for _ in 0..<3 { _ = try task.step(action: .discrete(MiniGridAction.left.rawValue)) }
        XCTAssertEqual(task.agentDirection, .down)
        XCTAssertEqual(task.currentObservation, handBuiltTask(facing: .down).currentObservation)
        _ = try task.step(action: .discrete(MiniGridAction.right.rawValue))
        XCTAssertEqual(task.agentDirection, .left)
        XCTAssertEqual(task.currentObservation, handBuiltTask(facing: .left).currentObservation)
    }

    func testObservationSpaceIsMiniGridsImage() {
        let space = handBuiltTask(facing: .up).observationSpace.parts[0].box
        XCTAssertEqual(space.shape, [7, 7, 3])
        XCTAssertEqual(space.size, 147)
        XCTAssertEqual(Set(space.low), [0])
        XCTAssertEqual(Set(space.high), [255])
    }
}
