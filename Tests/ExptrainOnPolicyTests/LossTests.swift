import Foundation
import ExptrainEnvironment
import ExptrainNN
import ExptrainOnPolicy
import ExptrainTensor
import XCTest

/// PPO, A2C and imitation on four hand-made samples, against the formulas in Double.
final class LossTests: XCTestCase {
    // Four samples of a Categorical over three actions.
    private let logits: [[Double]] = [[0.2, -0.4, 1.0], [1.5, 0.0, -0.5], [-0.3, 0.3, 0.1], [0.0, 2.0, -1.0]]
    private let actions = [2, 0, 1, 2]
    private let expertActions = [1, 0, 2, 1]
    /// log π_new(a) − log π_old(a): ρ = e^δ is 1.105 (inside the clip range), 0.607 (below it),
    /// 1.35 (above it) and 1 (equal).
    private let logRatios: [Double] = [0.1, -0.5, 0.3, 0.0]
    private let advantages: [Double] = [1.0, -2.0, 0.5, 3.0]
    private let newValues: [Double] = [0.5, 1.5, -0.2, 2.0]
    private let oldValues: [Double] = [0.4, 1.0, 0.2, 2.5]
    private let returns: [Double] = [1.0, 0.5, 0.3, 1.0]

    // MARK: The formulas, in Double

    private func logSoftmax(_ row: [Double]) -> [Double] {
        let top = row.max()!
        let logSum = top + log(row.reduce(0) { $0 + exp($1 - top) })
        return row.map { $0 - logSum }
    }

    private var newLogProbabilities: [Double] { zip(logits, actions).map { logSoftmax($0)[$1] } }
    private var oldLogProbabilities: [Double] { zip(newLogProbabilities, logRatios).map { $0 - $1 } }
    private var meanEntropy: Double {
        logits.map { row in -logSoftmax(row).reduce(0) { $0 + exp($1) * $1 } }.reduce(0, +) / 4
    }

    private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    private func normalized(_ values: [Double]) -> [Double] {
        let m = mean(values)
        let sampleStd = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
        return values.map { ($0 - m) / (sampleStd + 1e-8) }
    }

    private func ppoPolicyLoss(_ advantages: [Double], epsilon: Double) -> Double {
        mean((0..<4).map { i in
            let ratio = exp(logRatios[i])
            let clipped = min(max(ratio, 1 - epsilon), 1 + epsilon)
            return max(-advantages[i] * ratio, -advantages[i] * clipped)
        })
    }

    private func valueLoss(clipped: Bool, epsilon: Double) -> Double {
        0.5 * mean((0..<4).map { i in
            let unclipped = (newValues[i] - returns[i]) * (newValues[i] - returns[i])
            guard clipped else { return unclipped }
            let clippedValue = oldValues[i] + min(max(newValues[i] - oldValues[i], -epsilon), epsilon)
            return max(unclipped, (clippedValue - returns[i]) * (clippedValue - returns[i]))
        })
    }

    // MARK: The inputs, as the losses receive them

    /// A minibatch of the four samples (one environment, four single steps).
    private func minibatch() -> Minibatch {
        let storage = RolloutStorage(
            steps: 4, environments: 1, observationSpace: ObservationSpace(shape: [1], low: 0, high: 1),
            actionDimensions: 1, recurrentStateSize: 0)
        _ = storage.actions.update(fromContentsOf: actions.map(Float.init))
        _ = storage.expertActions.update(fromContentsOf: expertActions.map(Float.init))
        _ = storage.logProbabilities.update(fromContentsOf: oldLogProbabilities.map(Float.init))
        _ = storage.values.update(fromContentsOf: oldValues.map(Float.init))
        _ = storage.advantages.update(fromContentsOf: advantages.map(Float.init))
        _ = storage.returns.update(fromContentsOf: returns.map(Float.init))
        return Minibatch(storage, singleSteps: [0, 1, 2, 3])
    }

    /// The model's output on the four samples; `parameters` holds the logits and values
    /// (so gradients can be checked).
    private func output(_ parameters: ParameterStore? = nil) -> (ActorCriticOutput, ParameterStore) {
        let store = parameters ?? ParameterStore()
        if parameters == nil {
            _ = store.register("logits", shape: [4, 3], initialValues: logits.flatMap { $0.map(Float.init) })
            _ = store.register("values", shape: [4], initialValues: newValues.map(Float.init))
        }
        let output = ActorCriticOutput(
            distribution: Categorical(logits: store.tensor(at: 0)), values: store.tensor(at: 1), hidden: Tensor.zeros([4, 0]))
        return (output, store)
    }

    private func diagnostics(_ term: LossTerm) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: term.diagnostics.map { ($0.key, Double($0.value)) })
    }

    private func assertClose(_ actual: Float, _ expected: Double, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Double(actual), expected, accuracy: 1e-5 * max(1, abs(expected)), message, file: file, line: line)
    }

    // MARK: Tests

    func testTheHandMadeCaseCoversEveryBranch() {
        // Sanity of the inputs themselves: the ratios fall inside, below and above [0.8, 1.2].
        let ratios = logRatios.map(exp)
        XCTAssertTrue(ratios[0] > 0.8 && ratios[0] < 1.2)
        XCTAssertLessThan(ratios[1], 0.8)
        XCTAssertGreaterThan(ratios[2], 1.2)
        // Value clipping binds on some samples and not on others.
        let unclipped = valueLoss(clipped: false, epsilon: 0.2), clipped = valueLoss(clipped: true, epsilon: 0.2)
        XCTAssertGreaterThan(clipped, unclipped + 0.01)
        // The minibatch carries the numbers given.
        let batch = minibatch()
        XCTAssertEqual(batch.actions.shape, [4, 1])
        XCTAssertEqual(batch.actions.scalars, [2, 0, 1, 2])
        XCTAssertEqual(batch.expertActions.scalars, [1, 0, 2, 1])
        XCTAssertEqual(batch.advantages.scalars, advantages.map(Float.init))
        let newLogP = (output().0.distribution.logProbability(of: batch.actions) - batch.oldLogProbabilities).scalars
        for (a, b) in zip(newLogP, logRatios) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
    }

    func testPPOWithNormalisedAdvantagesAndClippedValueLoss() {
        let loss = PPOLoss(clipParameter: 0.2, valueCoefficient: 0.5, entropyCoefficient: 0.01, clipValueLoss: true, normalizeAdvantage: true)
        XCTAssertFalse(loss.needsExpertActions)
        let term = loss(minibatch(), output().0)
        XCTAssertEqual(term.diagnostics.map(\.key), ["policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction"])

        let policyLoss = ppoPolicyLoss(normalized(advantages), epsilon: 0.2)
        let value = valueLoss(clipped: true, epsilon: 0.2)
        let d = diagnostics(term)
        assertClose(term.loss.scalar, policyLoss + 0.5 * value - 0.01 * meanEntropy, "loss")
        XCTAssertEqual(d["policy_loss"]!, policyLoss, accuracy: 1e-5)
        XCTAssertEqual(d["value_loss"]!, value, accuracy: 1e-5)
        XCTAssertEqual(d["entropy"]!, meanEntropy, accuracy: 1e-5)
        XCTAssertEqual(d["approx_kl"]!, mean(logRatios.map { (exp($0) - 1) - $0 }), accuracy: 1e-6)
        XCTAssertEqual(d["clip_fraction"]!, 0.5, "samples 1 and 2 are outside [0.8, 1.2]")

        // The normalisation is with the sample standard deviation (n − 1): with the
        // population one the policy loss would be different.
        let m = mean(advantages)
        let populationStd = (advantages.reduce(0) { $0 + ($1 - m) * ($1 - m) } / 4).squareRoot()
        let withPopulationStd = ppoPolicyLoss(advantages.map { ($0 - m) / populationStd }, epsilon: 0.2)
        XCTAssertGreaterThan(abs(withPopulationStd - policyLoss), 1e-3)
    }

    func testPPOWithRawAdvantagesAndUnclippedValueLoss() {
        let loss = PPOLoss(clipParameter: 0.25, valueCoefficient: 0.7, entropyCoefficient: 0.05, clipValueLoss: false, normalizeAdvantage: false)
        let term = loss(minibatch(), output().0)
        let policyLoss = ppoPolicyLoss(advantages, epsilon: 0.25)
        let value = valueLoss(clipped: false, epsilon: 0.25)
        let d = diagnostics(term)
        assertClose(term.loss.scalar, policyLoss + 0.7 * value - 0.05 * meanEntropy, "loss")
        XCTAssertEqual(d["policy_loss"]!, policyLoss, accuracy: 1e-5)
        XCTAssertEqual(d["value_loss"]!, value, accuracy: 1e-5)
        XCTAssertEqual(d["value_loss"]!, 0.5 * (0.25 + 1 + 0.25 + 1) / 4, accuracy: 1e-5)
        XCTAssertEqual(d["entropy"]!, meanEntropy, accuracy: 1e-5)
        XCTAssertEqual(d["clip_fraction"]!, 0.5, "ρ = 0.607 and 1.35 are outside [0.75, 1.25]")
        // A wider clip range clips less.
        let wide = PPOLoss(clipParameter: 0.45, normalizeAdvantage: false)(minibatch(), output().0)
        XCTAssertEqual(diagnostics(wide)["clip_fraction"]!, 0, "no ratio is outside [0.55, 1.45]")
        XCTAssertEqual(diagnostics(wide)["policy_loss"]!, mean((0..<4).map { -advantages[$0] * exp(logRatios[$0]) }), accuracy: 1e-5)
    }

    func testPPOGradientsMatchFiniteDifferences() {
        let (_, store) = output()
        let batch = minibatch()
        for clipValueLoss in [true, false] {
            let loss = PPOLoss(clipValueLoss: clipValueLoss, normalizeAdvantage: true)
            assertParameterGradients(store) { loss(batch, self.output(store).0).loss }
        }
        // The clipped samples carry no policy gradient: sample 1 (ρ below 1 − ε with Â < 0)
        // and sample 2 (ρ above 1 + ε with Â > 0) leave their logits alone.
        store.zeroGradients()
        PPOLoss(valueCoefficient: 0, entropyCoefficient: 0, normalizeAdvantage: false)(batch, output(store).0).loss.backward()
        let gradients = store.gradients(of: "logits")!
        XCTAssertEqual(Array(gradients[3..<9]), [0, 0, 0, 0, 0, 0])
        XCTAssertTrue(gradients[0..<3].contains { $0 != 0 })
        XCTAssertTrue(gradients[9..<12].contains { $0 != 0 })
    }

    func testA2CAgainstHandComputedValues() {
        let loss = A2CLoss(valueCoefficient: 0.5, entropyCoefficient: 0.01)
        XCTAssertFalse(loss.needsExpertActions)
        let term = loss(minibatch(), output().0)
        XCTAssertEqual(term.diagnostics.map(\.key), ["policy_loss", "value_loss", "entropy"])
        let policyLoss = -mean((0..<4).map { advantages[$0] * newLogProbabilities[$0] })  // advantages not normalised
        let value = valueLoss(clipped: false, epsilon: 0)
        let d = diagnostics(term)
        assertClose(term.loss.scalar, policyLoss + 0.5 * value - 0.01 * meanEntropy, "loss")
        XCTAssertEqual(d["policy_loss"]!, policyLoss, accuracy: 1e-5)
        XCTAssertEqual(d["value_loss"]!, value, accuracy: 1e-5)
        XCTAssertEqual(d["entropy"]!, meanEntropy, accuracy: 1e-5)

        let (_, store) = output()
        let batch = minibatch()
        assertParameterGradients(store) { A2CLoss(valueCoefficient: 0.3, entropyCoefficient: 0.2)(batch, self.output(store).0).loss }
    }

    func testImitationIsTheExpertsNegativeLogLikelihood() {
        let loss = ImitationLoss()
        XCTAssertTrue(loss.needsExpertActions)
        let term = loss(minibatch(), output().0)
        XCTAssertEqual(term.diagnostics.map(\.key), ["imitation_loss"])
        let expected = -mean(zip(logits, expertActions).map { logSoftmax($0)[$1] })
        assertClose(term.loss.scalar, expected, "loss")
        XCTAssertEqual(Double(term.diagnostics[0].value), expected, accuracy: 1e-5)
        // It reads the expert's actions, not the ones taken.
        let taken = -mean(newLogProbabilities)
        XCTAssertGreaterThan(abs(taken - expected), 0.1)

        let (_, store) = output()
        let batch = minibatch()
        assertParameterGradients(store) { ImitationLoss()(batch, self.output(store).0).loss }
        XCTAssertEqual(store.gradients(of: "values")!, [0, 0, 0, 0], "imitation does not train the critic")
    }

    func testNormalizedAdvantagesUseTheSampleStandardDeviationAndOneEMinusEight() {
        let values: [Float] = [1, 2, 3, 4]
        // mean 2.5, sample std √(5/3)
        let std = (5.0 / 3).squareRoot()
        let result = normalizedAdvantages(Tensor(shape: [4], values: values)).scalars
        for (r, x) in zip(result, values) { XCTAssertEqual(Double(r), (Double(x) - 2.5) / (std + 1e-8), accuracy: 1e-6) }

        // A spread of 1e-8: the 1e-8 in the denominator is as large as the deviation itself.
        // Sample std √2·1e-8 → ±1/(√2 + 1) = ±0.414; without it ±0.707; population std ±0.5.
        let tiny: [Float] = [0, 2e-8]
        let half = Double(tiny[1]) / 2
        let sampleStd = (2 * half * half).squareRoot()
        let expected = half / (sampleStd + 1e-8)
        let normalizedTiny = normalizedAdvantages(Tensor(shape: [2], values: tiny)).scalars
        XCTAssertEqual(Double(normalizedTiny[0]), -expected, accuracy: 1e-6)
        XCTAssertEqual(Double(normalizedTiny[1]), expected, accuracy: 1e-6)
        XCTAssertEqual(expected, 1 / (2.0.squareRoot() + 1), accuracy: 1e-6)

        // Equal advantages become zeros; a single one is left as it is; the shape is kept.
        XCTAssertEqual(normalizedAdvantages(Tensor(shape: [3], values: [5, 5, 5])).scalars, [0, 0, 0])
        XCTAssertEqual(normalizedAdvantages(Tensor(shape: [1], values: [3.5])).scalars, [3.5])
        XCTAssertEqual(normalizedAdvantages(Tensor(shape: [2, 2], values: values)).shape, [2, 2])
        // Computed in Double: large offsets do not lose the spread.
        let offset: [Float] = [100_000, 100_001, 100_002, 100_003]
        let shifted = normalizedAdvantages(Tensor(shape: [4], values: offset)).scalars
        for (a, b) in zip(shifted, result) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    private func assertParameterGradients(_ store: ParameterStore, file: StaticString = #filePath, line: UInt = #line, _ loss: () -> Tensor) {
        store.zeroGradients()
        loss().backward()
        let analytic = store.withGradients { Array($0) }
        let numeric = store.withValues { values in
            centralDifferences(of: { withoutGradients { Double(loss().scalar) } }, at: values.baseAddress!, count: values.count, step: 1e-3)
        }
        XCTAssertTrue(analytic.contains { $0 != 0 }, file: file, line: line)
        for (index, (a, n)) in zip(analytic, numeric).enumerated() {
            XCTAssertEqual(Double(a), n, accuracy: 2e-3 * max(1, abs(n)), "value \(index)", file: file, line: line)
        }
    }
}
