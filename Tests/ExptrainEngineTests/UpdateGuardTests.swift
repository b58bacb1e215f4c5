@testable import ExptrainEngine
import ExptrainNN
import ExptrainOnPolicy
import XCTest

/// The non-finite guard decides from the reduced gradient norm and the parameters, which
/// every rank shares, so these single-process checks are what every rank does alike.
final class UpdateGuardTests: XCTestCase {
    private func store(_ values: [Float]) -> ParameterStore {
        let store = ParameterStore()
        _ = store.register("w", shape: [values.count], initialValues: values)
        return store
    }

    func testANonFiniteLossPoisonsTheGradientSoTheReducedNormIsNaN() {
        let guardian = UpdateGuard(maxConsecutiveSkips: 3, parameterCount: 3)
        let parameters = store([1, 2, 3])
        guardian.poisonGradients(ifNotFinite: 0.5, of: parameters)
        XCTAssertTrue(clipGlobalNorm(parameters, maxNorm: 1).isFinite)
        guardian.poisonGradients(ifNotFinite: .infinity, of: parameters)
        XCTAssertTrue(clipGlobalNorm(parameters, maxNorm: 1).isNaN)
    }

    func testANonFiniteNormSkipsTheStepAndAFiniteOneTakesIt() {
        let guardian = UpdateGuard(maxConsecutiveSkips: 3, parameterCount: 3)
        let parameters = store([1, 2, 3])
        var steps = 0
        XCTAssertFalse(guardian.step(parameters, gradientNorm: .nan, atStep: 8) { steps += 1 })
        XCTAssertFalse(guardian.step(parameters, gradientNorm: .infinity, atStep: 8) { steps += 1 })
        XCTAssertEqual(steps, 0)
        XCTAssertTrue(guardian.step(parameters, gradientNorm: 0.3, atStep: 8) { steps += 1 })
        XCTAssertEqual(steps, 1)
        XCTAssertEqual(guardian.takeSkippedSinceLastLog(), 2)
        XCTAssertEqual(guardian.takeSkippedSinceLastLog(), 0)
        XCTAssertNil(guardian.divergence, "the finite step ended the run of skips")
    }

    func testAStepThatLeavesANonFiniteParameterIsUndone() {
        let guardian = UpdateGuard(maxConsecutiveSkips: 3, parameterCount: 11)
        let initial: [Float] = (0..<11).map { Float($0) - 5 }
        let parameters = store(initial)
        let stands = guardian.step(parameters, gradientNorm: 1, atStep: 0) {
            parameters.withValues { $0[9] = .infinity; $0[2] = 100 }
        }
        XCTAssertFalse(stands)
        XCTAssertEqual(parameters.values(of: "w"), initial)
        XCTAssertEqual(guardian.takeSkippedSinceLastLog(), 1)
    }

    func testConsecutiveSkipsEndInDivergenceNamingTheStep() {
        let guardian = UpdateGuard(maxConsecutiveSkips: 3, parameterCount: 1)
        let parameters = store([1])
        for _ in 0..<2 { guardian.step(parameters, gradientNorm: .nan, atStep: 4096) {} }
        XCTAssertNil(guardian.divergence)
        guardian.step(parameters, gradientNorm: .nan, atStep: 4096) {}
        let divergence = try? XCTUnwrap(guardian.divergence)
        XCTAssertEqual(divergence?.step, 4096)
        XCTAssertEqual(divergence?.skippedInARow, 3)
        XCTAssertEqual(divergence?.exitCode, 1)
        XCTAssertTrue(divergence?.description.contains("training diverged at step 4096: 3 minibatch steps in a row") ?? false)
    }

    func testACheckpointWithANonFiniteValueIsRefused() throws {
        let guardian = UpdateGuard(maxConsecutiveSkips: 3, parameterCount: 2)
        let parameters = store([1, 2])
        let optimizer = SGD(learningRate: 0.1)
        try guardian.checkSavable(parameters: parameters, optimizer: optimizer, statistics: [RunningMeanStd(dimensions: 2)], atStep: 1, lastCheckpoint: nil)
        let broken = RunningMeanStd(mean: [0, .nan], variance: [1, 1], count: 3)
        XCTAssertThrowsError(
            try guardian.checkSavable(parameters: parameters, optimizer: optimizer, statistics: [broken], atStep: 7, lastCheckpoint: "c.safetensors")
        ) { error in
            XCTAssertTrue("\(error)".contains("its checkpoint would hold non-finite values and was not written"), "\(error)")
            XCTAssertTrue("\(error)".contains("c.safetensors"), "\(error)")
        }
        parameters.withValues { $0[1] = -.infinity }
        XCTAssertThrowsError(try guardian.checkSavable(parameters: parameters, optimizer: optimizer, statistics: [], atStep: 7, lastCheckpoint: nil))
    }
}
