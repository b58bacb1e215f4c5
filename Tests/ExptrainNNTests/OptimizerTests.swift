import ExptrainNN
import ExptrainTensor
import ExptrainRandom
import XCTest

final class OptimizerTests: XCTestCase {
    /// A store with θ = [1, −2] whose gradients the test sets by hand.
    private func store() -> ParameterStore {
        let store = ParameterStore()
        _ = store.register("theta", shape: [2], initialValues: [1, -2])
        return store
    }

    private func setGradients(_ store: ParameterStore, _ gradients: [Float]) {
        store.withGradients { for (index, g) in gradients.enumerated() { $0[index] = g } }
    }

    private let gradientSequence: [[Float]] = [[0.5, -1], [-0.25, 2], [1, 0.5]]

    func testAdamMatchesPyTorchsRuleWorkedByHand() {
        // lr = 0.1, β = (0.9, 0.999), ε = 1e-8. Step 1: m = 0.1g, v = 0.001g², so
        // m̂ = g, √v̂ = |g| and θ moves by 0.1·sign(g): [0.9, −1.9].
        // Step 2 (first value): m = 0.9·0.05 − 0.1·0.25 = 0.02, v = 0.999·0.00025 + 0.001·0.0625
        // = 0.00031225; θ −= 0.1·(0.02/0.19)/(√0.00031225/√0.001999 + 1e-8) = 0.0266337.
        let expected: [[Double]] = [
            [0.900000002, -1.900000001], [0.8733662987, -1.9366103535], [0.8075551397, -1.9781754731],
        ]
        let parameters = store()
        let adam = Adam(beta1: 0.9, beta2: 0.999, eps: 1e-8)
        for (gradients, values) in zip(gradientSequence, expected) {
            setGradients(parameters, gradients)
            adam.step(parameters: parameters, learningRate: 0.1)
            let theta = parameters.values(of: "theta")!
            XCTAssertEqual(Double(theta[0]), values[0], accuracy: 1e-6)
            XCTAssertEqual(Double(theta[1]), values[1], accuracy: 1e-6)
        }
        XCTAssertEqual(adam.state.stepCount, 3)
    }

    /// 21 parameters: two full SIMD chunks and a padded tail, against the rule one value at a time.
    func testAdamEqualsTheScalarRuleBitForBit() {
        let store = ParameterStore()
        let initial = (0..<21).map { Float($0) * 0.37 - 3 }
        _ = store.register("theta", shape: [21], initialValues: initial)
        let adam = Adam(learningRate: 0.01)
        var (theta, m, v) = (initial, [Float](repeating: 0, count: 21), [Float](repeating: 0, count: 21))
        for step in 1...3 {
            let gradients = (0..<21).map { Float(($0 * 7 + step * 3) % 11) - 5 }
            setGradients(store, gradients)
            adam.step(parameters: store, learningRate: 0.01)
            let biasCorrection1 = 1 - Float(pow(Double(Float(0.9)), Double(step)))
            let biasCorrection2SquareRoot = Float((1 - pow(Double(Float(0.999)), Double(step))).squareRoot())
            for i in 0..<21 {
                m[i] = 0.9 * m[i] + (1 - 0.9) * gradients[i]
                v[i] = 0.999 * v[i] + (1 - 0.999) * gradients[i] * gradients[i]
                theta[i] -= 0.01 / biasCorrection1 * m[i] / (v[i].squareRoot() / biasCorrection2SquareRoot + 1e-5)
            }
            XCTAssertEqual(store.values(of: "theta")!.map(\.bitPattern), theta.map(\.bitPattern), "step \(step)")
        }
    }

    func testSGDWithMomentumWorkedByHand() {
        // μ = 0.9, lr = 0.1, first value: b = 0.5 → θ = 0.95; b = 0.45 − 0.25 = 0.2 → θ = 0.93;
        // b = 0.18 + 1 = 1.18 → θ = 0.812. Second: b = −1 → −1.9; b = −0.9 + 2 = 1.1 → −2.01;
        // b = 0.99 + 0.5 = 1.49 → −2.159.
        let expected: [[Float]] = [[0.95, -1.9], [0.93, -2.01], [0.812, -2.159]]
        let parameters = store()
        let sgd = SGD(momentum: 0.9)
        for (gradients, values) in zip(gradientSequence, expected) {
            setGradients(parameters, gradients)
            sgd.step(parameters: parameters, learningRate: 0.1)
            for (actual, value) in zip(parameters.values(of: "theta")!, values) { XCTAssertEqual(actual, value, accuracy: 1e-6) }
        }
    }

    func testPlainSGD() {
        let parameters = store()
        setGradients(parameters, [0.5, -1])
        SGD(learningRate: 0.1).step(parameters: parameters)
        XCTAssertEqual(parameters.values(of: "theta"), [0.95, -1.9])
    }

    func testRestoredStateContinuesIdentically() {
        for makeOptimizer in [{ Adam() as Optimizer }, { SGD(momentum: 0.9) as Optimizer }] {
            let original = store()
            let optimizer = makeOptimizer()
            for gradients in gradientSequence.prefix(2) {
                setGradients(original, gradients)
                optimizer.step(parameters: original, learningRate: 0.01)
            }
            let copy = store()
            copy.withValues { values in original.withValues { _ = values.update(fromContentsOf: $0) } }
            let restored = makeOptimizer()
            restored.state = optimizer.state
            XCTAssertEqual(restored.state, optimizer.state)
            setGradients(original, gradientSequence[2])
            setGradients(copy, gradientSequence[2])
            optimizer.step(parameters: original, learningRate: 0.01)
            restored.step(parameters: copy, learningRate: 0.01)
            XCTAssertEqual(original.values(of: "theta"), copy.values(of: "theta"))
        }
    }

    func testGlobalNormClipping() {
        let parameters = ParameterStore()
        _ = parameters.register("a", shape: [1], initialValues: [0])
        _ = parameters.register("b", shape: [1], initialValues: [0])
        setGradients(parameters, [3, 4])
        XCTAssertEqual(clipGlobalNorm(parameters, maxNorm: 1), 5)
        let clipped = parameters.withGradients { Array($0) }
        XCTAssertEqual(clipped[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(clipped[1], 0.8, accuracy: 1e-6)
        setGradients(parameters, [0.3, 0.4])
        XCTAssertEqual(clipGlobalNorm(parameters, maxNorm: 1), 0.5, accuracy: 1e-7)
        XCTAssertEqual(parameters.withGradients { Array($0) }, [0.3, 0.4], "below the limit nothing changes")
    }

    func testGlobalNormOverManyParametersMatchesADoubleSum() {
        var generator = RandomGenerator(seed: 4)
        var gradients = (0..<1_003).map { _ in generator.nextNormal() }
        let expected = gradients.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let norm = gradients.withUnsafeMutableBufferPointer { clipGlobalNorm($0, maxNorm: 1e9) }
        XCTAssertEqual(Double(norm), expected, accuracy: expected * 1e-6)
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(ConstantLearningRate().learningRate(atStep: 1_000, initial: 3e-4, totalSteps: 100), 3e-4)
        let decay = LinearLearningRateDecay(endFactor: 0)
        XCTAssertEqual(decay.learningRate(atStep: 0, initial: 1e-3, totalSteps: 100), 1e-3)
        XCTAssertEqual(decay.learningRate(atStep: 25, initial: 1e-3, totalSteps: 100), 7.5e-4, accuracy: 1e-9)
        XCTAssertEqual(decay.learningRate(atStep: 100, initial: 1e-3, totalSteps: 100), 0)
        XCTAssertEqual(decay.learningRate(atStep: 500, initial: 1e-3, totalSteps: 100), 0, "stays at the final rate")
        XCTAssertEqual(LinearLearningRateDecay(endFactor: 0.5).learningRate(atStep: 100, initial: 1e-3, totalSteps: 100), 5e-4)
        XCTAssertNotNil(LinearLearningRateDecay(endFactor: 2).problem)
        XCTAssertNil(LinearLearningRateDecay(endFactor: 0.1).problem)
    }
}
