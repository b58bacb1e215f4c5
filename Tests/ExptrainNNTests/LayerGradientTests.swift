import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import XCTest

/// Every layer, model head and distribution: parameter gradients against finite differences.
final class LayerGradientTests: XCTestCase {
    func testLinear() {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 1)
        let layer = Linear(inputSize: 3, outputSize: 4, name: "linear", parameters: store,
                           weightInitialization: .orthogonal(gain: 1), biasInitialization: .uniform(bound: 0.5), generator: &generator)
        let input = Tensor.randomNormal([5, 3], seed: 2)
        assertParameterGradientsMatchFiniteDifferences(store) { projection(layer(input), seed: 3) }
    }

    func testSequentialWithActivations() {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 4)
        let network = Sequential([
            Linear(inputSize: 3, outputSize: 5, name: "net.0", parameters: store, weightInitialization: .orthogonal(gain: 1.4),
                   biasInitialization: .uniform(bound: 0.5), generator: &generator),
            Tanh(),
            Linear(inputSize: 5, outputSize: 4, name: "net.2", parameters: store, weightInitialization: .orthogonal(gain: 1),
                   biasInitialization: .uniform(bound: 0.5), generator: &generator),
            Sigmoid(),
            Linear(inputSize: 4, outputSize: 2, name: "net.4", parameters: store, weightInitialization: .orthogonal(gain: 1),
                   generator: &generator),
        ])
        let input = Tensor.randomNormal([6, 3], seed: 5)
        assertParameterGradientsMatchFiniteDifferences(store) { projection(network(input), seed: 6) }
    }

    func testReLUAwayFromItsKink() {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 7)
        let layer = Linear(inputSize: 2, outputSize: 3, name: "linear", parameters: store, weightInitialization: .orthogonal(gain: 1), generator: &generator)
        let input = Tensor(shape: [2, 2], values: [1, 0.5, -0.5, 2])
        let preactivations = withoutGradients { layer(input) }.scalars
        XCTAssertFalse(preactivations.contains { abs($0) < 0.05 }, "finite differences need pre-activations away from ReLU's kink")
        XCTAssertTrue(preactivations.contains { $0 < 0 } && preactivations.contains { $0 > 0 }, "both sides of the kink are exercised")
        assertParameterGradientsMatchFiniteDifferences(store) { projection(ReLU()(layer(input)), seed: 8) }
    }

    func testEmbedding() {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 9)
        let embedding = Embedding(count: 5, dimension: 3, name: "embedding", parameters: store, generator: &generator)
        assertParameterGradientsMatchFiniteDifferences(store) { projection(embedding([4, 0, 4, 2]).tanh(), seed: 10) }
    }

    func testGRUStep() {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 11)
        let gru = GRU(inputSize: 3, hiddenSize: 4, name: "gru", parameters: store, generator: &generator)
        let input = Tensor.randomNormal([2, 3], seed: 12)
        let hidden = Tensor.randomNormal([2, 4], seed: 13) * 0.5
        assertParameterGradientsMatchFiniteDifferences(store) { projection(gru(input, hidden: hidden), seed: 14) }
    }

    func testGRUSequenceWithMasksAndInputGradients() {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 15)
        let gru = GRU(inputSize: 2, hiddenSize: 3, name: "gru", parameters: store, generator: &generator)
        let (steps, environments) = (3, 2)
        let masks = Tensor(shape: [6], values: [1, 1, 0, 1, 1, 0])
        let hidden = Tensor.randomNormal([environments, 3], seed: 17)
        // The sequence is a leaf too, so gradients through the inputs are checked as well.
        let sequence = Tensor(shape: [6, 2], values: Tensor.randomNormal([6, 2], seed: 16).scalars, requiresGradient: true)
        func objective() -> Tensor {
            let (outputs, last) = gru(sequence: sequence, masks: masks, hidden: hidden, steps: steps, environments: environments)
            return projection(outputs, seed: 18) + projection(last, seed: 19)
        }
        assertParameterGradientsMatchFiniteDifferences(store, objective)
        sequence.zeroGradient()
        objective().backward()
        let numeric = sequence.withUnsafeMutableBufferPointer { values in
            centralDifferences(of: { withoutGradients { Double(objective().scalar) } }, at: values.baseAddress!, count: values.count)
        }
        for (a, n) in zip(sequence.gradient!, numeric) { XCTAssertEqual(Double(a), n, accuracy: 3e-3 * max(1, abs(n))) }
    }

    func testMLPActorCriticLoss() {
        let model = MLPActorCritic(observationSize: 3, actionCount: 2, hidden: [4, 4], seed: 20)
        let observations = Tensor.randomNormal([5, 3], seed: 21)
        let returns = Tensor.randomNormal([5], seed: 22)
        scale("actor.4.weight", of: model.parameters, by: 50)  // so the policy's gradients are not tiny
        assertParameterGradientsMatchFiniteDifferences(model.parameters) {
            let output = model.forward(observations: ObservationBatch(floats: observations), masks: Tensor(shape: [5], repeating: 1),
                                       hidden: Tensor.zeros([5, 0]), steps: 1, environments: 5)
            let policy = output.categorical
            return policy.logProbability(of: [0, 1, 1, 0, 1]).mean() + (output.values - returns).squared().mean()
                + policy.entropy().mean()
        }
    }

    func testRecurrentActorCriticLoss() {
        let model = RecurrentActorCritic(
            observationShape: [2, 1, 3], actionCount: 3, embedding: ObservationEmbedding(codeCounts: [3, 2, 2], dimension: 2),
            hiddenSize: 3, activation: .tanh, seed: 23
        )
        let (steps, environments) = (2, 2)
        let observations = Tensor(shape: [4, 6], values: [0, 1, 1, 2, 0, 1, 1, 1, 0, 0, 0, 0, 2, 0, 1, 1, 1, 1, 0, 1, 0, 2, 1, 0])
        let masks = Tensor(shape: [4], values: [1, 1, 0, 1])
        let hidden = Tensor.randomNormal([2, 3], seed: 24)
        scale("actor.weight", of: model.parameters, by: 30)
        assertParameterGradientsMatchFiniteDifferences(model.parameters) {
            let output = model.forward(observations: ObservationBatch(floats: observations), masks: masks, hidden: hidden, steps: steps, environments: environments)
            let policy = output.categorical
            return policy.logProbability(of: [2, 0, 1, 1]).sum() + projection(output.values, seed: 25) + projection(output.hidden, seed: 26)
        }
    }

    func testCategoricalThroughLogits() {
        let logits = Tensor(shape: [3, 4], values: Tensor.randomNormal([3, 4], seed: 27).scalars, requiresGradient: true)
        let weights = (0..<3).map { Float($0) - 0.7 }
        func objective() -> Tensor {
            let policy = Categorical(logits: logits)
            return projection(policy.entropy(), seed: 28) + (policy.logProbability(of: [3, 0, 1]) * Tensor(shape: [3], values: weights)).sum()
        }
        logits.zeroGradient()
        objective().backward()
        let numeric = logits.withUnsafeMutableBufferPointer { values in
            centralDifferences(of: { withoutGradients { Double(objective().scalar) } }, at: values.baseAddress!, count: values.count)
        }
        for (a, n) in zip(logits.gradient!, numeric) { XCTAssertEqual(Double(a), n, accuracy: 2e-3) }
    }

    func testDiagonalGaussianThroughMeanAndLogStandardDeviation() {
        for logStdShape in [[2], [3, 2]] {
            let mean = Tensor(shape: [3, 2], values: Tensor.randomNormal([3, 2], seed: 29).scalars, requiresGradient: true)
            let logStd = Tensor(shape: logStdShape, values: (Tensor.randomNormal(logStdShape, seed: 30) * 0.3).scalars, requiresGradient: true)
            let actions = Tensor.randomNormal([3, 2], seed: 31)
            func objective() -> Tensor {
                let policy = DiagonalGaussian(mean: mean, logStandardDeviation: logStd)
                return projection(policy.logProbability(of: actions), seed: 32) + projection(policy.entropy(), seed: 33)
            }
            for leaf in [mean, logStd] {
                leaf.zeroGradient()
                objective().backward()
                let numeric = leaf.withUnsafeMutableBufferPointer { values in
                    centralDifferences(of: { withoutGradients { Double(objective().scalar) } }, at: values.baseAddress!, count: values.count)
                }
                for (a, n) in zip(leaf.gradient!, numeric) { XCTAssertEqual(Double(a), n, accuracy: 3e-3 * max(1, abs(n))) }
            }
        }
    }
}

/// Multiplies one parameter's values in place (to move a model away from its tiny initial policy).
private func scale(_ name: String, of parameters: ParameterStore, by factor: Float) {
    let entry = parameters.entry(named: name)!
    parameters.withValues { values in
        for index in entry.offset..<entry.offset + entry.count { values[index] *= factor }
    }
}

final class EmbeddedLinearTests: XCTestCase {
    /// Two cells of three channels, codes [3, 2, 2] embedded in 2 dimensions, into 4 outputs.
    private let lookup = EmbeddedLinear(cells: 2, codeCounts: [3, 2, 2], dimension: 2, outputSize: 4)
    private let codes: [Float] = [0, 1, 1, 2, 0, 1, 1, 1, 0, 0, 0, 0, 2, 0, 1, 1, 1, 1]

    private func parameters(seed: UInt64) -> (store: ParameterStore, table: Parameter, linear: Linear) {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: seed)
        let embedding = Embedding(count: 7, dimension: 2, name: "embedding", parameters: store, generator: &generator)
        let linear = Linear(inputSize: 12, outputSize: 4, name: "encoder", parameters: store, weightInitialization: .orthogonal(gain: 1),
                            biasInitialization: .uniform(bound: 0.5), generator: &generator)
        return (store, embedding.weight, linear)
    }

    private func rows() -> [Int32] {
        var rows = [Int32](repeating: -1, count: codes.count)
        codes.withUnsafeBufferPointer { codes in
            rows.withUnsafeMutableBufferPointer { lookup.tableRows(of: codes.baseAddress!, count: codes.count, into: $0.baseAddress!) }
        }
        return rows
    }

    func testTableRowsOffsetEachChannel() {
        XCTAssertEqual(lookup.rowOffsets, [0, 3, 5])
        XCTAssertEqual(rows(), [0, 4, 6, 2, 3, 6, 1, 4, 5, 0, 3, 5, 2, 3, 6, 1, 4, 6])
    }

    func testEqualsLinearOfEmbeddingInValuesAndGradients() {
        let (store, table, linear) = parameters(seed: 30)
        let rows = rows()
        let fused = lookup(rows: rows, batch: 3, table: table.tensor, weight: linear.weight.tensor, bias: linear.bias.tensor)
        let unfused = linear(table.tensor.rows(at: rows.map { Int($0) }).reshaped([3, 12]))
        for (a, b) in zip(fused.scalars, unfused.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }

        store.zeroGradients()
        projection(fused, seed: 31).backward()
        let fusedGradients = store.withGradients { Array($0) }
        store.zeroGradients()
        projection(unfused, seed: 31).backward()
        for (a, b) in zip(fusedGradients, store.withGradients { Array($0) }) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testGradientsMatchFiniteDifferences() {
        let (store, table, linear) = parameters(seed: 32)
        let rows = rows()
        assertParameterGradientsMatchFiniteDifferences(store) {
            projection(lookup(rows: rows, batch: 3, table: table.tensor, weight: linear.weight.tensor, bias: linear.bias.tensor).tanh(), seed: 33)
        }
    }
}
