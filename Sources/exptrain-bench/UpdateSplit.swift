#if canImport(Glibc)
import Glibc
#endif
import ExptrainMPI
import ExptrainNN
import ExptrainOnPolicy
import ExptrainTensor

/// Where the time of one cartpole-ppo update goes, per rank (run under `mpirun -np N`):
/// `OnPolicyTrainer.update` run with the engine's own pieces at its sizes — a
/// `RolloutCollector` rollout of 4 environments × 128 steps, `RolloutStorage.computeAdvantages`
/// (GAE γ 0.99, λ 0.95), then 4 epochs × 4 minibatches of 128 single steps shuffled with
/// the collector's generator: the trainer's fused step (`FusedMLPStep`: forward, `PPOLoss()`
/// with CleanRL's defaults, backward); a barrier (the time spent waiting for the slower
/// rank: what its arrival skew costs), then one all-reduce of the flat gradients (the
/// collective itself, both ranks already there); `clipGlobalNorm` and Adam. Each phase is
/// timed on its own; medians over 30 updates.
/// Left out: the trainer's one small control all-reduce per update (preemption, step and
/// sample counts), its diagnostics and its learning-rate schedule (constant here).
func updateSplit() {
    let world = Reporting.world()
    let (environments, steps, minibatches, epochs) = (4, 128, 4, 4)
    let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
    try! model.parameters.withValues { try world.broadcast($0, root: 0) }
    let (collector, storage) = cartPoleCollector(
        model: model, environments: environments, steps: steps, samplerSeed: UInt64(100 + world.rank), seed: 11)
    let loss = PPOLoss()
    let optimizer = Adam(learningRate: 2.5e-4, eps: 1e-5)
    let clock = ContinuousClock()
    let fused = FusedMLPStep(model: model, losses: [loss], weights: [1])!
    let phases = ["rollout", "advantages", "forward_backward", "wait", "allreduce", "optimizer"]
    var times = [[Double]](repeating: [], count: phases.count)
    var episodes = 0

    for update in 0..<35 {
        var elapsed = [Double](repeating: 0, count: phases.count)
        elapsed[0] = seconds(clock.measure { collectRollout(collector, into: storage, episodes: &episodes) })
        elapsed[1] = seconds(clock.measure { storage.computeAdvantages(gamma: 0.99, lambda: 0.95, useGAE: true) })
        let units = storage.collectedSteps * environments
        let size = units / minibatches
        let globalMinibatchSamples = size * world.size  // the trainer sums them in its control all-reduce
        for _ in 0..<epochs {
            // OnPolicyTrainer.shuffled: Fisher–Yates with the collector's generator.
            var order = Array(0..<units)
            for i in stride(from: units - 1, to: 0, by: -1) { order.swapAt(i, collector.generator.nextInt(below: i + 1)) }
            for m in 0..<minibatches {
                let chosen = order[(m * size)..<((m + 1) * size)]
                elapsed[2] += seconds(clock.measure {
                    // Weighted by the rank's share of the minibatch's samples over all ranks, as the trainer does.
                    _ = fused.step(storage, samples: chosen, gradientScale: Float(size) / Float(globalMinibatchSamples))
                })
                elapsed[3] += seconds(clock.measure { try! world.barrier() })
                elapsed[4] += seconds(clock.measure {
                    try! model.parameters.withGradients { try world.allReduce($0, .sum) }
                })
                elapsed[5] += seconds(clock.measure {
                    _ = clipGlobalNorm(model.parameters, maxNorm: 0.5)
                    optimizer.step(parameters: model.parameters, learningRate: 2.5e-4)
                })
            }
        }
        storage.carryOverLastStep()
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
    report("cartpole_ppo_update_communication_share_np\(world.size)", value: (medians[3] + medians[4]) / total, unit: "fraction",
           extra: ["note": "waiting for the other rank plus the gradient all-reduce (16 per update) ÷ update time; wait \(json(medians[3] * 1e3)) ms, all-reduce \(json(medians[4] * 1e3)) ms"])
}
