import ExptrainRandom
import ExptrainTensor

/// A gated recurrent unit cell, as PyTorch's `nn.GRU` defines it:
///
///     r  = σ(W_ir x + b_ir + W_hr h + b_hr)
///     z  = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// Parameters (PyTorch's names and layout, gates stacked in the order r, z, n):
/// `<name>.weight_ih` `[3H, I]`, `<name>.weight_hh` `[3H, H]`, `<name>.bias_ih` `[3H]`,
/// `<name>.bias_hh` `[3H]`, all uniform on `[−1/√H, 1/√H]` as in PyTorch.
///
/// Over a rollout, `masks` reset the state where an episode started: the state entering
/// step `t` of environment `e` is `h ⊙ mask[t, e]`, so a new episode never sees the old
/// one's memory.
///
/// ```swift
/// let gru = GRU(inputSize: 64, hiddenSize: 128, name: "gru", parameters: store, generator: &generator)
/// let (outputs, last) = gru(sequence: x, masks: masks, hidden: h0, steps: T, environments: N)
/// ```
public final class GRU {
    /// `I`, the length of each input.
    public let inputSize: Int
    /// `H`, the length of the state.
    public let hiddenSize: Int
    /// `W_i` = [W_ir; W_iz; W_in], `[3H, I]`.
    public let inputWeight: Parameter
    /// `W_h` = [W_hr; W_hz; W_hn], `[3H, H]`.
    public let hiddenWeight: Parameter
    /// `b_i` = [b_ir; b_iz; b_in], `[3H]`.
    public let inputBias: Parameter
    /// `b_h` = [b_hr; b_hz; b_hn], `[3H]`.
    public let hiddenBias: Parameter

    /// Registers the four parameters as `<name>.weight_ih` etc. in `parameters`, drawn from `generator`.
    public init(inputSize: Int, hiddenSize: Int, name: String, parameters: ParameterStore, generator: inout RandomGenerator) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let initialization = Initialization.uniform(bound: 1 / Float(hiddenSize).squareRoot())
        func register(_ suffix: String, _ shape: [Int]) -> Parameter {
            parameters.register("\(name).\(suffix)", shape: shape, initialValues: initialization.values(shape: shape, using: &generator))
        }
        inputWeight = register("weight_ih", [3 * hiddenSize, inputSize])
        hiddenWeight = register("weight_hh", [3 * hiddenSize, hiddenSize])
        inputBias = register("bias_ih", [3 * hiddenSize])
        hiddenBias = register("bias_hh", [3 * hiddenSize])
    }

    /// One step: `x` `[batch, inputSize]`, `hidden` `[batch, hiddenSize]` → `h'`.
    public func callAsFunction(_ input: Tensor, hidden: Tensor) -> Tensor {
        let inputGates = affine(input, weight: inputWeight.tensor, bias: inputBias.tensor)
        return step(inputGates: inputGates, hidden: hidden, hiddenWeight: hiddenWeight.tensor, hiddenBias: hiddenBias.tensor)
    }

    /// `steps` steps of `environments` sequences at once, time-major: `sequence`
    /// `[steps·environments, inputSize]` (row `t·environments + e`), `masks`
    /// `[steps·environments]` (0 where an episode starts), `hidden` `[environments, hiddenSize]`.
    /// Returns every step's state `[steps·environments, hiddenSize]` and the last state.
    ///
    /// The input side of all gates is one sgemm over the whole sequence; each step then
    /// costs one sgemm for the hidden side and one fused gate update.
    public func callAsFunction(
        sequence: Tensor, masks: Tensor, hidden: Tensor, steps: Int, environments: Int
    ) -> (outputs: Tensor, hidden: Tensor) {
        precondition(sequence.shape == [steps * environments, inputSize], "GRU input \(sequence.shape) is not [\(steps)·\(environments), \(inputSize)]")
        precondition(masks.count == steps * environments, "GRU masks need \(steps * environments) values")
        precondition(hidden.shape == [environments, hiddenSize], "GRU state \(hidden.shape) is not [\(environments), \(hiddenSize)]")
        let inputGates = affine(sequence, weight: inputWeight.tensor, bias: inputBias.tensor)
        let columnMasks = masks.reshaped([steps * environments, 1])
        let (weight, bias) = (hiddenWeight.tensor, hiddenBias.tensor)
        var state = hidden
        var outputs: [Tensor] = []
        outputs.reserveCapacity(steps)
        for t in 0..<steps {
            let rows = t * environments..<(t + 1) * environments
            state = state * columnMasks.slice(rows: rows)
            state = step(inputGates: inputGates.slice(rows: rows), hidden: state, hiddenWeight: weight, hiddenBias: bias)
            outputs.append(state)
        }
        return (steps == 1 ? outputs[0] : Tensor.concatenate(outputs), state)
    }

    private func step(inputGates: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor) -> Tensor {
        let hiddenGates = affine(hidden, weight: hiddenWeight, bias: hiddenBias)
        return gatedUpdate(inputGates: inputGates, hiddenGates: hiddenGates, hidden: hidden)
    }

    /// One step of `environments` sequences on raw buffers, without recording (for
    /// inference into kept buffers): `hidden` `[environments, H]` is multiplied by `masks`
    /// and then replaced by `h'`, from `input` `[environments, I]`. `workspace` slots
    /// `firstSlot` to `firstSlot + 2` hold the gates. Same numbers as `callAsFunction(sequence:…)`.
    public func step(
        input: UnsafePointer<Float>, masks: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>, environments: Int,
        workspace: InferenceWorkspace, firstSlot: Int
    ) {
        let size = hiddenSize
        let inputGates = workspace.buffer(firstSlot, count: environments * 3 * size)
        let hiddenGates = workspace.buffer(firstSlot + 1, count: environments * 3 * size)
        let gateActivations = workspace.buffer(firstSlot + 2, count: 3 * size)
        for e in 0..<environments {
            for j in 0..<size { hidden[e * size + j] *= masks[e] }
        }
        func pointer(_ parameter: Parameter) -> UnsafePointer<Float> { parameter.tensor.withUnsafeBufferPointer { $0.baseAddress! } }
        BLAS.affine(batch: environments, inputSize: inputSize, outputSize: 3 * size, input: input,
                    weight: pointer(inputWeight), bias: pointer(inputBias), output: inputGates)
        BLAS.affine(batch: environments, inputSize: size, outputSize: 3 * size, input: hidden,
                    weight: pointer(hiddenWeight), bias: pointer(hiddenBias), output: hiddenGates)
        for row in 0..<environments {
            let state = hidden + row * size
            updateRow(inputGates: inputGates + row * 3 * size, hiddenGates: hiddenGates + row * 3 * size,
                      previous: state, next: state, saved: gateActivations, size: size)
        }
    }
}

/// `h'` of one row from its gate pre-activations (`[3H]` each, blocks r, z, n) and `h`
/// (`previous`, which `next` may alias), keeping `r`, `z`, `n` in `saved` (`[3H]`).
/// Three passes, each over a few contiguous runs, so that each vectorises.
@inline(__always)
private func updateRow(
    inputGates: UnsafePointer<Float>, hiddenGates: UnsafePointer<Float>, previous: UnsafePointer<Float>,
    next: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>, size: Int
) {
    for j in 0..<2 * size {
        saved[j] = ScalarMath.sigmoid(inputGates[j] + hiddenGates[j])  // r, then z
    }
    let (reset, update, candidate) = (saved, saved + size, saved + 2 * size)
    for j in 0..<size {
        candidate[j] = ScalarMath.tanh(inputGates[2 * size + j] + reset[j] * hiddenGates[2 * size + j])
    }
    for j in 0..<size {
        next[j] = (1 - update[j]) * candidate[j] + update[j] * previous[j]
    }
}

/// `h'` from the gate pre-activations `gi = W_i x + b_i` and `gh = W_h h + b_h` (each
/// `[batch, 3H]`, blocks r, z, n) and `h`, as one differentiable operation: it keeps
/// `r`, `z`, `n` for its pullback instead of recording a dozen small tensors per step.
///
/// Pullback, with `g = dL/dh'`:
/// `dn = g(1−z)`, `dz = g(h−n)`, `dh = g z`; `dn̂ = dn(1−n²)` → `dgi_n = dn̂`, `dgh_n = dn̂ r`,
/// `dr = dn̂ gh_n`; `dgi_z = dgh_z = dz z(1−z)`; `dgi_r = dgh_r = dr r(1−r)`.
func gatedUpdate(inputGates: Tensor, hiddenGates: Tensor, hidden: Tensor) -> Tensor {
    let (batch, size) = (hidden.shape[0], hidden.shape[1])
    precondition(inputGates.shape == [batch, 3 * size] && hiddenGates.shape == [batch, 3 * size], "GRU gates must be [\(batch), \(3 * size)]")
    let inputs = [inputGates, hiddenGates, hidden]
    let recording = Tensor.shouldRecord(inputs)
    let result = Tensor.uninitialized([batch, size])
    // r, z, n per row, laid out like the gates, kept for the pullback. In rollouts nothing
    // is kept: one row of stack scratch, reused for every row, holds them instead.
    let activations = recording ? Tensor.uninitialized([batch, 3 * size]) : nil
    func computeUpdate(saving saved: UnsafeMutablePointer<Float>, savedRowStride: Int) {
        result.withUnsafeMutableBufferPointer { output in
            inputGates.withUnsafeBufferPointer { gi in
                hiddenGates.withUnsafeBufferPointer { gh in
                    hidden.withUnsafeBufferPointer { h in
                        for row in 0..<batch {
                            updateRow(
                                inputGates: gi.baseAddress! + row * 3 * size, hiddenGates: gh.baseAddress! + row * 3 * size,
                                previous: h.baseAddress! + row * size, next: output.baseAddress! + row * size,
                                saved: saved + row * savedRowStride, size: size)
                        }
                    }
                }
            }
        }
    }
    guard let activations else {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * size) { computeUpdate(saving: $0.baseAddress!, savedRowStride: 0) }
        return result
    }
    activations.withUnsafeMutableBufferPointer { computeUpdate(saving: $0.baseAddress!, savedRowStride: 3 * size) }
    result.recordGradient(inputs: inputs) { _, gradient in
        let inputGatesGradient = inputGates.gradientAccumulator()
        let hiddenGatesGradient = hiddenGates.gradientAccumulator()
        let hiddenGradient = hidden.gradientAccumulator()
        activations.withUnsafeBufferPointer { saved in
            hiddenGates.withUnsafeBufferPointer { gh in
                hidden.withUnsafeBufferPointer { h in
                    for row in 0..<batch {
                        let gates = row * 3 * size
                        for j in 0..<size {
                            let (r, z, n) = (gates + j, gates + size + j, gates + 2 * size + j)
                            let (reset, update, candidate) = (saved[r], saved[z], saved[n])
                            let g = gradient[row * size + j]
                            let candidatePreactivation = g * (1 - update) * (1 - candidate * candidate)
                            let updatePreactivation = g * (h[row * size + j] - candidate) * update * (1 - update)
                            let resetPreactivation = candidatePreactivation * gh[n] * reset * (1 - reset)
                            hiddenGradient?[row * size + j] += g * update
                            if let inputGatesGradient {
                                inputGatesGradient[r] += resetPreactivation
                                inputGatesGradient[z] += updatePreactivation
                                inputGatesGradient[n] += candidatePreactivation
                            }
                            if let hiddenGatesGradient {
                                hiddenGatesGradient[r] += resetPreactivation
                                hiddenGatesGradient[z] += updatePreactivation
                                hiddenGatesGradient[n] += candidatePreactivation * reset
                            }
                        }
                    }
                }
            }
        }
    }
    return result
}
