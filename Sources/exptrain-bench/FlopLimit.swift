import ExptrainNN
import ExptrainOnPolicy
import ExptrainRandom
import ExptrainTensor

/// The shapes of one built-in MLP experiment's update at one rank: its two 64-64 networks,
/// its rollout and its minibatches.
private struct MLPUpdateShape {
    let tag: String
    let observationSize: Int
    /// The actor's outputs (logits, or a Gaussian's means); the critic has one.
    let actorOutputs: Int
    let environments: Int
    let numSteps: Int
    let epochs: Int
    let minibatches: Int
    let hidden = [64, 64]

    var stepsPerUpdate: Int { environments * numSteps }

    /// One `sgemm` of the update: `op(A)·op(B)` with `C` `[m, n]`, inner size `k`, and `beta`.
    struct Call {
        let transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, beta: Float
        var flop: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// The sgemm calls of one update, as the engine makes them: every rollout step's
    /// forward of both networks at `environments` rows, then per minibatch the forward at
    /// its rows (`x·Wᵀ`, or `x·(Wᵀ)` untransposed where `MLPActorCritic.act` and
    /// `FusedMLPStep` multiply by a copied transpose), and the backward (`dx = dy·W` into a
    /// fresh buffer for every layer but the first, `dW += dyᵀ·x` for every layer).
    var calls: [Call] {
        var calls: [Call] = []
        let networks = [[observationSize] + hidden + [actorOutputs], [observationSize] + hidden + [1]]
        func forward(rows: Int, copiesTransposes: Bool) {
            for sizes in networks {
                for layer in 0..<(sizes.count - 1) {
                    let untransposed = copiesTransposes && sizes[layer + 1] >= Linear.transposedWeightMinimumOutputs
                    calls.append(Call(transposeA: false, transposeB: !untransposed, m: rows, n: sizes[layer + 1], k: sizes[layer], beta: 1))
                }
            }
        }
        for _ in 0..<numSteps { forward(rows: environments, copiesTransposes: true) }
        let rows = stepsPerUpdate / minibatches
        for _ in 0..<(epochs * minibatches) {
            forward(rows: rows, copiesTransposes: rows >= FusedMLPStep.transposedProductRows)
            for sizes in networks {
                for layer in stride(from: sizes.count - 2, through: 0, by: -1) {
                    let (input, output) = (sizes[layer], sizes[layer + 1])
                    if layer > 0 { calls.append(Call(transposeA: false, transposeB: false, m: rows, n: input, k: output, beta: 0)) }
                    calls.append(Call(transposeA: true, transposeB: false, m: output, n: input, k: rows, beta: 1))
                }
            }
        }
        return calls
    }
}

/// The FLOP limit of each built-in MLP experiment (issue 15): the FLOP of one update's
/// sgemm calls per environment step, and the time this machine's `cblas_sgemm` takes for
/// exactly those calls (shapes, transposes; median of repetitions), so that
/// `limit = environment steps per update ÷ sgemm seconds per update` is the steps/s the
/// trainer would reach if nothing but its matrix products cost. scripts/bench.sh divides
/// the measured steps/s by it.
func flopLimits() {
    let shapes = [
        MLPUpdateShape(tag: "cartpole-ppo", observationSize: 4, actorOutputs: 2, environments: 4, numSteps: 128, epochs: 4, minibatches: 4),
        MLPUpdateShape(tag: "acrobot-ppo", observationSize: 6, actorOutputs: 3, environments: 4, numSteps: 128, epochs: 4, minibatches: 4),
        MLPUpdateShape(tag: "cartpole-a2c", observationSize: 4, actorOutputs: 2, environments: 8, numSteps: 16, epochs: 1, minibatches: 1),
        MLPUpdateShape(tag: "pendulum-ppo", observationSize: 3, actorOutputs: 1, environments: 4, numSteps: 1024, epochs: 10, minibatches: 64),
        MLPUpdateShape(tag: "mountaincar-continuous-ppo", observationSize: 2, actorOutputs: 1, environments: 4, numSteps: 256, epochs: 10, minibatches: 4),
    ]
    var generator = RandomGenerator(seed: 15)
    for shape in shapes {
        let calls = shape.calls
        let largest = calls.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max()!
        let operands = (0..<3).map { _ in Tensor.randomNormal([largest], using: &generator) }
        let (a, b, c) = (operands[0], operands[1], operands[2])
        let flop = calls.reduce(0) { $0 + $1.flop }
        let seconds = median(secondsPerCall(target: 0.2) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        for call in calls {
                            BLAS.gemm(transposeA: call.transposeA, transposeB: call.transposeB, m: call.m, n: call.n, k: call.k,
                                      a: a.baseAddress!, b: b.baseAddress!, beta: call.beta, c: c.baseAddress!)
                        }
                    }
                }
            }
        })
        let name = shape.tag.replacingOccurrences(of: "-", with: "_")
        let flopPerStep = flop / Double(shape.stepsPerUpdate)
        report("\(name)_flop_per_step", value: flopPerStep, unit: "FLOP/env step",
               extra: ["note": "the sgemm FLOP (2mnk) of one update at 1 rank ÷ its \(shape.stepsPerUpdate) env steps: rollout forward of both 64-64 networks, \(shape.epochs) epochs × \(shape.minibatches) minibatches of forward + backward"])
        report("\(name)_sgemm_gflops_at_its_shapes", value: flop / seconds / 1e9, unit: "GFLOP/s",
               extra: ["note": "cblas_sgemm over exactly the \(calls.count) calls of one update (same shapes, transposes and beta), median of \(repetitions) repetitions, 1 thread"])
        report("\(name)_flop_limit_steps_per_second", value: Double(shape.stepsPerUpdate) / seconds, unit: "env steps/s",
               extra: ["note": "env steps per update ÷ the sgemm time of one update: the steps/s at 1 rank if nothing but the matrix products cost"])
    }
}
