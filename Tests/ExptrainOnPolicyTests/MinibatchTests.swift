import ExptrainEnvironment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainTensor
import XCTest

/// Minibatches gather the right rows of a rollout: whole sequences for recurrent models,
/// single steps for feed-forward ones.
final class MinibatchTests: XCTestCase {
    /// Observations of two floats (`goal`) and three bytes (`rgb`), interleaved in the space.
    private let space = ObservationSpace.dictionary([
        ObservationPart("rgb", Box(shape: [3], low: 0, high: 255, elementType: .uint8)),
        ObservationPart("goal", Box(shape: [2], low: -100, high: 100)),
    ])

    /// A rollout of 3 steps of 4 environments where every value says where it came from:
    /// row `i = t·4 + e` has observation floats `[i, i + 0.5]`, bytes `[i, 100 + i, 200 − i]`,
    /// action `[i, −i]`, expert action `[i + 0.25, 7]`, and scalars `i + 0.1`, `i + 0.2`, ….
    private func storage(steps: Int = 3, hiddenSize: Int = 2) -> RolloutStorage {
        let storage = RolloutStorage(steps: steps, environments: 4, observationSpace: space, actionDimensions: 2, recurrentStateSize: hiddenSize)
        XCTAssertEqual(storage.floatCount, 2)
        XCTAssertEqual(storage.byteCount, 3)
        for i in 0..<((steps + 1) * 4) {
            storage.observationFloats[i * 2] = Float(i)
            storage.observationFloats[i * 2 + 1] = Float(i) + 0.5
            storage.observationBytes[i * 3] = UInt8(i)
            storage.observationBytes[i * 3 + 1] = UInt8(100 + i)
            storage.observationBytes[i * 3 + 2] = UInt8(200 - i)
            storage.masks[i] = i % 3 == 0 ? 0 : 1
        }
        for i in 0..<(steps * 4) {
            storage.actions[i * 2] = Float(i)
            storage.actions[i * 2 + 1] = -Float(i)
            storage.expertActions[i * 2] = Float(i) + 0.25
            storage.expertActions[i * 2 + 1] = 7
            storage.logProbabilities[i] = Float(i) + 0.1
            storage.values[i] = Float(i) + 0.2
            storage.advantages[i] = Float(i) + 0.3
            storage.returns[i] = Float(i) + 0.4
        }
        for e in 0..<4 {
            for j in 0..<hiddenSize { storage.initialHidden[e * hiddenSize + j] = Float(100 * e + j) }
        }
        return storage
    }

    /// Checks that `batch` holds rollout rows `rows`, in that order.
    private func assertRows(_ batch: Minibatch, _ rows: [Int], file: StaticString = #filePath, line: UInt = #line) {
        let count = rows.count
        XCTAssertEqual(batch.sampleCount, count, file: file, line: line)
        XCTAssertEqual(batch.observations.rows, count, file: file, line: line)
        XCTAssertEqual(batch.observations.floats.shape, [count, 2], file: file, line: line)
        XCTAssertEqual(batch.observations.floats.scalars, rows.flatMap { [Float($0), Float($0) + 0.5] }, file: file, line: line)
        XCTAssertEqual(batch.observations.byteCount, 3, file: file, line: line)
        XCTAssertEqual(batch.observations.bytes, rows.flatMap { [UInt8($0), UInt8(100 + $0), UInt8(200 - $0)] }, file: file, line: line)
        XCTAssertEqual(batch.masks.shape, [count], file: file, line: line)
        XCTAssertEqual(batch.masks.scalars, rows.map { $0 % 3 == 0 ? 0 : 1 }, file: file, line: line)
        XCTAssertEqual(batch.actions.shape, [count, 2], file: file, line: line)
        XCTAssertEqual(batch.actions.scalars, rows.flatMap { [Float($0), -Float($0)] }, file: file, line: line)
        XCTAssertEqual(batch.expertActions.shape, [count, 2], file: file, line: line)
        XCTAssertEqual(batch.expertActions.scalars, rows.flatMap { [Float($0) + 0.25, 7] }, file: file, line: line)
        for (tensor, offset) in [(batch.oldLogProbabilities, 0.1), (batch.oldValues, 0.2), (batch.advantages, 0.3), (batch.returns, 0.4)] as [(Tensor, Float)] {
            XCTAssertEqual(tensor.shape, [count], file: file, line: line)
            XCTAssertEqual(tensor.scalars, rows.map { Float($0) + offset }, file: file, line: line)
        }
    }

    func testRecurrentMinibatchTakesWholeSequencesTimeMajor() {
        let storage = storage()
        let batch = Minibatch(storage, environments: [2, 0])
        XCTAssertEqual(batch.steps, 3)
        XCTAssertEqual(batch.environments, 2)
        // Step 0 of environments 2 and 0, then step 1, then step 2.
        assertRows(batch, [2, 0, 6, 4, 10, 8])
        XCTAssertEqual(batch.initialHidden.shape, [2, 2])
        XCTAssertEqual(batch.initialHidden.scalars, [200, 201, 0, 1])

        let all = Minibatch(storage, environments: [0, 1, 2, 3])
        assertRows(all, Array(0..<12))
        XCTAssertEqual(all.initialHidden.scalars, [0, 1, 100, 101, 200, 201, 300, 301])
    }

    func testRecurrentMinibatchOfAShortenedRolloutTakesOnlyTheCollectedSteps() {
        let storage = storage(steps: 5)
        storage.collectedSteps = 2
        let batch = Minibatch(storage, environments: [3, 1])
        XCTAssertEqual(batch.steps, 2)
        assertRows(batch, [3, 1, 7, 5])
        XCTAssertEqual(batch.initialHidden.scalars, [300, 301, 100, 101])
    }

    func testSingleStepMinibatchTakesTheChosenRows() {
        let storage = storage()
        let batch = Minibatch(storage, singleSteps: [7, 0, 11, 4])
        XCTAssertEqual(batch.steps, 1)
        XCTAssertEqual(batch.environments, 4)
        assertRows(batch, [7, 0, 11, 4])
        // Each sample's initial state is its environment's (7 → 3, 0 → 0, 11 → 3, 4 → 0).
        XCTAssertEqual(batch.initialHidden.shape, [4, 2])
        XCTAssertEqual(batch.initialHidden.scalars, [300, 301, 0, 1, 300, 301, 0, 1])
    }

    func testFeedForwardMinibatchHasNoState() {
        let storage = storage(hiddenSize: 0)
        let batch = Minibatch(storage, singleSteps: [5, 6])
        XCTAssertEqual(batch.initialHidden.shape, [2, 0])
        assertRows(batch, [5, 6])
        XCTAssertEqual(Minibatch(storage, environments: [1]).initialHidden.shape, [1, 0])
    }

    func testOnlyByteObservationsAreGatheredAsBytes() {
        let images = ObservationSpace.box(Box(shape: [2, 2], low: 0, high: 255, elementType: .uint8))
        let storage = RolloutStorage(steps: 2, environments: 2, observationSpace: images, actionDimensions: 1, recurrentStateSize: 0)
        XCTAssertEqual(storage.floatCount, 0)
        XCTAssertEqual(storage.observationBytes.count, 3 * 2 * 4)
        for i in storage.observationBytes.indices { storage.observationBytes[i] = UInt8(250 - i) }  // 250, 249, …
        let batch = Minibatch(storage, singleSteps: [3, 1])
        XCTAssertEqual(batch.observations.floats.shape, [2, 0])
        XCTAssertEqual(batch.observations.byteCount, 4)
        XCTAssertEqual(batch.observations.bytes, [238, 237, 236, 235, 246, 245, 244, 243])
        XCTAssertEqual(batch.actions.shape, [2, 1])
        // The scaled bytes a model reads.
        XCTAssertEqual(batch.observations.scaledBytes(1..<3, scale: 0.5).scalars, [118.5, 118, 122.5, 122])
    }
}
