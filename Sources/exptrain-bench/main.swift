// exptrain's benchmarks: one JSON object per line on standard output,
// `{"name": …, "value": …, "unit": …}`, plus `"reference"` and `"ratio"` (ours ÷ the
// reference's value of the same figure) when a reference was measured in the same run. Values are medians over
// repetitions; ours and the reference alternate so that drift hits both alike.
// Run through scripts/bench.sh (release build). Figures, not pass/fail: tests live elsewhere.
// `exptrain-bench WORD…` runs only the groups whose name contains one of the words.
// The groups `allreduce` and `update-split` use MPI: run them under `mpirun -np 2`
// (they also run as a singleton); `rollout-allocations` needs the LD_PRELOAD counter
// of scripts/bench/malloc_count.c. Without arguments, every group runs.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COpenBLAS
import ExptrainNN
import ExptrainRandom
import ExptrainTensor

let repetitions = 7

/// How many calls of `body` last about `target` seconds (after a warm-up call:
/// first-touch page faults, lazy initialisation).
func callsPerRepetition(target: Double = 0.05, _ body: () -> Void) -> Int {
    body()
    let clock = ContinuousClock()
    var calls = 1
    while seconds(clock.measure { for _ in 0..<calls { body() } }) < target / 4 { calls *= 2 }
    return max(1, Int(Double(calls) * target / max(seconds(clock.measure { for _ in 0..<calls { body() } }), 1e-9)))
}

/// Seconds per call of `body`, one value per repetition of about `target` seconds.
func secondsPerCall(target: Double = 0.05, _ body: () -> Void) -> [Double] {
    let calls = callsPerRepetition(target: target, body)
    let clock = ContinuousClock()
    return (0..<repetitions).map { _ in seconds(clock.measure { for _ in 0..<calls { body() } }) / Double(calls) }
}

/// Times two alternatives and returns the median seconds per call of each. Repetitions
/// alternate one by one (ours, reference, ours, …), so that the load of a shared machine
/// hits both alike.
func compare(_ ours: () -> Void, reference: () -> Void) -> (ours: Double, reference: Double) {
    let clock = ContinuousClock()
    let oursCalls = callsPerRepetition(ours)
    let referenceCalls = callsPerRepetition(reference)
    var oursTimes: [Double] = []
    var referenceTimes: [Double] = []
    for _ in 0..<(3 * repetitions) {
        oursTimes.append(seconds(clock.measure { for _ in 0..<oursCalls { ours() } }) / Double(oursCalls))
        referenceTimes.append(seconds(clock.measure { for _ in 0..<referenceCalls { reference() } }) / Double(referenceCalls))
    }
    return (median(oursTimes), median(referenceTimes))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// `value` to four significant digits, as JSON.
func json(_ value: Double) -> String {
    guard value != 0, value.isFinite else { return "\(value.isFinite ? value : 0)" }
    let scale = pow(10, 3 - floor(log10(abs(value))))
    return "\((value * scale).rounded() / scale)"
}

/// Prints one figure as a JSON line (on rank 0 only, when running under mpirun).
/// `ratio` is always ours ÷ the reference's value of the same figure; `extra` adds
/// string fields (a note, the reference's source).
func report(
    _ name: String, value: Double, unit: String, reference: Double? = nil, ratio: Double? = nil,
    extra: KeyValuePairs<String, String> = [:], target: String? = nil, met: Bool? = nil
) {
    guard Reporting.isReportingProcess else { return }
    var fields = ["\"name\": \"\(name)\"", "\"value\": \(json(value))", "\"unit\": \"\(unit)\""]
    if let reference { fields.append("\"reference\": \(json(reference))") }
    if let ratio { fields.append("\"ratio\": \(json(ratio))") }
    for (key, text) in extra { fields.append("\"\(key)\": \"\(text)\"") }
    if let target { fields.append("\"target\": \"\(target)\"") }
    if let met { fields.append("\"met\": \(met)") }
    print("{\(fields.joined(separator: ", "))}")
    fflush(nil)
}

/// Runs `body` unless the command line names other groups.
func group(_ name: String, _ body: () -> Void) {
    let selected = CommandLine.arguments.dropFirst()
    if selected.isEmpty || selected.contains(where: { name.contains($0) }) { body() }
}

BLASKernels.selectFastestKernels()
SubnormalFlushing.enable()
BLAS.configureThreading()
var generator = RandomGenerator(seed: 2024)

// Our matmul (one sgemm plus a result allocation, no graph) next to a direct cblas_sgemm
// into a preallocated result.
group("matmul") {
for size in [64, 256, 1024] {
    let a = Tensor.randomNormal([size, size], using: &generator)
    let b = Tensor.randomNormal([size, size], using: &generator)
    var c = [Float](repeating: 0, count: size * size)
    let times = compare({
        _ = withoutGradients { matmul(a, b) }
    }, reference: {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let n = blasint(size)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a.baseAddress, n, b.baseAddress, n, 0, c.baseAddress, n)
                }
            }
        }
    })
    let flops = 2 * pow(Double(size), 3)
    let (ours, reference) = (flops / times.ours / 1e9, flops / times.reference / 1e9)
    report("matmul_\(size)x\(size)_gflops", value: ours, unit: "GFLOP/s", reference: reference, ratio: ours / reference,
           extra: ["reference_source": "cblas_sgemm into a preallocated result, same run"],
           target: size >= 256 ? "ratio >= 0.9" : nil, met: size >= 256 ? ours / reference >= 0.9 : nil)
}
}

// A 64-64 tanh MLP (4 → 64 → 64 → 2) on a batch of 512: forward, loss Σ w⊙y, backward
// into the flat gradient buffer; next to the same computation written directly against
// BLAS with preallocated buffers, which shows what the tensors and the tape cost.
group("mlp") {
    let (batch, sizes) = (512, [4, 64, 64, 2])
    let store = ParameterStore()
    var layerGenerator = RandomGenerator(seed: 3)
    var layers: [Layer] = []
    for index in 0..<3 {
        layers.append(Linear(
            inputSize: sizes[index], outputSize: sizes[index + 1], name: "mlp.\(2 * index)", parameters: store,
            weightInitialization: .orthogonal(gain: Float(2).squareRoot()), generator: &layerGenerator
        ))
        if index < 2 { layers.append(Tanh()) }
    }
    let network = Sequential(layers)
    let input = Tensor.randomNormal([batch, 4], using: &generator)
    let outputWeights = Tensor.randomNormal([batch, 2], using: &generator)
    let reference = DirectMLP(store: store, sizes: sizes, batch: batch)
    // Both sides must compute the same gradients, or the comparison means nothing.
    store.zeroGradients()
    (network(input) * outputWeights).sum().backward()
    let oursGradients = store.withGradients { Array($0) }
    store.zeroGradients()
    reference.forwardBackward(input: input, outputWeights: outputWeights)
    let largestDifference = store.withGradients { zip($0, oursGradients).map { abs($0 - $1) / max(1, abs($1)) }.max()! }
    precondition(largestDifference < 1e-4, "the direct MLP's gradients differ from ours by \(largestDifference)")
    let times = compare({
        store.zeroGradients()
        (network(input) * outputWeights).sum().backward()
    }, reference: {
        store.zeroGradients()
        reference.forwardBackward(input: input, outputWeights: outputWeights)
    })
    report("mlp_64x64_tanh_forward_backward_batch512", value: times.ours * 1e3, unit: "ms",
           reference: times.reference * 1e3, ratio: times.ours / times.reference,
           extra: ["reference_source": "the same MLP written directly against cblas_sgemm, same run"])
}

// CleanRL's CartPole agent (separate 64-64 tanh actor and critic MLPs): forward, a
// PPO-shaped loss and backward into the flat gradient buffer, on a minibatch of 512.
group("mlp-actor-critic") {
    let batch = 512
    let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
    let observations = ObservationBatch(floats: Tensor.randomNormal([batch, 4], using: &generator))
    let actions = Tensor(shape: [batch, 1], values: (0..<batch).map { _ in Float(generator.nextInt(below: 2)) })
    let advantages = Tensor.randomNormal([batch], using: &generator)
    let returns = Tensor.randomNormal([batch], using: &generator)
    let oldLogProbabilities = Tensor(shape: [batch], repeating: -Float(log(2.0)))
    let masks = Tensor(shape: [batch], repeating: 1)
    let noHidden = Tensor.zeros([batch, 0])
    let time = median(secondsPerCall {
        let output = model.forward(observations: observations, masks: masks, hidden: noHidden, steps: 1, environments: batch)
        let policy = output.distribution
        let ratio = (policy.logProbability(of: actions) - oldLogProbabilities).exp()
        let policyLoss = -minimum(ratio * advantages, ratio.clamped(to: 0.8, 1.2) * advantages).mean()
        let valueLoss = 0.5 * (output.values - returns).squared().mean()
        let loss = policyLoss + 0.5 * valueLoss - 0.01 * policy.entropy().mean()
        model.parameters.zeroGradients()
        loss.backward()
    })
    report("mlp_64x64_tanh_actor_critic_forward_backward_batch512", value: time * 1e3, unit: "ms")

    // One rollout step of 8 environments, as the engine runs it: without gradients,
    // with and without a buffer pool.
    let rolloutObservations = ObservationBatch(floats: Tensor.randomNormal([8, 4], using: &generator))
    let rolloutMasks = Tensor(shape: [8], repeating: 1)
    let rolloutHidden = Tensor.zeros([8, 0])
    let pool = TensorBufferPool()
    let pooledTime = median(secondsPerCall {
        _ = withoutGradients(reusing: pool) {
            model.forward(observations: rolloutObservations, masks: rolloutMasks, hidden: rolloutHidden, steps: 1, environments: 8)
        }
    })
    report("mlp_64x64_tanh_actor_critic_rollout_forward_batch8_pooled", value: pooledTime * 1e6, unit: "µs")
    let unpooledTime = median(secondsPerCall {
        _ = withoutGradients {
            model.forward(observations: rolloutObservations, masks: rolloutMasks, hidden: rolloutHidden, steps: 1, environments: 8)
        }
    })
    report("mlp_64x64_tanh_actor_critic_rollout_forward_batch8", value: unpooledTime * 1e6, unit: "µs")
}

// The MiniGrid recurrent actor-critic (7×7×3 codes, embedding 8, 128 units, GRU): an update
// over 32 steps of 16 environments, and one rollout step of 16 environments.
group("recurrent") {
    let (steps, environments) = (32, 16)
    let model = RecurrentActorCritic(observationShape: [7, 7, 3], actionCount: 7, hiddenSize: 128, seed: 1)
    let codeCounts = [11, 6, 3]
    let codes = Tensor(shape: [steps * environments, 147], values: (0..<steps * environments * 147).map { index in
        Float(generator.nextInt(below: codeCounts[index % 3]))
    })
    let observations = ObservationBatch(floats: codes)
    let masks = Tensor(shape: [steps * environments], values: (0..<steps * environments).map { _ in generator.nextInt(below: 20) == 0 ? 0 : 1 })
    let hidden = Tensor.zeros([environments, 128])
    let actions = Tensor(shape: [steps * environments, 1], values: (0..<steps * environments).map { _ in Float(generator.nextInt(below: 7)) })
    let returns = Tensor.randomNormal([steps * environments], using: &generator)
    let updateTime = median(secondsPerCall {
        let output = model.forward(observations: observations, masks: masks, hidden: hidden, steps: steps, environments: environments)
        let loss = -output.distribution.logProbability(of: actions).mean() + 0.5 * (output.values - returns).squared().mean()
        model.parameters.zeroGradients()
        loss.backward()
    })
    report("gru_actor_critic_minigrid_forward_backward_T32_N16", value: updateTime * 1e3, unit: "ms")

    let pool = TensorBufferPool()
    let stepObservations = ObservationBatch(floats: codes.slice(rows: 0..<environments))
    let stepMasks = masks.slice(rows: 0..<environments)
    let stepTime = median(secondsPerCall {
        _ = withoutGradients(reusing: pool) {
            model.forward(observations: stepObservations, masks: stepMasks, hidden: hidden, steps: 1, environments: environments)
        }
    })
    report("gru_actor_critic_minigrid_rollout_forward_N16", value: stepTime * 1e6, unit: "µs")
}

// Groups that run under mpirun or with the allocation counter (see the files of the same names).
group("allreduce") { allReduceComparison() }
group("update-split") { updateSplit() }
group("flop-limit") { flopLimits() }
group("rollout-allocations") {
    rolloutAllocations()
    updateAllocations()
    convolutionalActAllocations()
}
group("minigrid-costs") { miniGridCosts() }
group("optimizer") { optimizerCosts() }
group("gymnasium") { measureGymnasiumBridge() }
group("pixel-baselines") { pixelBaselines() }

/// The 64-64 tanh MLP's forward and backward pass by hand: `y = tanh(x W₁ᵀ + b₁)` etc.,
/// each product one sgemm into a buffer allocated once, reading and writing the same
/// parameter store as the layers, so that both sides compute the same numbers.
final class DirectMLP {
    let store: ParameterStore
    let sizes: [Int]
    let batch: Int
    /// activations[0] is the input; activations[l + 1] the output of layer l (`batch × sizes[l + 1]`).
    let activations: [UnsafeMutablePointer<Float>]
    /// d(loss)/d(pre-activation), laid out like `activations`.
    let deltas: [UnsafeMutablePointer<Float>]

    init(store: ParameterStore, sizes: [Int], batch: Int) {
        self.store = store
        self.sizes = sizes
        self.batch = batch
        activations = sizes.map { .allocate(capacity: batch * $0) }
        deltas = sizes.map { .allocate(capacity: batch * $0) }
    }

    deinit {
        (activations + deltas).forEach { $0.deallocate() }
    }

    func forwardBackward(input: Tensor, outputWeights: Tensor) {
        let layerCount = sizes.count - 1
        input.withUnsafeBufferPointer { activations[0].update(from: $0.baseAddress!, count: $0.count) }
        outputWeights.withUnsafeBufferPointer { deltas[layerCount].update(from: $0.baseAddress!, count: $0.count) }
        store.withValues { values in
            store.withGradients { gradients in
                let entries = store.entries
                for layer in 0..<layerCount {
                    let (inputSize, outputSize) = (sizes[layer], sizes[layer + 1])
                    let (x, y) = (activations[layer], activations[layer + 1])
                    let bias = values.baseAddress! + entries[2 * layer + 1].offset
                    for row in 0..<batch { (y + row * outputSize).update(from: bias, count: outputSize) }
                    BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: outputSize, k: inputSize,
                              a: x, b: values.baseAddress! + entries[2 * layer].offset, beta: 1, c: y)
                    if layer < layerCount - 1 {
                        for i in 0..<batch * outputSize { y[i] = ScalarMath.tanh(y[i]) }
                    }
                }
                for layer in stride(from: layerCount - 1, through: 0, by: -1) {
                    let (inputSize, outputSize) = (sizes[layer], sizes[layer + 1])
                    let (x, y, delta) = (activations[layer], activations[layer + 1], deltas[layer + 1])
                    if layer < layerCount - 1 {
                        for i in 0..<batch * outputSize { delta[i] *= 1 - y[i] * y[i] }
                    }
                    BLAS.gemm(transposeA: true, transposeB: false, m: outputSize, n: inputSize, k: batch,
                              a: delta, b: x, beta: 1, c: gradients.baseAddress! + entries[2 * layer].offset)
                    BLAS.addColumnSums(delta, rowCount: batch, columns: outputSize, into: gradients.baseAddress! + entries[2 * layer + 1].offset)
                    if layer > 0 {
                        BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: inputSize, k: outputSize,
                                  a: delta, b: values.baseAddress! + entries[2 * layer].offset, beta: 0, c: deltas[layer])
                    }
                }
            }
        }
    }
}

// The convolutional encoders' forward and backward at batch 128. scripts/bench.sh runs
// this group in alternation with PyTorch's same networks and reports the ratio.
group("conv") {
    for (name, milliseconds) in convolutionEncoderCosts(rounds: 5, using: &generator) {
        report("conv_\(name)_forward_backward_batch128", value: milliseconds, unit: "ms",
               extra: ["note": "UInt8 images scaled by 1/255, encoder forward, sum(w*y), backward; median of 5"])
    }
}
