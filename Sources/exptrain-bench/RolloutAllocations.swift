#if canImport(Glibc)
import Glibc
#endif
import ExptrainNN
import Foundation

/// The LD_PRELOAD counter of scripts/bench/malloc_count.c, if it is loaded.
enum AllocationCounter {
    private typealias CountFunction = @convention(c) () -> UInt64
    private static let function: CountFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "exptrain_malloc_count") else { return nil }
        return unsafeBitCast(symbol, to: CountFunction.self)
    }()

    static var isAvailable: Bool { function != nil }
    static var count: UInt64 { function?() ?? 0 }
}

/// Heap allocations per environment step of the CartPole rollout (4 environments, as
/// cartpole-ppo), in steady state: after two warm-up rollouts, over 20 rollouts of 128
/// steps. Counted by the LD_PRELOAD shim, so everything counts: tensors, arrays, tasks.
/// Both the engine's path (`act` into kept buffers) and the tensor path (`forward` without
/// gradients, as before `act`) are measured.
func rolloutAllocations() {
    guard AllocationCounter.isAvailable else {
        report("rollout_allocations_per_step", value: -1, unit: "allocations/step",
               extra: ["note": "not measured: run with LD_PRELOAD of scripts/bench/malloc_count.c (scripts/bench.sh does)"])
        return
    }
    let environments = 4
    for tensorPath in [false, true] {
        let model = MLPActorCritic(observationSize: 4, actionCount: 2, seed: 1)
        let rollout = CartPoleRollout(model: model, environments: environments, steps: 128, tensorPath: tensorPath, seed: 5)
        for _ in 0..<2 { rollout.collect(); rollout.carryOver() }
        let rollouts = 20
        let episodesBefore = rollout.finishedEpisodes
        let inferenceBefore = rollout.inferenceAllocations
        let before = AllocationCounter.count
        for _ in 0..<rollouts { rollout.collect(); rollout.carryOver() }
        let allocations = Double(AllocationCounter.count - before)
        let steps = Double(rollouts * 128 * environments)
        let episodes = rollout.finishedEpisodes - episodesBefore
        let name = tensorPath ? "rollout_allocations_per_step_tensor_path" : "rollout_allocations_per_step_engine_path"
        let how = tensorPath ? "forward on tensors without gradients (the path before act)" : "model.act into kept buffers, as RolloutCollector does"
        let inference = Double(rollout.inferenceAllocations - inferenceBefore)
        report(name, value: allocations / steps, unit: "allocations/env step",
               extra: ["note": "CartPole, MLPActorCritic 64-64, 4 envs, \(how), everything counted; \(Int(steps)) env steps, \(episodes) episodes ended (each makes a new task)"])
        report(name.replacingOccurrences(of: "rollout_allocations", with: "rollout_inference_allocations"),
               value: inference / steps, unit: "allocations/env step",
               extra: ["note": "the same rollout, counting only the policy's forward and sampling"],
               target: tensorPath ? nil : "0", met: tensorPath ? nil : inference == 0)
    }
}
