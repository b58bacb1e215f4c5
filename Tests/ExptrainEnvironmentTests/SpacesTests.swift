import ExptrainEnvironment
import XCTest

final class SpacesTests: XCTestCase {
    // MARK: ActionSpace

    func testDimensionsAreOneTheComponentCountOrTheBoxSize() {
        XCTAssertEqual(ActionSpace.discrete(count: 7).dimensions, 1)
        XCTAssertEqual(ActionSpace.multiDiscrete(counts: [3, 2, 4]).dimensions, 3)
        XCTAssertEqual(ActionSpace.box(Box(shape: [2, 3], low: -1, high: 1)).dimensions, 6)
        XCTAssertEqual(ActionSpace.box(Box(shape: [5], low: -1, high: 1)).dimensions, 5)
    }

    func testValidateAcceptsUsableSpaces() {
        let usable: [ActionSpace] = [
            .discrete(count: 1), .discrete(count: 4), .multiDiscrete(counts: [1]), .multiDiscrete(counts: [3, 2]),
            .box(Box(shape: [2], low: [-1, 0], high: [1, 0])),  // low == high is allowed
            .box(Box(shape: [3], low: -.infinity, high: .infinity)),
        ]
        for space in usable { XCTAssertNoThrow(try space.validate(), "\(space)") }
    }

    func testValidateRejectsUnusableSpaces() {
        let unusable: [ActionSpace] = [
            .discrete(count: 0), .discrete(count: -2),
            .multiDiscrete(counts: []), .multiDiscrete(counts: [2, 0]), .multiDiscrete(counts: [-1]),
            .box(Box(shape: [0], low: [], high: [])),
            .box(Box(shape: [2, 0], low: [], high: [])),
            .box(Box(shape: [2], low: 0, high: 255, elementType: .uint8)),
            .box(Box(shape: [3], low: [-1, 2, 0], high: [1, 1, 0])),  // element 1 has low > high
        ]
        for space in unusable {
            XCTAssertThrowsError(try space.validate(), "\(space)") { error in
                XCTAssertTrue(error is SpaceError, "\(space) threw \(error)")
                XCTAssertFalse((error as? SpaceError)?.message.isEmpty ?? true)
                XCTAssertEqual((error as? SpaceError)?.exitCode, ExitCode.usage)
            }
        }
    }

    func testDecodeDiscreteAndMultiDiscrete() {
        XCTAssertEqual(decode(.discrete(count: 5), [3]), .discrete(3))
        XCTAssertEqual(decode(.discrete(count: 5), [0]), .discrete(0))
        XCTAssertEqual(decode(.multiDiscrete(counts: [3, 2, 4]), [2, 0, 3]), .multiDiscrete([2, 0, 3]))
        XCTAssertEqual(decode(.multiDiscrete(counts: [3]), [1]), .multiDiscrete([1]))
    }

    func testDecodeClipsABoxActionToEachElementsBounds() {
        let box = Box(shape: [4], low: [-1, 0, -2, -.infinity], high: [1, 0.5, 2, .infinity])
        let space = ActionSpace.box(box)
        XCTAssertEqual(decode(space, [-5, 0.25, 7, -1e30]), .continuous([-1, 0.25, 2, -1e30]))
        XCTAssertEqual(decode(space, [0.5, -3, -2, 42]), .continuous([0.5, 0, -2, 42]))
        XCTAssertEqual(decode(space, [1.0001, 0.5001, 1.9999, 0]), .continuous([1, 0.5, 1.9999, 0]))
        // A shaped box clips in row-major order.
        let grid = ActionSpace.box(Box(shape: [2, 2], low: [0, 1, 2, 3], high: [0.5, 1.5, 2.5, 3.5]))
        XCTAssertEqual(decode(grid, [9, 9, 9, 9]), .continuous([0.5, 1.5, 2.5, 3.5]))
        XCTAssertEqual(decode(grid, [-9, -9, -9, -9]), .continuous([0, 1, 2, 3]))
    }

    func testDecodingIntoTheSameValueManyTimesGivesEachStepsAction() {
        let box = ActionSpace.box(Box(shape: [3], low: -1, high: 1))
        let multi = ActionSpace.multiDiscrete(counts: [4, 3])
        var boxAction = Action.discrete(0)
        var multiAction = Action.multiDiscrete([9, 9, 9])  // the wrong size: replaced, not reused
        var keptBoxActions: [Action] = []
        for step in 0..<200 {
            let x = Float(step) / 50 - 2  // -2 … 1.98
            let stored: [Float] = [x, -x, x / 4]
            stored.withUnsafeBufferPointer { box.decode($0, into: &boxAction) }
            XCTAssertEqual(boxAction, .continuous([min(max(x, -1), 1), min(max(-x, -1), 1), x / 4]), "step \(step)")
            keptBoxActions.append(boxAction)

            let indices: [Float] = [Float(step % 4), Float((step / 4) % 3)]
            indices.withUnsafeBufferPointer { multi.decode($0, into: &multiAction) }
            XCTAssertEqual(multiAction, .multiDiscrete([step % 4, (step / 4) % 3]), "step \(step)")
        }
        // A copy taken earlier is not changed by decoding into the reused value later.
        XCTAssertEqual(keptBoxActions[0], .continuous([-1, 1, -0.5]))
        XCTAssertEqual(keptBoxActions[150], .continuous([1, -1, 0.25]))

        // A value of another kind is replaced by the space's kind.
        var action = Action.continuous([1, 2])
        [Float(2)].withUnsafeBufferPointer { ActionSpace.discrete(count: 3).decode($0, into: &action) }
        XCTAssertEqual(action, .discrete(2))
        [Float(1), 2].withUnsafeBufferPointer { ActionSpace.multiDiscrete(counts: [2, 3]).decode($0, into: &action) }
        XCTAssertEqual(action, .multiDiscrete([1, 2]))
        [Float(0.5), 7].withUnsafeBufferPointer { ActionSpace.box(Box(shape: [2], low: 0, high: 1)).decode($0, into: &action) }
        XCTAssertEqual(action, .continuous([0.5, 1]))
    }

    func testStoreWritesTheStoredFormAndDecodeInvertsIt() throws {
        XCTAssertEqual(try store(.discrete(count: 4), .discrete(3)), [3])
        XCTAssertEqual(try store(.multiDiscrete(counts: [3, 2, 5]), .multiDiscrete([2, 1, 4])), [2, 1, 4])
        // A Box action is stored as given: clipping happens only where the task receives it.
        let box = ActionSpace.box(Box(shape: [2], low: -1, high: 1))
        XCTAssertEqual(try store(box, .continuous([3, -0.5])), [3, -0.5])
        let roundTrips: [(ActionSpace, Action)] = [
            (.discrete(count: 4), .discrete(2)), (.multiDiscrete(counts: [3, 2]), .multiDiscrete([1, 1])),
            (.box(Box(shape: [2], low: -1, high: 1)), .continuous([0.75, -0.25])),
        ]
        for (space, original) in roundTrips {
            XCTAssertEqual(decode(space, try store(space, original)), original)
        }
    }

    func testStoreRejectsActionsOutsideTheSpace() {
        let cases: [(ActionSpace, Action)] = [
            (.discrete(count: 3), .discrete(3)),
            (.discrete(count: 3), .discrete(-1)),
            (.discrete(count: 3), .multiDiscrete([1])),
            (.multiDiscrete(counts: [3, 2]), .multiDiscrete([1, 2])),
            (.multiDiscrete(counts: [3, 2]), .multiDiscrete([-1, 0])),
            (.multiDiscrete(counts: [3, 2]), .multiDiscrete([1])),
            (.multiDiscrete(counts: [3, 2]), .multiDiscrete([1, 1, 1])),
            (.multiDiscrete(counts: [3, 2]), .discrete(1)),
            (.box(Box(shape: [2], low: -1, high: 1)), .continuous([0])),
            (.box(Box(shape: [2], low: -1, high: 1)), .continuous([0, 0, 0])),
            (.box(Box(shape: [1], low: -1, high: 1)), .discrete(0)),
        ]
        for (space, action) in cases {
            XCTAssertThrowsError(try store(space, action), "\(action) in \(space)") { error in
                XCTAssertTrue(error is SpaceError, "\(action) in \(space) threw \(error)")
            }
        }
    }

    func testStoreLeavesTheBufferAloneWhenItThrows() {
        var stored: [Float] = [7, 7]
        XCTAssertThrowsError(try stored.withUnsafeMutableBufferPointer {
            try ActionSpace.multiDiscrete(counts: [3, 2]).store(.multiDiscrete([1, 5]), into: $0)
        })
        XCTAssertEqual(stored, [7, 7])
    }

    // MARK: ObservationSpace

    func testDictionaryCountsAndOffsetsSeparateFloatsFromBytes() {
        let space = ObservationSpace.dictionary([
            ObservationPart("rgb", Box(shape: [2, 2, 3], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("goal", Box(shape: [2], low: -1, high: 1)),
            ObservationPart("depth", Box(shape: [4], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("position", Box(shape: [3, 1], low: -5, high: 5)),
        ])
        XCTAssertTrue(space.isDictionary)
        XCTAssertEqual(space.floatCount, 2 + 3)
        XCTAssertEqual(space.byteCount, 12 + 4)
        XCTAssertEqual(space.floatOffset(of: "goal"), 0)
        XCTAssertEqual(space.floatOffset(of: "position"), 2)
        XCTAssertEqual(space.byteOffset(of: "rgb"), 0)
        XCTAssertEqual(space.byteOffset(of: "depth"), 12)
        XCTAssertNil(space.floatOffset(of: "rgb"), "a byte part has no float offset")
        XCTAssertNil(space.byteOffset(of: "goal"), "a float part has no byte offset")
        XCTAssertNil(space.floatOffset(of: "missing"))
        XCTAssertNil(space.byteOffset(of: "missing"))
        XCTAssertEqual(space.part("depth")?.box.size, 4)
        XCTAssertNil(space.part("missing"))
        XCTAssertEqual(space.parts.map(\.name), ["rgb", "goal", "depth", "position"])

        let zeros = Observation(zerosOf: space)
        XCTAssertEqual(zeros.floats, [Float](repeating: 0, count: 5))
        XCTAssertEqual(zeros.bytes, [UInt8](repeating: 0, count: 16))
        XCTAssertNoThrow(try space.check(zeros))
        XCTAssertThrowsError(try space.check(Observation(floats: [0, 0, 0, 0, 0], bytes: [UInt8](repeating: 0, count: 15))))
        XCTAssertThrowsError(try space.check(Observation(floats: [0, 0, 0, 0], bytes: [UInt8](repeating: 0, count: 16))))
        XCTAssertThrowsError(try space.check(Observation(floats: [Float](repeating: 0, count: 21), bytes: [])))
    }

    func testSingleBoxSpaces() {
        let flat = ObservationSpace(shape: [4], low: -1, high: 1)
        XCTAssertFalse(flat.isDictionary)
        XCTAssertEqual(flat.parts.count, 1)
        XCTAssertEqual(flat.floatCount, 4)
        XCTAssertEqual(flat.byteCount, 0)
        XCTAssertEqual(flat.floatOffset(of: flat.parts[0].name), 0)

        let image = ObservationSpace.box(Box(shape: [3, 3, 2], low: 0, high: 255, elementType: .uint8))
        XCTAssertEqual(image.floatCount, 0)
        XCTAssertEqual(image.byteCount, 18)
        XCTAssertEqual(image.byteOffset(of: image.parts[0].name), 0)
        XCTAssertNoThrow(try image.check(Observation(bytes: [UInt8](repeating: 1, count: 18))))
        XCTAssertThrowsError(try image.check(Observation(floats: [Float](repeating: 1, count: 18))))
    }

    // MARK: Helpers

    private func decode(_ space: ActionSpace, _ stored: [Float]) -> Action {
        stored.withUnsafeBufferPointer { space.action(fromStored: $0) }
    }

    private func store(_ space: ActionSpace, _ action: Action) throws -> [Float] {
        var stored = [Float](repeating: .nan, count: space.dimensions)
        try stored.withUnsafeMutableBufferPointer { try space.store(action, into: $0) }
        return stored
    }
}
