#if canImport(Glibc)
import Glibc
#endif
import ExptrainMPI
import ExptrainNN
import ExptrainTensor

/// Where the time of one cartpole-ppo update goes, per rank (run under `mpirun -np N`):
/// the trainer's update (`OnPolicyTrainer.update`) written out with the same pieces and
/// sizes — rollout of 4 environments × 128 steps, GAE, then 4 epochs × 4 minibatches of
/// 128 steps: minibatch, forward, PPO loss (clipped surrogate, clipped value loss,
/// entropy, advantage normalisation), backward; the gradient all-reduce; global-norm
/// clipping and Adam. Each phase is timed on its own; medians over 30 updates.
func updateSplit() {
    let world = Reporting.world()
    let (environments, steps, minibatches, epochs) = (4, 128, 4, 4)
    let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
    try! model.parameters.withValues { try world.broadcast($0, root: 0) }
    let rollout = CartPoleRollout(model: model, environments: environments, steps: steps, tensorPath: false, seed: UInt64(100 + world.rank))
    let optimizer = Adam(learningRate: 2.5e-4, eps: 1e-5)
    var advantages = [Float](repeating: 0, count: steps * environments)
    var returns = [Float](repeating: 0, count: steps * environments)
    let clock = ContinuousClock()
    let phases = ["rollout", "advantages", "forward_backward", "allreduce", "optimizer"]
    var times = [[Double]](repeating: [], count: phases.count)

    for update in 0..<35 {
        var elapsed = [Double](repeating: 0, count: phases.count)
        elapsed[0] = seconds(clock.measure { rollout.collect() })
        elapsed[1] = seconds(clock.measure {
            generalizedAdvantages(rollout, steps: steps, environments: environments, advantages: &advantages, returns: &returns)
        })
        let units = steps * environments
        let size = units / minibatches
        for _ in 0..<epochs {
            var order = Array(0..<units)
            for i in stride(from: units - 1, to: 0, by: -1) { order.swapAt(i, rollout.generator.nextInt(below: i + 1)) }
            for m in 0..<minibatches {
                let chosen = Array(order[(m * size)..<((m + 1) * size)])
                elapsed[2] += seconds(clock.measure {
                    let observations = Tensor(shape: [size, 4], values: chosen.flatMap { i in
                        (0..<4).map { rollout.observations[i * 4 + $0] }
                    })
                    let output = model.forward(
                        observations: observations, masks: Tensor(shape: [size], repeating: 1),
                        hidden: Tensor.zeros([size, 0]), steps: 1, environments: size)
                    let loss = ppoLoss(
                        output: output, actions: chosen.map { rollout.actions[$0] },
                        oldLogProbabilities: chosen.map { rollout.logProbabilities[$0] },
                        oldValues: chosen.map { rollout.values[$0] },
                        advantages: chosen.map { advantages[$0] }, returns: chosen.map { returns[$0] })
                    let scaled = loss * (1 / Float(world.size))
                    model.parameters.zeroGradients()
                    scaled.backward()
                })
                elapsed[3] += seconds(clock.measure {
                    try! model.parameters.withGradients { try world.allReduce($0, .sum) }
                })
                elapsed[4] += seconds(clock.measure {
                    _ = clipGlobalNorm(model.parameters, maxNorm: 0.5)
                    optimizer.step(parameters: model.parameters, learningRate: 2.5e-4)
                })
            }
        }
        rollout.carryOver()
        if update >= 5 { for p in phases.indices { times[p].append(elapsed[p]) } }
    }
    let medians = times.map(median)
    let total = medians.reduce(0, +)
    let ranks = "\(world.size) rank\(world.size == 1 ? "" : "s")"
    for (phase, time) in zip(phases, medians) {
        report("cartpole_ppo_update_\(phase)_np\(world.size)", value: time * 1e3, unit: "ms/update",
               extra: ["note": "share \(Int((100 * time / total).rounded()))% of an update (rank 0 of \(ranks), 512 env steps/rank, 16 minibatches)"])
    }
    report("cartpole_ppo_update_total_np\(world.size)", value: total * 1e3, unit: "ms/update",
           extra: ["note": "sum of the phases' medians; ≈ \(Int(Double(steps * environments * world.size) / total)) env steps/s over \(ranks)"])
    report("cartpole_ppo_update_communication_share_np\(world.size)", value: medians[3] / total, unit: "fraction",
           extra: ["note": "gradient all-reduce time (16 per update, including waiting for the other ranks) ÷ update time"])
}

/// GAE(γ 0.99, λ 0.95) over the rollout, as `AdvantageEstimator.generalized`.
func generalizedAdvantages(
    _ rollout: CartPoleRollout, steps: Int, environments: Int, advantages: inout [Float], returns: inout [Float]
) {
    let (gamma, lambda): (Float, Float) = (0.99, 0.95)
    for e in 0..<environments {
        var nextAdvantage: Float = 0
        var nextValue = rollout.bootstrapValues[e]
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let i = t * environments + e
            let continues = 1 - rollout.episodeEnded[i]
            let delta = rollout.rewards[i] + gamma * nextValue * continues - rollout.values[i]
            nextAdvantage = delta + gamma * lambda * continues * nextAdvantage
            advantages[i] = nextAdvantage
            returns[i] = nextAdvantage + rollout.values[i]
            nextValue = rollout.values[i]
        }
    }
}

/// CleanRL's PPO loss, as the engine's `ppoLoss` (clip 0.2, value 0.5, entropy 0.01).
func ppoLoss(
    output: ActorCriticOutput, actions: [Int], oldLogProbabilities: [Float], oldValues: [Float],
    advantages: [Float], returns: [Float]
) -> Tensor {
    let n = actions.count
    let mean = advantages.reduce(0, +) / Float(n)
    let std = (advantages.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(n - 1)).squareRoot()
    let normalized = Tensor(shape: [n], values: advantages.map { ($0 - mean) / (std + 1e-8) })
    let policy = Categorical(logits: output.logits)
    let ratio = (policy.logProbability(of: actions) - Tensor(shape: [n], values: oldLogProbabilities)).exp()
    let policyLoss = maximum(-normalized * ratio, -normalized * ratio.clamped(to: 0.8, 1.2)).mean()
    let returnsTensor = Tensor(shape: [n], values: returns)
    let old = Tensor(shape: [n], values: oldValues)
    let unclipped = (output.values - returnsTensor).squared()
    let clippedValues = old + (output.values - old).clamped(to: -0.2, 0.2)
    let valueLoss = 0.5 * maximum(unclipped, (clippedValues - returnsTensor).squared()).mean()
    return policyLoss + 0.5 * valueLoss - 0.01 * policy.entropy().mean()
}
