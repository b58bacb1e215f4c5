import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import XCTest

final class GRUTests: XCTestCase {
    /// A one-unit GRU with chosen weights, blocks in PyTorch's order (r, z, n):
    /// W_ih = [0.5, −0.5, 1], W_hh = [0.25, 0.5, −1], b_ih = [0, 0.1, 0], b_hh = [0.1, 0, 0.2].
    private func handSetGRU() -> GRU {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 0)
        let gru = GRU(inputSize: 1, hiddenSize: 1, name: "gru", parameters: store, generator: &generator)
        XCTAssertEqual(store.names, ["gru.weight_ih", "gru.weight_hh", "gru.bias_ih", "gru.bias_hh"])
        store.withValues { values in
            for (index, value) in [0.5, -0.5, 1, 0.25, 0.5, -1, 0, 0.1, 0, 0.1, 0, 0.2].enumerated() { values[index] = Float(value) }
        }
        return gru
    }

    func testOneStepWorkedByHand() {
        // x = 1, h = 0.5:
        // r  = σ(0.5·1 + 0 + 0.25·0.5 + 0.1) = σ(0.725)  = 0.673707
        // z  = σ(−0.5·1 + 0.1 + 0.5·0.5 + 0) = σ(−0.15) = 0.462570
        // n  = tanh(1·1 + 0 + r·(−1·0.5 + 0.2))         = tanh(1 − 0.3r) = 0.662854
        // h' = (1 − z)·n + z·0.5                         = 0.587523
        let gru = handSetGRU()
        let next = gru(Tensor(shape: [1, 1], values: [1]), hidden: Tensor(shape: [1, 1], values: [0.5]))
        XCTAssertEqual(next.scalar, 0.587523, accuracy: 1e-6)
        // From h = 0 instead: r = σ(0.6), z = σ(−0.4), n = tanh(1 + 0.2r), h' = (1 − z)·n = 0.485369.
        let fromZero = gru(Tensor(shape: [1, 1], values: [1]), hidden: Tensor(shape: [1, 1], values: [0]))
        XCTAssertEqual(fromZero.scalar, 0.485369, accuracy: 1e-6)
    }

    func testMasksResetTheState() {
        let gru = handSetGRU()
        let sequence = Tensor(shape: [4, 1], values: [1, 1, 1, 1])
        let hidden = Tensor(shape: [2, 1], values: [0.5, 0.5])
        // Two environments over two steps; environment 0 starts a new episode at step 0,
        // environment 1 at step 1.
        let masks = Tensor(shape: [4], values: [0, 1, 1, 0])
        let (outputs, last) = gru(sequence: sequence, masks: masks, hidden: hidden, steps: 2, environments: 2)
        let values = outputs.scalars
        XCTAssertEqual(values[0], 0.485369, accuracy: 1e-6, "reset before the first step: as from h = 0")
        XCTAssertEqual(values[1], 0.587523, accuracy: 1e-6, "kept state: as from h = 0.5")
        XCTAssertEqual(values[3], 0.485369, accuracy: 1e-6, "reset at step 1 forgets step 0")
        XCTAssertNotEqual(values[2], 0.485369, accuracy: 1e-3, "no reset: step 1 depends on step 0")
        XCTAssertEqual(last.scalars, [values[2], values[3]])
    }

    func testSequenceEqualsStepByStep() {
        let store = ParameterStore()
        var generator = RandomGenerator(seed: 3)
        let gru = GRU(inputSize: 3, hiddenSize: 4, name: "gru", parameters: store, generator: &generator)
        let sequence = Tensor.randomNormal([6, 3], seed: 4)
        let hidden = Tensor.randomNormal([2, 4], seed: 5)
        let (outputs, _) = gru(sequence: sequence, masks: Tensor(shape: [6], repeating: 1), hidden: hidden, steps: 3, environments: 2)
        var state = hidden
        for t in 0..<3 {
            state = gru(sequence.slice(rows: 2 * t..<2 * t + 2), hidden: state)
            for (a, b) in zip(outputs.slice(rows: 2 * t..<2 * t + 2).scalars, state.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
    }
}
