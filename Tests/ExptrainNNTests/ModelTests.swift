import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import XCTest

final class ModelTests: XCTestCase {
    func testMLPActorCriticNamesAndShapesFollowCleanRL() {
        let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
        XCTAssertEqual(model.parameters.names, [
            "critic.0.weight", "critic.0.bias", "critic.2.weight", "critic.2.bias", "critic.4.weight", "critic.4.bias",
            "actor.0.weight", "actor.0.bias", "actor.2.weight", "actor.2.bias", "actor.4.weight", "actor.4.bias",
        ])
        XCTAssertEqual(model.parameters.shape(of: "actor.0.weight"), [64, 4])
        XCTAssertEqual(model.parameters.shape(of: "critic.4.weight"), [1, 64])
        XCTAssertEqual(model.parameters.count, 2 * (4 * 64 + 64 + 64 * 64 + 64) + (64 + 1) + (64 * 2 + 2))
        var offset = 0
        for entry in model.parameters.entries {
            XCTAssertEqual(entry.offset, offset, "parameters are contiguous, in order")
            offset += entry.count
        }
        XCTAssertEqual(model.parameters.values(of: "actor.0.bias"), [Float](repeating: 0, count: 64))
        let output = model.forward(observations: ObservationBatch(floats: Tensor.randomNormal([6, 4], seed: 2)), masks: Tensor(shape: [6], repeating: 1),
                                   hidden: Tensor.zeros([3, 0]), steps: 2, environments: 3)
        XCTAssertEqual(output.logProbabilities.shape, [6, 2])
        XCTAssertEqual(output.values.shape, [6])
        XCTAssertEqual(output.hidden.shape, [3, 0])
    }

    func testOrthogonalInitialisationHasTheGain() {
        let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 3)
        // actor.0.weight is [64, 4] (tall): WᵀW = 2·I. actor.4.weight is [2, 64] (wide): WWᵀ = 0.01²·I.
        for (name, gain) in [("actor.0.weight", Float(2).squareRoot()), ("actor.4.weight", 0.01), ("critic.2.weight", Float(2).squareRoot())] {
            let shape = model.parameters.shape(of: name)!
            let weight = Tensor(shape: shape, values: model.parameters.values(of: name)!)
            let gram = shape[0] >= shape[1] ? matmul(weight, weight, transposeA: true) : matmul(weight, weight, transposeB: true)
            let size = gram.shape[0]
            for i in 0..<size {
                for j in 0..<size {
                    XCTAssertEqual(gram[flat: i * size + j], i == j ? gain * gain : 0, accuracy: 1e-5 * max(1, gain * gain), name)
                }
            }
        }
    }

    func testSameSeedGivesBitIdenticalParametersAndSamples() {
        func run(seed: UInt64) -> (parameters: [Float], actions: [Int], gaussian: [Float]) {
            let model = RecurrentActorCritic(observationShape: [3, 3, 3], actionCount: 5, hiddenSize: 8, seed: seed)
            let observations = Tensor(shape: [2, 27], values: (0..<54).map { Float($0 % 3) })
            let output = withoutGradients {
                model.forward(observations: ObservationBatch(floats: observations), masks: Tensor(shape: [2], repeating: 1),
                              hidden: Tensor.zeros([2, 8]), steps: 1, environments: 2)
            }
            var generator = RandomGenerator(seed: seed)
            let actions = (0..<20).flatMap { _ -> [Int] in Categorical(logits: output.logProbabilities * 100).sample(using: &generator) }
            let gaussian = DiagonalGaussian(mean: output.logProbabilities, logStandardDeviation: Tensor.zeros([5])).sample(using: &generator).scalars
            return (model.parameters.withValues { Array($0) }, actions, gaussian)
        }
        let (first, second, other) = (run(seed: 7), run(seed: 7), run(seed: 8))
        XCTAssertEqual(first.parameters.map(\.bitPattern), second.parameters.map(\.bitPattern))
        XCTAssertEqual(first.actions, second.actions)
        XCTAssertEqual(first.gaussian.map(\.bitPattern), second.gaussian.map(\.bitPattern))
        XCTAssertNotEqual(first.parameters, other.parameters)
        XCTAssertEqual(
            MLPActorCritic(observationSize: 3, actionCount: 2, seed: 9).parameters.withValues { $0.map(\.bitPattern) },
            MLPActorCritic(observationSize: 3, actionCount: 2, seed: 9).parameters.withValues { $0.map(\.bitPattern) }
        )
    }

    func testRecurrentModelResetsWhereEpisodesStart() {
        let model = RecurrentActorCritic(observationShape: [2, 2, 3], actionCount: 3, hiddenSize: 6, seed: 10)
        XCTAssertEqual(model.recurrentStateSize, 6)
        XCTAssertEqual(Array(model.parameters.names.prefix(3)), ["embedding.weight", "encoder.weight", "encoder.bias"])
        let codes: [Float] = [1, 0, 0, 2, 5, 1, 10, 3, 2, 0, 0, 0]
        let observations = Tensor(shape: [2, 12], values: codes + codes.reversed().map { min($0, 2) })
        let carried = Tensor.randomNormal([1, 6], seed: 11)
        func run(masks: [Float], hidden: Tensor) -> ActorCriticOutput {
            withoutGradients {
                model.forward(observations: ObservationBatch(floats: observations), masks: Tensor(shape: [2], values: masks), hidden: hidden, steps: 2, environments: 1)
            }
        }
        let reset = run(masks: [0, 1], hidden: carried)
        let fresh = run(masks: [1, 1], hidden: Tensor.zeros([1, 6]))
        let kept = run(masks: [1, 1], hidden: carried)
        XCTAssertEqual(reset.logProbabilities.scalars, fresh.logProbabilities.scalars, "mask 0 forgets the carried state")
        XCTAssertEqual(reset.values.scalars, fresh.values.scalars)
        XCTAssertNotEqual(kept.values.scalars, fresh.values.scalars, "mask 1 keeps it")
        let resetAtSecond = run(masks: [1, 0], hidden: carried)
        let secondAlone = withoutGradients {
            model.forward(observations: ObservationBatch(floats: observations.slice(rows: 1..<2)), masks: Tensor(shape: [1], values: [1]),
                          hidden: Tensor.zeros([1, 6]), steps: 1, environments: 1)
        }
        // Equal up to rounding, not bit for bit: the two runs multiply matrices of different
        // heights, and OpenBLAS's AVX-512 kernels round those differently.
        for (a, b) in zip(resetAtSecond.hidden.scalars, secondAlone.hidden.scalars) {
            XCTAssertEqual(a, b, accuracy: 1e-6)
        }
        XCTAssertNotEqual(resetAtSecond.hidden.scalars, kept.hidden.scalars)
    }

    func testFeedForwardVariantPassesHiddenThrough() {
        let model = RecurrentActorCritic(observationShape: [2, 2, 3], actionCount: 3, hiddenSize: 6, recurrent: false, seed: 12)
        XCTAssertEqual(model.recurrentStateSize, 0)
        XCTAssertFalse(model.parameters.names.contains { $0.hasPrefix("gru") })
        let output = model.forward(observations: ObservationBatch(floats: Tensor.zeros([4, 12])), masks: Tensor(shape: [4], repeating: 1),
                                   hidden: Tensor.zeros([2, 0]), steps: 2, environments: 2)
        XCTAssertEqual(output.logProbabilities.shape, [4, 3])
        XCTAssertEqual(output.hidden.shape, [2, 0])
    }

    func testForwardWithoutGradientsRecordsNothing() {
        let model = MLPActorCritic(observationSize: 3, actionCount: 2, seed: 13)
        let output = withoutGradients {
            model.forward(observations: ObservationBatch(floats: Tensor.zeros([2, 3])), masks: Tensor(shape: [2], repeating: 1), hidden: Tensor.zeros([2, 0]), steps: 1, environments: 2)
        }
        XCTAssertFalse(output.logProbabilities.requiresGradient)
        XCTAssertFalse(output.values.requiresGradient)
    }

    func testBackwardAccumulatesIntoTheStoresGradientBuffer() {
        let model = MLPActorCritic(observationSize: 3, actionCount: 2, hidden: [4], seed: 14)
        let observations = Tensor.randomNormal([2, 3], seed: 15)
        func loss() -> Tensor {
            model.forward(observations: ObservationBatch(floats: observations), masks: Tensor(shape: [2], repeating: 1), hidden: Tensor.zeros([2, 0]), steps: 1, environments: 2)
                .values.sum()
        }
        model.parameters.zeroGradients()
        loss().backward()
        let once = model.parameters.withGradients { Array($0) }
        loss().backward()
        XCTAssertEqual(model.parameters.withGradients { Array($0) }, once.map { $0 * 2 })
        XCTAssertEqual(model.parameters.gradients(of: "actor.0.weight"), [Float](repeating: 0, count: 12), "the value loss does not touch the actor")
        model.parameters.zeroGradients()
        XCTAssertTrue(model.parameters.withGradients { $0.allSatisfy { $0 == 0 } })
    }

    func testCategoricalSamplesModeAndEntropy() {
        let probabilities: [Float] = [0.1, 0.6, 0.3]
        let logits = Tensor(shape: [1, 3], values: probabilities.map { Float(log(Double($0))) + 2 })
        let policy = Categorical(logits: logits)
        XCTAssertEqual(policy.mode.scalars, [1])
        let entropy = -probabilities.reduce(Float(0)) { $0 + $1 * Float(log(Double($1))) }
        XCTAssertEqual(policy.entropy().scalar, entropy, accuracy: 1e-6)
        XCTAssertEqual(policy.logProbability(of: [2]).scalar, Float(log(0.3)), accuracy: 1e-6)
        var generator = RandomGenerator(seed: 16)
        var counts = [0, 0, 0]
        let draws = 30_000
        for _ in 0..<draws { let drawn: [Int] = policy.sample(using: &generator); counts[drawn[0]] += 1 }
        for (count, p) in zip(counts, probabilities) {
            // Binomial standard deviation is at most √(30000·0.25) ≈ 87: 5σ bounds.
            XCTAssertEqual(Double(count), Double(p) * Double(draws), accuracy: 435)
        }
    }

    func testDiagonalGaussianValues() {
        let policy = DiagonalGaussian(mean: Tensor(shape: [1, 2], values: [0, 1]), logStandardDeviation: Tensor(shape: [2], values: [0, Float(log(2.0))]))
        // log N(0; 0, 1) + log N(2; 1, 2) = −½log2π + (−⅛ − log 2 − ½log2π)
        let halfLogTwoPi = 0.5 * log(2 * Double.pi)
        XCTAssertEqual(Double(policy.logProbability(of: Tensor(shape: [1, 2], values: [0, 2])).scalar), -2 * halfLogTwoPi - 0.125 - log(2.0), accuracy: 1e-5)
        XCTAssertEqual(Double(policy.entropy().scalar), 2 * (0.5 + halfLogTwoPi) + log(2.0), accuracy: 1e-5)
        XCTAssertEqual(policy.mode.scalars, [0, 1])
    }

    func testParameterViewsWriteThroughToTheStore() {
        let store = ParameterStore()
        let parameter = store.register("layer.weight", shape: [2, 2], initialValues: [1, 2, 3, 4])
        _ = store.register("layer.bias", shape: [2], initialValues: [5, 6])
        XCTAssertEqual(store.count, 6)
        XCTAssertEqual(store.entry(named: "layer.bias")?.offset, 4)
        store.withValues { $0[0] = 10 }
        XCTAssertEqual(parameter.tensor.scalars, [10, 2, 3, 4])
        (parameter.tensor * 2).sum().backward()
        XCTAssertEqual(store.withGradients { Array($0) }, [2, 2, 2, 2, 0, 0])
    }

    func testModelsAreFreedWithTheirParameters() {
        weak var store: ParameterStore?
        do {
            let model = MLPActorCritic(observationSize: 3, actionCount: 2, seed: 17)
            store = model.parameters
            model.forward(observations: ObservationBatch(floats: Tensor.zeros([1, 3])), masks: Tensor(shape: [1], repeating: 1), hidden: Tensor.zeros([1, 0]), steps: 1, environments: 1)
                .values.sum().backward()
        }
        XCTAssertNil(store, "no reference cycle keeps a model's parameters alive")
    }
}
