#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ExptrainEnvironment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import ExptrainTensor
import XCTest

/// The fused MLP step gives the tape's losses, diagnostics and gradients bit for bit
/// (the trainer's parameter digests rest on it), and applies only where it can.
final class FusedMLPStepTests: XCTestCase {
    /// A rollout of 16 steps of 4 environments with random observations, actions among 3
    /// (or one per component of `counts`), and old log-probabilities, old values and returns
    /// spread so that both sides of the policy and value clipping occur.
    private func storage(seed: UInt64, counts: [Int] = [3]) -> RolloutStorage {
        var generator = RandomGenerator(seed: seed)
        let storage = RolloutStorage(steps: 16, environments: 4, observationSpace: ObservationSpace(shape: [5], low: -10, high: 10),
                                     actionDimensions: counts.count, recurrentStateSize: 0)
        for i in storage.observationFloats.indices { storage.observationFloats[i] = 2 * generator.nextNormal() }
        for i in 0..<(16 * 4) {
            for (component, count) in counts.enumerated() {
                storage.actions[i * counts.count + component] = Float(generator.nextInt(below: count))
            }
            // Around a uniform policy's log-probability, for several components.
            let uniform = -counts.reduce(Float(0)) { $0 + logf(Float($1)) }
            storage.logProbabilities[i] = counts.count == 1 ? generator.nextUniform(-1.8, -0.5) : generator.nextUniform(uniform - 0.4, uniform + 0.4)
            storage.values[i] = generator.nextUniform(-0.5, 0.5)
            storage.advantages[i] = generator.nextNormal()
            storage.returns[i] = generator.nextUniform(-1, 1)
        }
        return storage
    }

    /// The trainer's tape step: forward, the loss times its weight, backward of `scale` times it.
    private func tapeStep(_ model: MLPActorCritic, _ loss: any Loss, weight: Float, _ storage: RolloutStorage, samples: [Int], scale: Float)
        -> (total: Float, diagnostics: [(key: String, value: Float)], gradients: [UInt32]) {
        let batch = Minibatch(storage, singleSteps: samples)
        let output = model.forward(observations: batch.observations, masks: batch.masks, hidden: batch.initialHidden,
                                   steps: batch.steps, environments: batch.environments)
        let term = loss(batch, output)
        let total = weight * term.loss
        model.parameters.zeroGradients()
        (total * scale).backward()
        return (total.scalar, term.diagnostics, model.parameters.withGradients { $0.map(\.bitPattern) })
    }

    /// Two shuffled minibatches of different sizes through the same kept buffers: the fused
    /// step's loss, diagnostics and gradients against the tape's, bit for bit; returns the
    /// last step's gradients.
    @discardableResult
    private func assertFusedStepMatchesTheTape(
        _ model: MLPActorCritic, _ loss: any Loss, _ storage: RolloutStorage, _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> [UInt32] {
        let fused = try XCTUnwrap(FusedMLPStep(model: model, losses: [loss], weights: [0.7]), file: file, line: line)
        var generator = RandomGenerator(seed: 99)
        var order = Array(0..<64)
        for i in stride(from: 63, to: 0, by: -1) { order.swapAt(i, generator.nextInt(below: i + 1)) }
        var gradients: [UInt32] = []
        for (samples, scale) in [(order[0..<40], Float(0.37)), (order[40..<64], Float(0.63))] {
            let tape = tapeStep(model, loss, weight: 0.7, storage, samples: Array(samples), scale: scale)
            let total = fused.step(storage, samples: samples, gradientScale: scale)
            gradients = model.parameters.withGradients { $0.map(\.bitPattern) }
            XCTAssertEqual(total.bitPattern, tape.total.bitPattern, "loss, \(what)", file: file, line: line)
            XCTAssertEqual(fused.diagnostics.map(\.key), tape.diagnostics.map(\.key), file: file, line: line)
            XCTAssertEqual(fused.diagnostics.map(\.value.bitPattern), tape.diagnostics.map(\.value.bitPattern), "diagnostics, \(what)",
                           file: file, line: line)
            XCTAssertEqual(gradients.count, tape.gradients.count, file: file, line: line)
            XCTAssertEqual(zip(gradients, tape.gradients).filter { $0 != $1 }.count, 0, "gradients that differ, \(what)", file: file, line: line)
            XCTAssertTrue(gradients.contains { $0 != 0 }, "the gradients are not all zero, \(what)", file: file, line: line)
            // Both clipping branches occurred (else the check above would not cover them).
            if let clipFraction = tape.diagnostics.first(where: { $0.key == "clip_fraction" })?.value {
                XCTAssertTrue(clipFraction > 0 && clipFraction < 1, "clip fraction \(clipFraction), \(what)", file: file, line: line)
            }
        }
        return gradients
    }

    func testFusedStepMatchesTheTapeBitForBit() throws {
        let settings: [(Activation, any Loss)] = [
            (.tanh, PPOLoss()),
            (.tanh, PPOLoss(clipParameter: 0.1, clipValueLoss: false, normalizeAdvantage: false)),
            (.relu, PPOLoss(valueCoefficient: 0.25, entropyCoefficient: 0.05)),
            (.sigmoid, PPOLoss(clipValueLoss: true, normalizeAdvantage: false)),
            (.tanh, A2CLoss()),
            (.relu, A2CLoss(valueCoefficient: 0.25, entropyCoefficient: 0.05, normalizeAdvantage: true)),
        ]
        for (index, (activation, loss)) in settings.enumerated() {
            let model = MLPActorCritic(observationSize: 5, actionCount: 3, hidden: [16, 8], activation: activation, seed: 7)
            try assertFusedStepMatchesTheTape(model, loss, storage(seed: UInt64(index + 1)), "\(activation), \(loss)")
        }
    }

    /// A Gaussian policy's rollout: `storage(seed:)`'s, with actions drawn around the model's
    /// means with spread `σ = exp(log σ)` and old log-probabilities the model's own moved
    /// by up to ±0.4, so that the ratio falls on both sides of the clipping.
    private func gaussianStorage(seed: UInt64, model: MLPActorCritic, dimensions: Int) -> RolloutStorage {
        var generator = RandomGenerator(seed: seed)
        let storage = RolloutStorage(steps: 16, environments: 4, observationSpace: ObservationSpace(shape: [5], low: -10, high: 10),
                                     actionDimensions: dimensions, recurrentStateSize: 0)
        for i in storage.observationFloats.indices { storage.observationFloats[i] = 2 * generator.nextNormal() }
        for i in 0..<(16 * 4 * dimensions) { storage.actions[i] = 1.5 * generator.nextNormal() }
        let batch = Minibatch(storage, singleSteps: Array(0..<64))
        let output = model.forward(observations: batch.observations, masks: batch.masks, hidden: batch.initialHidden,
                                   steps: batch.steps, environments: batch.environments)
        let logProbabilities = output.distribution.logProbability(of: batch.actions).scalars
        for i in 0..<64 {
            storage.logProbabilities[i] = logProbabilities[i] + generator.nextUniform(-0.4, 0.4)
            storage.values[i] = generator.nextUniform(-0.5, 0.5)
            storage.advantages[i] = generator.nextNormal()
            storage.returns[i] = generator.nextUniform(-1, 1)
        }
        return storage
    }

    /// The same for a Gaussian policy over 1 to 3 dimensions, with `log σ` away from its
    /// initial zeros (so every term of its gradient counts).
    func testFusedGaussianStepMatchesTheTapeBitForBit() throws {
        let settings: [(Int, Activation, any Loss)] = [
            (1, .tanh, PPOLoss(entropyCoefficient: 0)),
            (3, .tanh, PPOLoss()),
            (3, .tanh, PPOLoss(clipParameter: 0.1, clipValueLoss: false, normalizeAdvantage: false)),
            (2, .relu, PPOLoss(valueCoefficient: 0.25, entropyCoefficient: 0.05)),
            (3, .tanh, A2CLoss(normalizeAdvantage: true)),
        ]
        for (index, (dimensions, activation, loss)) in settings.enumerated() {
            let model = MLPActorCritic(observationSize: 5, actionSpace: .box(Box(shape: [dimensions], low: -2, high: 2)),
                                       hidden: [16, 8], activation: activation, seed: 7)
            let logStandardDeviation = try XCTUnwrap(model.parameters.entry(named: "actor_logstd"))
            model.parameters.withValues { values in
                for d in 0..<dimensions { values[logStandardDeviation.offset + d] = [-0.6, 0.35, 0.1][d] }
            }
            let what = "\(dimensions) dimensions, \(activation), \(loss)"
            let gradients = try assertFusedStepMatchesTheTape(model, loss, gaussianStorage(seed: UInt64(index + 1), model: model, dimensions: dimensions), what)
            let logStandardDeviationGradients = gradients[logStandardDeviation.offset..<(logStandardDeviation.offset + dimensions)]
            XCTAssertFalse(logStandardDeviationGradients.contains(0), "a log σ gradient is zero, \(what)")
        }
    }

    /// The same for `MultiDiscrete([3, 2, 4])`: three components side by side in the logits.
    func testFusedMultiCategoricalStepMatchesTheTapeBitForBit() throws {
        let counts = [3, 2, 4]
        let losses: [any Loss] = [PPOLoss(), A2CLoss(normalizeAdvantage: true)]
        for (index, loss) in losses.enumerated() {
            let model = MLPActorCritic(observationSize: 5, actionSpace: .multiDiscrete(counts: counts), hidden: [16, 8], seed: 7)
            try assertFusedStepMatchesTheTape(model, loss, storage(seed: UInt64(index + 11), counts: counts), "\(counts), \(loss)")
        }
    }

    func testAppliesOnlyToOnePPOOrA2CLossOnAnMLP() {
        let cartPole = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
        XCTAssertNotNil(FusedMLPStep(model: cartPole, losses: [PPOLoss()], weights: [1]))
        XCTAssertNotNil(FusedMLPStep(model: cartPole, losses: [A2CLoss()], weights: [1]))
        XCTAssertNil(FusedMLPStep(model: cartPole, losses: [ImitationLoss()], weights: [1]))
        XCTAssertNil(FusedMLPStep(model: cartPole, losses: [PPOLoss(), PPOLoss()], weights: [1, 1]))
        XCTAssertNil(FusedMLPStep(model: cartPole, losses: [PPOLoss(), ImitationLoss()], weights: [1, 1]))
        let gaussian = MLPActorCritic(observationSize: 3, actionSpace: .box(Box(shape: [1], low: -2, high: 2)), seed: 1)
        XCTAssertNotNil(FusedMLPStep(model: gaussian, losses: [PPOLoss()], weights: [1]))
        XCTAssertNotNil(FusedMLPStep(model: gaussian, losses: [A2CLoss()], weights: [1]))
        let multi = MLPActorCritic(observationSize: 3, actionSpace: .multiDiscrete(counts: [2, 3]), seed: 1)
        XCTAssertNotNil(FusedMLPStep(model: multi, losses: [PPOLoss()], weights: [1]))
        let grid = RecurrentActorCritic(observationShape: [7, 7, 3], actionCount: 7, hiddenSize: 16, recurrent: false, seed: 1)
        XCTAssertNil(FusedMLPStep(model: grid, losses: [PPOLoss()], weights: [1]))
    }
}
